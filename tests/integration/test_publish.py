"""Publishing and withdrawing: the service rules, and the same action through UI, API and CLI.

``make_documents`` is shared with test_harvest.py and test_oai.py: real ingest -> extraction (rq) ->
confirmed category, so documents reach 'ready' the way an officer's would.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.factories import unique_mark
from woo.adapters.models import Document, Event, User
from woo.app import create_app
from woo.domain import tooi
from woo.services import accounts, classification, publication
from woo.services.context import SYSTEM

WOO_VERZOEK = tooi.category_by_code("infocat014").uri
ONDERZOEK = tooi.category_by_code("infocat015").uri
PRIVACY = "correctie_privacygevoelige_gegevens"


# A document's own date and enough Dutch to recognise its language: publication needs both (it asks the
# officer otherwise, see test_publication_asks_for_date_and_language).
DATED = ("Dit stuk is vastgesteld op 3 maart 2024 en wordt met de bijbehorende stukken bewaard bij de "
         "organisatie, zodat iedereen die het wil lezen het later kan terugvinden.")


def answered(doc_ids, title: str | None = None) -> dict:
    """What the officer types in the publish form when the text gives no date and no language (and, with
    ``title``, no confirmed title): ``publication.publish(..., metadata=answered(ids))``."""
    return {i: publication.publish_fields(title, "2024-03-01", "vaststelling", "nl") for i in doc_ids}


def make_pdf(path: Path, lines: list[str], dated: bool = True) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines + ([DATED] if dated else []):
        pdf.multi_cell(0, 8, line)
        pdf.ln()
    pdf.output(str(path))
    return path


def make_documents(ctx, tmp_path: Path, specs: list[tuple[str, str | None]]) -> list[str]:
    """Ingest one PDF per (title, category URI or None) and confirm the category where given."""
    from woo.services.ingest import ingest

    with ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    ids = []
    for i, (title, _) in enumerate(specs):
        pdf = make_pdf(tmp_path / f"stuk-{i}.pdf", [title, f"Kenmerk {unique_mark()}"])
        result = ingest(ctx, SYSTEM, org_id, f"stuk-{i}.pdf", path=pdf, source="cli", title=title)
        assert result.status == "accepted", result.reason
        ids.append(result.document_id)
    drain(ctx)
    for doc_id, (_, category) in zip(ids, specs):
        if category:
            classification.set_category(ctx, SYSTEM, doc_id, category)
    return ids


def test_publish_only_ready_documents_then_withdraw(woo_ctx, tmp_path):
    ready, concept = make_documents(woo_ctx, tmp_path, [("Besluit op Woo-verzoek", WOO_VERZOEK),
                                                        ("Concept zonder categorie", None)])
    result = publication.publish(woo_ctx, SYSTEM, [ready, concept, "bestaat-niet"])
    assert result.published == [ready]
    assert any("informatiecategorie" in r for r in result.refused[concept])
    assert result.refused["bestaat-niet"] == ["Document bestaat niet."]
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, ready)
        assert doc.status == "published" and doc.published_at is not None
        assert s.get(Document, concept).status == "concept"
        events = s.execute(select(Event.action).where(Event.document_id == ready)).scalars().all()
        assert "document.published" in events

    # publishing twice is refused (already published), withdrawing needs a TOOI reason
    assert ready in publication.publish(woo_ctx, SYSTEM, [ready]).refused
    with pytest.raises(publication.PublicationError, match="Onbekende reden"):
        publication.withdraw(woo_ctx, SYSTEM, [ready], "geen zin meer")
    with pytest.raises(publication.PublicationError, match="niet gepubliceerd"):
        publication.withdraw(woo_ctx, SYSTEM, [concept], PRIVACY)
    assert publication.withdraw(woo_ctx, SYSTEM, [ready], PRIVACY) == [ready]
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, ready)
        assert doc.status == "withdrawn" and doc.withdrawn_at is not None
        assert doc.withdraw_reason == tooi.reden_verwijdering(PRIVACY).uri


def test_correct_replaces_public_file_and_bumps_lastmod(woo_ctx, tmp_path):
    (doc_id,) = make_documents(woo_ctx, tmp_path, [("Onderzoek naar de haven", ONDERZOEK)])
    publication.publish(woo_ctx, SYSTEM, [doc_id])
    with woo_ctx.unit_of_work() as s:
        before = s.get(Document, doc_id).updated_at
    fixed = make_pdf(tmp_path / "gecorrigeerd.pdf", ["Onderzoek naar de haven, gecorrigeerde versie."])
    publication.correct(woo_ctx, SYSTEM, doc_id, fixed, "onderzoek.pdf", PRIVACY)
    with woo_ctx.unit_of_work() as s:  # first through the gate, like any publication
        assert publication.public_file(s.get(Document, doc_id)).role == "redacted"
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert publication.public_file(doc).role == "published"
        import fitz

        with fitz.open(stream=woo_ctx.store.get_bytes(publication.public_file(doc).object_key), filetype="pdf") as pdf:
            assert "gecorrigeerde versie" in " ".join(page.get_text() for page in pdf)
        assert doc.updated_at > before and doc.file("original") is not None
    empty = tmp_path / "leeg.pdf"
    empty.write_bytes(b"")
    with pytest.raises(publication.PublicationError, match="leeg"):
        publication.correct(woo_ctx, SYSTEM, doc_id, empty, "leeg.pdf")


@pytest.fixture
def app(woo_ctx):
    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    return app


def test_api_publish_and_withdraw(app, woo_ctx, tmp_path):
    ready, concept = make_documents(woo_ctx, tmp_path, [("Jaarverslag", WOO_VERZOEK), ("Nog een concept", None)])
    with woo_ctx.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        reader = accounts.create_token(s, SYSTEM, admin, "alleen lezen", "read")
        secret = accounts.create_token(s, SYSTEM, admin, "publicatie", "read publish")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}

    assert client.post(f"/api/v1/documents/{ready}/publish",
                       headers={"Authorization": f"Bearer {reader}"}).status_code == 403
    refused = client.post(f"/api/v1/documents/{concept}/publish", headers=auth)
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert any("informatiecategorie" in r for r in refused.get_json()["reasons"])
    ok = client.post(f"/api/v1/documents/{ready}/publish", headers=auth)
    assert ok.status_code == 200 and ok.get_json()["status"] == "published" and ok.get_json()["published_at"]

    assert client.post(f"/api/v1/documents/{ready}/withdraw", headers=auth, json={}).status_code == 422
    gone = client.post(f"/api/v1/documents/{ready}/withdraw", headers=auth, json={"reason": PRIVACY})
    assert gone.status_code == 200 and gone.get_json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/documents/{ready}/withdraw", headers=auth,
                       json={"reason": PRIVACY}).status_code == 409
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/documents/{document_id}/publish"] and "/documents/{document_id}/withdraw" in paths


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_publish_button_on_document_page(app, woo_ctx, tmp_path):
    (doc_id,) = make_documents(woo_ctx, tmp_path, [("Convenant sportpark", WOO_VERZOEK)])
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    page = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    assert "Publiceren" in page
    resp = client.post(f"/documenten/{doc_id}/publiceren", data={"csrf_token": _csrf(page)})
    assert resp.status_code == 302
    page = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    assert "Het document is gepubliceerd." in page and "Intrekken" in page and "Gepubliceerd" in page
    # withdrawal asks for confirmation
    client.post(f"/documenten/{doc_id}/intrekken", data={"csrf_token": _csrf(page), "reden": PRIVACY})
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).status == "published"
    client.post(f"/documenten/{doc_id}/intrekken", data={"csrf_token": _csrf(page), "reden": PRIVACY,
                                                         "bevestig": "1"})
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).status == "withdrawn"


def test_cli_publish_all_ready_and_withdraw(woo_ctx, tmp_path):
    from woo.cli_publish import publish_command, withdraw_command

    ready, concept = make_documents(woo_ctx, tmp_path, [("Advies over parkeren", WOO_VERZOEK), ("Concept", None)])
    env, data = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")]
    refused = CliRunner().invoke(publish_command, [concept, *data], env=env)
    assert refused.exit_code == 1 and "geweigerd: 1" in refused.output and "informatiecategorie" in refused.output
    result = CliRunner().invoke(publish_command, ["--all-ready", *data], env=env)
    assert result.exit_code == 0, result.output
    assert "Gepubliceerd: 1, geweigerd: 0" in result.output
    bad = CliRunner().invoke(withdraw_command, [ready, "--reason", "zomaar", *data], env=env)
    assert bad.exit_code == 1 and "Onbekende reden" in bad.output
    ok = CliRunner().invoke(withdraw_command, [ready, "--reason", "correctie_procedurele_fout", *data], env=env)
    assert ok.exit_code == 0 and "Ingetrokken: 1" in ok.output
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, ready).status == "withdrawn"


def test_publication_asks_for_date_and_language(app, woo_ctx, tmp_path):
    """A record carries only what is known: without a date in the text publication asks for the date and its
    handeling (never the upload time as a vaststelling), without recognisable text for the language; a file's
    own title property is a proposal, not a confirmed title."""
    from fpdf import FPDF

    from woo.publish.records import diwoo_record
    from woo.services.ingest import ingest

    pdf = FPDF()
    pdf.set_title("Notitie haven")  # the PDF's own Title property
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, f"Notitie haven {unique_mark()}")
    path = tmp_path / "notitie.pdf"
    pdf.output(str(path))
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    doc_id = ingest(woo_ctx, SYSTEM, org_id, "notitie.pdf", path=path, source="cli").document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc_id, ONDERZOEK)
    from woo.services import privacy

    with woo_ctx.unit_of_work() as s:
        found = [f.id for f in privacy.findings(s, doc_id)]
    if found:  # the PDF producer in the file's properties: not what this test is about
        privacy.decide(woo_ctx, SYSTEM, doc_id, found, privacy.ALLOW, reason="Testgegevens.")
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.title == "Notitie haven" and doc.language is None
    refused = publication.publish(woo_ctx, SYSTEM, [doc_id]).refused[doc_id]
    assert any("bestandsnaam" in r or "titel" in r for r in refused)  # the Title property is not confirmed
    assert any("datum van het document" in r.lower() for r in refused)
    assert any("taal" in r.lower() for r in refused)

    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    page = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    assert "Publiceren" in page, re.findall(r'class="need[^"]*"><strong>[^<]*</strong>: [^<]*', page)
    assert 'id="publish-title"' in page and 'id="publish-date"' in page and 'id="publish-language"' in page

    with woo_ctx.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        secret = accounts.create_token(s, SYSTEM, admin, "publicatie", "read publish")
    auth = {"Authorization": f"Bearer {secret}"}
    bad = client.post(f"/api/v1/documents/{doc_id}/publish", headers=auth,
                      json={"title": "Notitie haven", "date": "2024-05-02", "handeling": "goedkeuring"})
    assert bad.status_code == 400 and "handeling" in bad.get_json()["detail"].lower()
    ok = client.post(f"/api/v1/documents/{doc_id}/publish", headers=auth,
                     json={"title": "Notitie haven", "date": "2024-05-02", "handeling": "ondertekening",
                           "language": "Nederlands"})
    assert ok.status_code == 200, ok.get_json()
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.language == "nl"
        record = diwoo_record(doc, doc.organisation, publication.public_file(doc), "https://woo.example")
    (handeling,) = record.documenthandelingen
    assert handeling.soort == tooi.documenthandeling("ondertekening").uri
    assert str(handeling.at)[:10] == "2024-05-02"
    assert record.language == tooi.taal("nl").uri
