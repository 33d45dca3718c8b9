"""A correction (replace the public file of a published document) through UI, API and CLI: the harvester sees a
later <lastmod> in the sitemap and the same file URL serves the new bytes."""
from __future__ import annotations

import hashlib
import re
import time

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.integration.test_publish import ONDERZOEK, PRIVACY, WOO_VERZOEK, _csrf, make_documents, make_pdf
from woo.adapters.models import Document, Event, User
from woo.app import create_app
from woo.publish import sitemaps
from woo.services import accounts, publication
from woo.services.context import SYSTEM

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def client(woo_ctx):
    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    return app.test_client()


def _harvested(client, woo_ctx, doc_id: str, category) -> tuple[str, bytes]:
    """(lastmod in the category's sitemap, bytes at the file URL), the way a harvester reads them once the
    worker has written the feeds."""
    drain(woo_ctx)
    robots = client.get("/robots.txt").get_data(as_text=True)
    index_path = next(line.split(":", 1)[1].strip() for line in robots.splitlines()
                      if line.startswith("Sitemap:") and category.sitemapindex_code in line)
    index = etree.fromstring(client.get(index_path[index_path.index("/sitemaps/"):]).data)
    for loc in index.iter(f"{SM}loc"):
        urlset = etree.fromstring(client.get(loc.text[loc.text.index("/sitemaps/"):]).data)
        for url in urlset.iter(f"{SM}url"):
            href = url.find(f"{SM}loc").text
            if f"/publicaties/{doc_id}/bestand" in href:
                body = client.get(href[href.index("/publicaties/"):])
                assert body.status_code == 200
                return url.find(f"{SM}lastmod").text, body.data
    raise AssertionError(f"{doc_id} not in the sitemaps")


def _published(woo_ctx, tmp_path, title, category):
    (doc_id,) = make_documents(woo_ctx, tmp_path, [(title, category)])
    assert publication.publish(woo_ctx, SYSTEM, [doc_id]).published == [doc_id]
    return doc_id


def _pdf_text(data: bytes) -> str:
    import fitz

    with fitz.open(stream=data, filetype="pdf") as pdf:
        return " ".join(page.get_text() for page in pdf)


def _later(before: str, after: str) -> bool:
    from datetime import datetime
    return datetime.fromisoformat(after) > datetime.fromisoformat(before)


def test_correct_through_api_moves_lastmod_and_serves_new_bytes(client, woo_ctx, tmp_path):
    category = sitemaps.tooi.category_by_uri(WOO_VERZOEK)
    doc_id = _published(woo_ctx, tmp_path, "Besluit op Woo-verzoek over de haven", WOO_VERZOEK)
    before_mod, before_bytes = _harvested(client, woo_ctx, doc_id, category)
    with woo_ctx.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        reader = accounts.create_token(s, SYSTEM, admin, "lezen", "read")
        secret = accounts.create_token(s, SYSTEM, admin, "publicatie", "read publish")
    fixed = make_pdf(tmp_path / "besluit-gecorrigeerd.pdf", ["Besluit op Woo-verzoek, gecorrigeerde versie."])
    time.sleep(1.1)  # lastmod has second precision

    def post(token, **fields):
        data = {k: v for k, v in fields.items()}
        if "file" not in data:
            data["file"] = (fixed.open("rb"), "besluit.pdf")
        return client.post(f"/api/v1/documents/{doc_id}/correct", data=data,
                           headers={"Authorization": f"Bearer {token}"}, content_type="multipart/form-data")

    assert post(reader, reason=PRIVACY).status_code == 403
    assert post(secret, reason="geen reden").status_code == 422
    empty = tmp_path / "leeg.pdf"
    empty.write_bytes(b"")
    refused = post(secret, reason=PRIVACY, file=(empty.open("rb"), "leeg.pdf"))
    assert refused.status_code == 422 and "leeg" in refused.get_json()["detail"]
    ok = post(secret, reason=PRIVACY)
    # accepted, not yet public: the correction passes the gate (extraction, privacy scan) in the worker first
    assert ok.status_code == 202, ok.get_data(as_text=True)
    assert ok.get_json()["correction"]["published"] is False
    assert client.get(f"/publicaties/{doc_id}/bestand").data == before_bytes  # the old file stays public

    after_mod, after_bytes = _harvested(client, woo_ctx, doc_id, category)
    assert after_bytes != before_bytes and "gecorrigeerde versie" in _pdf_text(after_bytes)
    assert _later(before_mod, after_mod)
    with woo_ctx.unit_of_work() as s:
        events = s.execute(select(Event.action).where(Event.document_id == doc_id)).scalars().all()
        assert "document.corrected" in events

    # a withdrawn document cannot be corrected
    publication.withdraw(woo_ctx, SYSTEM, [doc_id], PRIVACY)
    assert post(secret, reason=PRIVACY).status_code == 409
    assert "/documents/{document_id}/correct" in client.get("/api/v1/openapi.json").get_json()["paths"]


