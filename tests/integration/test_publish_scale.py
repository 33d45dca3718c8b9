"""Stored sitemap pages at scale: a change rewrites only its own page, pages keep their members, the full
build in several processes writes the same bytes as the incremental path, and memory stays flat.

Documents are written as rows (the ORM, so the feed outbox notes them as any service change would; no files
in S3: a sitemap reads only the database).
"""
from __future__ import annotations

import gzip
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone

from lxml import etree
from sqlalchemy import insert, select, update

from tests.conftest import drain
from tests.integration.test_publish import ONDERZOEK, WOO_VERZOEK
from woo.adapters.models import Document, FeedOutbox, Organisation, SitemapPage, SitemapSlot, StoredFile
from woo.app import create_app
from woo.domain import tooi
from woo.publish import sitemaps
from woo.services import accounts, feeds

SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _add_published(ctx, count: int, category: str = WOO_VERZOEK) -> list[str]:
    """Published documents added through the ORM (the outbox hook sees them, as after publish())."""
    now = datetime.now(timezone.utc)
    ids = []
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s)
        for n in range(count):
            doc = Document(organisation_id=org.id, title=f"Besluit op Woo-verzoek nummer {n}", status="published",
                           category=category, format_kind="pdf", created_at=now, updated_at=now + timedelta(seconds=n),
                           published_at=now, metadata_={}, source="api")
            doc.files.append(StoredFile(role="original", object_key=f"documents/{uuid.uuid4().hex}",
                                        filename=f"besluit-{n}.pdf", size=1000 + n, sha256="0" * 64,
                                        mime_type="application/pdf"))
            s.add(doc)
            s.flush()
            ids.append(doc.id)
    return ids


def _pages(ctx, category: str = WOO_VERZOEK) -> dict[int, tuple[str, int, datetime]]:
    """page -> (etag, url count, built_at) of the stored pages of a category."""
    with ctx.unit_of_work() as s:
        rows = s.execute(select(SitemapPage).where(SitemapPage.category == category)).scalars().all()
        assert not [r for r in rows if r.stale], "every page written"
        return {r.page: (r.etag, r.url_count, r.built_at) for r in rows}


def _listed(ctx, category: str, page: int) -> list[str]:
    """Document ids in a stored page, read from its gzip bytes the way a harvester would."""
    with ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
        content = s.get(SitemapPage, (org_id, category, page)).content
    root = etree.fromstring(gzip.decompress(content))
    return [loc.text.split("/publicaties/")[1].split("/")[0] for loc in root.findall("sm:url/sm:loc", SM)]


def test_a_change_rewrites_only_its_page_and_pages_keep_members(woo_ctx, monkeypatch):
    monkeypatch.setattr(sitemaps, "PAGE_SIZE", 3)
    ids = _add_published(woo_ctx, 7)
    drain(woo_ctx)  # the feeds job queued after the commit
    before = _pages(woo_ctx)
    assert {p: n for p, (_, n, _) in before.items()} == {0: 3, 1: 3, 2: 1}
    members = {p: _listed(woo_ctx, WOO_VERZOEK, p) for p in before}
    assert sorted(sum(members.values(), [])) == sorted(ids)

    # one more document: only the last page is written again, the others keep their bytes and build time
    (new,) = _add_published(woo_ctx, 1)
    drain(woo_ctx)
    after = _pages(woo_ctx)
    assert after[0] == before[0] and after[1] == before[1]
    assert after[2][1] == 2 and new in _listed(woo_ctx, WOO_VERZOEK, 2)

    # withdrawing a member of page 0 shrinks page 0 only; nothing moves up
    gone = members[0][0]
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, gone)
        doc.status, doc.withdrawn_at = "withdrawn", datetime.now(timezone.utc)
    feeds.refresh_pending(woo_ctx)
    again = _pages(woo_ctx)
    assert again[0][1] == 2 and gone not in _listed(woo_ctx, WOO_VERZOEK, 0)
    assert again[1] == after[1] and again[2] == after[2]

    # a new category moves the document to a page of that category
    moved = members[1][0]
    with woo_ctx.unit_of_work() as s:
        s.get(Document, moved).category = ONDERZOEK
    feeds.refresh_pending(woo_ctx)
    assert moved not in _listed(woo_ctx, WOO_VERZOEK, 1) and _listed(woo_ctx, ONDERZOEK, 0) == [moved]
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(FeedOutbox)).first() is None  # all worked off


