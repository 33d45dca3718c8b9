"""Keeping the pre-rendered sitemaps current: place published documents on pages, render changed pages.

The flow (issue 6, "publishing one document updates the feeds incrementally"):
1. a change to a document that is or was published adds a ``feed_outbox`` row in its own transaction
   (woo.publish.feed_outbox), and ``Context.unit_of_work`` queues ``refresh_pending`` on rq after commit;
2. ``place_pending`` gives each noted document its slot (organisation, category, page) or takes it away
   (withdrawn), and marks the pages involved stale;
3. ``render_stale`` renders each stale page from the database and stores it (gzip) for the web to serve.

Placing is serialised by a lock (two placers would fill the same last page twice); rendering needs none:
a page is stored only if its ``generation`` did not change while it was rendered (compare-and-set), so a
slow render never overwrites a newer one. ``rebuild`` is the full build (first deployment, a changed
template or host): every published document placed, every page rendered, in several processes.
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from woo.adapters.models import (Document, FeedOutbox, Organisation, SitemapPage, SitemapSlot, StoredFile,
                                 utcnow)
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.publish import front_refresh, sitemaps
from woo.publish.records import DocumentView, FileView
from woo.publish.sitemaps import PageKey
from woo.publish.sites import base_url_for
from woo.services.context import Context

log = logging.getLogger(__name__)

LOCK_KEY = "woo:feeds:place"
VERSION_KEY = "woo:feeds:version"  # moves whenever a stored page changes: web processes drop what they cached
BATCH = 1_000  # outbox rows / documents per transaction while placing
_local_lock = threading.Lock()  # without Redis (WOO_JOBS_INLINE): one process, so a thread lock suffices


@dataclass
class Refreshed:
    placed: int = 0
    pages: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # document id -> why it is not in its sitemap


def bump_version(ctx: Context) -> None:
    """Tell every web process that stored sitemaps changed (woo.web.harvest drops its memory)."""
    redis = getattr(ctx.queue, "redis", None)
    if redis is not None:
        try:
            redis.incr(VERSION_KEY)
        except Exception as exc:  # noqa: BLE001 - Redis down: web processes fall back to a short lifetime
            log.warning("could not announce changed sitemaps: %s", exc)


def schedule(ctx: Context) -> None:
    """Queue ``refresh_pending`` (after a commit that noted a change). A queue outage only delays it: the
    worker's minute sweep (woo.services.maintenance) runs it too."""
    try:
        ctx.queue.enqueue("woo.worker.refresh_feeds")
    except Exception as exc:  # noqa: BLE001 - Redis down: the sweep catches up
        log.warning("could not queue the sitemap refresh: %s", exc)


@contextmanager
def _placing(ctx: Context) -> Iterator[None]:
    redis = getattr(ctx.queue, "redis", None)
    if redis is None:
        with _local_lock:
            yield
        return
    with redis.lock(LOCK_KEY, timeout=300, blocking_timeout=300):
        yield


def refresh_pending(ctx: Context) -> Refreshed:
    """Work off the outbox and render every stale page (the rq job; idempotent, cheap when idle)."""
    result = Refreshed()
    while True:
        with _placing(ctx):
            placed = place_pending(ctx)
        result.placed += placed
        refreshing = _front_urls(ctx) if front_refresh.configured(ctx.settings) else []
        pages, skipped, changed = render_stale(ctx.sessions, ctx.settings.base_url)
        result.pages += pages
        result.skipped.update(skipped)
        if changed:
            bump_version(ctx)
            front_refresh.refresh(ctx.settings, refreshing)  # stored now: the front servers fetch it anew
        if not placed and not pages:
            return result


def _front_urls(ctx: Context) -> list[str]:
    """The public URLs the stale pages change (each page, its category's index, robots.txt of its host),
    read before they are rendered, for woo.publish.front_refresh once they are stored."""
    with ctx.sessions() as session:
        keys = stale_pages(session)
        hosts = dict(session.execute(select(Organisation.id, Organisation.public_base_url)
                                     .where(Organisation.id.in_({k.organisation_id for k in keys}))).all()) if keys else {}
    urls: list[str] = []
    for key in keys:
        category = tooi.category_by_uri(key.category)
        if category is None:
            continue
        base = base_url_for(hosts.get(key.organisation_id), ctx.settings.base_url)
        urls += [f"{base}/sitemaps/{sitemaps.sitemap_name(category, key.organisation_id, key.page)}",
                 f"{base}/sitemaps/{sitemaps.index_name(category)}", f"{base}/robots.txt"]
    return list(dict.fromkeys(urls))


