"""Input that cannot break output (issue 12, item 5) and the harvest HTTP details (issue 17, item 1).

A record with control characters written straight into the database (bypassing every door) must not take
down the Atom feed, OAI-PMH, the sitemaps or the MDTO sidecar rewrite; the doors themselves refuse such
text in Dutch; OAI-PMH and the integer parameters answer bad values with protocol errors or 400, never 500.
"""
from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select, update

from tests.conftest import cli_env, drain
from tests.integration.test_publish import WOO_VERZOEK, answered
from tests.integration.test_publish_scale import _add_published
from woo.adapters.models import Document, SitemapPage, StoredFile, User
from woo.app import create_app
from woo.archive import sidecars
from woo.domain import tooi
from woo.metadata.xsd import validate_diwoo, validate_mdto
from woo.publish import oai as oaimod
from woo.publish import sitemaps
from woo.services import accounts, classification, feeds, preservation, publication
from woo.services.context import SYSTEM
from woo.services.ingest import ingest
from woo.web import harvest

OAI = "{http://www.openarchives.org/OAI/2.0/}"
SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
XSI = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
# PostgreSQL text cannot hold NUL at all, so there the record carries U+0001 instead of U+0000.
BAD = {"sqlite": "abc\u0000def\u0007", "postgresql": "abc\u0001def\u0007"}


def _client(ctx):
    app = create_app(ctx=ctx)
    app.config["TESTING"] = True
    return app.test_client()


def _oai(client, **args) -> etree._Element:
    resp = client.get("/oai", query_string=args)
    assert resp.status_code == 200, resp.data[:300]
    return etree.fromstring(resp.data)


def _error(root) -> str | None:
    el = root.find(f"{OAI}error")
    return None if el is None else el.get("code")


def test_a_control_character_title_in_the_database_breaks_no_output(woo_ctx, backend):
    kept, bad = _add_published(woo_ctx, 2)
    title = BAD[backend]
    with woo_ctx.unit_of_work() as s:  # straight into the rows: no door saw this
        s.execute(update(Document).where(Document.id == bad).values(
            title=title, metadata_={"confirmed": {"title": title, "identifiers": [title]},
                                    "properties": {"title": title}}))
    feeds.rebuild(woo_ctx)
    client = _client(woo_ctx)

    atom = client.get("/publicaties/feed.atom")
    assert atom.status_code == 200
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title")
              for e in etree.fromstring(atom.data).iter("{http://www.w3.org/2005/Atom}entry")]
    assert "abcdef" in titles

    for prefix in ("oai_dc", "diwoo", "mdto"):
        listed = _oai(client, verb="ListRecords", metadataPrefix=prefix)
        assert _error(listed) is None
        records = {r.findtext(f"{OAI}header/{OAI}identifier").rsplit(":", 1)[1]: r
                   for r in listed.iter(f"{OAI}record")}
        assert {kept, bad} <= set(records) and records[bad].find(f"{OAI}metadata") is not None
        assert b"abcdef" in etree.tostring(records[bad])
        got = _oai(client, verb="GetRecord", metadataPrefix=prefix, identifier=oaimod.Repository(
            None, harvest.site_for(woo_ctx, harvest.FeedCache(woo_ctx), "localhost")).identifier(bad))
        assert _error(got) is None and got.find(f"{OAI}GetRecord/{OAI}record/{OAI}metadata") is not None

    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    name = sitemaps.sitemap_name(tooi.category_by_uri(WOO_VERZOEK), org_id, 0)
    page = client.get(f"/sitemaps/{name}")
    assert page.status_code == 200 and bad.encode() in page.data
    validate_diwoo(page.data)
    assert b"<diwoo:officieleTitel>abcdef</diwoo:officieleTitel>" in page.data
    index = client.get("/sitemaps/sitemapindex-diwoo-infocat014.xml")
    assert index.status_code == 200 and etree.fromstring(index.data).find("sm:sitemap", SM) is not None

    # the MDTO sidecar rewrite (it failed on every retry) writes a valid, readable record
    assert preservation.describe_document(woo_ctx, bad) > 0
    io_xml = woo_ctx.store.get_bytes(sidecars.informatieobject_key(bad))
    validate_mdto(io_xml)
    assert etree.fromstring(io_xml).findtext(".//{https://www.nationaalarchief.nl/mdto}naam") == "abcdef"


