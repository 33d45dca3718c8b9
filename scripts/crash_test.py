#!/usr/bin/env python3
"""Crash test: the real stack under SIGKILL. Bounded, stops by itself.

Starts S3 (SeaweedFS), Redis and PostgreSQL on 127.0.0.1 (woo.embedded servers), then `woo worker`
and gunicorn as subprocesses. Uploaders post PDFs through the API and publish what is ready, while
readers list and open documents and the public pages, while one or all workers (with their rq
work-horses, mid-job) or the whole gunicorn process group are SIGKILLed at random moments and restarted.
At the end the workers drain both queues (light and heavy) and the script checks: every document the
API acknowledged (201) is in the database, no upload became two documents and no job ran to completion
twice for one document, `woo fsck` finds nothing missing and no orphans (grace 0, so a half-done
ingest would show), `woo audit verify` passes, and every job is done or visibly failed.

    .venv/bin/python scripts/crash_test.py [--seconds 90] [--seed 1] [--workers 4] [--readers 2]
Prints its progress as it goes (flushed) and the figures at the end; exit code 0 when every check holds.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = sys.executable
WOO = [PY, "-m", "woo"]


class Stack:
    """S3/Redis/PostgreSQL + a bootstrapped woo instance + worker and gunicorn subprocesses."""

    def __init__(self, root: Path, web_workers: int = 2, worker_count: int = 1):
        import sqlalchemy as sa

        from tests.servers import start_test_servers
        from woo.config import load_settings
        from woo.embedded.servers import free_port
        from woo.services.bootstrap import bootstrap_instance
        from woo.services.context import build_context

        self.root = root
        self.servers = start_test_servers(root / "servers")
        name = "crash_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(self.servers.postgres.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.port = free_port()
        self.env = {**os.environ, **self.servers.env(bucket="woo-crash"),
                    "WOO_DATABASE_URL": self.servers.postgres.url.rsplit("/", 1)[0] + "/" + name,
                    "WOO_SECRET_KEY": "crash-test", "WOO_BASE_URL": f"http://127.0.0.1:{self.port}",
                    "WOO_DATA_DIR": str(root / "data"), "WOO_AUTO_ACCEPT_CONFIDENCE": "0"}
        self.settings = load_settings(root / "data", env=self.env)
        self.ctx = build_context(self.settings)
        bootstrap_instance(self.settings, self.ctx)
        self.web_workers, self.worker_count = web_workers, worker_count
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.url = f"http://127.0.0.1:{self.port}"

    def token(self, scopes: str = "ingest read publish") -> str:
        from sqlalchemy import select

        from woo.adapters.models import User
        from woo.services import accounts
        from woo.services.context import SYSTEM

        with self.ctx.unit_of_work() as s:
            admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
            return accounts.create_token(s, SYSTEM, admin, "stresstest-" + uuid.uuid4().hex[:6], scopes)

    def start_web(self) -> None:
        log = open(self.root / "gunicorn.log", "ab")
        self.web = subprocess.Popen(
            [PY, "-m", "gunicorn", "-w", str(self.web_workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
             "woo.wsgi:app"], env=self.env, stdout=log, stderr=log, start_new_session=True)
        self._wait_http()

    def start_workers(self) -> None:
        """The first worker takes both queues (rq forks a work-horse per job), the others only the light one
        and run their jobs in their own process (WOO_LIGHT_WORKER=simple), as `woo up` starts them."""
        log = open(self.root / "worker.log", "ab")
        self.workers = [w for w in self.workers if w.poll() is None]
        while len(self.workers) < self.worker_count:
            both = not any(getattr(w, "woo_both", False) for w in self.workers)
            w = subprocess.Popen(WOO + ["worker"] + ([] if both else ["--queue", "woo", "--no-maintenance"]),
                                 env=self.env, stdout=log, stderr=log, start_new_session=True)
            w.woo_both = both
            self.workers.append(w)

    def _wait_http(self, timeout: float = 60) -> None:
        import requests

        end = time.time() + timeout
        while time.time() < end:
            try:
                if requests.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not come up; see gunicorn.log")

    def kill_web(self) -> None:
        if self.web and self.web.poll() is None:
            os.killpg(self.web.pid, signal.SIGKILL)  # master and its workers at once
            self.web.wait()

    def kill_worker(self, only_one: bool = False) -> None:
        """SIGKILL all workers (or one of them), with their work-horses and tool processes."""
        for w in self.workers[:1] if only_one else self.workers:
            if w.poll() is None:
                # rq's work-horse runs in its own session: kill it by pid too, like a machine crash would
                for child in _children(w.pid):
                    try:
                        os.kill(child, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                os.killpg(w.pid, signal.SIGKILL)
                w.wait()
        self.workers = [w for w in self.workers if w.poll() is None]

    def stop(self) -> None:
        for p in [self.web, *self.workers]:
            if p and p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
        from woo.adapters.db import dispose_all

        dispose_all()
        self.servers.stop()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(WOO + list(args), env=self.env, capture_output=True, text=True, timeout=600)


def say(*parts) -> None:
    """Progress goes out at once, also when stdout is a pipe or a file (the drain can take minutes)."""
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def pdf_bytes(i: int) -> bytes:
    from tests.factories import make_pdf

    with tempfile.TemporaryDirectory() as d:
        return make_pdf(Path(d) / "x.pdf", [f"Besluit op het Woo-verzoek nummer {i} over de haven. "
                                            f"Kenmerk {uuid.uuid4().hex}."]).read_bytes()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--uploaders", type=int, default=2)
    ap.add_argument("--workers", type=int, default=4, help="rq workers during the run (one on both queues, the others light-only)")
    ap.add_argument("--readers", type=int, default=2, help="threads reading the API and public pages meanwhile")
    args = ap.parse_args()
    import requests

    rnd = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="woo-crash-"))
    say(f"stack starten in {root} ...")
    stack = Stack(root, worker_count=args.workers)
    acknowledged: set[str] = set()
    stats = {"posted": 0, "acked": 0, "conn_errors": 0, "http_5xx": 0, "published": 0, "kills_web": 0,
             "kills_worker": 0, "kills_one_worker": 0, "reads": 0, "read_5xx": 0, "read_conn_errors": 0}
    lock = threading.Lock()
    stop = threading.Event()
    try:
        token = stack.token()
        stack.start_web()
        stack.start_workers()
        auth = {"Authorization": f"Bearer {token}"}

        def uploader(n: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                body = pdf_bytes(n * 100000 + i)
                try:
                    r = requests.post(stack.url + "/api/v1/documents", headers=auth, timeout=30,
                                      files={"file": (f"besluit-{n}-{i}.pdf", body, "application/pdf")})
                except requests.RequestException:
                    with lock:
                        stats["conn_errors"] += 1
                    time.sleep(0.2)
                    continue
                with lock:
                    stats["posted"] += 1
                    if r.status_code == 201:
                        stats["acked"] += 1
                        acknowledged.add(r.json()["document_id"])
                    elif r.status_code >= 500:
                        stats["http_5xx"] += 1
                    pick = rnd.choice(sorted(acknowledged)) if acknowledged else None
                if pick:
                    try:
                        p = requests.post(f"{stack.url}/api/v1/documents/{pick}/publish", headers=auth, timeout=30)
                        if p.status_code == 200:
                            with lock:
                                stats["published"] += 1
                        elif p.status_code >= 500:
                            with lock:
                                stats["http_5xx"] += 1
                    except requests.RequestException:
                        pass

        def reader(n: int) -> None:
            local = random.Random(args.seed * 1000 + n)
            while not stop.is_set():
                with lock:
                    pick = local.choice(sorted(acknowledged)) if acknowledged else None
                paths = ["/api/v1/documents", "/publicaties", "/robots.txt"]
                if pick:
                    paths.append(f"/api/v1/documents/{pick}")
                try:
                    r = requests.get(stack.url + local.choice(paths), headers=auth, timeout=30)
                except requests.RequestException:
                    with lock:
                        stats["read_conn_errors"] += 1
                    time.sleep(0.2)
                    continue
                with lock:
                    stats["reads"] += 1
                    if r.status_code >= 500:
                        stats["read_5xx"] += 1

        threads = [threading.Thread(target=uploader, args=(n,), daemon=True) for n in range(args.uploaders)]
        threads += [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(args.readers)]
        for t in threads:
            t.start()
        say(f"belasting: {args.uploaders} uploaders, {args.readers} lezers, {args.workers} workers, "
            f"{args.seconds:.0f}s met kill -9")
        end = time.time() + args.seconds
        while time.time() < end:
            time.sleep(rnd.uniform(3, 10))
            roll = rnd.random()
            if roll < 0.25:
                stack.kill_worker()
                stats["kills_worker"] += 1
                time.sleep(rnd.uniform(0, 2))
                stack.start_workers()
            elif roll < 0.5:
                stack.kill_worker(only_one=True)  # the others keep running: recovery must not steal their jobs
                stats["kills_one_worker"] += 1
                time.sleep(rnd.uniform(0, 2))
                stack.start_workers()
            else:
                stack.kill_web()
                stats["kills_web"] += 1
                time.sleep(rnd.uniform(0, 2))
                stack.start_web()
            say(f"kills: alle workers {stats['kills_worker']}, een worker {stats['kills_one_worker']}, "
                f"web {stats['kills_web']}; bevestigd {stats['acked']}, gelezen {stats['reads']}")
        stop.set()
        for t in threads:
            t.join(60)
        # let the (restarted) workers finish what is queued, on both queues
        from sqlalchemy import func, select

        from woo.adapters.models import Document, Event, Job, StoredFile
        stack.kill_worker()
        stack.start_workers()  # a fresh start also runs the recovery of abandoned jobs
        drain_started = time.time()
        deadline = drain_started + 600
        last = None
        while time.time() < deadline:
            with stack.ctx.unit_of_work() as s:
                pending = dict(s.execute(select(Job.status, func.count()).where(Job.status.in_(["queued", "running"]))
                                         .group_by(Job.status)).all())
            if not pending:
                break
            if pending != last:
                say("leegmaken van de wachtrij:", pending)
                last = pending
            time.sleep(2)
        say(f"wachtrij leeg na {time.time() - drain_started:.0f}s" if not pending else "wachtrij NIET leeg na 600s")
        with stack.ctx.unit_of_work() as s:
            ids = set(s.execute(select(Document.id)).scalars())
            job_states = dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())
            failed_without_reason = s.execute(select(func.count()).select_from(Job).where(
                Job.status == "failed", Job.error.is_(None))).scalar_one()
            reasons = s.execute(select(Job.kind, Job.error, func.count()).where(Job.status == "failed")
                                .group_by(Job.kind, Job.error).order_by(func.count().desc()).limit(5)).all()
            stuck = s.execute(select(Job.id, Job.kind, Job.status, Job.rq_id, Job.attempts)
                              .where(Job.status.in_(["queued", "running"])).limit(5)).all()
            # every upload has unique bytes: two originals with one hash would be one upload stored twice
            twice_stored = s.execute(select(func.count()).select_from(
                select(StoredFile.sha256).where(StoredFile.role == "original").group_by(StoredFile.sha256)
                .having(func.count() > 1).subquery())).scalar_one()
            twice_done = s.execute(select(func.count()).select_from(
                select(Job.document_id, Job.kind).where(Job.status == "done").group_by(Job.document_id, Job.kind)
                .having(func.count() > 1).subquery())).scalar_one()
            twice_ingested = s.execute(select(func.count()).select_from(
                select(Event.document_id).where(Event.action == "document.ingested").group_by(Event.document_id)
                .having(func.count() > 1).subquery())).scalar_one()
        lost = acknowledged - ids
        say("fsck en audit verify ...")
        fsck = stack.cli("fsck", "--grace-minutes", "0")
        audit = stack.cli("audit", "verify")
        print(f"duur {args.seconds:.0f}s, {args.workers} workers; kills: alle workers {stats['kills_worker']}, "
              f"een worker {stats['kills_one_worker']}, web {stats['kills_web']}")
        print(f"lezers: {stats['reads']} antwoorden, {stats['read_5xx']} x 5xx, "
              f"{stats['read_conn_errors']} verbindingsfouten tijdens kills")
        print(f"uploads: {stats['posted']} beantwoord, {stats['acked']} bevestigd (201), "
              f"{stats['conn_errors']} verbindingsfouten tijdens kills, {stats['http_5xx']} x 5xx; "
              f"gepubliceerd: {stats['published']}")
        print(f"documenten in de database: {len(ids)}; bevestigd maar verloren: {len(lost)}")
        print(f"taken: {job_states}; mislukt zonder reden: {failed_without_reason}")
        print(f"dubbel: {twice_stored} uploads twee keer opgeslagen, {twice_done} taken twee keer voltooid, "
              f"{twice_ingested} documenten twee keer ingelezen")
        print("fsck:", fsck.stdout.strip().splitlines()[-1] if fsck.stdout.strip() else fsck.stderr[-300:])
        for line in fsck.stdout.splitlines():
            if line.startswith("  "):
                print("   ", line.strip())
        print("audit:", audit.stdout.strip() or audit.stderr[-300:])
        for kind, error, n in reasons:
            print(f"    mislukt {n}x {kind}: {(error or '')[:150]}")
        for row in stuck:
            print("    blijft hangen:", tuple(row))
        if fsck.returncode:  # an object put just before a kill, never committed: repair removes it
            repaired = stack.cli("fsck", "--grace-minutes", "0", "--repair")
            print("fsck --repair:", repaired.stdout.strip().splitlines()[-1])
            fsck = stack.cli("fsck", "--grace-minutes", "0")
            print("fsck daarna:", fsck.stdout.strip().splitlines()[-1])
        ok = (not lost and not twice_stored and not twice_done and not twice_ingested and fsck.returncode == 0 and audit.returncode == 0
              and not job_states.get("queued") and not job_states.get("running") and not failed_without_reason)
        print("RESULTAAT:", "in orde" if ok else "PROBLEMEN", f"(logs in {root})")
        return 0 if ok else 1
    finally:
        stop.set()
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