# --------------------------------------------------------------------------- placing

class _Pager:
    """The page the next document of an (organisation, category) goes on: the last one, until it is full.
    Pages keep their members, so placing never moves a document that is already listed."""

    def __init__(self, session: Session):
        self.session = session
        self.last: dict[tuple[int, str], list[int]] = {}

    def next(self, organisation_id: int, category: str) -> int:
        state = self.last.get((organisation_id, category))
        if state is None:
            row = self.session.execute(
                select(SitemapSlot.page, func.count()).where(SitemapSlot.organisation_id == organisation_id,
                                                            SitemapSlot.category == category)
                .group_by(SitemapSlot.page).order_by(SitemapSlot.page.desc()).limit(1)).first()
            state = self.last[(organisation_id, category)] = [row[0], row[1]] if row else [0, 0]
        if state[1] >= sitemaps.PAGE_SIZE:
            state[0], state[1] = state[0] + 1, 0
        state[1] += 1
        return state[0]


def _listing(doc: Document | None) -> tuple[int, str] | None:
    """Where a document belongs in the sitemaps, or None when it must not be listed."""
    from woo.services.publication import public_file

    if doc is None or doc.status != Status.PUBLISHED or public_file(doc) is None:
        return None
    if tooi.category_by_uri(doc.category) is None:
        return None
    return doc.organisation_id, doc.category


def _mark_stale(session: Session, keys: set[PageKey]) -> None:
    for key in keys:
        # generation + 1 in SQL, not read-modify-write: a render that read the old value must not store
        bumped = session.execute(update(SitemapPage).where(
            SitemapPage.organisation_id == key.organisation_id, SitemapPage.category == key.category,
            SitemapPage.page == key.page).values(stale=True, generation=SitemapPage.generation + 1)).rowcount
        if not bumped:
            session.add(SitemapPage(organisation_id=key.organisation_id, category=key.category, page=key.page,
                                    stale=True, generation=1, url_count=0, size=0))


def place_pending(ctx: Context) -> int:
    """Slots for the documents (and organisations) in the outbox; returns how many rows were worked off."""
    done = 0
    while True:
        with ctx.unit_of_work() as session:
            rows = session.execute(select(FeedOutbox.id, FeedOutbox.document_id, FeedOutbox.organisation_id)
                                   .order_by(FeedOutbox.id).limit(BATCH)).all()
            if not rows:
                return done
            stale: set[PageKey] = set()
            org_ids = {r.organisation_id for r in rows if r.organisation_id is not None}
            if org_ids:  # a new name or host: every page of the organisation is written again
                session.execute(update(SitemapPage).where(SitemapPage.organisation_id.in_(org_ids))
                                .values(stale=True, generation=SitemapPage.generation + 1))
            _place(session, {r.document_id for r in rows if r.document_id}, stale)
            _mark_stale(session, stale)
            session.execute(delete(FeedOutbox).where(FeedOutbox.id.in_([r.id for r in rows])))
            done += len(rows)


def _place(session: Session, doc_ids: set[str], stale: set[PageKey]) -> None:
    if not doc_ids:
        return
    docs = {d.id: d for d in session.execute(select(Document).options(selectinload(Document.files))
                                             .where(Document.id.in_(doc_ids))).scalars()}
    slots = {s.document_id: s for s in session.execute(select(SitemapSlot)
                                                       .where(SitemapSlot.document_id.in_(doc_ids))).scalars()}
    pager = _Pager(session)
    for doc_id in sorted(doc_ids):
        want, slot = _listing(docs.get(doc_id)), slots.get(doc_id)
        if slot is not None:
            stale.add(PageKey(slot.organisation_id, slot.category, slot.page))
            if want == (slot.organisation_id, slot.category):
                continue  # same page: only its content changes
            if want is None:
                session.delete(slot)
                continue
        if want is not None:
            page = pager.next(*want)
            if slot is None:
                session.add(SitemapSlot(document_id=doc_id, organisation_id=want[0], category=want[1], page=page))
            else:  # moved to another category (a correction)
                slot.organisation_id, slot.category, slot.page = want[0], want[1], page
            stale.add(PageKey(want[0], want[1], page))


