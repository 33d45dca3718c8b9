"""Small helpers the benchmark scripts share (they are run as scripts, so this sits beside them)."""
from __future__ import annotations

import os
import resource
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM: reset by exec, unlike ru_maxrss which a child inherits)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pid: int, descendants: bool = True) -> float | None:
    """User + system CPU seconds of process ``pid``, of the children it has waited for and of its live
    descendants (an rq work-horse mid-job, a PostgreSQL backend), from /proc; None when it is gone. A child
    reaped between two readings moves from the live sum into its parent's: the difference stays right."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    total = sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    return total + (sum(cpu_seconds(child) or 0.0 for child in _children(pid)) if descendants else 0.0)


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot, summed over its cores (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Where the cores went during a window: CPU seconds of named groups of processes (each with its
    descendants) between ``start`` and ``stop``, and the machine's idle time; "rest" is the machine's busy
    time outside the groups. ``own`` names processes counted without descendants (the bench itself, whose
    children are the servers and workers named in the other groups)."""

    def __init__(self, groups: dict[str, list[int]], own: dict[str, int] | None = None):
        self.groups = {name: [p for p in pids if p] for name, pids in groups.items()}
        self.own = own or {}
        self._start: dict[str, float] = {}

    def read(self) -> dict[str, float]:
        """The counters now (cumulative): ``between`` two reads is what was spent in that interval."""
        out = {name: sum(cpu_seconds(p) or 0.0 for p in pids) for name, pids in self.groups.items()}
        out |= {name: cpu_seconds(pid, descendants=False) or 0.0 for name, pid in self.own.items()}
        out["machine busy"], out["machine idle"] = machine_cpu_seconds()
        return out

    def start(self) -> None:
        self._start = self.read()

    def stop(self) -> dict[str, float]:
        return self.between(None, self.read())

    def between(self, before: dict[str, float] | None, after: dict[str, float]) -> dict[str, float]:
        """CPU seconds spent from ``before`` (None: the start) to ``after``, two of this meter's reads."""
        before = self._start if before is None else before
        spent = {name: after[name] - before.get(name, 0.0) for name in after}
        spent["rest"] = spent["machine busy"] - sum(v for k, v in spent.items() if not k.startswith("machine"))
        return spent


def cpu_line(spent: dict[str, float], window_s: float, indent: str = "  ") -> str:
    """One line for a report: each group's CPU seconds in the window, against the cores x window."""
    cores = os.cpu_count() or 1
    parts = ", ".join(f"{name} {secs:.1f}" for name, secs in spent.items() if name not in ("machine busy",))
    return (f"{indent}CPU seconds in that window ({cores} cores x {window_s:.2f} s = {cores * window_s:.1f}): "
            f"{parts}")


@contextmanager
def embedded_stack(tmp: Path, database_url: str | None = None):
    """A real woo context for a benchmark: SeaweedFS S3 and Redis started in ``tmp``, SQLite unless
    ``database_url`` says otherwise, migrated and bootstrapped; everything stopped again on exit."""
    from woo.adapters.db import dispose_all
    from woo.config import load_settings
    from woo.embedded.servers import RedisServer, S3Server
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    s3 = S3Server(tmp / "s3").start()
    redis = RedisServer(tmp / "redis").start()
    try:
        env = {"WOO_S3_ENDPOINT": s3.endpoint, "WOO_S3_ACCESS_KEY": s3.access_key,
               "WOO_S3_SECRET_KEY": s3.secret_key, "WOO_REDIS_URL": redis.url, "WOO_SECRET_KEY": "bench",
               "WOO_DATABASE_URL": database_url or f"sqlite:///{tmp / 'woo.sqlite'}"}
        settings = load_settings(tmp / "data", env=env)
        ctx = build_context(settings)
        bootstrap_instance(settings, ctx)
        yield ctx
    finally:
        dispose_all()
        redis.stop()
        s3.stop()


class CollectJobs:
    """A queue that collects job ids instead of sending them to Redis; ``run`` works them off in order through
    ``jobs.run``, the path the rq worker takes (jobs the handlers add are collected and run too)."""

    def __init__(self):
        self.pending: list[int] = []

    def enqueue(self, func: str, *args, job_id: str | None = None, queue: str = "woo", **_) -> None:
        self.pending.append(args[0])

    def run(self, ctx, skip: set[str] = frozenset()) -> None:
        from woo.adapters.models import Job
        from woo.services import jobs

        while self.pending:
            job_id = self.pending.pop(0)
            with ctx.unit_of_work() as s:
                kind = s.get(Job, job_id).kind
            if kind not in skip:
                jobs.run(ctx, job_id)


