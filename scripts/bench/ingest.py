#!/usr/bin/env python3
"""Ingest benchmark: the full pipeline of woo against its floor, in one run on this machine.

Pipeline: ingest service (spool + SHA-256, identify, S3 put, DB row) + the rq jobs that follow
(extraction, classification when present), run by a real rq worker in this process.
Floor: `pdftotext` on the same files plus a raw S3 PUT of the same bytes.
The corpus PDFs are repeated (each copy made unique by a trailing PDF comment, so deduplication
does not skip them) until there are at least --docs documents. Prints docs/s for both and the ratio.

    .venv/bin/python scripts/bench/ingest.py [--docs 200] [--database sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))


def corpus_pdfs() -> list[Path]:
    with open(CORPUS / "manifest.csv", newline="") as fh:
        return [CORPUS / r["path"] for r in csv.DictReader(fh) if r["path"].lower().endswith(".pdf")]


def make_copies(pdfs: list[Path], n: int, out: Path) -> list[Path]:
    files = []
    i = 0
    while len(files) < n:
        src = pdfs[i % len(pdfs)]
        dst = out / f"{i:05d}-{src.name}"
        dst.write_bytes(src.read_bytes() + f"\n%woo-bench-copy {i}\n".encode())
        files.append(dst)
        i += 1
    return files


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = ap.parse_args()
    if not (CORPUS / "manifest.csv").exists():
        print("../shared/corpus is absent: nothing to measure", file=sys.stderr)
        return 2
    if not shutil.which("pdftotext"):
        print("pdftotext (poppler-utils) is needed for the floor", file=sys.stderr)
        return 2

    from redis import Redis
    from rq import Queue, SimpleWorker

    from woo import worker
    from woo.config import load_settings
    from woo.embedded.servers import PostgresServer, RedisServer, S3Server
    from woo.services import accounts
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import SYSTEM, build_context
    from woo.services.ingest import ingest

    tmp = Path(tempfile.mkdtemp(prefix="woo-bench-"))
    (tmp / "in").mkdir()
    files = make_copies(corpus_pdfs(), args.docs, tmp / "in")
    total_bytes = sum(f.stat().st_size for f in files)
    s3 = S3Server(tmp / "s3").start()
    redis = RedisServer(tmp / "redis").start()
    pg = PostgresServer(tmp / "pg").start() if args.database == "postgresql" else None
    try:
        env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": s3.access_key,
               "WOO_S3_SECRET_KEY": s3.secret_key, "WOO_REDIS_URL": redis.url, "WOO_SECRET_KEY": "bench",
               "WOO_DATABASE_URL": pg.url if pg else f"sqlite:///{tmp / 'woo.sqlite'}"}
        settings = load_settings(tmp / "data", env=env)
        ctx = build_context(settings)
        bootstrap_instance(settings, ctx)
        worker.use_context(ctx)
        with ctx.unit_of_work() as s:
            org = accounts.default_organisation(s).id

        # --- floor: pdftotext + raw PUT of the same bytes --------------------------------------
        ctx.store.put_bytes("bench/warmup", b"x", "application/octet-stream")
        t0 = time.perf_counter()
        for i, f in enumerate(files):
            subprocess.run(["pdftotext", "-q", str(f), str(tmp / "floor.txt")], check=False)
            ctx.store.put_file(f"bench/raw/{i}", f, "application/pdf")
        floor = time.perf_counter() - t0

        # --- the pipeline ------------------------------------------------------------------------
        t0 = time.perf_counter()
        results = [ingest(ctx, SYSTEM, org, f.name, path=f, source="cli") for f in files]
        t_ingest = time.perf_counter() - t0
        conn = Redis.from_url(redis.url)
        SimpleWorker([Queue("woo", connection=conn)], connection=conn).work(burst=True)
        pipeline = time.perf_counter() - t0

        accepted = sum(r.status == "accepted" for r in results)
        from sqlalchemy import func, select

        from woo.adapters.models import Job
        with ctx.unit_of_work() as s:
            job_states = dict(s.execute(select(Job.kind + ":" + Job.status, func.count()).group_by(Job.kind, Job.status)).all())
        n = len(files)
        print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, python {platform.python_version()}, db {args.database}")
        print(f"documents: {n} ({accepted} accepted), {total_bytes / 1e6:.1f} MB")
        print(f"jobs: {job_states}")
        print(f"floor (pdftotext + raw S3 PUT): {floor:.2f} s = {n / floor:.1f} docs/s")
        print(f"pipeline (ingest + jobs):       {pipeline:.2f} s = {n / pipeline:.1f} docs/s "
              f"(of which synchronous ingest {t_ingest:.2f} s)")
        print(f"ratio pipeline/floor time: {pipeline / floor:.2f}x (goal <= 2x)")
    finally:
        from woo.adapters.db import dispose_all
        dispose_all()
        for server in (pg, redis, s3):
            if server:
                server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