# --------------------------------------------------------------------------- rendering

def load_page(session: Session, key: PageKey) -> tuple[Organisation | None, list[DocumentView]]:
    """The organisation and the published documents on a page, in id order, as plain rows."""
    d, f, s = Document.__table__, StoredFile.__table__, SitemapSlot.__table__
    on_page = and_(s.c.organisation_id == key.organisation_id, s.c.category == key.category,
                   s.c.page == key.page)
    rows = session.execute(
        select(d.c.id, d.c.title, d.c.category, d.c.metadata, d.c.language, d.c.document_date, d.c.created_at,
               d.c.updated_at, d.c.published_at, d.c.publication_id, d.c.remote_modified)
        .join(s, s.c.document_id == d.c.id)
        .where(on_page, d.c.status == Status.PUBLISHED.value, d.c.category == key.category,
               d.c.organisation_id == key.organisation_id)
        .order_by(d.c.id)).all()
    views = {r.id: DocumentView(r.id, r.title, r.category, r.metadata or {}, r.language, r.document_date,
                                r.created_at, r.updated_at, r.published_at, remote_modified=r.remote_modified)
             for r in rows}
    dossier_ids = {r.publication_id for r in rows if r.publication_id}
    if dossier_ids:  # isPartOf: the dossier each document belongs to (issue 13)
        from woo.adapters.models import Publication
        from woo.publish.records import DossierView

        titles = dict(session.execute(select(Publication.id, Publication.title)
                                      .where(Publication.id.in_(dossier_ids))).all())
        for r in rows:
            if r.publication_id in titles:
                views[r.id].dossier = DossierView(r.publication_id, titles[r.publication_id])
    from woo.services.publication import PUBLIC_FILE_ROLES

    for doc_id, role, filename, size, mime in session.execute(
            select(f.c.document_id, f.c.role, f.c.filename, f.c.size, f.c.mime_type)
            .join(s, s.c.document_id == f.c.document_id)
            .where(on_page, f.c.role.in_(PUBLIC_FILE_ROLES)).order_by(f.c.id)):
        view = views.get(doc_id)
        if view is not None:
            view.files.append(FileView(role, filename, size, mime))
    return session.get(Organisation, key.organisation_id), list(views.values())


def render_and_store(sessions: sessionmaker, default_base_url: str, key: PageKey) -> tuple[bool, dict[str, str]]:
    """Render one page and store it unless it was marked stale again meanwhile; an empty page is removed.
    Returns (whether the stored bytes changed, the documents left out: id -> reason)."""
    with sessions() as session:
        generation = session.execute(select(SitemapPage.generation).where(
            SitemapPage.organisation_id == key.organisation_id, SitemapPage.category == key.category,
            SitemapPage.page == key.page)).scalar_one_or_none()
        if generation is None:
            return False, {}
        org, docs = load_page(session, key)
    base_url = base_url_for(org.public_base_url if org else None, default_base_url)
    rendered = sitemaps.render_page(docs, org, base_url) if org else None
    skipped = rendered.skipped if rendered else {}
    for doc_id, reason in skipped.items():
        log.error("document %s left out of its sitemap: %s", doc_id, reason)
    with sessions.begin() as session:
        page = session.get(SitemapPage, (key.organisation_id, key.category, key.page))
        if page is None or page.generation != generation:
            return False, skipped  # changed while we rendered: the next round does it
        if rendered is None or rendered.url_count == 0:
            session.delete(page)
            return True, skipped
        now = utcnow()
        changed = page.etag != rendered.etag or page.content is None or page.base_url != base_url
        if changed:
            page.content, page.etag, page.changed_at = rendered.gzip, rendered.etag, now
        page.size, page.url_count, page.base_url = rendered.size, rendered.url_count, base_url
        page.stale, page.built_at = False, now
    return changed, skipped


