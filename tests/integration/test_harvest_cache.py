"""The harvester's endpoints answered from memory (woo.web.harvest): cached until the feeds version in Redis
moves, so a withdrawal is never served from memory; security headers as on every other response."""
from __future__ import annotations

import gzip

from sqlalchemy import update

from tests.conftest import drain
from tests.integration.test_publish import PRIVACY, WOO_VERZOEK
from tests.integration.test_publish_scale import _add_published
from woo.adapters.models import Document, SitemapPage
from woo.app import create_app
from woo.domain import tooi
from woo.publish import sitemaps
from woo.services import accounts, feeds, publication
from woo.services.context import SYSTEM


def test_pages_are_served_from_memory_until_the_feeds_change(woo_ctx):
    kept, gone = _add_published(woo_ctx, 2)
    drain(woo_ctx)
    client = create_app(ctx=woo_ctx).test_client()
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    path = f"/sitemaps/{sitemaps.sitemap_name(tooi.category_by_uri(WOO_VERZOEK), org_id, 0)}"

    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    assert gone.encode() in gzip.decompress(first.data)
    assert "default-src 'self'" in first.headers["Content-Security-Policy"]
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    plain = client.get(path)  # a client without gzip gets the same document inflated
    assert "Content-Encoding" not in plain.headers and plain.data == gzip.decompress(first.data)

    # bytes changed behind the cache's back (no version bump): this process still serves what it had
    with woo_ctx.unit_of_work() as s:
        s.execute(update(SitemapPage).where(SitemapPage.organisation_id == org_id)
                  .values(content=gzip.compress(b"<urlset/>"), etag=f"{sitemaps.RENDER_FORMAT}-handmatig"))
    assert client.get(path).data == plain.data
    feeds.bump_version(woo_ctx)  # what the feeds job does after storing a page
    assert client.get(path).data == b"<urlset/>"

    # a withdrawal through the service is visible at once: no drain, no waiting for a cache to expire
    feeds.rebuild(woo_ctx)
    assert gone.encode() in client.get(path).data
    publication.withdraw(woo_ctx, SYSTEM, [gone], PRIVACY)
    body = client.get(path).data
    assert kept.encode() in body and gone.encode() not in body

    missing = client.get(f"/sitemaps/{sitemaps.sitemap_name(tooi.category_by_uri(WOO_VERZOEK), org_id, 7)}")
    assert missing.status_code == 404 and "bestaat niet" in missing.get_data(as_text=True)


def test_small_files_are_served_from_memory_but_never_after_withdrawal(woo_ctx):
    (doc_id,) = _add_published(woo_ctx, 1)
    with woo_ctx.unit_of_work() as s:
        stored = s.get(Document, doc_id).file("original")
        key = stored.object_key
    woo_ctx.store.put_bytes(key, b"%PDF-1.4 versie 1", "application/pdf")
    client = create_app(ctx=woo_ctx).test_client()
    path = f"/publicaties/{doc_id}/bestand"
    first = client.get(path)
    assert first.status_code == 200 and first.data == b"%PDF-1.4 versie 1"
    assert first.headers["Content-Type"] == "application/pdf" and "inline" in first.headers["Content-Disposition"]
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    woo_ctx.store.put_bytes(key, b"%PDF-1.4 versie 2", "application/pdf")  # behind the cache's back
    assert client.get(path).data == b"%PDF-1.4 versie 1"
    publication.withdraw(woo_ctx, SYSTEM, [doc_id], PRIVACY)
    assert client.get(path).status_code == 410  # at once: the commit moved the feeds version
