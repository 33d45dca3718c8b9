#!/usr/bin/env python3
"""Ingest benchmark (issue 18): everything until "ready for review" against its floor, on this machine.

"Ready for review" is what an officer waits for: ingest (spool, hash, identify, S3, rows), the text layer,
the privacy scan and the category + metadata suggestions. PDF/A (heavy queue) is reported on its own.
Floor: `pdftotext` on the same files plus a raw S3 PUT of the same bytes, one after the other.

Two runs per size, each on a fresh instance:
1. phases: one process runs the jobs kind by kind through ``jobs.run`` (the worker's path); the time of
   each handler is summed per kind, so the table says where one core's time goes (``--profile DIR``
   writes a cProfile of every kind there);
2. stack: the workers of `woo up` (``woo.embedded.stack.worker_children``: WOO_WORKERS light workers,
   default one per core, plus the heavy one) take the jobs from Redis while this process ingests; the
   headline is the wall time until every text-layer document is ready for review, against the floor.
   PDF/A is reported on a line of its own from rq's job records of the heavy queue: its busy window (first
   start to last end), the time inside the jobs and the gaps between them.

The same ratio for a dossier import and a source sync: ``scripts/bench/dossier.py --ready`` and
``scripts/bench/sync.py --ready`` (floor and readiness shared through benchlib).

Documents: the corpus PDFs repeated (each copy made unique by a trailing PDF comment, so deduplication
does not skip them), or with ``--generated`` (and without ../shared) text PDFs made with fpdf2.

    .venv/bin/python scripts/bench/ingest.py [--docs 100 1000] [--generated] [--workers N]
                                             [--database sqlite|postgresql] [--skip-pdfa] [--profile DIR]
                                             [--no-phases] [--timeline S]
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import pstats
import random
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("WOO_SHARED") or ROOT.parent / "shared") / "corpus"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import CpuMeter, cpu_line, floor, readiness, stack_workers  # noqa: E402  (shared with dossier.py and sync.py)

LIGHT_KINDS = ("extract", "ocr", "privacy", "classify")  # until ready for review (ocr: heavy queue)


# ----------------------------------------------------------------------------------------- documents

def corpus_pdfs() -> list[Path]:
    with open(CORPUS / "manifest.csv", newline="") as fh:
        return [CORPUS / r["path"] for r in csv.DictReader(fh) if r["path"].lower().endswith(".pdf")]


def make_copies(pdfs: list[Path], n: int, out: Path) -> list[Path]:
    files = []
    blobs = [p.read_bytes() for p in pdfs]
    for i in range(n):
        dst = out / f"{i:05d}-{pdfs[i % len(pdfs)].name}"
        dst.write_bytes(blobs[i % len(pdfs)] + f"\n%woo-bench-copy {i}\n".encode())
        files.append(dst)
    return files


FIRST = ["Jan", "Petra", "Mohammed", "Anouk", "Willem", "Fatima", "Kees", "Sanne", "Daan", "Eva"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos"]
STREETS = ["Oudegracht", "Stationsstraat", "Kerkweg", "Dorpsstraat", "Molenlaan", "Havenkade"]
SUBJECTS = ["kapvergunning", "evenementenvergunning", "subsidieaanvraag", "bezwaarschrift", "Woo-verzoek",
            "parkeervergunning", "omgevingsvergunning", "klacht over de afvalinzameling"]
BODY = ("Het college van burgemeester en wethouders heeft uw verzoek in behandeling genomen. Op grond van de "
        "Wet open overheid worden de gevraagde documenten beoordeeld. Wij hebben de belangen afgewogen en "
        "besloten zoals hieronder beschreven. Tegen dit besluit kunt u binnen zes weken bezwaar maken. ")


def make_generated(n: int, out: Path, seed: int = 18) -> list[Path]:
    """Text PDFs (1-6 pages) with names, addresses, phone numbers and e-mail addresses in Dutch letters."""
    from fpdf import FPDF

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    rnd = random.Random(seed)
    files = []
    for i in range(n):
        pdf = FPDF(format="A4")
        family = "Helvetica"
        if font.exists():
            pdf.add_font("DejaVu", "", str(font))
            family = "DejaVu"
        subject = rnd.choice(SUBJECTS)
        pdf.set_title(f"Besluit {subject} {i}")
        for page in range(rnd.randint(1, 6)):
            pdf.add_page()
            pdf.set_font(family, size=11)
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            lines = [f"Gemeente Utrecht, {rnd.randint(1, 28)} maart 2025", f"Kenmerk: 2025-{rnd.randint(1000, 99999)}",
                     f"Onderwerp: besluit op uw {subject}", "",
                     f"Geachte heer/mevrouw {name},", "",
                     f"Uw {subject} voor {rnd.choice(STREETS)} {rnd.randint(1, 200)} te Utrecht is ontvangen.",
                     BODY * rnd.randint(2, 6),
                     f"Voor vragen belt u met {name} via 06-{rnd.randint(10000000, 99999999)} of mailt u naar "
                     f"{name.split()[0].lower()}.{name.split()[-1].lower()}@utrecht.nl.", "",
                     "Met vriendelijke groet,", "De burgemeester van Utrecht"]
            pdf.multi_cell(0, 6, "\n".join(lines) if page == 0 else BODY * rnd.randint(3, 9))
        path = out / f"{i:05d}-besluit-{subject.replace(' ', '-')}.pdf"
        pdf.output(str(path))
        files.append(path)
    return files


# ----------------------------------------------------------------------------------------- instance

class Instance:
    """A fresh woo instance on its own S3, Redis (and PostgreSQL) in ``tmp``."""

    def __init__(self, tmp: Path, database: str):
        from woo.embedded.servers import PostgresServer, RedisServer, S3Server

        self.tmp = tmp
        self.s3 = S3Server(tmp / "s3").start()
        self.redis = RedisServer(tmp / "redis").start()
        self.pg = PostgresServer(tmp / "pg").start() if database == "postgresql" else None
        self.env = {"WOO_S3_ENDPOINT": self.s3.endpoint, "WOO_S3_ACCESS_KEY": self.s3.access_key,
                    "WOO_S3_SECRET_KEY": self.s3.secret_key, "WOO_REDIS_URL": self.redis.url,
                    "WOO_SECRET_KEY": "bench",
                    "WOO_DATABASE_URL": self.pg.url if self.pg else f"sqlite:///{tmp / 'woo.sqlite'}"}

    def context(self):
        from woo import worker
        from woo.config import load_settings
        from woo.services.bootstrap import bootstrap_instance
        from woo.services.context import build_context

        self.settings = load_settings(self.tmp / "data", env=self.env)
        ctx = build_context(self.settings)
        bootstrap_instance(self.settings, ctx)
        worker.use_context(ctx)
        return ctx

    def stop(self):
        from woo.adapters.db import dispose_all

        dispose_all()
        for server in (self.pg, self.redis, self.s3):
            if server:
                server.stop()

    def __enter__(self) -> "Instance":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def organisation(ctx) -> int:
    from woo.services import accounts

    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


# ----------------------------------------------------------------------------------------- run 1: phases

class PhaseQueue:
    """Collects job ids (instead of Redis) so the benchmark can run one kind at a time."""

    def __init__(self):
        self.pending: list[int] = []

    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = "woo", **_) -> None:
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


@contextmanager
def timed_handlers(times: dict[str, float], profiles: dict | None):
    """Sum the time of each job kind's handler (and profile it): measurement only, the path is jobs.run."""
    import cProfile

    from woo.services import jobs

    original = jobs.handlers

    def wrapped():
        out = {}
        for kind, fn in original().items():
            def timed(ctx, document_id, _fn=fn, _kind=kind):
                prof = profiles.setdefault(_kind, cProfile.Profile()) if profiles is not None else None
                outer = profiles.get("") if profiles is not None else None  # the phase's (one profiler at a time)
                t0 = time.perf_counter()
                if prof:
                    if outer:
                        outer.disable()
                    prof.enable()
                try:
                    return _fn(ctx, document_id)
                finally:
                    if prof:
                        prof.disable()
                        if outer:
                            outer.enable()
                    times[_kind] = times.get(_kind, 0.0) + time.perf_counter() - t0
            out[kind] = timed
        return out

    jobs.handlers = wrapped
    try:
        yield
    finally:
        jobs.handlers = original