def stale_pages(session: Session) -> list[PageKey]:
    return [PageKey(o, c, p) for o, c, p in session.execute(
        select(SitemapPage.organisation_id, SitemapPage.category, SitemapPage.page)
        .where(SitemapPage.stale.is_(True))
        .order_by(SitemapPage.organisation_id, SitemapPage.category, SitemapPage.page))]


class _Renderer:
    """Renders pages as they are handed in: inline, or in ``processes`` spawned worker processes (each with
    its own database pool), so a full build renders one group's pages while the next group is placed."""

    def __init__(self, sessions: sessionmaker, default_base_url: str, processes: int = 1):
        self.sessions, self.base_url, self.pool, self.pending, self.done = sessions, default_base_url, None, [], []
        if processes > 1:
            import multiprocessing

            url = str(sessions.kw["bind"].url.render_as_string(hide_password=False))
            self.pool = multiprocessing.get_context("spawn").Pool(processes, _pool_start, (url, default_base_url))

    def submit(self, keys: list[PageKey]) -> None:
        if self.pool is None:
            self.done += [render_and_store(self.sessions, self.base_url, key) for key in keys]
        else:
            self.pending += [self.pool.apply_async(_pool_render, (key,)) for key in keys]

    def results(self, progress: Callable[[int, int], None] | None = None) -> tuple[int, dict[str, str], bool]:
        """Wait for everything handed in; (pages, skipped, whether any stored bytes changed)."""
        skipped: dict[str, str] = {}
        changed = False
        total = len(self.done) + len(self.pending)
        try:
            for n, outcome in enumerate(self.done + self.pending, 1):
                page_changed, part = outcome if isinstance(outcome, tuple) else outcome.get()
                changed |= page_changed
                skipped.update(part)
                if progress:
                    progress(n, total)
        finally:
            if self.pool is not None:
                self.pool.close()
                self.pool.join()
        return total, skipped, changed


def render_stale(sessions: sessionmaker, default_base_url: str, processes: int = 1,
                 progress: Callable[[int, int], None] | None = None) -> tuple[int, dict[str, str], bool]:
    """Render every stale page (in ``processes`` worker processes when > 1); returns (pages, skipped,
    whether any stored bytes changed)."""
    with sessions() as session:
        keys = stale_pages(session)
    renderer = _Renderer(sessions, default_base_url, processes if len(keys) > 1 else 1)
    renderer.submit(keys)
    return renderer.results(progress)


_POOL: tuple[sessionmaker, str] | None = None


def _pool_start(url: str, default_base_url: str) -> None:
    global _POOL
    from woo.adapters.db import engine_for

    _POOL = (sessionmaker(engine_for(url), expire_on_commit=False), default_base_url)


def _pool_render(key: PageKey) -> tuple[bool, dict[str, str]]:
    sessions, base_url = _POOL
    return render_and_store(sessions, base_url, key)


# --------------------------------------------------------------------------- the full build

def place_unlisted(ctx: Context, organisation_id: int, category: str) -> int:
    """Slots for the published documents of one (organisation, category) that have none (documents written
    without the service, a restore, the first build): one INSERT ... SELECT, numbering them in id order after
    the members of the group's last page, as ``_Pager`` would one by one."""
    sl = SitemapSlot
    in_group = and_(sl.organisation_id == organisation_id, sl.category == category)
    last_page = select(func.max(sl.page)).where(in_group).scalar_subquery()
    last_count = select(func.count()).where(in_group, sl.page == last_page).scalar_subquery()
    number = func.row_number().over(order_by=Document.id)
    page = func.coalesce(last_page, 0) + (number - 1 + last_count) // sitemaps.PAGE_SIZE
    new = (select(Document.id, Document.organisation_id, Document.category, page)
           .where(Document.status == Status.PUBLISHED, Document.organisation_id == organisation_id,
                  Document.category == category, ~exists().where(sl.document_id == Document.id)))
    count = select(func.count()).where(in_group)
    with _placing(ctx), ctx.unit_of_work() as session:
        before = session.execute(count).scalar_one()
        session.execute(sl.__table__.insert().from_select(["document_id", "organisation_id", "category", "page"],
                                                          new))
        return session.execute(count).scalar_one() - before  # rowcount is -1 here on psycopg


