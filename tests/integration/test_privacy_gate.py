"""The privacy gate in the publication flow: found, blocked, decided, really redacted, published."""
from __future__ import annotations

import pypdfium2 as pdfium
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.factories import make_pdf
from tests.integration.test_publish import answered
from woo.adapters.models import Document, Event
from woo.domain import tooi
from woo.services import accounts, classification, privacy, publication
from woo.services.context import Actor
from woo.services.ingest import ingest

OFFICER = Actor("user", None, "officer-test")
BSN = "111222333"  # passes the elfproef
EMAIL = "j.jansen@example.nl"


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def test_findings_block_publication_until_redacted_for_real(woo_ctx, tmp_path):
    pdf = make_pdf(tmp_path / "besluit.pdf", [
        "Besluit op het verzoek om informatie. De aanvraag is deels toegewezen.",
        f"Verzoeker heeft BSN {BSN} en is bereikbaar via {EMAIL}. Met vriendelijke groet.",
    ], author="Jan Jansen")
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc_id = ingest(woo_ctx, OFFICER, org, "besluit.pdf", path=pdf).document_id
    drain(woo_ctx)
    woo_category = tooi.category_by_label("woo_verzoeken_en_besluiten").uri
    classification.set_category(woo_ctx, OFFICER, doc_id, woo_category)

    with woo_ctx.unit_of_work() as s:
        found = {(f.type, f.page, f.text) for f in privacy.findings(s, doc_id)}
    assert ("bsn", 2, BSN) in found and ("email", 2, EMAIL) in found
    assert any(t == "hidden" and "Jan Jansen" in text for t, _, text in found)  # author in docinfo

    refused = publication.publish(woo_ctx, OFFICER, [doc_id])
    assert doc_id in refused.refused
    assert any("nog niet beoordeeld" in r for r in refused.refused[doc_id])

    with woo_ctx.unit_of_work() as s:
        rows = privacy.findings(s, doc_id)
        personal = [f.id for f in rows if f.type in ("bsn", "email")]
        others = [f.id for f in rows if f.type not in ("bsn", "email")]
    privacy.decide(woo_ctx, OFFICER, doc_id, personal, "redact", ground="5.1.2e")
    if others:
        privacy.decide(woo_ctx, OFFICER, doc_id, others, "redact", ground="5.1.2e")

    result = publication.publish(woo_ctx, OFFICER, [doc_id], metadata=answered([doc_id], "Besluit op bezwaar"))
    assert result.published == [doc_id], result.refused

    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        public = publication.public_file(doc)
        assert public.role == "redacted"
        public_bytes = woo_ctx.store.get_bytes(public.object_key, public.version_id)
        original_bytes = woo_ctx.store.get_bytes(doc.file("original").object_key)
        decided = s.execute(select(Event).where(Event.document_id == doc_id,
                                                Event.action == "privacy.decided")).scalars().all()
    text = _pdf_text(public_bytes)
    assert BSN not in text and EMAIL not in text
    assert "deels toegewezen" in text and "5.1.2e" in text  # the rest stays; the box names its ground
    assert b"Jan Jansen" not in public_bytes  # no leftover metadata
    assert original_bytes == pdf.read_bytes()  # the original is kept unchanged (and unpublished)
    assert len(decided) == len(personal) + len(others)
    assert all(e.actor == "user:officer-test" and e.detail["decision"] == "redact" for e in decided)


def test_allow_needs_a_reason_and_redact_needs_a_ground(woo_ctx, tmp_path):
    import pytest

    pdf = make_pdf(tmp_path / "brief.pdf", [f"Contact: {EMAIL}"])
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc_id = ingest(woo_ctx, OFFICER, org, "brief.pdf", path=pdf).document_id
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        ids = [f.id for f in privacy.findings(s, doc_id)]
    with pytest.raises(privacy.PrivacyError):
        privacy.decide(woo_ctx, OFFICER, doc_id, ids, "allow", reason=" ")
    with pytest.raises(privacy.PrivacyError):
        privacy.decide(woo_ctx, OFFICER, doc_id, ids, "redact", ground="geen-grond")
    privacy.decide(woo_ctx, OFFICER, doc_id, ids, "allow", reason="Functioneel mailadres van de gemeente")
    with woo_ctx.unit_of_work() as s:
        assert all(f.decision == "allow" for f in privacy.findings(s, doc_id))
        assert privacy.blockers(s, s.get(Document, doc_id)) == []


def test_findings_resolved_over_api_and_cli(woo_ctx, tmp_path):
    from click.testing import CliRunner

    from woo.adapters.models import User
    from woo.app import create_app
    from woo.cli import main

    pdf = make_pdf(tmp_path / "brief.pdf", [f"Contact: {EMAIL}, BSN {BSN}."])
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        review_token = accounts.create_token(s, OFFICER, admin, "zaaksysteem", "read review")
        read_token = accounts.create_token(s, OFFICER, admin, "alleen-lezen", "read")
    doc_id = ingest(woo_ctx, OFFICER, org, "brief.pdf", path=pdf).document_id
    drain(woo_ctx)

    client = create_app(ctx=woo_ctx).test_client()
    url = f"/api/v1/documents/{doc_id}/privacy"
    assert client.get(url, headers={"Authorization": f"Bearer {read_token}"}).status_code == 403  # scope
    auth = {"Authorization": f"Bearer {review_token}"}
    body = client.get(url, headers=auth).get_json()
    email = next(f for f in body["findings"] if f["type"] == "email")
    assert email["text"] == EMAIL and any("nog niet beoordeeld" in b for b in body["blockers"])

    bad = client.post(url, headers=auth, json={"findings": [email["id"]], "decision": "redact", "ground": "x"})
    assert bad.status_code == 422 and "Woo-weigeringsgrond" in bad.get_json()["detail"]
    ok = client.post(url, headers=auth, json={"findings": [email["id"]], "decision": "allow",
                                              "reason": "Functioneel adres"})
    assert ok.status_code == 200
    assert next(f for f in ok.get_json()["findings"] if f["id"] == email["id"])["decision"] == "allow"

    s = woo_ctx.settings
    env = cli_env(s)
    listed = CliRunner().invoke(main, ["privacy", "findings", doc_id, "--data-dir", str(tmp_path / "d")], env=env)
    assert listed.exit_code == 0 and "nog beoordelen" in listed.output and BSN not in listed.output  # masked
    decided = CliRunner().invoke(main, ["privacy", "decide", doc_id, "--all-open", "--redact", "5.1.1e",
                                        "--user", "admin", "--data-dir", str(tmp_path / "d")], env=env)
    assert decided.exit_code == 0, decided.output
    with woo_ctx.unit_of_work() as sess:
        rows = privacy.findings(sess, doc_id)
        assert all(f.decision != "open" for f in rows)
        bsn = next(f for f in rows if f.type == "bsn")
        assert bsn.ground == "5.1.1e" and bsn.decided_by == "user:admin"
        assert privacy.blockers(sess, sess.get(Document, doc_id)) == []
