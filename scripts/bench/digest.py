#!/usr/bin/env python3
"""Digest benchmark (issue 20): one daily digest run for 1,000 and 10,000 confirmed subscribers.

For each size a fresh instance (its own process, so each peak RSS is its own) gets a realistic day of new
publications (default 400 documents over every category, 30 of them in public dossiers with onderwerpen,
all in the search index; a few withdrawn again) and N confirmed subscribers, bulk inserted: 40% follow a
category, 20% an onderwerp, 15% a dossier kind, 25% a search query. The run is then timed as the rq worker
would do it: ``send_digests`` plans the batches, each batch (``send_digest_batch``) reads what is new,
composes and sends every digest over one SMTP connection to a local aiosmtpd sink (its own process).
Printed: time, messages accepted by the sink, SMTP connections, peak RSS. Goal: <= 60 s for 10,000, memory flat.

    .venv/bin/python scripts/bench/digest.py [--sizes 1000,10000] [--documents 400] [--database sqlite|postgresql]
                                             [--workers 1] [--connections 4] [--profile]
    --profile: the run of each size under cProfile (one worker); the top functions by own time are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

TOPICS = ["Haven", "Verkeer", "Wonen", "Zorg", "Onderwijs", "Energie", "Groen", "Veiligheid", "Cultuur", "Sport"]
WORDS = ["vergunning", "haven", "parkeren", "subsidie", "besluit", "brug", "school", "windmolen", "kademuur",
         "afval", "fiets", "jeugdzorg", "begroting", "evenement", "bomenkap", "geluid", "riolering", "markt"]
QUERIES = WORDS + ["vergunning haven", "subsidie sport", "parkeren binnenstad", "bomenkap park"]

SINK = r"""
import sys, time
from aiosmtpd.controller import Controller
class Sink:
    count = 0
    peers = set()
    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        Sink.peers.add(session.peer)
        return "250 OK"