def test_full_rebuild_in_processes_matches_incremental_and_places_unlisted(woo_ctx, monkeypatch):
    monkeypatch.setattr(sitemaps, "PAGE_SIZE", 4)
    _add_published(woo_ctx, 10)
    drain(woo_ctx)
    incremental = {p: etag for p, (etag, _, _) in _pages(woo_ctx).items()}
    # rows written without the ORM (a migration, a restore): no outbox row, so only the full build sees them
    now = datetime.now(timezone.utc)
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s)
        raw = [uuid.uuid4().hex for _ in range(3)]
        s.execute(insert(Document), [{"id": i, "organisation_id": org.id, "title": f"Ingelezen {i}",
                                      "status": "published", "category": WOO_VERZOEK, "format_kind": "pdf",
                                      "created_at": now, "updated_at": now, "published_at": now, "metadata": {},
                                      "source": "api"} for i in raw])
        s.execute(insert(StoredFile), [{"document_id": i, "role": "original", "object_key": f"documents/{i}/x",
                                        "filename": "x.pdf", "size": 10, "sha256": "0" * 64,
                                        "mime_type": "application/pdf"} for i in raw])
    result = feeds.rebuild(woo_ctx, processes=2)
    assert result.placed == 3 and not result.skipped
    rebuilt = _pages(woo_ctx)
    assert {p: n for p, (_, n, _) in rebuilt.items()} == {0: 4, 1: 4, 2: 4, 3: 1}
    assert rebuilt[0][0] == incremental[0] and rebuilt[1][0] == incremental[1]  # same bytes either way
    assert set(raw) <= set(_listed(woo_ctx, WOO_VERZOEK, 2) + _listed(woo_ctx, WOO_VERZOEK, 3))


def test_a_new_host_is_served_at_once_and_written_by_the_sweep(woo_ctx):
    _add_published(woo_ctx, 2)
    drain(woo_ctx)
    client = create_app(ctx=woo_ctx).test_client()
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
        # a host change that bypassed the ORM (so no outbox row): the stored pages name the old host
        s.execute(update(Organisation).where(Organisation.id == org_id)
                  .values(public_base_url="https://woo.nieuwegemeente.example"))
    name = sitemaps.sitemap_name(tooi.category_by_uri(WOO_VERZOEK), org_id, 0)
    body = client.get(f"/sitemaps/{name}", headers={"Host": "woo.nieuwegemeente.example"}).data
    assert b"https://woo.nieuwegemeente.example/publicaties/" in body
    assert feeds.mark_foreign_hosts_stale(woo_ctx) == 1
    feeds.refresh_pending(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        page = s.get(SitemapPage, (org_id, WOO_VERZOEK, 0))
        assert page.base_url == "https://woo.nieuwegemeente.example" and not page.stale
    # an organisation change through the ORM is noted by the hook itself
    with woo_ctx.unit_of_work() as s:
        s.get(Organisation, org_id).public_base_url = "https://woo.anders.example"
    drain(woo_ctx)
    assert b"https://woo.anders.example/publicaties/" in gzip.decompress(
        _stored(woo_ctx, org_id))


def _stored(ctx, org_id: int) -> bytes:
    with ctx.unit_of_work() as s:
        return s.get(SitemapPage, (org_id, WOO_VERZOEK, 0)).content


def test_rendering_memory_does_not_grow_with_count(woo_ctx, monkeypatch):
    monkeypatch.setattr(sitemaps, "PAGE_SIZE", 100)

    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id

    def build() -> tuple[int, int, int]:
        feeds.mark_group_stale(woo_ctx, org_id, WOO_VERZOEK)
        tracemalloc.start()
        pages, _, _ = feeds.render_stale(woo_ctx.sessions, woo_ctx.settings.base_url)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        with woo_ctx.unit_of_work() as s:
            slots = s.execute(select(SitemapSlot)).scalars().all()
        return pages, peak, len(slots)

    _add_published(woo_ctx, 120)
    feeds.place_pending(woo_ctx)
    small_pages, small_peak, small_slots = build()
    _add_published(woo_ctx, 1080)
    feeds.place_pending(woo_ctx)
    big_pages, big_peak, big_slots = build()
    assert (small_pages, small_slots, big_pages, big_slots) == (2, 120, 12, 1200)
    assert big_peak < 2 * small_peak, (small_peak, big_peak)


def test_cli_rebuild_and_refresh(woo_ctx, tmp_path):
    from click.testing import CliRunner

    from tests.conftest import cli_env
    from woo.cli_publish import sitemaps_rebuild_command, sitemaps_refresh_command

    _add_published(woo_ctx, 3)  # noted in the outbox; the CLI works it off instead of the worker
    env, data = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")]
    refreshed = CliRunner().invoke(sitemaps_refresh_command, data, env=env)
    assert refreshed.exit_code == 0, refreshed.output
    assert "3 wijzigingen verwerkt, 1 sitemaps geschreven" in refreshed.output
    rebuilt = CliRunner().invoke(sitemaps_rebuild_command, [*data, "--processes", "1"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Sitemaps geschreven: 1 van 1" in rebuilt.output and "0 documenten nieuw geplaatst" in rebuilt.output
    assert len(_listed(woo_ctx, WOO_VERZOEK, 0)) == 3
