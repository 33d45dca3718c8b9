"""A correction (replace the public file of a published document) through UI, API and CLI: the harvester sees a
later <lastmod> in the sitemap and the same file URL serves the new bytes."""
from __future__ import annotations

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
    assert ok.status_code == 200, ok.get_data(as_text=True)

    after_mod, after_bytes = _harvested(client, woo_ctx, doc_id, category)
    assert after_bytes == fixed.read_bytes() != before_bytes
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
    assert "De correctie is gepubliceerd." in client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    after_mod, after_bytes = _harvested(client, woo_ctx, doc_id, category)
    assert after_bytes == fixed.read_bytes() != before_bytes and _later(before_mod, after_mod)


def test_cli_correct(client, woo_ctx, tmp_path):
    from woo.publish.cli import correct_command

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
    after_mod, after_bytes = _harvested(client, woo_ctx, doc_id, category)
    assert after_bytes == fixed.read_bytes() and _later(before_mod, after_mod)
    with woo_ctx.unit_of_work() as s:
        assert publication.public_file(s.get(Document, doc_id)).role == "published"
