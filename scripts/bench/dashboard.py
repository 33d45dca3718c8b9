#!/usr/bin/env python3
"""Compliance dashboard benchmark (issue 20): the dashboard of an organisation with 1,000,000 documents.

Prints figures, asserts nothing. Goal: the dashboard page <= 1 s.

1. build: --count documents (default 1,000,000) of one organisation are written straight into the tables
   (executemany on SQLite, COPY on PostgreSQL): published over five years and the 17 categories, each with
   its own document date, 1% withdrawn, 10% with two redacted findings; --working documents (default 2,000)
   still on their way (concept, one file, jobs done or queued); --besluiten Woo-besluiten (5,000) with
   received and decision dates; sitemap pages as the feeds would store them; one recorded harvest check.
   Then the counters are counted once from the rows (woo.services.dashboard.recount, the path of the
   migration and of `woo report recount`): its seconds are printed too (a maintenance pass, not the page).
2. the page: woo.services.dashboard.figures for the organisation (all time with the snapshot: work lists,
   harvest, sitemaps; and for one calendar year), and GET /dashboard through the real Flask app as a
   publisher (the template included), --repeat times each: best and median milliseconds.
3. incremental upkeep: publishing one more document's counters (woo.services.dashboard.note_published in a
   transaction) in milliseconds, so the page stays fast without recounting.

    .venv/bin/python scripts/bench/dashboard.py [--count 1000000] [--working 2000] [--besluiten 5000]
                                                [--backend sqlite|postgresql|both] [--repeat 5]
    .venv/bin/python scripts/bench/dashboard.py --count 50000 --backend sqlite     # quick run
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import peak_rss_mb  # noqa: E402

GROUNDS = ["5.1.2e", "5.1.1e", "5.1.2d", "5.2"]
YEAR = 2026


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average now {load}")


def _rows(org_id: int, count: int, working: int, besluiten: int, seed: int = 7):
    """The generated history as plain tuples per table."""
    from woo.domain import tooi

    cats = [c.uri for c in tooi.woo_categories() if c.woo_article.startswith("3.3")]
    reasons = [c.uri for c in tooi.redenen_verwijdering()]
    rnd = random.Random(seed)
    end = datetime(YEAR, 11, 30, tzinfo=timezone.utc)
    docs, files, findings = [], [], []
    for k in range(count):
        doc_id = uuid.UUID(int=rnd.getrandbits(128)).hex
        published = end - timedelta(seconds=rnd.randint(0, 86400 * 365 * 5))
        dated = published - timedelta(days=rnd.randint(0, 400)) if k % 20 else None
        withdrawn = published + timedelta(days=rnd.randint(1, 30)) if k % 100 == 0 else None
        docs.append((doc_id, org_id, f"Besluit nummer {k}", "withdrawn" if withdrawn else "published", "api",
                     cats[k % len(cats)], "{}", "pdf", "nl", dated, published, published, published, withdrawn,
                     rnd.choice(reasons) if withdrawn else None, False))
        if k % 10 == 0:
            for j in range(2):
                findings.append((doc_id, "bsn" if j else "email", 1, "x", "x…", "redact", GROUNDS[(k + j) % 4],
                                 published))
    now = datetime.now(timezone.utc)
    for k in range(working):
        doc_id = uuid.UUID(int=rnd.getrandbits(128)).hex
        created = now - timedelta(days=rnd.randint(0, 120))
        docs.append((doc_id, org_id, f"In behandeling {k}", "concept", "ui", None, "{}", "pdf", "nl", created,
                     created, created, None, None, None, False))
        files.append((doc_id, "original", f"documents/{doc_id}/original", f"stuk-{k}.pdf", 1000, "0" * 64,
                      "application/pdf", "fmt/276", "PDF 1.7", created))
    dossiers = []
    for k in range(besluiten):
        received = date(YEAR - 4, 1, 1) + timedelta(days=rnd.randint(0, 365 * 5 - 60))
        decided = received + timedelta(days=rnd.randint(5, 70)) if k % 25 else None
        dossiers.append((uuid.UUID(int=rnd.getrandbits(128)).hex, org_id, f"Woo-besluit {k}", "woo-besluit",
                         "openbaar" if decided else "concept", received, decided, k % 7 == 0, 0, now))
    return docs, files, findings, dossiers


DOC_COLS = ("id", "organisation_id", "title", "status", "source", "category", "metadata", "format_kind",
            "language", "document_date", "created_at", "updated_at", "published_at", "withdrawn_at",
            "withdraw_reason", "legal_hold")
FILE_COLS = ("document_id", "role", "object_key", "filename", "size", "sha256", "mime_type", "puid",
             "format_name", "created_at")
FINDING_COLS = ("document_id", "type", "page", "text", "masked", "decision", "ground", "created_at")
DOSSIER_COLS = ("id", "organisation_id", "title", "kind", "status", "received_date", "decision_date", "extended",
                "suspension_days", "created_at")


def fill(url: str, org_id: int, args) -> None:
    docs, files, findings, dossiers = _rows(org_id, args.count, args.working, args.besluiten)
    tables = [("documents", DOC_COLS, docs), ("files", FILE_COLS, files),
              ("privacy_findings", FINDING_COLS, findings), ("publications", DOSSIER_COLS, dossiers)]
    if url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn, conn.cursor() as cur:
            for name, cols, rows in tables:
                with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row(row)
            cur.execute("ANALYZE")
    else:
        import sqlite3

        def conv(r):
            return tuple(v.isoformat(sep=" ").replace("+00:00", "") if isinstance(v, datetime)
                         else v.isoformat() if isinstance(v, date) else v for v in r)
        conn = sqlite3.connect(url.split("///", 1)[1])
        with conn:
            for name, cols, rows in tables:
                conn.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                 (conv(r) for r in rows))
            conn.execute("ANALYZE")
        conn.close()


def sitemaps_and_harvest(ctx, org_id: int, args) -> None:
    from woo.adapters.models import SitemapPage
    from woo.domain import tooi
    from woo.publish.harvest_check import Report
    from woo.services import dashboard
    from woo.services.context import SYSTEM

    per_cat = args.count // 17
    with ctx.unit_of_work() as s:
        for c in tooi.woo_categories()[:17]:
            for page in range(max(1, -(-per_cat // 50_000))):
                s.add(SitemapPage(organisation_id=org_id, category=c.uri, page=page, stale=False,
                                  url_count=min(50_000, per_cat - page * 50_000), size=0,
                                  changed_at=datetime.now(timezone.utc)))
    dashboard.record_harvest_check(ctx, SYSTEM, Report(ctx.settings.base_url, documents=args.count))


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times)


def run_backend(name: str, url: str, args) -> None:
    from woo.adapters import db
    from woo.adapters.models import Document, Organisation, User
    from woo.adapters.queue import InlineQueue
    from woo.config import load_settings
    from woo.domain.roles import Role
    from woo.services import accounts, dashboard
    from woo.services.context import SYSTEM, Context

    data = Path(tempfile.mkdtemp(prefix=f"woo-dash-{name}-"))
    print(f"[{name}] database: {url}")
    settings = load_settings(data, env={"WOO_DATABASE_URL": url, "WOO_SECRET_KEY": "bench",
                                        "WOO_S3_ENDPOINT": "127.0.0.1:1", "WOO_JOBS_INLINE": "1"})
    db.upgrade(url)
    ctx = Context(settings, db.session_factory(url), store=None, queue=InlineQueue())
    if args.reuse:  # a database an earlier run built: measure the page only
        from sqlalchemy import select
        with ctx.unit_of_work() as s:
            org_id = s.execute(select(Organisation.id).where(Organisation.code == "gm0363")).scalar_one()
            user_id = s.execute(select(User.id).where(User.username == "publicist")).scalar_one()
        return measure(name, ctx, settings, org_id, user_id, args)
    with ctx.unit_of_work() as s:
        org = Organisation(tooi_uri="https://identifier.overheid.nl/tooi/id/gemeente/gm0363", code="gm0363",
                           name="gemeente Amsterdam")
        s.add(org)
        s.flush()
        org_id = org.id
        user = accounts.create_user(s, SYSTEM, "publicist", None, [(Role.PUBLISHER, org_id)])
        user_id = user.id
    t = time.perf_counter()
    fill(url, org_id, args)
    sitemaps_and_harvest(ctx, org_id, args)
    print(f"[{name}] build: {args.count:,} documents + {args.working:,} in progress + {args.besluiten:,} "
          f"Woo-besluiten in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    with ctx.unit_of_work() as s:
        rows = dashboard.recount(s)
    print(f"[{name}] recount from the rows (migration / `woo report recount`): {time.perf_counter() - t:.1f} s, "
          f"{rows:,} counter rows")
    measure(name, ctx, settings, org_id, user_id, args)
    db.dispose(url)


def measure(name, ctx, settings, org_id, user_id, args) -> None:
    from woo.adapters.models import Document, User
    from woo.services import dashboard

    def all_time():
        with ctx.unit_of_work() as s:
            return dashboard.figures(s, {org_id}, None, base_url=settings.base_url)

    def one_year():
        with ctx.unit_of_work() as s:
            return dashboard.figures(s, {org_id}, YEAR, snapshot=False)
    fig = all_time()
    print(f"[{name}] figures: {fig.total_public:,} public, {fig.total_published:,} publications, "
          f"{sum(w.n for w in fig.withdrawals):,} withdrawals, {sum(r.n for r in fig.redactions):,} redactions, "
          f"Woo-besluiten {fig.besluiten.counts}, median {fig.besluiten.median_days} days; "
          f"waiting {sum(w.n for w in fig.waiting if w.key == 'verwerking'):,} in processing")
    best, med = timed(all_time, args.repeat)
    print(f"[{name}] figures (all time + work lists, harvest, sitemaps): best {best:.0f} ms, median {med:.0f} ms")
    best, med = timed(one_year, args.repeat)
    print(f"[{name}] figures (calendar year {YEAR}): best {best:.0f} ms, median {med:.0f} ms")

    from woo.app import create_app

    app = create_app(ctx=ctx)
    client = app.test_client()
    with client.session_transaction() as sess, ctx.unit_of_work() as s:
        sess["user_id"], sess["epoch"] = user_id, s.get(User, user_id).session_epoch
    resp = client.get("/dashboard")
    assert resp.status_code == 200, resp.status_code
    best, med = timed(lambda: client.get("/dashboard"), args.repeat)
    print(f"[{name}] GET /dashboard (page, {len(resp.data):,} bytes): best {best:.0f} ms, median {med:.0f} ms "
          f"(goal <= 1000 ms)")
    best, med = timed(lambda: client.get(f"/dashboard?jaar={YEAR}"), args.repeat)
    print(f"[{name}] GET /dashboard?jaar={YEAR}: best {best:.0f} ms, median {med:.0f} ms")

    if args.no_note:
        print(f"[{name}] peak RSS {peak_rss_mb():.0f} MB")
        return

    def note_one():
        with ctx.unit_of_work() as s:
            d = Document(organisation_id=org_id, title="Nog een", status="published",
                         category=fig.categories[0].uri, published_at=datetime.now(timezone.utc),
                         document_date=datetime.now(timezone.utc) - timedelta(days=3))
            s.add(d)
            s.flush()
            dashboard.note_published(s, d)
    best, med = timed(note_one, args.repeat)
    print(f"[{name}] one publication's counters (insert + note_published, one transaction): best {best:.1f} ms, "
          f"median {med:.1f} ms")
    print(f"[{name}] peak RSS {peak_rss_mb():.0f} MB")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--working", type=int, default=2_000)
    p.add_argument("--besluiten", type=int, default=5_000)
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--reuse", type=Path, help="SQLite file of an earlier run (its path is printed): page only")
    p.add_argument("--no-note", action="store_true", help="do not add the measured publications (with --reuse)")
    args = p.parse_args()
    print(f"machine: {machine()}")
    if args.reuse:
        run_backend("sqlite", f"sqlite:///{args.reuse}", args)
        return 0
    root = Path(tempfile.mkdtemp(prefix="woo-dash-"))
    if args.backend in ("sqlite", "both"):
        run_backend("sqlite", f"sqlite:///{root / 'bench.sqlite'}", args)
    if args.backend in ("postgresql", "both"):
        from woo.embedded.servers import PostgresServer

        pg = PostgresServer(root / "pg")
        pg.spawn()
        try:
            pg.wait_ready()
            run_backend("postgresql", pg.url, args)
        finally:
            pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
