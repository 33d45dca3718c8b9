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
