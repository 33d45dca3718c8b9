"""A worker killed mid-job leaves its job 'running' with no rq job behind it: `woo worker` requeues it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import drain
from tests.factories import make_pdf
from woo.adapters.models import Job
from woo.services import accounts, jobs
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _stuck_job(ctx, tmp_path, attempts=1) -> int:
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "a.pdf", ["Besluit over de haven."])
    assert ingest(ctx, SYSTEM, org, "a.pdf", path=pdf, source="cli").status == "accepted"
    ctx.queue.redis.flushdb()  # the rq job vanished with the killed worker (or a Redis restart)
    with ctx.unit_of_work() as s:
        job = s.execute(select(Job)).scalars().first()
        job.status, job.attempts = jobs.RUNNING, attempts  # as run() left it when the worker died
        return job.id


def test_recover_requeues_a_job_whose_worker_died(woo_ctx, tmp_path):
    job_id = _stuck_job(woo_ctx, tmp_path)
    assert jobs.recover(woo_ctx) == {"requeued": 1, "failed": 0}
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Job, job_id).status == jobs.DONE
    assert jobs.recover(woo_ctx) == {"requeued": 0, "failed": 0}  # nothing left to do, done jobs untouched


def test_recover_gives_up_visibly_after_repeated_crashes(woo_ctx, tmp_path):
    job_id = _stuck_job(woo_ctx, tmp_path, attempts=jobs.MAX_RECOVERIES)
    assert jobs.recover(woo_ctx) == {"requeued": 0, "failed": 1}
    with woo_ctx.unit_of_work() as s:
        job = s.get(Job, job_id)
        assert job.status == jobs.FAILED and "afgebroken" in job.error


def test_recover_leaves_live_queued_jobs_alone(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "b.pdf", ["Nog in de wachtrij."])
    ingest(woo_ctx, SYSTEM, org, "b.pdf", path=pdf, source="cli")
    assert jobs.recover(woo_ctx) == {"requeued": 0, "failed": 0}


def _taken_by_a_killed_worker(ctx, age_seconds: float) -> list[int]:
    """What a worker on several queues leaves when it is killed right after its BLPOP: the rq job still
    says 'queued' but is in no queue list any more (rq keeps no intermediate copy for a multi-queue pop)."""
    from datetime import datetime, timedelta, timezone

    from rq import Queue
    from rq.job import Job as RqJob

    from woo.adapters.queue import QUEUES

    redis = ctx.queue.redis
    for name in QUEUES:
        while redis.lpop(Queue(name, connection=redis).key) is not None:
            pass
    with ctx.unit_of_work() as s:
        waiting = [(j.id, j.rq_id) for j in s.execute(select(Job).where(Job.status == jobs.QUEUED)).scalars()]
    for _, rq_id in waiting:
        rq_job = RqJob.fetch(rq_id, connection=redis)
        assert str(rq_job.get_status()).split(".")[-1].lower() == "queued"
        rq_job.enqueued_at = datetime.now(timezone.utc) - timedelta(seconds=age_seconds)
        rq_job.save()
    return [job_id for job_id, _ in waiting]


def test_recover_requeues_a_job_a_killed_worker_had_just_taken(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ingest(woo_ctx, SYSTEM, org, "c.pdf", path=make_pdf(tmp_path / "c.pdf", ["Net gepakt."]), source="cli")
    taken = _taken_by_a_killed_worker(woo_ctx, age_seconds=120)
    assert taken
    assert jobs.recover(woo_ctx) == {"requeued": len(taken), "failed": 0}
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert {s.get(Job, job_id).status for job_id in taken} == {jobs.DONE}


def test_recover_leaves_a_just_taken_job_to_the_worker_that_took_it(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ingest(woo_ctx, SYSTEM, org, "d.pdf", path=make_pdf(tmp_path / "d.pdf", ["Wordt gestart."]), source="cli")
    assert _taken_by_a_killed_worker(woo_ctx, age_seconds=1)  # a live worker marks it started any moment
    assert jobs.recover(woo_ctx) == {"requeued": 0, "failed": 0}


def _started_by_worker(ctx, tmp_path, pid: int, name: str) -> int:
    """A job an rq worker on this host had started (rq job 'started', registered worker with ``pid``)."""
    import socket
    from datetime import datetime, timezone

    from rq.job import Job as RqJob

    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ingest(ctx, SYSTEM, org, f"{name}.pdf", path=make_pdf(tmp_path / f"{name}.pdf", ["Bezig."]), source="cli")
    redis = ctx.queue.redis
    with ctx.unit_of_work() as s:
        job = s.execute(select(Job).where(Job.status == jobs.QUEUED)).scalars().first()
        job.status, job_id, rq_id = jobs.RUNNING, job.id, job.rq_id
    rq_job = RqJob.fetch(rq_id, connection=redis)
    rq_job.worker_name = name
    rq_job.save()
    redis.hset(rq_job.key, "status", "started")
    born = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    redis.hset(f"rq:worker:{name}", mapping={"birth": born, "pid": pid, "hostname": socket.gethostname()})
    return job_id


def test_recover_requeues_a_started_job_whose_worker_process_is_gone(woo_ctx, tmp_path):
    # A worker that runs jobs in its own process (no work-horse), killed mid-job: rq still says 'started'
    # (its registry would give up only after the job timeout, an hour); the worker's process is gone.
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job_id = _started_by_worker(woo_ctx, tmp_path, gone.pid, "dead-worker")
    assert jobs.recover(woo_ctx) == {"requeued": 1, "failed": 0}
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Job, job_id).status == jobs.DONE


def test_recover_leaves_a_started_job_of_a_live_worker_alone(woo_ctx, tmp_path):
    import os

    job_id = _started_by_worker(woo_ctx, tmp_path, os.getppid() if os.getppid() > 1 else os.getpid(), "live")
    # the live process started before the worker registered: it is that worker, running the job
    assert jobs.recover(woo_ctx) == {"requeued": 0, "failed": 0}
    with woo_ctx.unit_of_work() as s:
        assert s.get(Job, job_id).status == jobs.RUNNING