def test_oai_pmh_refuses_bad_argument_values(woo_ctx, monkeypatch):
    _add_published(woo_ctx, 3)
    client = _client(woo_ctx)
    for query in ("verb=ListRecords&resumptionToken=%00", "verb=GetRecord&identifier=%01&metadataPrefix=oai_dc",
                  "verb=ListRecords&metadataPrefix=%1b", "verb=ListRecords&metadataPrefix=oai_dc&from=%00",
                  "verb=ListIdentifiers&metadataPrefix=oai_dc&set=%7f"):
        resp = client.get(f"/oai?{query}")
        assert resp.status_code == 200, query
        root = etree.fromstring(resp.data)
        assert _error(root) == "badArgument", query
        assert not root.find(f"{OAI}request").attrib  # nothing echoed for badArgument

    # tokens are bound to the verb that issued them (and carry its arguments)
    monkeypatch.setattr(oaimod, "PAGE", 1)
    first = _oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.findtext(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
    assert token
    assert _error(_oai(client, verb="ListIdentifiers", resumptionToken=token)) is None
    assert _error(_oai(client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    records_token = _oai(client, verb="ListRecords", metadataPrefix="oai_dc").findtext(
        f"{OAI}ListRecords/{OAI}resumptionToken")
    assert _error(_oai(client, verb="ListIdentifiers", resumptionToken=records_token)) == "badResumptionToken"
    # a forged token (right verb, nonsense position) is a badResumptionToken, not a 500
    state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for forged in ({**state, "a": ["gisteren", "x"]}, {**state, "c": "veel"}, {**state, "s": "\u0000"}):
        raw = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode()
        assert _error(_oai(client, verb="ListIdentifiers", resumptionToken=raw)) == "badResumptionToken"


def _login(client, ctx):
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "admin", "password": ctx.admin_password, "csrf_token": csrf})


def test_integer_parameters_are_range_checked(woo_ctx):
    _add_published(woo_ctx, 1)
    client = _client(woo_ctx)
    for url in ("/publicaties?pagina=9223372036854775807", "/publicaties?jaar=99999999999999999999",
                "/publicaties?pagina=abc", "/publicaties?jaar=-5"):
        resp = client.get(url)
        assert resp.status_code == 400, url
        assert "Parameter" in resp.get_data(as_text=True)
    assert client.get("/publicaties?pagina=2&jaar=2025").status_code == 200
    with woo_ctx.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        token = accounts.create_token(s, SYSTEM, admin, "lezen", "read")
    auth = {"Authorization": f"Bearer {token}"}
    api = client.get("/api/v1/documents?page=99999999999999999999", headers=auth)
    assert api.status_code == 400 and api.mimetype == "application/problem+json"
    assert "page" in api.get_json()["detail"]
    clamped = client.get("/api/v1/documents?per_page=99999999999999999999", headers=auth)
    assert clamped.status_code == 200 and clamped.get_json()["per_page"] == 500
    _login(client, woo_ctx)
    assert client.get("/documenten?pagina=99999999999999999999").status_code == 400
    assert client.get("/archief/termijnen?binnen=99999999999999999999").status_code == 400
    assert client.get("/archief/vernietigingslijsten/99999999999999999999").status_code == 404
    assert client.get("/documenten?pagina=1").status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_doors_refuse_control_characters_in_dutch(woo_ctx, tmp_path):
    from tests.integration.test_describe import _ingest_letter

    doc_id = _ingest_letter(woo_ctx, tmp_path)
    client = _client(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        editor = accounts.create_token(s, SYSTEM, admin, "beschrijven", "read edit")
        before = s.get(Document, doc_id).title
    url = f"/api/v1/documents/{doc_id}/metadata"
    auth = {"Authorization": f"Bearer {editor}"}
    for body in ({"title": "abc\u0000def\u0007"}, {"identifiers": ["A-1", "B\u001b2"]},
                 {"date.creatie": "2025-01-01\u0000"}):
        refused = client.patch(url, json=body, headers=auth)
        assert refused.status_code == 422, body
        assert "stuurtekens" in refused.get_json()["detail"]
    assert "U+0000" in client.patch(url, json={"title": "abc\u0000def"}, headers=auth).get_json()["detail"]

    _login(client, woo_ctx)  # the officer's page
    page = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    shown = client.post(f"/documenten/{doc_id}/metadata", data={"csrf_token": csrf, "field": "title",
                                                                "value": "Besluit\u0007"}, follow_redirects=True)
    assert "stuurtekens" in shown.get_data(as_text=True)

    from woo.cli import main  # the CLI
    result = CliRunner().invoke(main, ["describe", doc_id, "--set", "title=Besluit\u0001",
                                       "--data-dir", str(tmp_path / "d")], env=cli_env(woo_ctx.settings))
    assert result.exit_code != 0 and "stuurtekens" in result.output
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).title == before  # nothing changed

    # ingest with a title (API form field, connectors): the same rule, a rejection with a code
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    (tmp_path / "brief.txt").write_text("Een korte brief.\n", encoding="utf-8")
    rejected = ingest(woo_ctx, SYSTEM, org_id, "brief.txt", path=tmp_path / "brief.txt", title="Brief\u0000")
    assert rejected.status == "rejected" and rejected.code == "bad_title" and "stuurtekens" in rejected.reason
    # a title longer than a document's title may be is refused with the limit, not cut short unseen
    too_long = ingest(woo_ctx, SYSTEM, org_id, "brief.txt", path=tmp_path / "brief.txt", title="B" * 1001)
    assert too_long.status == "rejected" and too_long.code == "title_too_long" and "1000 tekens" in too_long.reason
    kept = ingest(woo_ctx, SYSTEM, org_id, "brief.txt", path=tmp_path / "brief.txt", title="B" * 1000)
    assert kept.status == "accepted"
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, kept.document_id).title == "B" * 1000


