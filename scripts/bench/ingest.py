#!/usr/bin/env python3
"""Ingest benchmark: the full pipeline of woo against its floor, in one run on this machine.

Pipeline (issue 2's spine): ingest service (spool + SHA-256, identify, S3 put, DB row) + the text
extraction job. Then the other jobs are timed phase by phase: the privacy scan (its share is a goal
of its own), classification and the PDF/A rendition.
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
CORPUS = Path(os.environ.get("WOO_SHARED") or ROOT.parent / "shared") / "corpus"
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


class PhaseQueue:
    """Collects job ids (instead of Redis) so the benchmark can run and time one kind at a time."""

    def __init__(self):
        self.pending: list[int] = []

    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = "woo") -> None:
        self.pending.append(args[0])

    def run_kind(self, ctx, kind: str) -> None:
        from woo.adapters.models import Job
        from woo.services import jobs

        with ctx.unit_of_work() as s:
            kinds = {j.id: j.kind for j in s.query(Job).filter(Job.id.in_(self.pending))}
        todo = [i for i in self.pending if kinds.get(i) == kind]
        self.pending = [i for i in self.pending if kinds.get(i) != kind]
        for job_id in todo:
            jobs.run(ctx, job_id)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--skip-pdfa", action="store_true", help="leave out the PDF/A phase (it takes minutes)")
    args = ap.parse_args()
    if not (CORPUS / "manifest.csv").exists():
        print("../shared/corpus is absent: nothing to measure", file=sys.stderr)
        return 2
    if not shutil.which("pdftotext"):
        print("pdftotext (poppler-utils) is needed for the floor", file=sys.stderr)
        return 2

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
        # Jobs are collected instead of sent to Redis so each kind can be timed in its own phase; they
        # run through jobs.run, the same path the rq worker takes.
        queue = PhaseQueue()
        ctx.queue = queue
        t0 = time.perf_counter()
        results = [ingest(ctx, SYSTEM, org, f.name, path=f, source="cli") for f in files]
        phases = {"ingest": time.perf_counter() - t0}
        for kind in ("extract", "privacy", "classify") + (() if args.skip_pdfa else ("preserve",)):
            t1 = time.perf_counter()
            queue.run_kind(ctx, kind)
            phases[kind] = time.perf_counter() - t1

        accepted = sum(r.status == "accepted" for r in results)
        from sqlalchemy import func, select

        from woo.adapters.models import Job
        with ctx.unit_of_work() as s:
            job_states = dict(s.execute(select(Job.kind + ":" + Job.status, func.count())
                                        .group_by(Job.kind, Job.status)).all())
        with ctx.unit_of_work() as s:
            from woo.adapters.models import Document
            ocr_docs = sum(1 for (m,) in s.execute(select(Document.metadata_)) if (m or {}).get("ocr_used"))
        n = len(files)
        spine = phases["ingest"] + phases["extract"]
        through_privacy = spine + phases["privacy"]
        print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
              f"python {platform.python_version()}, db {args.database}")
        print(f"documents: {n} ({accepted} accepted), {total_bytes / 1e6:.1f} MB")
        print(f"jobs: {job_states}")
        print(f"documents that needed OCR (the floor does no OCR): {ocr_docs}")
        print(f"floor (pdftotext + raw S3 PUT):            {floor:7.2f} s = {n / floor:6.1f} docs/s")
        print(f"pipeline (ingest + identify + extract):    {spine:7.2f} s = {n / spine:6.1f} docs/s")
        for kind, secs in phases.items():
            print(f"  {kind:9s} {secs:7.2f} s")
        print(f"privacy scan share of ingest+extract+privacy: {100 * phases['privacy'] / through_privacy:.1f}% "
              f"(goal <= 20%)")
        print(f"everything incl. classify{'' if args.skip_pdfa else ' and PDF/A'}:       {sum(phases.values()):7.2f} s = "
              f"{n / sum(phases.values()):6.1f} docs/s")
        print(f"ratio pipeline/floor time: {spine / floor:.2f}x (goal <= 2x)")
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
