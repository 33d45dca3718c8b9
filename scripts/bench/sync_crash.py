#!/usr/bin/env python3
"""Crash check for source syncs (issue 16): kill -9 the worker in the middle of a sync; nothing lost, nothing doubled.

Real parts: SeaweedFS S3, Redis, SQLite (or PostgreSQL), a local OpenBesluitvorming server (tests/obv_server.py)
with --docs documents on meetings, and real `woo worker` processes. The sync is started; once part of it is
in (documents appear), the worker is killed with SIGKILL (--kills times, at different points); a fresh worker
resumes the chain (woo.services.sources.recover at its start). At the end: every remote document maps to
exactly one woo document, every document of the source is mapped, no file is in woo twice, every meeting is
one dossier, the cursor is at the end of the feed. Prints the figures and exits 1 on any loss or duplicate.

    .venv/bin/python scripts/bench/sync_crash.py [--docs 300] [--kills 3] [--database sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> int:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the local server's request log
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()

    from fpdf import FPDF
    from sqlalchemy import func, select

    from tests.obv_server import Feed, ObvServer
    from woo.adapters.models import Document, Dossier, Source, SourceItem, StoredFile
    from woo.config import load_settings
    from woo.embedded.servers import PostgresServer, RedisServer, S3Server
    from woo.services import sources
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import SYSTEM, build_context

    tmp = Path(tempfile.mkdtemp(prefix="woo-sync-crash-"))
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(0, 10, "Raadsvoorstel")
    template = bytes(pdf.output())
    s3 = S3Server(tmp / "s3").start()
    redis = RedisServer(tmp / "redis").start()
    pg = PostgresServer(tmp / "pg").start() if args.database == "postgresql" else None
    workers: list[subprocess.Popen] = []
    try:
        env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": s3.access_key,
               "WOO_S3_SECRET_KEY": s3.secret_key, "WOO_REDIS_URL": redis.url, "WOO_SECRET_KEY": "crash",
               "WOO_DATABASE_URL": pg.url if pg else f"sqlite:///{tmp / 'woo.sqlite'}"}
        settings = load_settings(tmp / "data", env=env)
        ctx = build_context(settings)
        bootstrap_instance(settings, ctx)
        feed = Feed(source_key="crash")
        with ObvServer(feed, rate_per_minute=1e9) as server:
            for i in range(args.docs):
                feed.document(f"document:x:{i}", f"Stuk {i}", template + f"\n%crash {i}\n".encode(),
                              meeting=f"meeting:x:{i // 10}")
            for m in range((args.docs + 9) // 10):
                docs = [(f"document:x:{i}", f"Stuk {i}") for i in range(m * 10, min(args.docs, m * 10 + 10))]
                feed.meeting(f"meeting:x:{m}", f"Raadsvergadering {m}", "2026-11-12T19:30:00Z",
                             [("Ingekomen stukken" if m % 3 == 0 else "Voorstellen", docs)])
            server.mark_snapshot()
            source_id = sources.add(ctx, SYSTEM, "gm0363", "openbesluitvorming", "crash",
                                    {"source_key": "crash", "base_url": server.url, "page_size": 25,
                                     "rate_per_minute": 1e9})
            wenv = {**os.environ, **env, "WOO_DATA_DIR": str(tmp / "data")}

            def start_worker():
                # the light and sync queues: the sync steps and their file fetches (extraction runs first, also measured)
                w = subprocess.Popen([sys.executable, "-m", "woo", "worker", "--queue", "woo", "--queue", "woo-sync",
                                      "--no-maintenance"],
                                     env=wenv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
                workers.append(w)
                return w

            def mapped() -> int:
                with ctx.unit_of_work() as s:
                    return s.execute(select(func.count()).select_from(SourceItem).where(
                        SourceItem.source_id == source_id, SourceItem.document_id.is_not(None))).scalar_one()

            sources.sync(ctx, SYSTEM, source_id)
            t0 = time.monotonic()
            kills = []
            for k in range(args.kills):
                w = start_worker()
                target = args.docs * (k + 1) // (args.kills + 1)
                while mapped() < target and time.monotonic() - t0 < args.timeout:
                    time.sleep(0.05)
                os.killpg(w.pid, signal.SIGKILL)
                w.wait()
                kills.append(mapped())
                print(f"kill -9 #{k + 1} with {kills[-1]} of {args.docs} documents in")
            w = start_worker()
            while time.monotonic() - t0 < args.timeout:
                view = sources.status(ctx, source_id)
                if (view["state"] in ("idle", "error") and view["phase"] == "changes"
                        and not view["items"].get("fetch_pending")):  # the files come in after the steps
                    break
                time.sleep(0.2)
            seconds = time.monotonic() - t0
            os.killpg(w.pid, signal.SIGKILL)
            w.wait()
        view = sources.status(ctx, source_id)
        with ctx.unit_of_work() as s:
            items = list(s.execute(select(SourceItem).where(SourceItem.source_id == source_id,
                                                            SourceItem.kind == "document")).scalars())
            docs = s.execute(select(func.count()).select_from(Document)
                             .where(Document.source == "openbesluitvorming")).scalar_one()
            doc_ids = [i.document_id for i in items if i.document_id]
            dup_sha = s.execute(select(StoredFile.sha256, func.count()).where(StoredFile.role == "original")
                                .group_by(StoredFile.sha256).having(func.count() > 1)).all()
            dossiers = s.execute(select(func.count()).select_from(Dossier)).scalar_one()
            src = s.get(Source, source_id)
            cursor, expected_cursor = src.cursor, f"c:{feed.seq}"
        lost = args.docs - len(set(doc_ids))
        doubled = len(doc_ids) - len(set(doc_ids)) + (docs - len(set(doc_ids))) + len(dup_sha)
        meetings = (args.docs + 9) // 10
        print(f"{args.docs} remote documents, {args.kills} kills at {kills}; done in {seconds:.1f} s; "
              f"state {view['state']} ({view['last_error'] or 'geen fout'}); files pending "
              f"{view['items'].get('fetch_pending', 0)}, failed {view['items'].get('fetch_failed', 0)}")
        print(f"woo documents {docs}, mapped {len(set(doc_ids))}, lost {lost}, duplicated {doubled}; "
              f"dossiers {dossiers} of {meetings} meetings; cursor {cursor} (end of feed {expected_cursor})")
        ok = (lost == 0 and doubled == 0 and dossiers == meetings and cursor == expected_cursor
              and not view["items"].get("fetch_pending"))
        print("OK: nothing lost, nothing duplicated" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGKILL)
        for srv in (pg, redis, s3):
            if srv is not None:
                srv.stop()


if __name__ == "__main__":
    sys.exit(main())