# Where the time goes: cumulative seconds of the calls that stand for one kind of cost each.
BUCKETS = {
    "subprocess": ("subprocess.py", "communicate"), "subprocess wait": ("subprocess.py", "wait"),
    "S3 get/put (minio)": ("minio/api.py", "_url_open"), "DB commit": ("sqlalchemy/orm/session.py", "commit"),
    "DB execute": ("sqlalchemy/engine/base.py", "_execute_context"),
    "pdfium open": ("pypdfium2/_helpers/document.py", "__init__"),
    "pikepdf open": ("pikepdf/_methods.py", "open"), "model/module import": ("<frozen importlib._bootstrap>", "_find_and_load"),
}


def profile_summary(prof, kind: str, out: Path | None) -> list[str]:
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    lines = []
    for label, (file_part, func) in BUCKETS.items():
        cum = sum(v[3] for (fname, _, fn), v in stats.stats.items() if file_part in fname and fn == func)
        if cum >= 0.005:
            lines.append(f"    {label:22s} {cum:7.2f} s")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        (out / f"{kind}.txt").write_text(buf.getvalue())
        prof.dump_stats(str(out / f"{kind}.prof"))  # for pstats callers/callees
    return lines


def run_phases(inst: Instance, files: list[Path], args) -> dict:
    from woo.services.context import SYSTEM
    from woo.services.ingest import ingest

    from woo import worker

    ctx = inst.context()
    org = organisation(ctx)
    if hasattr(worker, "warm_up"):  # what a worker loads once when it starts (classifier, name lists)
        worker.warm_up(ctx)
    else:  # code from before issue 18 (to compare): load the same by hand, so no phase pays it once
        from woo.classify import default_classifier
        from woo.metadata.suggest import suggest_metadata
        from woo.privacy.document import scan_extracted
        from woo.services import jobs

        jobs.handlers()
        sample = "Besluit van de gemeente Utrecht van 3 maart 2025 op het verzoek van Jan de Vries, 06-12345678."
        scan_extracted("pdf", sample, [sample])
        default_classifier().classify(sample, title="Besluit", filename="besluit.pdf", properties={})
        suggest_metadata(sample, title="Besluit", filename="besluit.pdf", properties={})
    floor_s = floor(ctx, files, inst.tmp)
    queue = PhaseQueue()
    ctx.queue = queue
    times: dict[str, float] = {}
    profiles = {} if args.profile else None
    walls: dict[str, float] = {}
    import cProfile

    ingest_prof = cProfile.Profile() if profiles is not None else None
    t0 = time.perf_counter()
    if ingest_prof:
        ingest_prof.enable()
    results = [ingest(ctx, SYSTEM, org, f.name, path=f, source="cli") for f in files]
    if ingest_prof:
        ingest_prof.disable()
        profiles["ingest"] = ingest_prof
    walls["ingest"] = time.perf_counter() - t0
    kinds = ("extract", "ocr", "privacy", "classify") + (() if args.skip_pdfa else ("preserve",))

    with timed_handlers(times, profiles):
        for kind in kinds:
            # the phase outside its handlers too: where the "jobs" line's time goes (jobs-KIND.txt)
            phase = cProfile.Profile() if profiles is not None else None
            if phase:
                profiles[""] = phase
            t1 = time.perf_counter()
            if phase:
                phase.enable()
            queue.run_kind(ctx, kind)  # a job may run its light follow-ups in the same process (see jobs.run)
            if phase:
                phase.disable()
                profiles[f"jobs-{kind}"] = profiles.pop("")
            walls[kind] = time.perf_counter() - t1
    prof_lines = {}
    if profiles is not None:
        for kind, prof in profiles.items():
            if prof.getstats():  # a phase with no jobs (ocr on text PDFs) has nothing to say
                prof_lines[kind] = profile_summary(prof, kind, Path(args.profile))
    return {"floor": floor_s, "handlers": times, "walls": walls, "profiles": prof_lines,
            "accepted": sum(r.status == "accepted" for r in results), "states": job_states(ctx),
            "ocr_docs": ocr_docs(ctx)}