def floor(ctx, files: list[Path], tmp: Path) -> float:
    ctx.store.put_bytes("bench/warmup", b"x", "application/octet-stream")
    t0 = time.perf_counter()
    for i, f in enumerate(files):
        subprocess.run(["pdftotext", "-q", str(f), str(tmp / "floor.txt")], check=False)
        ctx.store.put_file(f"bench/raw/{i}", f, "application/pdf")
    return time.perf_counter() - t0


def readiness(ctx) -> dict:
    """Documents ready for review (privacy and classify done), documents waiting for OCR, PDF/A done."""
    from sqlalchemy import select

    from woo.adapters.models import Job
    with ctx.unit_of_work() as s:
        rows = s.execute(select(Job.document_id, Job.kind, Job.status)).all()
    done: dict[str, set] = {}
    failed, ocr, open_light, preserve_open = set(), set(), 0, 0
    for doc, kind, status in rows:
        if kind == "ocr":
            ocr.add(doc)
        if status == "done":
            done.setdefault(doc, set()).add(kind)
        elif status == "failed":
            failed.add(doc)
        elif kind == "preserve":
            preserve_open += 1
        else:
            open_light += 1
    ready = {d for d, k in done.items() if {"privacy", "classify"} <= k}
    return {"ready": ready, "ocr": ocr, "failed": failed, "open_light": open_light,
            "preserve_open": preserve_open,
            "preserved": sum(1 for k in done.values() if "preserve" in k)}


@contextmanager
def stack_workers(ctx, data_dir: Path, env: dict, logs: Path, workers: int = 0, wait_s: float = 600.0,
                  pids: dict | None = None):
    """The workers of `woo up` (``woo.embedded.stack.worker_children``: WOO_WORKERS light workers, default one
    per core, plus the heavy one) on ``ctx``'s Redis, started and stopped around the block; yields the number
    of light workers once every worker has warmed up and registered with Redis (the clock starts after).
    ``pids``, when given, receives {"light workers": [...], "heavy worker": [...]} (for a CpuMeter)."""
    import os

    from rq import Worker

    from woo.embedded.stack import worker_children, worker_count

    env = {**os.environ, **env, "WOO_DATA_DIR": str(data_dir)}
    if workers:
        env["WOO_WORKERS"] = str(workers)
    logs.mkdir(parents=True, exist_ok=True)
    children = worker_children(data_dir, logs, env)
    try:
        for child in children:
            child.start()
        if pids is not None:
            pids["light workers"] = [c.pid for c in children[:-1]]
            pids["heavy worker"] = [children[-1].pid]
        by = time.perf_counter() + wait_s
        while Worker.count(connection=ctx.queue.redis) < len(children) and time.perf_counter() < by:
            time.sleep(0.5)
        yield worker_count(env)
    finally:
        for child in reversed(children):
            child.stop()


def wait_ready(ctx, t0: float, expected: int, timeout: float = 3600.0) -> dict:
    """Poll ``readiness`` until ``expected`` documents are ready for review (or failed): ``ready_s`` is the wall
    time from ``t0`` (None when the time limit passed first), with the counts seen last."""
    st = readiness(ctx)
    while len(st["ready"] | st["failed"]) < expected and time.perf_counter() < t0 + timeout:
        time.sleep(0.5)  # polling is cheap next to the work, but not free: the bench shares the cores
        st = readiness(ctx)
    done = len(st["ready"] | st["failed"]) >= expected
    return {"ready_s": time.perf_counter() - t0 if done else None, "expected": expected,
            "ready": len(st["ready"]), "failed": len(st["failed"]), "ocr": len(st["ocr"])}


def ready_headline(ready_s: float | None, docs: int, floor_s: float) -> str:
    """The line the issue 18 benches lead with: everything until ready for review against the floor."""
    if ready_s is None:
        return "everything until ready for review: not within the time limit"
    return (f"everything until ready for review: {ready_s:.2f} s = {docs / ready_s:.1f} docs/s = "
            f"{ready_s / floor_s:.2f}x the floor (floor {floor_s:.2f} s = {docs / floor_s:.1f} docs/s)")


def run_child(argv: list[str]) -> dict | None:
    """Run a bench's child (``python argv...``) and read the JSON of its last line; None (its stderr's tail
    printed) when it failed."""
    import json
    import sys

    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ready_report(r: dict, docs: int, indent: str = "  ") -> None:
    """Print a ``--ready`` child's result: its counts, the headline against the floor, the load."""
    print(f"{indent}with the stack ({r['workers']} light workers + 1 heavy): {r.get('ready', 0)} of {docs} "
          f"documents ready, {r.get('failed', 0)} failed, {r.get('ocr', 0)} needed OCR")
    print(f"{indent}**{ready_headline(r.get('ready_s'), docs, r['floor_s'])}**")
    print(f"{indent}load {Path('/proc/loadavg').read_text().strip()}", flush=True)