def test_correct_form_on_document_page(client, woo_ctx, tmp_path):
    category = sitemaps.tooi.category_by_uri(ONDERZOEK)
    doc_id = _published(woo_ctx, tmp_path, "Onderzoek naar de luchtkwaliteit", ONDERZOEK)
    before_mod, before_bytes = _harvested(client, woo_ctx, doc_id, category)
    client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    page = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    assert "Correctie publiceren" in page
    action = re.search(r'action="([^"]*/corrigeren)"', page).group(1)
    fixed = make_pdf(tmp_path / "onderzoek-v2.pdf", ["Onderzoek naar de luchtkwaliteit, versie 2."])
    time.sleep(1.1)
    resp = client.post(action, data={"csrf_token": _csrf(page), "reden": "correctie_procedurele_fout",
                                     "bestand": (fixed.open("rb"), "onderzoek-v2.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    pending = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    assert "De correctie is ontvangen en wordt gecontroleerd" in pending and "Correctie in behandeling" in pending
    after_mod, after_bytes = _harvested(client, woo_ctx, doc_id, category)
    assert after_bytes != before_bytes and "versie 2" in _pdf_text(after_bytes) and _later(before_mod, after_mod)
    assert "Correctie in behandeling" not in client.get(f"/documenten/{doc_id}").get_data(as_text=True)


def test_cli_correct(client, woo_ctx, tmp_path):
    from woo.cli_publish import correct_command

    category = sitemaps.tooi.category_by_uri(WOO_VERZOEK)
    doc_id = _published(woo_ctx, tmp_path, "Inventarislijst Woo-verzoek", WOO_VERZOEK)
    before_mod, _ = _harvested(client, woo_ctx, doc_id, category)
    fixed = make_pdf(tmp_path / "inventaris.pdf", ["Inventarislijst, gecorrigeerd."])
    env, data = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")]
    bad = CliRunner().invoke(correct_command, [doc_id, str(fixed), "--reason", "zomaar", *data], env=env)
    assert bad.exit_code == 1 and "Onbekende reden" in bad.output
    time.sleep(1.1)
    ok = CliRunner().invoke(correct_command, [doc_id, str(fixed), "--reason", PRIVACY, *data], env=env)
    assert ok.exit_code == 0, ok.output
    assert "Correctie ingediend" in ok.output and "nog niet afgerond" in ok.output
    after_mod, after_bytes = _harvested(client, woo_ctx, doc_id, category)
    assert "Inventarislijst, gecorrigeerd." in _pdf_text(after_bytes) and _later(before_mod, after_mod)
    with woo_ctx.unit_of_work() as s:
        assert publication.public_file(s.get(Document, doc_id)).role == "published"


def _public_bytes(client, doc_id: str) -> bytes:
    resp = client.get(f"/publicaties/{doc_id}/bestand")
    assert resp.status_code == 200
    return resp.data


def test_correction_passes_the_privacy_gate_and_keeps_the_earlier_version(client, woo_ctx, tmp_path):
    """A correction with personal data stays unpublished (old file public) until its findings are decided;
    the previous public file stays in the record as an earlier version; the history names both."""
    from woo.adapters.models import PrivacyFinding, StoredFile
    from woo.services import correction, privacy

    doc_id = _published(woo_ctx, tmp_path, "Besluit over de subsidie", WOO_VERZOEK)
    drain(woo_ctx)
    first_public = _public_bytes(client, doc_id)
    leaky = make_pdf(tmp_path / "leaky.pdf", ["Besluit over de subsidie, gecorrigeerd.",
                                              "Contact: j.jansen@example.nl"])
    result = publication.correct(woo_ctx, SYSTEM, doc_id, leaky, "besluit.pdf", PRIVACY)
    assert result.published is False and any("nog niet afgerond" in r for r in result.blockers)
    drain(woo_ctx)  # the 'correction' job: extraction and privacy scan of the new file
    assert _public_bytes(client, doc_id) == first_public  # held back: an open finding
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.status == "published" and doc.file("correction") is not None
        blockers = correction.blockers(s, doc)
        assert blockers and "nog niet beoordeeld" in blockers[0]
        found = s.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == doc_id,
                                                       PrivacyFinding.file_role == "correction")).scalars().all()
        assert [f.type for f in found] == ["email"]
        assert privacy.blockers(s, doc) == []  # the original's gate is not disturbed by the correction's
        finding_id = found[0].id
    empty = tmp_path / "leeg.pdf"
    empty.write_bytes(b"")
    with pytest.raises(publication.PublicationError, match="leeg"):  # a refused file leaves the pending one alone
        publication.correct(woo_ctx, SYSTEM, doc_id, empty, "leeg.pdf", PRIVACY)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).file("correction").sha256 == hashlib.sha256(leaky.read_bytes()).hexdigest()

    privacy.decide(woo_ctx, SYSTEM, doc_id, [finding_id], "redact", ground="5.1.2e")
    corrected = _public_bytes(client, doc_id)
    assert corrected != first_public
    text = _pdf_text(corrected)
    assert "gecorrigeerd" in text and "j.jansen@example.nl" not in text  # redacted like any publication

    second = make_pdf(tmp_path / "v3.pdf", ["Besluit over de subsidie, tweede correctie."])
    assert publication.correct(woo_ctx, SYSTEM, doc_id, second, "besluit-v3.pdf", PRIVACY).published is False
    drain(woo_ctx)
    assert "tweede correctie" in _pdf_text(_public_bytes(client, doc_id))

    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        roles = {f.role: f for f in doc.files}
        # every earlier public file is still part of the record (destroyed only with it)
        assert {"original", "redacted", "published", "correction-1", "superseded-2"} <= set(roles)
        assert roles["superseded-2"].sha256 == hashlib.sha256(corrected).hexdigest()
        assert roles["redacted"].sha256 == hashlib.sha256(first_public).hexdigest()
        for f in doc.files:
            assert woo_ctx.store.sha256(f.object_key, f.version_id)[0] == f.sha256
        events = s.execute(select(Event).where(Event.document_id == doc_id, Event.action == "document.corrected")
                           .order_by(Event.id)).scalars().all()
        assert [e.detail["previous_sha256"] for e in events] == [hashlib.sha256(first_public).hexdigest(),
                                                                 hashlib.sha256(corrected).hexdigest()]
        assert [e.detail["previous_role"] for e in events] == ["redacted", "superseded-2"]
        history = doc.metadata_["corrections"]
        assert [h["n"] for h in history] == [1, 2] and history[1]["previous"]["role"] == "superseded-2"
        assert s.execute(select(StoredFile).where(StoredFile.document_id == doc_id,
                                                  StoredFile.role == "correction")).first() is None
