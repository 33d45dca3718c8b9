"""`woo harvest check` (woo/publish/harvest_check.py): a crawl from outside finds nothing on a healthy install
with published documents, and finds each fault planted in what the harvester is served: a withdrawn document
still listed, a record that is not valid DiWoo, a <loc> on another host, an http <loc>."""
from __future__ import annotations

import gzip
import re
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.integration.test_front_nginx import _file
from tests.integration.test_publish import PRIVACY, WOO_VERZOEK
from tests.integration.test_publish_scale import _add_published
from woo.adapters.models import SitemapPage
from woo.app import create_app
from woo.publish import harvest_check, sitemaps
from woo.services import feeds, publication
from woo.services.context import SYSTEM

BASE = "https://open.example.nl"


@pytest.fixture
def site(make_settings, backend, servers):
    """An instance whose public base URL is https (as in production), crawled through the real app."""
    from redis import Redis

    from woo import worker
    from woo.adapters.db import dispose
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    Redis.from_url(servers.redis.url).flushdb()
    settings = make_settings(backend, WOO_BASE_URL=BASE)
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    client = create_app(ctx=ctx).test_client()

    def fetch(url: str) -> harvest_check.Answer:
        u = urlsplit(url)
        r = client.get(u.path, base_url=f"{u.scheme}://{u.netloc}", headers={"Accept-Encoding": "gzip"})
        body = gzip.decompress(r.data) if r.headers.get("Content-Encoding") == "gzip" else r.data
        return harvest_check.Answer(r.status_code, r.headers, body)
    ctx.fetch = fetch
    ids = _add_published(ctx, 3)
    for doc_id in ids:
        _file(ctx, doc_id, b"%PDF-1.4 openbaar")
    from tests.conftest import drain

    drain(ctx)
    ctx.ids = ids
    yield ctx
    worker.use_context(None)
    dispose(settings.database_url)


def _tamper(ctx, change) -> None:
    """Rewrite the stored sitemap page behind woo's back (``change``: XML text -> XML text)."""
    with ctx.unit_of_work() as s:
        (page,) = s.execute(select(SitemapPage).where(SitemapPage.category == WOO_VERZOEK)).scalars().all()
        text = gzip.decompress(page.content).decode()
        new = change(text)
        assert new != text, "the fault was planted"
        page.content = gzip.compress(new.encode())
        page.etag = f"{sitemaps.RENDER_FORMAT}-geknoeid"  # current format: served as stored, not re-rendered
    feeds.bump_version(ctx)  # web processes drop what they hold


def _check(ctx) -> harvest_check.Report:
    return harvest_check.check(BASE, ctx.fetch)


def test_a_healthy_site_is_ready_for_the_woo_index(site):
    report = _check(site)
    assert report.problems == []
    assert (report.indexes, report.sitemaps, report.documents) == (1, 1, 3)
    assert report.text().startswith(f"{BASE}: klaar voor de Woo-index")


def test_a_withdrawn_document_still_listed(site):
    gone = site.ids[1]
    with site.unit_of_work() as s:
        before = gzip.decompress(s.execute(select(SitemapPage.content)
                                           .where(SitemapPage.category == WOO_VERZOEK)).scalar_one()).decode()
    publication.withdraw(site, SYSTEM, [gone], PRIVACY)
    assert _check(site).ok  # woo itself drops it from the sitemap
    _tamper(site, lambda text: before)  # a stale copy that still lists it
    report = _check(site)
    assert len(report.problems) == 1 and gone in report.problems[0]
    assert "ingetrokken (HTTP 410)" in report.problems[0]
    assert "niet klaar voor de Woo-index" in report.text()


def test_a_bad_record(site):
    _tamper(site, lambda text: re.sub(r"<diwoo:titelcollectie>.*?</diwoo:titelcollectie>", "", text, count=1,
                                      flags=re.S))
    (problem,) = _check(site).problems
    assert "DiWoo-record ongeldig" in problem and "regel" in problem


def test_a_wrong_host(site):
    doc = site.ids[0]
    _tamper(site, lambda text: text.replace(f"{BASE}/publicaties/{doc}", f"https://elders.example.nl/publicaties/{doc}"))
    (problem,) = _check(site).problems
    assert "elders.example.nl" in problem and "niet op open.example.nl" in problem


def test_an_http_loc(site):
    doc = site.ids[2]
    _tamper(site, lambda text: text.replace(f"{BASE}/publicaties/{doc}", f"http://open.example.nl/publicaties/{doc}"))
    (problem,) = _check(site).problems
    assert f"http://open.example.nl/publicaties/{doc}/bestand is geen https" in problem


def test_a_missing_file_and_an_unknown_tooi_uri(site):
    doc = site.ids[0]
    _tamper(site, lambda text: text.replace(f"{BASE}/publicaties/{doc}", f"{BASE}/publicaties/{'0' * 32}")
            .replace("https://identifier.overheid.nl/tooi/id/gemeente/gm0363",
                     "https://identifier.overheid.nl/tooi/id/gemeente/gm9999", 1))
    problems = _check(site).problems
    assert any("HTTP 404" in p for p in problems)
    assert any("gm9999 staat niet in de TOOI" in p for p in problems)


def test_cli_exits_non_zero_with_a_dutch_report(tmp_path):
    from woo.cli import main
    from woo.embedded.servers import free_port

    result = CliRunner().invoke(main, ["harvest", "check", "--base", f"http://127.0.0.1:{free_port()}",
                                       "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "niet klaar voor de Woo-index" in result.output and "niet bereikbaar" in result.output
