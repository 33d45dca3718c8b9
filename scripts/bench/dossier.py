#!/usr/bin/env python3
"""Dossier benchmark (issue 13): import of a generated Woo-besluit and publishing it.

For each size (default 200 and 2,000 documents) a fresh instance imports one ZIP + VWS-column inventory
(XLSX) + decision letter in its own process, so the peak RSS of each size is its own; printed: the time of
the checks, until the dossier and its documents are created (before any background job), and the peak RSS.
For the largest size the extraction and privacy jobs are then run, the dossier is published, and the time
until every published document is in the stored sitemaps is measured.

    .venv/bin/python scripts/bench/dossier.py [--sizes 200,2000] [--database sqlite|postgresql] [--no-publish]
                                              [--profile DIR] [--tracemalloc] [--ready [--workers N]]

``--ready`` (issue 18) adds, per size, a run on a fresh instance (its own child process) with the workers of
`woo up` (``woo.embedded.stack.worker_children``) taking the background jobs from Redis: printed are the floor
for the same documents (``pdftotext`` + a raw S3 PUT of each ZIP member and the decision letter, one after the
other; ``benchlib.floor``) and the headline "everything until ready for review": the wall time from the start of
the import until every document it brought in has its text layer, privacy scan and category + metadata
suggestions (``benchlib.readiness``, the definition ``ingest.py`` uses), in docs/s and as a multiple of the floor.
``--workers N`` sets WOO_WORKERS for it. For the issue's figures: ``--sizes 100,1000 --ready --no-publish``.

``--profile DIR`` runs the import and the publish under cProfile and writes ``DIR/import-N.prof`` and
``DIR/publish-N.prof`` (read them with ``python -m pstats``); the top items are printed too.
``--tracemalloc`` traces Python's own allocations and prints, per import phase, the peak of traced memory in
that phase and the top allocation sites at the end of the import: it tells growth of Python objects (rows, ORM
objects, PDF tables) from memory outside Python (a C or Go library). The timings are not meaningful with it.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

JUDGEMENTS = [("Openbaar", ""), ("Deels openbaar", "5.1.2e"), ("Niet openbaar", "5.1.2e; 5.2"),
              ("Reeds openbaar", "")]


DUTCH = ("In deze notitie staat wat de gemeente heeft besloten over de haven en wat dat betekent voor de "
         "bewoners, de ondernemers en de bezoekers van het gebied in de komende jaren.")

def _load() -> str:
    return Path("/proc/loadavg").read_text().strip()


def make_dossier(out: Path, n: int) -> dict:
    from fpdf import FPDF
    from openpyxl import Workbook

    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Productierapport")
    ws.append(["ID", "Document nr.", "Datum", "Beoordeling", "Beoordelingsgrond", "Familie", "Toelichting",
               "Publieke link"])
    with zipfile.ZipFile(out / "documenten.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(1, n + 1):
            judgement, grounds = JUDGEMENTS[i % 4]
            link = f"https://example.org/reeds/{i}" if judgement == "Reeds openbaar" else ""
            ws.append([str(10000 + i), str(i), 45000 + i % 300, judgement, grounds, f"F-{i // 10}", "", link])
            pdf = FPDF()
            pdf.add_page()
            pdf.set_font("Helvetica", size=11)
            # enough Dutch for the language to be recognised, as in a real document (publication asks otherwise)
            pdf.multi_cell(0, 6, f"Document {10000 + i}. Notitie over het havenbeleid, versie {i}. {DUTCH}")
            zf.writestr(f"documenten/{10000 + i} - notitie.pdf", bytes(pdf.output()))
    wb.save(out / "inventaris.xlsx")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, f"Besluit op het Woo-verzoek over het havenbeleid, vastgesteld op 3 maart 2025. {DUTCH}")
    pdf.output(str(out / "besluit.pdf"))
    return {"zip": out / "documenten.zip", "inventory": out / "inventaris.xlsx", "decision": out / "besluit.pdf"}


class CollectingQueue:
    """Jobs are collected instead of sent to Redis: the import is timed before any background job runs."""

    def __init__(self):
        self.pending: list[int] = []

    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = "woo", **_):
        self.pending.append(args[0])
        return None


def _profiled(profile_dir: str | None, name: str, fn):
    """Run ``fn()``; under cProfile when a directory is given (the stats file goes there, the top 15 to stderr)."""
    if not profile_dir:
        return fn()
    import cProfile
    import pstats

    prof = cProfile.Profile()
    try:
        return prof.runcall(fn)
    finally:
        path = Path(profile_dir) / f"{name}.prof"
        path.parent.mkdir(parents=True, exist_ok=True)
        prof.dump_stats(str(path))
        for order in ("tottime", "cumulative"):
            print(f"--- {name}: top by {order}", file=sys.stderr)
            pstats.Stats(str(path), stream=sys.stderr).sort_stats(order).print_stats(15)


def child(n: int, database_url: str, env: dict, work: Path, publish: bool, profile_dir: str | None = None,
          trace: bool = False) -> dict:
    from benchlib import peak_rss_mb

    from woo import worker
    from woo.intake import identify as identify_mod
    from woo.config import load_settings
    from woo.services import accounts, dossier_import, dossiers, feeds, jobs, privacy
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import SYSTEM, build_context

    files = make_dossier(work / f"in-{n}", n)
    zip_mb = files["zip"].stat().st_size / 1e6
    rss_before = peak_rss_mb()
    settings = load_settings(work / f"data-{n}", env={**env, "WOO_DATABASE_URL": database_url})
    queue = CollectingQueue()
    ctx = build_context(settings, queue=queue)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    phase_rss: dict[str, float] = {}
    traced: dict[str, float] = {}  # phase -> peak of Python's traced memory during it (MB), with --tracemalloc
    current = ["voorbereiding" if trace else None]  # reading the inventory, before the first member
    if trace:
        import tracemalloc
        tracemalloc.start(1)  # one frame: more makes a 2,000-document import take many minutes

    def progress(phase: str, done: int, total: int) -> None:  # the peak RSS when each phase starts
        phase_rss.setdefault(phase, round(peak_rss_mb(), 1))
        if trace and phase != current[0]:
            end_phase()
            current[0] = phase

    def end_phase() -> None:
        if current[0] is not None:
            traced[current[0]] = max(traced.get(current[0], 0), round(tracemalloc.get_traced_memory()[1] / 1e6, 1))
        tracemalloc.reset_peak()

    t0 = time.perf_counter()
    report = _profiled(profile_dir, f"import-{n}", lambda: dossier_import.import_dossier(
        ctx, SYSTEM, org, {"title": f"Bench {n}", "kind": "woo-besluit", "decision": "deels openbaar"},
        files["zip"], files["inventory"], "inventaris.xlsx", files["decision"], "besluit.pdf", progress=progress))
    wall = time.perf_counter() - t0
    top = []
    if trace:
        end_phase()
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        top = [f"{s.size / 1e6:6.1f} MB {s.count:7d} blocks  {s.traceback[0].filename}:{s.traceback[0].lineno}"
               for s in snapshot.statistics("lineno")[:8]]
        tracemalloc.stop()
    out = {"n": n, "ok": report.ok, "problems": report.problems[:5], "zip_mb": round(zip_mb, 1),
           "timings": report.timings, "wall_s": round(wall, 2), "peak_rss_mb": round(peak_rss_mb(), 1),
           "rss_before_import_mb": round(rss_before, 1), "phase_rss": phase_rss,
           # the identification helper's own peak (woo.intake.identify.out_of_process)
           "helper_peak_rss_mb": round(identify_mod.last_helper_peak_mb or 0, 1), "traced": traced,
           "traced_top": top}
    if not publish or not report.ok:
        return out
    t1 = time.perf_counter()
    for kind in ("extract", "privacy"):
        from woo.adapters.models import Job
        with ctx.unit_of_work() as s:
            ids = [j.id for j in s.query(Job).filter(Job.kind == kind, Job.status == "queued")]
        for job_id in ids:
            jobs.run(ctx, job_id)
        # extraction queues the privacy job: pick those up in the next round
    out["jobs_s"] = round(time.perf_counter() - t1, 1)
    with ctx.unit_of_work() as s:
        for item in dossiers.items(s, report.dossier_id):
            open_ids = [f.id for f in privacy.findings(s, item.document_id) if f.decision == "open"]
            if open_ids:
                privacy.decide(ctx, SYSTEM, item.document_id, open_ids, "allow", reason="bench")
    dossiers.set_status(ctx, SYSTEM, report.dossier_id, "gereed")
    queue.pending.clear()
    t2 = time.perf_counter()
    result = _profiled(profile_dir, f"publish-{n}", lambda: dossiers.publish(ctx, SYSTEM, report.dossier_id))
    t_publish = time.perf_counter() - t2
    # what the queued feeds job does: place and render the stored sitemaps
    _profiled(profile_dir, f"sitemaps-{n}", lambda: feeds.refresh_pending(ctx))
    t_feeds = time.perf_counter() - t2
    from sqlalchemy import func, select

    from woo.adapters.models import SitemapPage
    with ctx.unit_of_work() as s:
        listed = s.execute(select(func.sum(SitemapPage.url_count)).where(SitemapPage.stale.is_(False))).scalar() or 0
    out.update({"published": len(result.published), "blocked": len(result.blockers.documents),
                "blockers": result.blockers.dossier[:3], "publish_s": round(t_publish, 2),
                "until_in_sitemaps_s": round(t_feeds, 2), "in_stored_sitemaps": int(listed),
                "peak_rss_after_publish_mb": round(peak_rss_mb(), 1)})
    return out


def ready_child(n: int, database_url: str, env: dict, work: Path, workers: int = 0) -> dict:
    """The same import with the stack's workers taking its jobs: the floor of its documents, then the wall
    time from the start of the import until every document it brought in is ready for review."""
    from benchlib import floor, stack_workers, wait_ready
    from sqlalchemy import distinct, func, select

    from woo.adapters.models import Job

    from woo import worker
    from woo.config import load_settings
    from woo.services import accounts, dossier_import
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import SYSTEM, build_context

    files = make_dossier(work / f"in-{n}", n) if not (work / f"in-{n}" / "documenten.zip").exists() else {
        "zip": work / f"in-{n}" / "documenten.zip", "inventory": work / f"in-{n}" / "inventaris.xlsx",
        "decision": work / f"in-{n}" / "besluit.pdf"}
    members = work / f"members-{n}"  # the floor's files: the same bytes the import takes in
    with zipfile.ZipFile(files["zip"]) as zf:
        zf.extractall(members)
    docs = sorted(members.rglob("*.pdf")) + [files["decision"]]
    env = {**env, "WOO_DATABASE_URL": database_url}
    settings = load_settings(work / f"data-ready-{n}", env=env)
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    floor_s = floor(ctx, docs, work)
    with stack_workers(ctx, settings.data_dir, env, work / f"logs-{n}", workers) as light:
        t0 = time.perf_counter()
        report = dossier_import.import_dossier(
            ctx, SYSTEM, org, {"title": f"Bench {n}", "kind": "woo-besluit", "decision": "deels openbaar"},
            files["zip"], files["inventory"], "inventaris.xlsx", files["decision"], "besluit.pdf")
        import_s = time.perf_counter() - t0
        # what it brought in: the members, the decision letter and the inventarislijst woo made of the rows
        with ctx.unit_of_work() as s:
            brought = s.execute(select(func.count(distinct(Job.document_id)))).scalar()
        ready = wait_ready(ctx, t0, brought) if report.ok else {}
    ctx.queue.redis.flushdb()  # PDF/A jobs left for the heavy queue must not reach the next size's workers
    return {"n": n, "ok": report.ok, "problems": report.problems[:5], "documents": brought,
            "floor_docs": len(docs), "floor_s": round(floor_s, 2), "import_s": round(import_s, 2),
            "workers": light, **ready}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200,2000")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--no-publish", action="store_true")
    ap.add_argument("--profile", metavar="DIR", help="cProfile the import and the publish, stats files in DIR")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="per import phase the peak of Python's traced memory, and the top allocation sites")
    ap.add_argument("--ready", action="store_true",
                    help="also: the import with the stack's workers, until every document is ready for review, "
                         "against the floor (issue 18)")
    ap.add_argument("--workers", type=int, default=0, help="light workers of the --ready run (WOO_WORKERS)")
    ap.add_argument("--child", type=int)
    ap.add_argument("--child-args")
    args = ap.parse_args()
    from benchlib import ready_report, run_child

    if args.child:
        a = json.loads(args.child_args)
        if a.get("ready"):
            print(json.dumps(ready_child(args.child, a["db"], a["env"], Path(a["work"]), a.get("workers", 0))))
            return 0
        print(json.dumps(child(args.child, a["db"], a["env"], Path(a["work"]), a["publish"], a.get("profile"),
                                     a.get("trace", False))))
        return 0

    from woo.embedded.servers import PostgresServer, RedisServer, S3Server

    sizes = [int(x) for x in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="woo-bench-dossier-"))
    s3 = S3Server(tmp / "s3").start()
    redis = RedisServer(tmp / "redis").start()
    pg = PostgresServer(tmp / "pg").start() if args.database == "postgresql" else None
    try:
        env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": s3.access_key, "WOO_S3_SECRET_KEY": s3.secret_key,
               "WOO_REDIS_URL": redis.url, "WOO_SECRET_KEY": "bench"}
        print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
              f"python {platform.python_version()}, db {args.database}; load {_load()}")

        def database(name: str) -> str:
            if not pg:
                return f"sqlite:///{tmp / f'{name}.sqlite'}"
            import sqlalchemy as sa
            eng = sa.create_engine(pg.url, isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
            eng.dispose()
            return pg.url.rsplit("/", 1)[0] + "/" + name

        for n in sizes:
            db = database(f"bench_{n}" if pg else f"woo-{n}")
            payload = json.dumps({"db": db, "env": env, "work": str(tmp),
                                  "publish": (n == max(sizes)) and not args.no_publish,
                                  "profile": str(Path(args.profile).resolve()) if args.profile else None,
                                  "trace": args.tracemalloc})
            proc = subprocess.run([sys.executable, __file__, "--child", str(n), "--child-args", payload],
                                  capture_output=True, text=True)
            if args.profile:
                print(proc.stderr, file=sys.stderr)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                return 1
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            t = r["timings"]
            print(f"\n{n} documents (ZIP {r['zip_mb']} MB): import ok={r['ok']} {r['problems'] or ''}")
            print(f"  checks done            {t.get('checks_s', 0):7.2f} s")
            print(f"  dossier created        {t.get('created_s', 0):7.2f} s   (goal <= 60 s, before background jobs)")
            print(f"  jobs queued            {t.get('queued_s', 0):7.2f} s")
            print(f"  inventarislijst made   {t.get('inventory_s', 0):7.2f} s")
            print(f"  peak RSS               {r['peak_rss_mb']:7.1f} MB (goal <= 300 MB, flat from 200 to 2,000; "
                  f"{r['rss_before_import_mb']:.1f} MB before the import, incl. generating the test data)")
            print(f"  identification helper  {r.get('helper_peak_rss_mb', 0):7.1f} MB peak RSS (its own process)")
            print("  peak RSS as phases start " + ", ".join(f"{k} {v:.1f}" for k, v in r["phase_rss"].items()) + " MB")
            if r.get("traced"):
                print("  traced Python peak per phase " + ", ".join(f"{k} {v:.1f}" for k, v in r["traced"].items())
                      + " MB (tracemalloc; timings above are slowed by it)")
                print("  left traced at the end of the import (top sites):")
                for line in r["traced_top"]:
                    print("    " + line)
            if "publish_s" in r:
                print(f"  extract+privacy jobs   {r['jobs_s']:7.1f} s (not part of the goal)")
                print(f"  publish: {r['published']} published, {r['blocked']} blocked {r['blockers'] or ''}")
                print(f"  publish transaction    {r['publish_s']:7.2f} s")
                print(f"  until in stored sitemaps {r['until_in_sitemaps_s']:5.2f} s (goal <= 30 s); "
                      f"{r['in_stored_sitemaps']} URLs listed")
                print(f"  peak RSS after publish {r['peak_rss_after_publish_mb']:7.1f} MB (jobs run in this process too)")
            if args.ready:
                payload = json.dumps({"db": database(f"bench_ready_{n}" if pg else f"woo-ready-{n}"), "env": env,
                                      "work": str(tmp), "ready": True, "workers": args.workers})
                r = run_child([__file__, "--child", str(n), "--child-args", payload])
                if r is None:
                    return 1
                print(f"  the import with the stack: ok={r['ok']} {r['problems'] or ''}, returned after "
                      f"{r['import_s']:.2f} s; floor over the {r['floor_docs']} files taken in (the ZIP's members "
                      "and the decision letter)")
                ready_report(r, r["documents"])
            else:
                print(f"  load {_load()}", flush=True)
    finally:
        from woo.adapters.db import dispose_all
        dispose_all()
        for server in (pg, redis, s3):
            if server:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
