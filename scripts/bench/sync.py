#!/usr/bin/env python3
"""Source sync benchmark (issue 16): metadata sync of N remote documents from a local OpenBesluitvorming server.

Each size runs in a fresh child process (its own peak RSS, VmHWM) against a fresh instance on real servers
(SeaweedFS S3, Redis, SQLite or PostgreSQL) and a local server speaking the export contract
(tests/obv_server.py, in a process of its own so that the measured RSS is woo's, not the feed's;
--server-in-process for the old way): N small text PDF documents (unique bytes, a few Dutch sentences), one meeting per 20 documents with them on its
agenda, pages of 1000 records. The timed part is the metadata sync: every page
fetched and recorded (source items with their records, meeting dossiers, the cursor), each file to fetch
queued as a background job per item. Those jobs (download into woo's S3 through the ingest service, document
row, mapping, placement in the meeting dossier, extract job queued) are then run here one by one and timed
apart (--fetch-up-to; the extract jobs are only collected). A second, no-op run of the change feed is timed.
Goal: 10,000 in <= 60 s, peak RSS flat from 1,000 to 10,000. Prints figures, asserts nothing.

``--ready`` (issue 18) adds, per size, a run in a child of its own on a fresh instance where the sync runs as
`woo up` runs it: the workers of the embedded stack (``woo.embedded.stack.worker_children``) take the chain's
steps, the file fetches and the jobs after them from Redis. Printed are the floor for the same file bytes
(``pdftotext`` + a raw S3 PUT of each, one after the other; ``benchlib.floor``) and the headline "everything
until ready for review": the wall time from the start of the sync until every document it brought in has its
text layer, privacy scan and category + metadata suggestions (``benchlib.readiness``, the definition
``ingest.py`` uses), in docs/s and as a multiple of the floor. ``--workers N`` sets WOO_WORKERS for it.
For the issue's figures: ``--sizes 100,1000 --ready``.

    .venv/bin/python scripts/bench/sync.py [--sizes 1000,10000] [--database sqlite|postgresql] [--tracemalloc]
                                           [--ready [--workers N]]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _vm(field: str) -> float | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return None


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: resets VmHWM to the current RSS
    except OSError:
        pass


class CollectingQueue:
    """Stands in for rq in the timed part: the extraction jobs are queued rows; the sync runs step by step."""

    def __init__(self):
        self.jobs = 0

    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = "woo", **_):
        self.jobs += 1
        return None


def _traced_step(sources, marks: list) -> None:
    """Wrap ``sources.step`` so each step (one page) records the traced memory it peaked at and kept."""
    import tracemalloc

    original = sources.step

    def step(*args, **kwargs):
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        out = original(*args, **kwargs)
        current, peak = tracemalloc.get_traced_memory()
        marks.append({"step": len(marks) + 1, "before_mb": round(before / 2**20, 2),
                      "peak_mb": round(peak / 2**20, 2), "after_mb": round(current / 2**20, 2)})
        return out

    sources.step = step


def _top(snapshot, base=None, limit: int = 12) -> list[str]:
    import tracemalloc

    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    stats = snapshot.compare_to(base, "lineno") if base is not None else snapshot.statistics("lineno")
    out = []
    for s in stats[:limit]:
        frame = s.traceback[0]
        size = getattr(s, "size_diff", s.size)
        out.append(f"{size / 2**20:8.2f} MB {getattr(s, 'count_diff', s.count):>8} blocks  "
                   f"{frame.filename.replace(str(ROOT) + '/', '')}:{frame.lineno}")
    return out


TEXT = ("De raad wordt voorgesteld in te stemmen met het plan voor de herinrichting van de haven en het "
        "college te vragen de bewoners, de ondernemers en de bezoekers van het gebied bij de uitwerking te "
        "betrekken. De kosten worden gedekt uit de reserve voor de openbare ruimte.")


def _doc_bytes(template: bytes, i: int) -> bytes:
    return template + f"\n%woo-bench {i}\n".encode()


def _build_feed(n: int, server) -> bytes:
    """N small text PDF documents (unique bytes), one meeting per 20 documents with them on its agenda; returns
    the template the documents' bytes are made of (``_doc_bytes``)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    # a text layer of a few sentences, as a council proposal has: the extraction needs no OCR for it
    pdf.multi_cell(0, 6, "Raadsvoorstel. " + TEXT)
    template = bytes(pdf.output())
    feed = server.feed
    meetings: dict[int, list] = {}
    for i in range(n):
        doc_id = f"document:notubiz:gemeente:bench:{i}"
        feed.document(doc_id, f"Raadsvoorstel {i}", _doc_bytes(template, i),
                      meeting=f"meeting:notubiz:gemeente:bench:{i // 20}")
        meetings.setdefault(i // 20, []).append((doc_id, f"Raadsvoorstel {i}"))
    for m, docs in meetings.items():
        title = "Ingekomen stukken" if m % 5 == 0 else "Voorstellen"
        feed.meeting(f"meeting:notubiz:gemeente:bench:{m}", f"Raadsvergadering {m}", "2026-11-12T19:30:00Z",
                     [(title, docs)])
    server.mark_snapshot()
    return template


def _serve(n: int, conn) -> None:
    """The server process: builds the feed, serves it, says its URL and build time, runs until told to stop."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from tests.obv_server import Feed, ObvServer

    with ObvServer(Feed(source_key="bench"), rate_per_minute=1e9) as server:
        t = time.perf_counter()
        template = _build_feed(n, server)
        conn.send((server.url, time.perf_counter() - t, template))
        conn.recv()


@contextmanager
def _feed_server(n: int, in_process: bool = False):
    """The local OpenBesluitvorming server with its feed, yielding (url, build seconds, the documents'
    template: ``_doc_bytes``). In a process of its
    own (default): the feed (N records and files) then does not count in the measured RSS, which is woo's
    alone; ``in_process`` serves it from a thread here, as the benchmark did before (its RSS then grows by
    the feed, ~2 MB per 1,000 documents, whatever the sync does)."""
    if in_process:
        from tests.obv_server import Feed, ObvServer

        with ObvServer(Feed(source_key="bench"), rate_per_minute=1e9) as server:
            t = time.perf_counter()
            template = _build_feed(n, server)
            yield server.url, time.perf_counter() - t, template
        return
    mp = multiprocessing.get_context("spawn")
    mine, theirs = mp.Pipe()
    proc = mp.Process(target=_serve, args=(n, theirs), daemon=True)
    proc.start()
    try:
        if not mine.poll(600):
            raise RuntimeError("the feed server did not start")
        yield mine.recv()
    finally:
        mine.send("stop")
        proc.join(30)
        if proc.is_alive():
            proc.kill()


def child(n: int, database: str, profile: str | None = None, fetch_up_to: int = 1000,
          trace: bool = False, server_in_process: bool = False) -> dict:
    if trace:
        import tracemalloc

        tracemalloc.start(1)
    from benchlib import peak_rss_mb
    from woo.services import sources
    from woo.services.context import SYSTEM

    queue = CollectingQueue()
    with _instance(database, queue) as (ctx, _tmp, _env):
        with _feed_server(n, server_in_process) as (url, build_s, _template):
            source_id = sources.add(ctx, SYSTEM, "gm0363", "openbesluitvorming", "bench",
                                    {"source_key": "bench", "base_url": url, "page_size": 1000,
                                     "rate_per_minute": 1e9})
            rss_before = peak_rss_mb()
            rss_now = _vm("VmRSS")
            marks: list = []
            if trace:
                _traced_step(sources, marks)
                traced_fixture = tracemalloc.get_traced_memory()[0]
                snap_start = tracemalloc.take_snapshot()
            _reset_peak()  # from here VmHWM is the peak of the sync itself
            profiler = None
            if profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            t0 = time.perf_counter()
            sources.sync(ctx, SYSTEM, source_id)
            view = sources.run_until_done(ctx, source_id, fetch=False)
            seconds = time.perf_counter() - t0
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            rss = peak_rss_mb()
            trace_out = None
            if trace:
                snap_end = tracemalloc.take_snapshot()
                trace_out = {"traced_at_sync_start_mb": round(traced_fixture / 2**20, 2), "steps": marks,
                             "kept_by_the_sync": _top(snap_end, snap_start), "held_at_sync_start": _top(snap_start)}
            pending = view["items"].get("fetch_pending", 0)
            fetch_s = fetched = None
            if n <= fetch_up_to:  # the background part: each file downloaded and taken in (jobs only collected)
                t2 = time.perf_counter()
                fetched = sources.fetch_pending(ctx, source_id)
                fetch_s = time.perf_counter() - t2
                view = sources.status(ctx, source_id)
            t1 = time.perf_counter()
            sources.sync(ctx, SYSTEM, source_id)
            again = sources.run_until_done(ctx, source_id, fetch=False)
            noop_s = time.perf_counter() - t1
        return {"n": n, "database": database, "seconds": round(seconds, 2), "docs_per_s": round(n / seconds, 1),
                "peak_rss_mb": round(rss, 1), "rss_before_sync_mb": round(rss_before, 1),
                "rss_at_sync_start_mb": round(rss_now, 1) if rss_now else None,
                "fixture_build_s": round(build_s, 2), "noop_changes_run_s": round(noop_s, 2),
                "counts": view["counts"], "state": view["state"], "error": view["last_error"],
                "noop_counts": again["counts"], "jobs_queued": queue.jobs, "pending_after_sync": pending,
                "fetch_s": round(fetch_s, 2) if fetch_s is not None else None, "fetched": fetched,
                "peak_rss_after_fetch_mb": round(peak_rss_mb(), 1), "tracemalloc": trace_out}


@contextmanager
def _instance(database: str, queue=None):
    """A fresh instance on its own SeaweedFS S3, Redis (and PostgreSQL), bootstrapped; ``queue`` stands in for
    rq when given. Yields (ctx, its directory, its environment); everything is stopped on exit."""
    from woo.adapters.db import dispose_all
    from woo.config import load_settings
    from woo.embedded.servers import PostgresServer, RedisServer, S3Server
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    tmp = Path(tempfile.mkdtemp(prefix="woo-bench-sync-"))
    s3 = S3Server(tmp / "s3").start()
    redis = RedisServer(tmp / "redis").start()
    pg = PostgresServer(tmp / "pg").start() if database == "postgresql" else None
    try:
        env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": s3.access_key,
               "WOO_S3_SECRET_KEY": s3.secret_key, "WOO_REDIS_URL": redis.url, "WOO_SECRET_KEY": "bench",
               "WOO_DATABASE_URL": pg.url if pg else f"sqlite:///{tmp / 'woo.sqlite'}"}
        settings = load_settings(tmp / "data", env=env)
        ctx = build_context(settings, queue=queue) if queue is not None else build_context(settings)
        bootstrap_instance(settings, ctx)
        yield ctx, tmp, env
    finally:
        dispose_all()
        for srv in (pg, redis, s3):
            if srv is not None:
                srv.stop()


def ready_child(n: int, database: str, workers: int = 0, server_in_process: bool = False) -> dict:
    """The sync as `woo up` runs it: the stack's workers take the chain's steps, the file fetches and the jobs
    after them from Redis. The floor of the same file bytes first, then the wall time from the start of the
    sync until every document it brought in is ready for review (``benchlib.readiness``)."""
    from benchlib import floor, stack_workers, wait_ready

    from woo import worker
    from woo.services import sources
    from woo.services.context import SYSTEM

    with _instance(database) as (ctx, tmp, env), _feed_server(n, server_in_process) as (url, _build_s, template):
        worker.use_context(ctx)
        (tmp / "in").mkdir()
        files = []
        for i in range(n):  # the floor's files: the bytes the feed serves
            files.append(tmp / "in" / f"{i:05d}.pdf")
            files[-1].write_bytes(_doc_bytes(template, i))
        floor_s = floor(ctx, files, tmp)
        # added switched off: the first worker's housekeeping would otherwise start it as due before the clock
        source_id = sources.add(ctx, SYSTEM, "gm0363", "openbesluitvorming", "bench",
                                {"source_key": "bench", "base_url": url, "page_size": 1000, "rate_per_minute": 1e9},
                                enabled=False)
        with stack_workers(ctx, ctx.settings.data_dir, env, tmp / "logs", workers) as light:
            t0 = time.perf_counter()
            sources.set_enabled(ctx, SYSTEM, source_id, True)
            sources.sync(ctx, SYSTEM, source_id)
            ready = wait_ready(ctx, t0, n)
            view = sources.status(ctx, source_id)
    return {"n": n, "database": database, "floor_s": round(floor_s, 2), "workers": light, **ready,
            "state": view["state"], "counts": view["counts"], "error": view["last_error"]}


def main() -> int:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the local server's request log
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--fetch-up-to", type=int, default=1000,
                    help="also time the background file fetches for sizes up to this (default 1000)")
    ap.add_argument("--profile", help="write a cProfile of the timed sync to this file (pstats)")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="trace Python allocations (slow): traced memory per sync step (page) and the top "
                         "allocation sites held at the sync's start and kept by it")
    ap.add_argument("--server-in-process", action="store_true",
                    help="serve the feed from a thread of the measured process (the old way: its RSS includes "
                         "the feed's records and files)")
    ap.add_argument("--ready", action="store_true",
                    help="also: the sync with the stack's workers, until every document is ready for review, "
                         "against the floor (issue 18)")
    ap.add_argument("--workers", type=int, default=0, help="light workers of the --ready run (WOO_WORKERS)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    from benchlib import ready_report, run_child

    if args.child and args.ready:
        print(json.dumps(ready_child(args.child, args.database, args.workers, args.server_in_process)))
        return 0
    if args.child:
        print(json.dumps(child(args.child, args.database, args.profile, args.fetch_up_to,
                                    args.tracemalloc, args.server_in_process)))
        return 0
    print(f"# sync benchmark on {platform.node()} ({platform.machine()}, Python {platform.python_version()}), "
          f"database {args.database}; load {Path('/proc/loadavg').read_text().strip()}")
    results = []
    for n in [int(x) for x in args.sizes.split(",")]:
        profile = ["--profile", f"{args.profile}.{n}"] if args.profile else []
        r = run_child([__file__, "--child", str(n), "--database", args.database, *profile,
                       "--fetch-up-to", str(args.fetch_up_to), *(["--tracemalloc"] if args.tracemalloc else []),
                       *(["--server-in-process"] if args.server_in_process else [])])
        if r is None:
            return 1
        results.append(r)
        load = os.getloadavg()
        print(f"{n:>6} documents: metadata sync {r['seconds']:7.2f} s ({r['docs_per_s']} docs/s), peak RSS "
              f"{r['peak_rss_mb']} MB (RSS at its start {r['rss_at_sync_start_mb']} MB, peak before it {r['rss_before_sync_mb']} MB); state {r['state']}; "
              f"{r['counts'].get('files_queued', 0)} files queued ({r['pending_after_sync']} pending), "
              f"{r['counts'].get('meetings_created', 0)} meetings, {r['counts'].get('problems', 0)} problems; "
              f"{r['jobs_queued']} jobs queued; no-op change run {r['noop_changes_run_s']} s; "
              f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        if r.get("tracemalloc"):
            t = r["tracemalloc"]
            print(f"        tracemalloc: {t['traced_at_sync_start_mb']} MB traced at the sync's start"
                  + (" (the fixture feed and server live in this process)" if args.server_in_process else ""))
            for m in t["steps"]:
                print(f"        step {m['step']:>3}: traced {m['before_mb']:7.2f} -> peak {m['peak_mb']:7.2f} "
                      f"-> after {m['after_mb']:7.2f} MB")
            print("        top sites held at the sync's start:")
            for line in t["held_at_sync_start"]:
                print("          " + line)
            print("        top sites grown by the sync (end minus start):")
            for line in t["kept_by_the_sync"]:
                print("          " + line)
        if r["fetch_s"] is not None:
            print(f"        then the files (background jobs, run here one by one): {r['fetch_s']} s "
                  f"({n / r['fetch_s']:.1f} files/s), {r['fetched']}; created "
                  f"{r['counts'].get('documents_created', 0)} documents; peak RSS {r['peak_rss_after_fetch_mb']} MB")
        if args.ready:
            rr = run_child([__file__, "--child", str(n), "--ready", "--database", args.database,
                            "--workers", str(args.workers), *(["--server-in-process"] if args.server_in_process else [])])
            if rr is None:
                return 1
            print(f"        the sync with the stack: state {rr['state']} {rr['error'] or ''}")
            ready_report(rr, n, indent="        ")
    if len(results) >= 2:
        a, b = results[0], results[-1]
        print(f"goal: {b['n']} in <= 60 s -> {b['seconds']} s; RSS {a['peak_rss_mb']} MB at {a['n']} vs "
              f"{b['peak_rss_mb']} MB at {b['n']} (x{b['peak_rss_mb'] / a['peak_rss_mb']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