def job_states(ctx) -> dict:
    from sqlalchemy import func, select

    from woo.adapters.models import Job
    with ctx.unit_of_work() as s:
        return dict(s.execute(select(Job.kind + ":" + Job.status, func.count()).group_by(Job.kind, Job.status)).all())


def ocr_docs(ctx) -> int:
    from sqlalchemy import select

    from woo.adapters.models import Job
    with ctx.unit_of_work() as s:
        return len(set(s.execute(select(Job.document_id).where(Job.kind == "ocr")).scalars()))


# ----------------------------------------------------------------------------------------- run 2: stack

def run_stack(inst: Instance, files: list[Path], args) -> dict:
    from woo.services.context import SYSTEM
    from woo.services.ingest import ingest

    ctx = inst.context()
    org = organisation(ctx)
    n = len(files)
    floor_s = floor(ctx, files, inst.tmp) if args.no_phases else None  # else the phases run's floor
    # The clock starts when every worker has warmed up (woo.worker.warm_up) and registered with Redis.
    pids: dict = {}
    with stack_workers(ctx, inst.settings.data_dir, inst.env, inst.tmp / "logs", args.workers, pids=pids) as workers:
        meter = CpuMeter({**pids, "S3": [inst.s3.pid], "Redis": [inst.redis.pid]}
                         | ({"PostgreSQL": [inst.pg.pid]} if inst.pg else {}), own={"this process (ingest)": os.getpid()})
        meter.start()
        t0 = time.perf_counter()
        results = [ingest(ctx, SYSTEM, org, f.name, path=f, source="cli") for f in files]
        t_ingest = time.perf_counter() - t0
        accepted_ids = {r.document_id for r in results if r.status == "accepted"}
        accepted = len(accepted_ids)
        # Each document's first poll seen ready (or failed), with the CPU read at every poll: which documents
        # are text-layer ones is known only at the end (a scan gets its OCR job when its extraction, on the
        # heavy queue, has run), so "every text-layer document ready" is found afterwards, not while polling.
        first_ready: dict[str, float] = {}
        polls: list[tuple[float, int, dict]] = []  # (seconds since t0, documents ready, CPU read)
        t_all = t_pdfa = t_counted = None
        deadline = t0 + args.timeout
        while time.perf_counter() < deadline:
            st = readiness(ctx)
            now = time.perf_counter() - t0
            for doc in (st["ready"] | st["failed"]) - first_ready.keys():
                first_ready[doc] = now
            polls.append((now, len(st["ready"]), meter.read()))
            if t_counted is None and len((st["ready"] | st["failed"]) - st["ocr"]) >= accepted - len(st["ocr"]):
                t_counted = now
            if t_all is None and len(st["ready"] | st["failed"]) >= accepted:
                t_all = now
            if t_pdfa is None and t_all is not None and st["preserve_open"] == 0:
                t_pdfa = now
            if t_all is not None and (t_pdfa is not None or args.skip_pdfa):
                break
            time.sleep(0.5)  # polling is cheap next to the work, but not free: the bench shares the cores
        st = readiness(ctx)
        heavy = heavy_queue_times(ctx)
    text_ids = accepted_ids - st["ocr"]
    t_ready = max(first_ready[d] for d in text_ids) if text_ids <= first_ready.keys() else None
    cpu = meter.between(None, next(read for at, _, read in polls if at == t_ready)) if t_ready is not None else None
    timeline = []
    if args.timeline and t_ready is not None:
        last = None
        for at, ready, read in polls:
            if at > t_ready:
                break
            if last is None or at - last[0] >= args.timeline or at == t_ready:
                timeline.append((at, ready, meter.between(last[2] if last else None, read)))
                last = (at, ready, read)
    return {"workers": workers, "ingest": t_ingest, "ready": t_ready, "all": t_all, "pdfa": t_pdfa,
            "accepted": accepted, "ocr_docs": len(st["ocr"]), "failed": len(st["failed"]),
            "preserved": st["preserved"], "states": job_states(ctx), "n": n, "ready_count": len(st["ready"]),
            "waited": time.perf_counter() - t0, "heavy": heavy, "cpu": cpu, "floor": floor_s, "timeline": timeline,
            "counted_live": t_counted}


