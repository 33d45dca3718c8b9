"""The light queue's worker runs its jobs in its own process (no work-horse per job), with heartbeats; a worker
killed with SIGKILL mid-job leaves a job that recover() queues again (on the heavy queue) and that then runs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.factories import make_pdf
from woo.adapters.models import Job
from woo.adapters.queue import HEAVY, LIGHT
from woo.services import accounts, jobs
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

ROOT = Path(__file__).resolve().parents[2]

# `woo worker --queue woo --queue woo-sync` as `woo up` and compose start it, except that its extract job writes the pid of the process
# running it and then hangs, so the test can kill the worker in the middle of that job.
WORKER = """
import os, sys, time
from woo.services import extraction

def hang(ctx, document_id):
    with open(sys.argv[1], "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(600)

extraction.extract_document = hang
from woo.cli import main
main(["worker", "--data-dir", sys.argv[2], "--queue", "woo", "--queue", "woo-sync", "--no-maintenance"])
"""


def _wait_for(path: Path, proc, seconds: float = 120.0) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        assert proc.poll() is None, "the worker stopped before it ran the job"
        time.sleep(0.2)
    raise AssertionError("the worker did not start the job in time")


def test_a_simple_worker_killed_mid_job_leaves_a_job_recover_runs_again(woo_ctx, tmp_path):
    from rq.registry import StartedJobRegistry

    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "besluit.pdf", ["Besluit over de verlichting van de haven."])
    assert ingest(woo_ctx, SYSTEM, org, "besluit.pdf", path=pdf, source="cli").status == "accepted"
    marker = tmp_path / "running-in"
    env = {**os.environ, **cli_env(woo_ctx.settings), "PYTHONPATH": str(ROOT)}
    env.pop("WOO_LIGHT_WORKER", None)  # the default: a simple worker on the light queue
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(marker), str(tmp_path / "worker-data")],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pid = int(_wait_for(marker, proc))
        assert pid == proc.pid  # the job runs in the worker itself, not in a forked work-horse
        with woo_ctx.unit_of_work() as s:
            job = s.execute(select(Job).where(Job.kind == "extract")).scalar_one()
            assert job.status == jobs.RUNNING
            job_id = job.id
        # Liveness: the job's entry in rq's started registry lives about a minute past the last heartbeat,
        # not the job's whole timeout (an hour), so rq gives up on a dead worker's job soon, on any host.
        redis = woo_ctx.queue.redis
        scores = [score for _, score in redis.zrange(StartedJobRegistry(LIGHT, connection=redis).key, 0, -1,
                                                      withscores=True)]
        assert scores and max(scores) - time.time() < 5 * 60
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    assert jobs.recover(woo_ctx) == {"requeued": 1, "failed": 0}
    with woo_ctx.unit_of_work() as s:
        job = s.get(Job, job_id)
        assert (job.status, job.queue) == (jobs.QUEUED, HEAVY)  # it took a light worker down: heavy queue now
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        kinds = {j.kind: j.status for j in s.execute(select(Job)).scalars()}
    assert kinds["extract"] == jobs.DONE and kinds["privacy"] == jobs.DONE and kinds["classify"] == jobs.DONE
