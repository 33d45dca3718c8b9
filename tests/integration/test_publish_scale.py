"""Sitemap generation streams: memory stays flat when the collection grows tenfold.

Rows are inserted in bulk (no files in S3: a sitemap reads only the database), published directly.
"""
from __future__ import annotations

import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert

from woo.adapters.models import Document, StoredFile
from woo.publish import sitemaps
from woo.publish.sites import Site
from woo.services import accounts
from tests.integration.test_publish import WOO_VERZOEK


def _insert_published(ctx, count: int) -> Site:
    now = datetime.now(timezone.utc)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s)
        ids = [uuid.uuid4().hex for _ in range(count)]
        s.execute(insert(Document), [
            {"id": i, "organisation_id": org.id, "title": f"Besluit op Woo-verzoek nummer {n}", "status": "published",
             "category": WOO_VERZOEK, "format_kind": "pdf", "created_at": now, "updated_at": now + timedelta(seconds=n),
             "published_at": now, "metadata": {}, "source": "api"} for n, i in enumerate(ids)])
        s.execute(insert(StoredFile), [
            {"document_id": i, "role": "original", "object_key": f"documents/{i}/x", "filename": f"besluit-{n}.pdf",
             "size": 1000 + n, "sha256": "0" * 64, "mime_type": "application/pdf"} for n, i in enumerate(ids)])
        return Site("https://woo.example.nl", frozenset({org.id}))


def _generate(ctx, site: Site, count: int) -> tuple[int, int, float]:
    """(bytes, peak traced memory, seconds) for all sitemaps of the category."""
    with ctx.unit_of_work() as s:
        entries = sitemaps.index_entries(s, site, WOO_VERZOEK)
    total, started = 0, time.perf_counter()
    tracemalloc.start()
    urls = 0
    for start, _ in entries:
        for chunk in sitemaps.iter_sitemap_xml(ctx.sessions, site, WOO_VERZOEK, start):
            total += len(chunk)
            urls += chunk.count(b"<url>")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert urls == count
    return total, peak, time.perf_counter() - started


def test_sitemap_memory_does_not_grow_with_count(woo_ctx, monkeypatch):
    monkeypatch.setattr(sitemaps, "BATCH", 50)
    monkeypatch.setattr(sitemaps, "PAGE_SIZE", 500)
    site = _insert_published(woo_ctx, 120)
    small_bytes, small_peak, _ = _generate(woo_ctx, site, 120)
    _insert_published(woo_ctx, 1080)
    with woo_ctx.unit_of_work() as s:
        assert len(sitemaps.index_entries(s, site, WOO_VERZOEK)) == 3  # 1200 urls in pages of 500
    big_bytes, big_peak, seconds = _generate(woo_ctx, site, 1200)
    assert big_bytes > 9 * small_bytes
    assert big_peak < 2 * small_peak, (small_peak, big_peak)
    print(f"1200 urls: {big_bytes / 1200:.0f} bytes/url, peak {big_peak / 1e6:.1f} MB, {seconds:.1f} s traced")