def heavy_queue_times(ctx) -> dict:
    """The heavy queue's own figures from rq's job records (started_at/ended_at of each finished job):
    its busy window (first start to last end), the time in the jobs, and the gaps between one job's end
    and the next one's start (the worker's fork, dequeue and bookkeeping)."""
    from rq.job import Job as RqJob
    from rq.registry import FinishedJobRegistry

    from woo.adapters.queue import HEAVY

    redis = ctx.queue.redis
    ids = FinishedJobRegistry(HEAVY, connection=redis).get_job_ids()
    jobs = [j for j in RqJob.fetch_many(ids, connection=redis) if j and j.started_at and j.ended_at]
    jobs = [j for j in jobs if j.origin == HEAVY]
    if not jobs:
        return {"count": 0}
    jobs.sort(key=lambda j: j.started_at)
    run = [(j.ended_at - j.started_at).total_seconds() for j in jobs]
    gaps = [max(0.0, (b.started_at - a.ended_at).total_seconds()) for a, b in zip(jobs, jobs[1:])]
    window = (jobs[-1].ended_at - jobs[0].started_at).total_seconds()
    return {"count": len(jobs), "window": window, "in_jobs": sum(run), "gaps": sum(gaps),
            "max_gap": max(gaps, default=0.0), "first_start": jobs[0].started_at}


