#!/usr/bin/env python3
"""Retention benchmark: `woo retention due` over many documents, and destruction of many documents.

1. due: --due-docs rows (default 1,000,000) written straight into a migrated SQLite database with
   executemany (70 % past their archiefactiedatum); then, in a fresh child process each, the due list is
   streamed to CSV (what `woo retention due --csv` does) in full and stopped after 50,000 rows. Same peak
   RSS for both = memory stays flat. Goal: full run <= 30 s.
2. destruction: --destroy-docs documents (default 10,000), each with 3 object versions in a real S3
   (SeaweedFS), go through the service path: list -> review -> approve -> execute (in process, the same
   function the rq job runs). Prints docs/s, and lists the whole bucket with versions afterwards to prove
   that zero versions of the destroyed documents remain.

    .venv/bin/python scripts/bench/retention.py [--due-docs 1000000] [--destroy-docs 10000]
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import peak_rss_mb  # noqa: E402




def fill_documents(url: str, n: int, org_id: int, chunk: int = 50_000) -> None:
    """Rows straight into the table (no ORM objects): executemany in chunks."""
    import sqlalchemy as sa

    from woo.adapters.db import engine_for
    from woo.adapters.models import Document

    table = Document.__table__
    rnd = random.Random(7)
    today = date.today()
    now = datetime.now(timezone.utc)
    with engine_for(url).begin() as conn:
        for start in range(0, n, chunk):
            rows = []
            for i in range(start, min(n, start + chunk)):
                due = rnd.random() < 0.7
                action = today - timedelta(days=rnd.randint(1, 3000)) if due else \
                    today + timedelta(days=rnd.randint(1, 3000))
                v = rnd.random() < 0.8
                rows.append({"id": uuid.UUID(int=rnd.getrandbits(128)).hex, "organisation_id": org_id,
                             "title": f"Document {i}", "status": "concept", "source": "cli", "metadata": {},
                             "created_at": now, "updated_at": now, "legal_hold": False,
                             "retention_resultaat": "6.1" if v else "2.1.1", "retention_source": "standaard",
                             "retention_waardering": "V" if v else "B", "retention_bewaartermijn": "P5Y" if v else None,
                             "retention_brondatum": action - timedelta(days=5 * 365),
                             "retention_brondatum_bron": "document_date", "archiefactiedatum": action})
            conn.execute(sa.insert(table), rows)


def due_child(url: str, out: str, stop_after: int | None) -> None:
    """One measured run of the due list into a CSV file; prints rows, seconds, peak RSS."""
    from sqlalchemy.orm import Session

    from woo.adapters.db import engine_for
    from woo.services import retention as retsvc

    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    with Session(engine_for(url)) as session:
        rows = retsvc.due_rows(session, retsvc.DueFilter())
        if stop_after:
            import itertools

            rows = itertools.islice(rows, stop_after)
        n = retsvc.write_csv(rows, Path(out))
    print(f"{n} {time.perf_counter() - t0:.2f} {peak_rss_mb():.0f} {rss0:.0f}")


def bench_due(n: int, tmp: Path) -> None:
    from woo.adapters import db
    from woo.adapters.models import Organisation

    url = f"sqlite:///{tmp / 'due.sqlite'}"
    db.upgrade(url)
    with db.engine_for(url).begin() as conn:
        import sqlalchemy as sa

        org_id = conn.execute(sa.insert(Organisation.__table__).values(
            tooi_uri="https://identifier.overheid.nl/tooi/id/gemeente/gm0363", code="gm0363",
            name="gemeente Amsterdam", created_at=datetime.now(timezone.utc))).inserted_primary_key[0]
    t0 = time.perf_counter()
    fill_documents(url, n, org_id)
    print(f"due: generated {n:,} documents in {time.perf_counter() - t0:.1f} s")
    results = {}
    for label, stop in (("full", None), ("first 50,000", 50_000)):
        out = subprocess.run([sys.executable, __file__, "--due-child", url, str(tmp / "due.csv"),
                              str(stop or 0)], capture_output=True, text=True, check=True).stdout.split()
        rows, secs, rss, rss0 = int(out[0]), float(out[1]), float(out[2]), float(out[3])
        results[label] = (rows, secs, rss)
        print(f"due ({label}): {rows:,} rows to CSV in {secs:.2f} s = {rows / secs:,.0f} rows/s; "
              f"peak RSS {rss:.0f} MB (at start {rss0:.0f} MB)")
    full, part = results["full"], results["first 50,000"]
    print(f"due: goal <= 30 s: {'met' if full[1] <= 30 else 'NOT met'} ({full[1]:.1f} s); memory "
          f"{full[0] / part[0]:.0f}x the rows, {full[2] - part[2]:+.0f} MB peak RSS")


def bench_destroy(n: int, tmp: Path) -> None:
    import hashlib

    import sqlalchemy as sa

    from woo.adapters.models import Document, StoredFile
    from woo.config import load_settings
    from woo.embedded.servers import RedisServer, S3Server
    from woo.services import accounts
    from woo.services import destruction as ds
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import SYSTEM, Actor, build_context

    s3 = S3Server(tmp / "s3").start()
    redis = RedisServer(tmp / "redis").start()
    try:
        env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": s3.access_key,
               "WOO_S3_SECRET_KEY": s3.secret_key, "WOO_REDIS_URL": redis.url, "WOO_SECRET_KEY": "bench",
               "WOO_DATABASE_URL": f"sqlite:///{tmp / 'woo.sqlite'}"}
        settings = load_settings(tmp / "data", env=env)
        ctx = build_context(settings)
        bootstrap_instance(settings, ctx)
        actors = {}
        with ctx.unit_of_work() as s:
            org = accounts.default_organisation(s).id
            from woo.domain.roles import Role
            for name, role in (("a", Role.ARCHIVIST), ("b", Role.ARCHIVIST), ("r", Role.REVIEWER)):
                u = accounts.create_user(s, SYSTEM, name, None, [(role, None)])
                actors[name] = Actor("user", u.id, name)

        t0 = time.perf_counter()
        ids = [uuid.uuid4().hex for _ in range(n)]
        now = datetime.now(timezone.utc)

        def put(doc_id: str) -> list[dict]:
            out = []
            for role, versions in (("original", 2), ("text", 1)):
                key = f"documents/{doc_id}/{role}"
                for v in range(versions):
                    data = f"{doc_id} {role} {v}".encode()
                    stored = ctx.store.put_bytes(key, data, "application/octet-stream")
                out.append({"document_id": doc_id, "role": role, "object_key": key, "version_id": stored.version_id,
                            "filename": role, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                            "mime_type": "application/octet-stream", "created_at": now})
            return out

        with ThreadPoolExecutor(16) as pool:
            files = [f for fs in pool.map(put, ids) for f in fs]
        with ctx.sessions() as s, s.begin():
            s.execute(sa.insert(Document.__table__), [
                {"id": i, "organisation_id": org, "title": f"Besluit {k}", "status": "concept", "source": "cli",
                 "metadata": {}, "created_at": now, "updated_at": now, "legal_hold": False,
                 "retention_resultaat": "6.1", "retention_source": "standaard", "retention_waardering": "V",
                 "retention_bewaartermijn": "P5Y", "retention_brondatum": date(2015, 1, 1),
                 "retention_brondatum_bron": "document_date", "archiefactiedatum": date(2020, 1, 1)}
                for k, i in enumerate(ids)])
            s.execute(sa.insert(StoredFile.__table__), files)
        print(f"destroy: set up {n:,} documents, {n * 3:,} object versions in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        list_id = ds.create_list(ctx, actors["a"], "Benchmark", ids)
        ds.accept_open(ctx, actors["r"], list_id)
        ds.finish_review(ctx, actors["r"], list_id)
        ds.approve(ctx, actors["b"], list_id)
        t_flow = time.perf_counter() - t0
        later = datetime.now(timezone.utc) + timedelta(days=8)
        marks = []
        t0 = time.perf_counter()
        ds.start(ctx, actors["b"], list_id, now=later, inline=True,
                 progress=lambda k: marks.append(time.perf_counter()))
        total = time.perf_counter() - t0
        items_done = (marks[-1] - t0) if marks else total
        print(f"destroy: list/review/approve of {n:,} items {t_flow:.1f} s")
        print(f"destroy: execution {total:.1f} s = {n / total:.0f} docs/s overall "
              f"(deletion+tombstones {items_done:.1f} s = {n / items_done:.0f} docs/s; "
              f"verklaring PDF/A + CSV {total - items_done:.1f} s)")
        destroyed = set(ids)
        left = [i for i in ctx.store.list_versions("documents/") if i.key.split("/")[1] in destroyed]
        remaining = sum(1 for _ in ctx.store.list_versions("documents/"))
        print(f"destroy: object versions of destroyed documents left in the bucket: {len(left)} "
              f"(bucket holds {remaining} versions: the verklaring)")
    finally:
        from woo.adapters.db import dispose_all

        dispose_all()
        redis.stop()
        s3.stop()


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--due-child":
        due_child(sys.argv[2], sys.argv[3], int(sys.argv[4]) or None)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--due-docs", type=int, default=1_000_000)
    ap.add_argument("--destroy-docs", type=int, default=10_000)
    args = ap.parse_args()
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"python {platform.python_version()}, db sqlite")
    with tempfile.TemporaryDirectory(prefix="woo-bench-retention-") as tmp:
        if args.due_docs:
            bench_due(args.due_docs, Path(tmp))
        if args.destroy_docs:
            bench_destroy(args.destroy_docs, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