def mark_group_stale(ctx: Context, organisation_id: int, category: str) -> list[PageKey]:
    """Every page of one (organisation, category) that has slots, stale (rows created where missing)."""
    where_pages = and_(SitemapPage.organisation_id == organisation_id, SitemapPage.category == category)
    with _placing(ctx), ctx.unit_of_work() as session:  # page rows are created by placers only, one at a time
        session.execute(update(SitemapPage).where(where_pages)
                        .values(stale=True, generation=SitemapPage.generation + 1))
        have = set(session.execute(select(SitemapPage.page).where(where_pages)).scalars())
        wanted = set(session.execute(select(SitemapSlot.page).where(
            SitemapSlot.organisation_id == organisation_id, SitemapSlot.category == category).distinct()).scalars())
        new_pages = [{"organisation_id": organisation_id, "category": category, "page": p, "stale": True,
                      "generation": 1, "url_count": 0, "size": 0} for p in sorted(wanted - have)]
        if new_pages:
            session.execute(SitemapPage.__table__.insert(), new_pages)
    return [PageKey(organisation_id, category, p) for p in sorted(wanted | have)]


def _groups(ctx: Context) -> list[tuple[int, str]]:
    """(organisation, category) pairs with published documents or stored pages."""
    known = [c.uri for c in tooi.woo_categories()]
    with ctx.unit_of_work() as session:
        docs = session.execute(select(Document.organisation_id, Document.category).where(
            Document.status == Status.PUBLISHED, Document.category.in_(known)).distinct())
        pages = session.execute(select(SitemapPage.organisation_id, SitemapPage.category).distinct())
        return sorted({tuple(r) for r in docs} | {tuple(r) for r in pages})


def rebuild(ctx: Context, processes: int = 1, progress: Callable[[str, int, int], None] | None = None
            ) -> Refreshed:
    """The full build: group by group, place what is unplaced and hand the group's pages to the renderer,
    which renders them while the next group is placed; every page is written anew."""
    result = Refreshed()
    renderer = _Renderer(ctx.sessions, ctx.settings.base_url, processes)
    groups = _groups(ctx)
    for n, (organisation_id, category) in enumerate(groups, 1):
        result.placed += place_unlisted(ctx, organisation_id, category)
        renderer.submit(mark_group_stale(ctx, organisation_id, category))
        if progress:
            progress("placed", n, len(groups))
    result.pages, result.skipped, _ = renderer.results((lambda n, t: progress("rendered", n, t)) if progress
                                                       else None)
    bump_version(ctx)
    refresh_pending(ctx)  # whatever was published meanwhile
    log.info("sitemaps rebuilt: %s documents placed, %s pages rendered", result.placed, result.pages)
    return result


def mark_outdated_stale(ctx: Context) -> int:
    """Pages stored by an older version of the page writer (their etag does not start with
    ``sitemaps.RENDER_FORMAT``): stale, so the next refresh writes them in the current format. Until then
    the web renders such a page fresh when it is asked for (woo.web.harvest)."""
    with ctx.unit_of_work() as session:
        return session.execute(update(SitemapPage).where(
            SitemapPage.stale.is_(False), SitemapPage.content.is_not(None),
            ~SitemapPage.etag.startswith(sitemaps.RENDER_FORMAT + "-", autoescape=True))
            .values(stale=True, generation=SitemapPage.generation + 1)).rowcount


def mark_foreign_hosts_stale(ctx: Context) -> int:
    """Pages written for a host that is no longer the organisation's (WOO_BASE_URL or the organisation's
    public URL changed), or by an older page writer: stale, so the next refresh writes them anew."""
    count = mark_outdated_stale(ctx)
    with ctx.unit_of_work() as session:
        orgs = session.execute(select(Organisation.id, Organisation.public_base_url)).all()
        for org_id, public in orgs:
            base = base_url_for(public, ctx.settings.base_url)
            count += session.execute(update(SitemapPage).where(
                SitemapPage.organisation_id == org_id, SitemapPage.stale.is_(False),
                SitemapPage.base_url != base).values(stale=True, generation=SitemapPage.generation + 1)).rowcount
        return count