# --------------------------------------------------------------------------- issue 17: the HTTP details

def test_weak_etags_robots_validators_and_gzip(woo_ctx, monkeypatch):
    (doc_id,) = _add_published(woo_ctx, 1)
    with woo_ctx.unit_of_work() as s:
        key = s.get(Document, doc_id).file("original").object_key
    woo_ctx.store.put_bytes(key, b"%PDF-1.4 klein", "application/pdf")
    feeds.rebuild(woo_ctx)
    client = _client(woo_ctx)

    path = f"/publicaties/{doc_id}/bestand"
    etag = client.get(path).headers["ETag"]
    assert etag.startswith('"')
    assert client.get(path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304  # fast path
    monkeypatch.setattr(harvest, "FILE_IN_MEMORY", -1)  # the Flask route that streams from the bucket
    streamed = client.get(path)
    assert streamed.status_code == 200 and streamed.data == b"%PDF-1.4 klein" and streamed.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(path, headers={"If-None-Match": 'W/"iets-anders"'}).status_code == 200

    index = "/sitemaps/sitemapindex-diwoo-infocat014.xml"
    tag = client.get(index).headers["ETag"]
    assert client.get(index, headers={"If-None-Match": f"W/{tag}"}).status_code == 304

    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots.headers["Content-Type"].startswith("text/plain")
    assert robots.headers["ETag"] and robots.headers["Last-Modified"]
    assert "Accept-Encoding" in robots.headers["Vary"] and "Sitemap:" in robots.get_data(as_text=True)
    assert client.get("/robots.txt", headers={"If-None-Match": robots.headers["ETag"]}).status_code == 304
    assert client.get("/robots.txt", headers={"If-None-Match": "W/" + robots.headers["ETag"]}).status_code == 304
    assert client.get("/robots.txt",
                      headers={"If-Modified-Since": robots.headers["Last-Modified"]}).status_code == 304
    zipped = client.get("/robots.txt", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == robots.data

    html = client.get("/publicaties", headers={"Accept-Encoding": "gzip"})
    assert html.status_code == 200 and html.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in html.headers["Vary"] and b"<html" in gzip.decompress(html.data)
    assert "Content-Encoding" not in client.get("/publicaties").headers
    listed = client.get("/oai?verb=ListRecords&metadataPrefix=diwoo", headers={"Accept-Encoding": "gzip"})
    assert listed.headers["Content-Encoding"] == "gzip" and b"ListRecords" in gzip.decompress(listed.data)

    # a public text file held in memory: gzip with its own validator, which revalidates (weakly too)
    monkeypatch.setattr(harvest, "FILE_IN_MEMORY", 1024 * 1024)
    text = ("Regel van een openbaar tekstbestand.\n" * 40).encode()
    with woo_ctx.unit_of_work() as s:
        f = s.get(Document, doc_id).file("original")
        f.mime_type, f.filename, f.size = "text/plain", "besluit.txt", len(text)
    woo_ctx.store.put_bytes(key, text, "text/plain")
    feeds.bump_version(woo_ctx)
    got = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert got.headers["Content-Encoding"] == "gzip" and gzip.decompress(got.data) == text
    assert got.headers["ETag"].endswith('-gz"') and "Accept-Encoding" in got.headers["Vary"]
    assert client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": "W/" + got.headers["ETag"]}
                      ).status_code == 304
    assert client.get(path).data == text


_W3C_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def test_lastmod_to_the_second_schema_location_and_old_pages_rewritten(woo_ctx):
    _add_published(woo_ctx, 2)
    drain(woo_ctx)
    client = _client(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    index = etree.fromstring(client.get("/sitemaps/sitemapindex-diwoo-infocat014.xml").data)
    assert index.get(XSI).split() == [SM["sm"], sitemaps.SITEINDEX_XSD]
    assert all(_W3C_SECONDS.match(e.text) for e in index.findall("sm:sitemap/sm:lastmod", SM))
    path = f"/sitemaps/{sitemaps.sitemap_name(tooi.category_by_uri(WOO_VERZOEK), org_id, 0)}"
    urlset = etree.fromstring(client.get(path).data)
    assert urlset.get(XSI).split() == [SM["sm"], sitemaps.SITEMAP_XSD, sitemaps.DIWOO_NS, sitemaps.DIWOO_XSD]
    lastmods = [e.text for e in urlset.findall("sm:url/sm:lastmod", SM)]
    assert len(lastmods) == 2 and all(_W3C_SECONDS.match(t) for t in lastmods)

    # a page stored by the writer before this one (old etag, old bytes): served fresh, then rewritten
    old = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>'
    with woo_ctx.unit_of_work() as s:
        s.execute(update(SitemapPage).where(SitemapPage.organisation_id == org_id)
                  .values(content=gzip.compress(old), etag="0123456789abcdef0123456789abcdef"))
    feeds.bump_version(woo_ctx)
    assert etree.fromstring(client.get(path).data).get(XSI)  # not the old bytes
    assert feeds.mark_foreign_hosts_stale(woo_ctx) >= 1  # what the worker's maintenance round calls
    feeds.refresh_pending(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        page = s.get(SitemapPage, (org_id, WOO_VERZOEK, 0))
        assert sitemaps.is_current_format(page.etag) and not page.stale
        assert b"schemaLocation" in gzip.decompress(page.content)


def _xml_export(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<regeling><titel>Verordening ' + path.stem +
                    '</titel><artikel nummer="1">Deze verordening geldt voor het hele grondgebied.</artikel>'
                    '</regeling>\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_xml_export_is_published_as_its_pdfa_rendition(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    ids = []
    for name in ("verordening.xml", "zonder-pdfa.xml"):
        result = ingest(woo_ctx, SYSTEM, org_id, name, path=_xml_export(tmp_path, name), source="cli",
                        title=name[:-4])
        assert result.status == "accepted", result.reason
        ids.append(result.document_id)
    drain(woo_ctx)
    with_pdfa, without = ids
    for doc_id in ids:
        classification.set_category(woo_ctx, SYSTEM, doc_id, WOO_VERZOEK)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, with_pdfa)
        assert doc.file("pdfa") is not None, [(j.kind, j.status, j.error) for j in doc.jobs]
        s.delete(s.get(Document, without).file("pdfa"))
    result = publication.publish(woo_ctx, SYSTEM, ids, metadata=answered(ids, "Verordening"))
    assert result.published == [with_pdfa], result.refused
    assert any("geen PDF/A-versie" in r for r in result.refused[without])
    with woo_ctx.unit_of_work() as s:
        public = publication.public_file(s.get(Document, with_pdfa))
        assert public.role == "pdfa" and public.mime_type == "application/pdf"
        assert s.execute(select(StoredFile.mime_type).where(StoredFile.document_id == with_pdfa,
                                                            StoredFile.role == "original")).scalar() != "application/pdf"
    drain(woo_ctx)
    client = _client(woo_ctx)
    got = client.get(f"/publicaties/{with_pdfa}/bestand")
    assert got.status_code == 200 and got.headers["Content-Type"] == "application/pdf" and got.data[:5] == b"%PDF-"
    page = client.get(f"/sitemaps/{sitemaps.sitemap_name(tooi.category_by_uri(WOO_VERZOEK), org_id, 0)}").data
    assert with_pdfa.encode() in page and b"file-type/PDF" in page