# ----------------------------------------------------------------------------------------- report

def heading(n: int, total_mb: float, source: str, accepted: int, ocr_docs: int, fl: float) -> None:
    print(f"\n== {n} documents ({source}, {total_mb:.1f} MB, {accepted} accepted, {ocr_docs} need OCR) ==")
    print(f"floor (pdftotext + raw S3 PUT, one after the other): {fl:7.2f} s = {n / fl:6.1f} docs/s")


def report(n: int, total_mb: float, source: str, ph: dict) -> None:
    fl = ph["floor"]
    h = ph["handlers"]
    ready_kinds = ("extract", "ocr", "privacy", "classify")
    seq_ready = ph["walls"]["ingest"] + sum(ph["walls"].get(k, 0.0) for k in ready_kinds)
    heading(n, total_mb, source, ph["accepted"], ph["ocr_docs"], fl)
    print("phases, one process (handler time per kind; the rest of a phase is job bookkeeping):")
    print(f"  {'ingest':10s} {ph['walls']['ingest']:7.2f} s  (spool, hash, identify, S3 put, rows)")
    for line in ph["profiles"].get("ingest", []):
        print(line)
    for kind in ("extract", "ocr", "privacy", "classify", "preserve"):
        if kind in h:
            print(f"  {kind:10s} {h[kind]:7.2f} s")
            for line in ph["profiles"].get(kind, []):
                print(line)
    bookkeeping = sum(ph["walls"].get(k, 0.0) for k in ready_kinds) - sum(h.get(k, 0.0) for k in ready_kinds)
    print(f"  {'jobs':10s} {bookkeeping:7.2f} s  (job rows: running/done, follow-up rows)")
    print(f"  until ready for review, one process: {seq_ready:7.2f} s = {n / seq_ready:6.1f} docs/s "
          f"= {seq_ready / fl:.2f}x the floor")
    if "preserve" in h:
        print(f"  PDF/A, one process: {h['preserve']:7.2f} s = {n / h['preserve']:6.2f} docs/s")
    print(f"  jobs: {ph['states']}", flush=True)


