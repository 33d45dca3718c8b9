"""A harvester's view over real HTTP: robots.txt -> category indexes -> sitemaps -> every <loc>.

The live server's address is the organisation's public_base_url, so host matching is exercised too.
"""
from __future__ import annotations

import gzip
from urllib.parse import urlparse

import pytest
import requests
from lxml import etree

from tests.conftest import drain
from tests.integration.test_publish import ONDERZOEK, PRIVACY, WOO_VERZOEK, make_documents
from woo.adapters.models import Document, Organisation
from woo.metadata.diwoo import parse_diwoo_document
from woo.metadata.xsd import validate_diwoo
from woo.publish import sitemaps
from woo.services import publication
from woo.services.context import SYSTEM

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def live_server(live_server, woo_ctx):
    """The shared live server, with this organisation registered in the Woo-index under its host."""
    with woo_ctx.unit_of_work() as s:
        for org in s.query(Organisation):
            org.public_base_url = live_server
    return live_server


def crawl(base: str) -> dict[str, etree._Element]:
    """Follow robots.txt like the Woo-index harvester; returns loc -> its <url> element."""
    robots = requests.get(f"{base}/robots.txt", timeout=10)
    assert robots.status_code == 200 and robots.headers["Content-Type"].startswith("text/plain")
    index_urls = [line.split(":", 1)[1].strip() for line in robots.text.splitlines() if line.startswith("Sitemap:")]
    assert index_urls and all(u.startswith(base + "/sitemaps/sitemapindex-diwoo") for u in index_urls)
    found: dict[str, etree._Element] = {}
    for index_url in index_urls:
        index = etree.fromstring(requests.get(index_url, timeout=10).content)
        assert index.tag == f"{{{NS['sm']}}}sitemapindex"
        for loc in index.findall("sm:sitemap/sm:loc", NS):
            urlset = etree.fromstring(requests.get(loc.text, timeout=10).content)
            assert urlset.tag == f"{{{NS['sm']}}}urlset"
            urls = urlset.findall("sm:url", NS)
            assert 0 < len(urls) <= sitemaps.PAGE_SIZE <= 50_000
            validate_diwoo(urlset)  # every diwoo:Document against the official 0.9.8 XSD
            for url in urls:
                href = url.find("sm:loc", NS).text
                assert href not in found, "a document is listed once"
                found[href] = url
    return found