c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
print(Sink.count, len(Sink.peers), flush=True)
"""


class CollectingQueue:
    """Jobs are collected, then run in this process one after the other, as one rq worker would."""

    def __init__(self):
        self.jobs: list[tuple[str, tuple]] = []

    def enqueue(self, func: str, *args, job_id=None, queue="woo", retry=None):
        self.jobs.append((func, args))
        return None


def populate(ctx, n_subscribers: int, n_documents: int) -> dict:
    from sqlalchemy import insert

    from woo.adapters.models import Document, Publication, Subscription, utcnow
    from woo.domain import tooi
    from woo.publish import search
    from woo.services import accounts
    from woo.services import subscriptions as svc

    rnd = random.Random(20)
    now = utcnow()
    cats = [c.uri for c in tooi.woo_categories()]
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    dossiers = []
    for i in range(30):
        dossiers.append({"id": f"{i:032x}", "organisation_id": org, "title": f"Dossier {i}: {rnd.choice(WORDS)}",
                         "kind": rnd.choice(["woo-besluit", "vergadering", "publicatie"]), "status": "openbaar",
                         "topics": rnd.sample(TOPICS, 2), "category": rnd.choice(cats),
                         "published_at": now - timedelta(hours=rnd.uniform(1, 20)), "created_at": now,
                         "extended": False, "suspension_days": 0})
    docs = []
    for i in range(n_documents):
        words = rnd.sample(WORDS, 3)
        withdrawn = i % 40 == 0
        docs.append({"id": f"b{i:031x}", "organisation_id": org, "title": f"Besluit {' '.join(words)} {i}",
                     "status": "withdrawn" if withdrawn else "published", "source": "cli",
                     "category": rnd.choice(cats), "metadata": {}, "created_at": now, "updated_at": now,
                     "published_at": now - timedelta(hours=rnd.uniform(0.5, 23)),
                     "withdrawn_at": now if withdrawn else None,
                     "publication_id": dossiers[i % 30]["id"] if i < 30 * 8 and i % 8 == 0 else None,
                     "legal_hold": False})
    with ctx.unit_of_work() as s:
        s.execute(insert(Publication), dossiers)
        s.execute(insert(Document), docs)
    with ctx.unit_of_work() as s:
        from sqlalchemy import select
        for doc in s.execute(select(Document).where(Document.status == "published")).scalars():
            search.index_document(s, ctx.store, doc, body=doc.title + " tekst over de gemeente")
    sealed = svc.seal(ctx, "abonnee@example.nl")  # one Fernet token per row would only slow the set-up
    rows = []
    t0 = time.perf_counter()
    for i in range(n_subscribers):
        r = rnd.random()
        if r < 0.40:
            kind, value, params = "categorie", rnd.choice(cats), None
        elif r < 0.60:
            kind, value, params = "onderwerp", rnd.choice(TOPICS), None
        elif r < 0.75:
            kind, value, params = "soort", rnd.choice(["woo-besluit", "vergadering", "publicatie"]), None
        else:
            kind, value, params = "zoekvraag", rnd.choice(QUERIES), None
        address = f"abonnee{i}@example.nl"
        rows.append({"address_hash": svc.address_hash(ctx, address),
                     "address_sealed": svc.seal(ctx, address) if i < 2000 else sealed,
                     "follow_kind": kind, "follow_value": value, "follow_params": params, "frequency": "daily",
                     "status": "active", "nonce": f"{i:016x}", "base_url": "https://woo.example.nl",
                     "organisation_ids": [org], "created_at": now - timedelta(days=3),
                     "confirmed_at": now - timedelta(days=3), "digest_cursor": now - timedelta(days=1),
                     "last_sent_at": now - timedelta(days=1), "sent_count": 1, "bounces": 0})
        if len(rows) == 2000:
            with ctx.unit_of_work() as s:
                s.execute(insert(Subscription), rows)
            rows = []
    if rows:
        with ctx.unit_of_work() as s:
            s.execute(insert(Subscription), rows)
    return {"insert_s": round(time.perf_counter() - t0, 2)}


def child(n: int, n_documents: int, database_url: str, env: dict, work: Path, workers: int = 1,
          profile: str | None = None) -> dict:
    from benchlib import peak_rss_mb

    from woo import worker
    from woo.config import load_settings
    from woo.services import subscriptions as svc
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    settings = load_settings(work / f"data-{n}", env={**env, "WOO_DATABASE_URL": database_url})
    queue = CollectingQueue()
    ctx = build_context(settings, queue=queue)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    info = populate(ctx, n, n_documents)
    from concurrent.futures import ThreadPoolExecutor

    rss_before = peak_rss_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0, cpu0 = time.perf_counter(), time.process_time()
    planned = svc.send_digests(ctx, "daily")
    plan_s = time.perf_counter() - t0
    totals: dict[str, int] = {}
    assert all(func == "woo.worker.send_digest_batch" for func, _ in queue.jobs)
    # as ``workers`` rq workers would: each batch is one job with its own SMTP connection
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(lambda job: worker.send_digest_batch(*job[1]), queue.jobs):
            for k, v in result.items():
                totals[k] = totals.get(k, 0) + v
    run_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        Path(profile).write_text(out.getvalue())
    return {"n": n, "plan_s": round(plan_s, 2), "run_s": round(run_s, 2), "batches": planned.batches,
            "cpu_s": round(cpu_s, 2), "workers": workers,
            "totals": totals, "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_mb": round(rss_before, 1), **info}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--documents", type=int, default=400)
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--workers", type=int, default=1, help="batches sent at the same time (rq workers)")
    ap.add_argument("--connections", type=int, default=4, help="WOO_SMTP_CONNECTIONS: SMTP connections per batch")
    ap.add_argument("--profile", action="store_true", help="run under cProfile, print the top functions")
    ap.add_argument("--child", type=int)
    ap.add_argument("--child-args")
    args = ap.parse_args()
    if args.child:
        a = json.loads(args.child_args)
        print(json.dumps(child(args.child, a["documents"], a["db"], a["env"], Path(a["work"]), a["workers"],
                               a.get("profile"))))
        return 0

    from woo.embedded.servers import PostgresServer, S3Server

    sys.path.insert(0, str(ROOT / "tests"))
    from smtp_server import free_port

    sizes = [int(x) for x in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="woo-bench-digest-"))
    s3 = S3Server(tmp / "s3").start()
    pg = PostgresServer(tmp / "pg").start() if args.database == "postgresql" else None
    try:
        print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
              f"python {platform.python_version()}, db {args.database}, {args.documents} new documents")
        for n in sizes:
            port = free_port()
            sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
            assert sink.stdout.readline().strip() == "ready"
            env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": s3.access_key,
                   "WOO_S3_SECRET_KEY": s3.secret_key, "WOO_SECRET_KEY": "bench",
                   "WOO_SMTP_HOST": "127.0.0.1", "WOO_SMTP_PORT": str(port), "WOO_SMTP_FROM": "woo@example.nl",
                   "WOO_BASE_URL": "https://woo.example.nl", "WOO_SMTP_CONNECTIONS": str(args.connections)}
            if pg:
                import sqlalchemy as sa
                name = f"bench_digest_{n}"
                eng = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
                with eng.connect() as c:
                    c.execute(sa.text(f'CREATE DATABASE "{name}"'))
                eng.dispose()
                db = pg.url.rsplit("/", 1)[0] + "/" + name
            else:
                db = f"sqlite:///{tmp / f'woo-{n}.sqlite'}"
            profile = str(tmp / f"profile-{n}.txt") if args.profile else None
            payload = json.dumps({"db": db, "env": env, "work": str(tmp), "documents": args.documents,
                                  "workers": args.workers, "profile": profile})
            proc = subprocess.run([sys.executable, __file__, "--child", str(n), "--child-args", payload],
                                  capture_output=True, text=True)
            received, connections = sink.communicate("")[0].split()
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            t = r["totals"]
            print(f"\n{n} subscribers ({r['insert_s']} s bulk insert)")
            print(f"  digest run             {r['run_s']:7.2f} s  (goal <= 60 s for 10,000; planning {r['plan_s']} s, "
                  f"{r['batches']} batches, {r['workers']} at a time)")
            print(f"  CPU of the woo process {r['cpu_s']:7.2f} s  (the rest of the wall time: SMTP round trips, the sink, "
                  f"other load; load average {os.getloadavg()[0]:.1f})")
            print(f"  digests sent           {t.get('sent', 0):7d}    ({t.get('empty', 0)} with nothing new, "
                  f"{t.get('retry', 0)} to retry); the sink received {received} over {connections} SMTP connections")
            print(f"  throughput             {t.get('sent', 0) / max(r['run_s'], 1e-9):7.0f} messages/s")
            print(f"  peak RSS               {r['peak_rss_mb']:7.1f} MB ({r['rss_before_mb']:.1f} MB before the run, "
                  "incl. generating the data; goal: flat from 1,000 to 10,000)")
            if profile:
                print(Path(profile).read_text())
    finally:
        from woo.adapters.db import dispose_all
        dispose_all()
        for server in (pg, s3):
            if server:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
