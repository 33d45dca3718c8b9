"""The heavy worker renders PDF/A only when no light job waits: a backlog's text layers, privacy scans and
classifications (what an officer waits for) go first; OCR, which a review waits for too, keeps its place."""
from __future__ import annotations

import pytest
from rq import Queue

from tests.factories import make_pdf
from woo.adapters.queue import HEAVY, LIGHT, SYNC
from woo.services import accounts, jobs
from woo.services.context import SYSTEM
from woo.services.ingest import ingest
from woo.worker import heavy_queue_order, worker_class_for

pytestmark = pytest.mark.parametrize("backend", ["sqlite", "postgresql"])


def _document(ctx, tmp_path, name: str) -> str:
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / name, [f"Besluit over {name}."])
    result = ingest(ctx, SYSTEM, org, name, path=pdf, source="cli")  # queues its text layer (light queue)
    assert result.status == "accepted"
    return result.document_id


def _queue_heavy(ctx, document_id: str, kind: str) -> str:
    with ctx.unit_of_work() as s:
        job = jobs.new_job(s, document_id=document_id, kind=kind)
        job_id, rq_id = job.id, job.rq_id
    jobs.dispatch(ctx, job_id)
    return rq_id


def _queues(ctx):
    return [Queue(name, connection=ctx.queue.redis) for name in (HEAVY, LIGHT, SYNC)]


def test_pdfa_waits_while_light_jobs_wait_and_ocr_does_not(woo_ctx, tmp_path):
    redis = woo_ctx.queue.redis
    doc = _document(woo_ctx, tmp_path, "a.pdf")
    pdfa = _queue_heavy(woo_ctx, doc, "preserve")
    queues = _queues(woo_ctx)
    assert redis.llen(queues[1].key) == 1  # the text layer waits on the light queue
    assert [q.name for q in heavy_queue_order(queues, redis)] == [LIGHT, HEAVY, SYNC]

    worker = worker_class_for([HEAVY, LIGHT, SYNC])(queues, connection=redis)
    job, queue = worker.dequeue_job_and_maintain_ttl(timeout=1)
    assert queue.name == LIGHT and job.id != pdfa  # the light job, although PDF/A was queued on heavy
    # no light job waits any more: the rendition is next
    assert [q.name for q in heavy_queue_order(queues, redis)] == [HEAVY, LIGHT, SYNC]
    job, queue = worker.dequeue_job_and_maintain_ttl(timeout=1)
    assert (job.id, queue.name) == (pdfa, HEAVY)

    # OCR (at the front of the heavy queue) goes ahead of waiting light jobs, as before
    _document(woo_ctx, tmp_path, "b.pdf")
    ocr = _queue_heavy(woo_ctx, doc, "ocr")
    assert redis.llen(queues[1].key) == 1
    assert [q.name for q in heavy_queue_order(queues, redis)] == [HEAVY, LIGHT, SYNC]
    job, queue = worker.dequeue_job_and_maintain_ttl(timeout=1)
    assert (job.id, queue.name) == (ocr, HEAVY)


def test_only_a_worker_whose_first_queue_is_heavy_reorders(woo_ctx, tmp_path):
    redis = woo_ctx.queue.redis
    doc = _document(woo_ctx, tmp_path, "c.pdf")
    _queue_heavy(woo_ctx, doc, "preserve")
    light_first = [Queue(n, connection=redis) for n in (LIGHT, HEAVY)]
    assert heavy_queue_order(light_first, redis) == light_first
    assert not jobs.yields_to_light(woo_ctx, "woo-transfer-123")  # not a document job: keeps its place