def test_harvester_crawl(live_server, woo_ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(sitemaps, "PAGE_SIZE", 2)  # several sitemaps per index without thousands of files
    ids = make_documents(woo_ctx, tmp_path, [
        ("Besluit op Woo-verzoek over de haven", WOO_VERZOEK), ("Inventarislijst Woo-verzoek", WOO_VERZOEK),
        ("Besluit op Woo-verzoek over parkeren", WOO_VERZOEK), ("Onderzoek luchtkwaliteit", ONDERZOEK),
        ("Ingetrokken onderzoek", ONDERZOEK), ("Gereed maar niet gepubliceerd", ONDERZOEK),
        ("Concept zonder categorie", None)])
    published, withdrawn, ready_only, concept = ids[:5], ids[4], ids[5], ids[6]
    assert publication.publish(woo_ctx, SYSTEM, published).published == published
    publication.withdraw(woo_ctx, SYSTEM, [withdrawn], PRIVACY)
    public_ids = set(published) - {withdrawn}

    robots = requests.get(f"{live_server}/robots.txt", timeout=10).text
    assert robots.count("Sitemap:") == 2
    assert f"Sitemap: {live_server}/sitemaps/sitemapindex-diwoo-infocat014.xml" in robots
    assert "Disallow" not in robots

    found = crawl(live_server)
    assert {urlparse(loc).path.split("/")[2] for loc in found} == public_ids  # count = published
    for loc, url in found.items():
        doc_id = urlparse(loc).path.split("/")[2]
        rec = parse_diwoo_document(url)
        with woo_ctx.unit_of_work() as s:
            doc = s.get(Document, doc_id)
            assert rec.officiele_titel == doc.title and rec.informatiecategorieen == [doc.category]
            assert rec.publisher == doc.organisation.tooi_uri
            served = publication.public_file(doc)  # the redacted/cleaned rendition once there is one
        got = requests.get(loc, timeout=10)  # <loc> is the file itself, not an HTML page
        assert got.status_code == 200 and got.content == woo_ctx.store.get_bytes(served.object_key)
        assert got.headers["Content-Type"] == "application/pdf" and rec.size == len(got.content)
        assert url.find("sm:lastmod", NS).text

    assert requests.get(f"{live_server}/publicaties/{withdrawn}/bestand", timeout=10).status_code == 410
    assert requests.get(f"{live_server}/publicaties/{ready_only}/bestand", timeout=10).status_code == 404
    assert requests.get(f"{live_server}/publicaties/{concept}/bestand", timeout=10).status_code == 404
    assert requests.get(f"{live_server}/publicaties/onbekend/bestand", timeout=10).status_code == 404
    assert requests.get(f"{live_server}/sitemaps/sitemapindex-diwoo-infocat999.xml", timeout=10).status_code == 404

    # another host than the registered one lists nothing of this organisation
    other = requests.get(f"{live_server}/robots.txt", headers={"Host": "woo.elders.example"}, timeout=10).text
    assert "Sitemap:" not in other


def test_conditional_get_and_gzip(live_server, woo_ctx, tmp_path):
    first, second = make_documents(woo_ctx, tmp_path, [("Advies A", WOO_VERZOEK), ("Advies B", WOO_VERZOEK)])
    publication.publish(woo_ctx, SYSTEM, [first])
    index_url = f"{live_server}/sitemaps/sitemapindex-diwoo-infocat014.xml"
    # the feeds are written by the queued rq job, not by publish() itself
    assert requests.get(index_url, timeout=10).status_code == 404
    drain(woo_ctx)
    resp = requests.get(index_url, headers={"Accept-Encoding": "identity"}, timeout=10)
    etag, modified = resp.headers["ETag"], resp.headers["Last-Modified"]
    assert resp.status_code == 200 and "Content-Encoding" not in resp.headers
    again = requests.get(index_url, headers={"If-None-Match": etag, "Accept-Encoding": "identity"}, timeout=10)
    assert again.status_code == 304 and not again.content
    assert requests.get(index_url, headers={"If-Modified-Since": modified, "Accept-Encoding": "identity"},
                        timeout=10).status_code == 304

    sitemap_url = etree.fromstring(resp.content).find("sm:sitemap/sm:loc", NS).text
    raw = requests.get(sitemap_url, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    assert raw.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(raw.raw.read(decode_content=False))
    assert first in body.decode() and second not in body.decode()

    file_url = f"{live_server}/publicaties/{first}/bestand"
    file_etag = requests.get(file_url, timeout=10).headers["ETag"]
    assert requests.get(file_url, headers={"If-None-Match": file_etag}, timeout=10).status_code == 304

    publication.publish(woo_ctx, SYSTEM, [second])  # a change: the old validators no longer match
    drain(woo_ctx)
    changed = requests.get(index_url, headers={"If-None-Match": etag}, timeout=10)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    # the page keeps its name: the second document joined the first one's page
    assert etree.fromstring(changed.content).find("sm:sitemap/sm:loc", NS).text == sitemap_url
    publication.withdraw(woo_ctx, SYSTEM, [first], PRIVACY)  # no drain: withdrawal is written at once
    body = requests.get(sitemap_url, timeout=10).text
    assert second in body and first not in body


def test_public_pages_search_and_atom(live_server, woo_ctx, tmp_path):
    shown, hidden = make_documents(woo_ctx, tmp_path, [("Jaarverslag sportpark 2024", WOO_VERZOEK),
                                                       ("Jaarverslag concept", WOO_VERZOEK)])
    publication.publish(woo_ctx, SYSTEM, [shown])
    page = requests.get(f"{live_server}/publicaties/{shown}", timeout=10)
    assert page.status_code == 200 and 'lang="nl"' in page.text
    assert "Jaarverslag sportpark 2024" in page.text and f"/publicaties/{shown}/bestand" in page.text
    assert requests.get(f"{live_server}/publicaties/{hidden}", timeout=10).status_code == 404
    found = requests.get(f"{live_server}/publicaties", params={"q": "jaarverslag"}, timeout=10).text
    assert "1 document gevonden" in found and "sportpark" in found and "concept" not in found
    feed = etree.fromstring(requests.get(f"{live_server}/publicaties/feed.atom", timeout=10).content)
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == ["Jaarverslag sportpark 2024"]
    # the entry's id stays the short page URL; people follow the readable one (issue 14 item 8)
    assert entries[0].findtext("{http://www.w3.org/2005/Atom}id") == f"{live_server}/publicaties/{shown}"
    alternate = [link.get("href") for link in entries[0].findall("{http://www.w3.org/2005/Atom}link")
                 if link.get("rel") == "alternate"]
    assert alternate == [f"{live_server}/publicaties/{shown}/jaarverslag-sportpark-2024"]