def report_stack(stk: dict, fl: float) -> None:
    print(f"stack ({stk['workers']} light workers + 1 heavy, as `woo up` starts them; ingest in this process):")
    if stk["ready"] is None:
        print(f"  not ready within the time limit: {stk['ready_count']} of {stk['accepted']} documents ready "
              f"after {stk['waited']:.0f} s")
        return
    text_docs = stk["accepted"] - stk["ocr_docs"]
    print(f"  ingest done after {stk['ingest']:7.2f} s")
    print(f"  **everything until ready for review** ({text_docs} text-layer documents): {stk['ready']:7.2f} s "
          f"= {text_docs / stk['ready']:6.1f} docs/s = **{stk['ready'] / fl:.2f}x the floor** (goal <= 2.0x, "
          f">= 10 docs/s)")
    if stk.get("counted_live") and stk["counted_live"] > stk["ready"] + 0.01:
        print(f"  (counted while polling, as up to stop 34, {stk['counted_live']:7.2f} s: a scan whose extraction "
              "still waited on the heavy queue had no OCR job yet and counted as a text-layer document)")
    if stk.get("cpu"):
        print(cpu_line(stk["cpu"], stk["ready"]))
    if stk.get("timeline"):
        print("  timeline (documents ready, and the CPU seconds of each interval):")
        before_t, before_n = 0.0, 0
        for at, ready, spent in stk["timeline"]:
            span = at - before_t
            print(f"    {at:7.1f} s {ready:5d} ready ({(ready - before_n) / span:5.1f} docs/s) "
                  + cpu_line(spent, span, indent="").split(": ", 1)[1])
            before_t, before_n = at, ready
    if stk["ocr_docs"] and stk["all"]:
        print(f"  incl. the {stk['ocr_docs']} documents that need OCR (heavy queue): {stk['all']:7.2f} s")
    if stk["pdfa"] is not None:
        print(f"  PDF/A (heavy queue) done after {stk['pdfa']:7.2f} s: {stk['preserved']} renditions = "
              f"{stk['preserved'] / stk['pdfa']:5.2f} docs/s")
    hq = stk.get("heavy") or {}
    if hq.get("count"):
        print(f"  **PDF/A on its own queue** (rq job records, {hq['count']} heavy jobs): busy window "
              f"{hq['window']:7.2f} s = {hq['count'] / hq['window']:5.2f} docs/s; in the jobs {hq['in_jobs']:6.2f} s "
              f"({hq['in_jobs'] / hq['count']:.3f} s a job), between jobs {hq['gaps']:6.2f} s "
              f"(longest gap {hq['max_gap']:.2f} s)")
    print(f"  failed documents: {stk['failed']}; jobs: {stk['states']}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--generated", action="store_true", help="generated text PDFs instead of the corpus")
    ap.add_argument("--workers", type=int, default=0, help="light workers of the stack run (WOO_WORKERS)")
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--skip-pdfa", action="store_true", help="leave out the PDF/A phase (it takes minutes)")
    ap.add_argument("--no-stack", action="store_true", help="only the one-process phase table")
    ap.add_argument("--no-phases", action="store_true", help="only the floor and the stack run (half the time)")
    ap.add_argument("--timeline", type=float, default=0.0, metavar="S",
                    help="stack run: every S seconds, documents ready and where the cores went")
    ap.add_argument("--profile", metavar="DIR", help="cProfile each kind in the phases run; stats to DIR")
    ap.add_argument("--timeout", type=float, default=3600.0)
    args = ap.parse_args()
    if not shutil.which("pdftotext"):
        print("pdftotext (poppler-utils) is needed for the floor", file=sys.stderr)
        return 2
    use_corpus = not args.generated and (CORPUS / "manifest.csv").exists()
    if not use_corpus and not args.generated:
        print("../shared/corpus is absent: generated text PDFs are used", file=sys.stderr)
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, "
          f"python {platform.python_version()}, db {args.database}; load {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for n in args.docs:
        tmp = Path(tempfile.mkdtemp(prefix="woo-bench-"))
        try:
            (tmp / "in").mkdir()
            files = make_copies(corpus_pdfs(), n, tmp / "in") if use_corpus else make_generated(n, tmp / "in")
            total_mb = sum(f.stat().st_size for f in files) / 1e6
            source = "corpus" if use_corpus else "generated text PDFs"
            ph = None
            if not args.no_phases:
                with Instance(tmp / "phases", args.database) as inst:
                    ph = run_phases(inst, files, args)
                report(n, total_mb, source, ph)
            if not args.no_stack:
                with Instance(tmp / "stack", args.database) as inst:
                    stk = run_stack(inst, files, args)
                if ph is None:
                    heading(n, total_mb, source, stk["accepted"], stk["ocr_docs"], stk["floor"])
                report_stack(stk, ph["floor"] if ph else stk["floor"])
            print(f"load after this size: {os.getloadavg()[0]:.2f}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
