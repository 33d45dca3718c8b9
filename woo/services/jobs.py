"""Background jobs: dispatch to the queue, run with visible state, retry. Handlers are idempotent."""
from __future__ import annotations

import importlib.util
import logging
import traceback
from typing import Callable

from sqlalchemy import select

from woo.adapters.models import Job
from woo.archive import outbox as _archive_outbox  # noqa: F401  (notes MDTO sidecar rewrites on every change)
from woo.services import audit
from woo.services.context import SYSTEM, Actor, Context

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
LABELS_NL = {QUEUED: "In de wachtrij", RUNNING: "Bezig", DONE: "Klaar", FAILED: "Mislukt"}
KIND_LABELS_NL = {"extract": "Tekst uitlezen", "classify": "Categorie voorstellen",
                  "privacy": "Persoonsgegevens zoeken", "preserve": "PDF/A maken",
                  "correction": "Correctie controleren",
                  "ocr": "Tekstherkenning (OCR)", "inventory": "Inventarislijst bijwerken"}
# Heavy work runs on its own queue and workers, so a slow scan never holds back the light jobs of others.
HEAVY_KINDS = frozenset({"ocr", "preserve"})
GENERIC_FAILURE_NL = "Verwerking mislukt door een onverwachte fout; de details staan in het logboek van de worker."


def queue_of(kind: str) -> str:
    from woo.adapters.queue import HEAVY, LIGHT

    return HEAVY if kind in HEAVY_KINDS else LIGHT


def failure_reason(exc: BaseException) -> str:
    """What the officer reads for a failed job: Dutch, never a Python exception name or traceback."""
    if isinstance(exc, JobFailed):
        return str(exc)
    reason = getattr(exc, "reason", None)  # the intake/archive/privacy errors carry a Dutch reason
    if isinstance(reason, str) and reason:
        return reason
    from woo.intake.extract import dutch_reason

    return dutch_reason(exc) or GENERIC_FAILURE_NL


def running_for(job, now=None) -> int | None:
    """Minutes a running job has been running (its row changes to 'running' when a worker starts it)."""
    from datetime import datetime, timezone

    if job.status != RUNNING or job.updated_at is None:
        return None
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    started = job.updated_at.replace(tzinfo=None) if job.updated_at.tzinfo else job.updated_at
    return max(0, int((now - started).total_seconds() // 60))


class JobFailed(Exception):
    """A handler's expected failure; the message (Dutch) is shown on the document page."""


def handlers() -> dict[str, Callable[[Context, str], None]]:
    """Job kind -> service function. Importing preservation also installs the MDTO outbox hook."""
    from woo.services import correction, extraction, preservation, privacy

    handlers = {"extract": extraction.extract_document, "ocr": extraction.ocr_document,
                "privacy": privacy.scan_document, "preserve": preservation.preserve_document,
                "correction": correction.check, "inventory": _inventory_job}
    # The model package loads scikit-learn (seconds): only look whether it is there.
    if importlib.util.find_spec("woo.classify") is not None:
        from woo.services import classification
        handlers["classify"] = classification.classify_document
    return handlers


def _inventory_job(ctx: Context, document_id: str) -> None:
    from woo.services import dossiers

    dossiers.inventory_job(ctx, document_id)


def original_of(doc):
    """A job's document's original file; a visible job failure when either is gone."""
    original = doc.file("original") if doc else None
    if original is None:
        raise JobFailed("Document of origineel bestand ontbreekt.")
    return original


def dispatch(ctx: Context, job_id: int) -> None:
    """Hand a job to the queue after its row is committed; a queue outage is shown, not lost."""
    attempt, kind = _attempt(ctx, job_id)
    try:
        rq_id = ctx.queue.enqueue("woo.worker.run_job", job_id, job_id=f"woo-job-{job_id}-{attempt}",
                                  queue=queue_of(kind))
    except Exception as exc:  # Redis down: keep the job visible as failed so it can be retried
        log.warning("could not enqueue job %s: %s", job_id, exc)
        with ctx.unit_of_work() as session:
            job = session.get(Job, job_id)
            if job and job.status == QUEUED:
                job.status, job.error = FAILED, "Wachtrij niet bereikbaar (Redis); start de taak later opnieuw."
        return
    if rq_id:
        with ctx.unit_of_work() as session:
            job = session.get(Job, job_id)
            if job:
                job.rq_id = rq_id


def _attempt(ctx: Context, job_id: int) -> tuple[int, str]:
    with ctx.unit_of_work() as session:
        job = session.get(Job, job_id)
        return (job.attempts, job.kind) if job else (0, "")


def run(ctx: Context, job_id: int) -> str:
    """Run one job; returns its final status. Safe to call twice: a done job is not run again."""
    with ctx.unit_of_work() as session:
        job = session.get(Job, job_id)
        if job is None or job.status == DONE:
            return job.status if job else "missing"
        job.status, job.error, job.attempts = RUNNING, None, job.attempts + 1
        kind, document_id = job.kind, job.document_id
    try:
        handler = handlers()[kind]
        handler(ctx, document_id)
    except Exception as exc:
        reason = failure_reason(exc)
        log.error("job %s (%s) failed: %s (%s: %s)\n%s", job_id, kind, reason, type(exc).__name__, exc,
                  traceback.format_exc())
        with ctx.unit_of_work() as session:
            job = session.get(Job, job_id)
            job.status, job.error = FAILED, reason[:2000]
            audit.record(session, SYSTEM.label, "job.failed", document_id, job=kind, reason=reason[:500])
        return FAILED
    with ctx.unit_of_work() as session:
        job = session.get(Job, job_id)
        job.status = DONE
    return DONE


def overview(session, limit: int = 500) -> list[dict]:
    """Unfinished and failed jobs of the whole installation for the admin view, running ones first
    (longest running at the top), with the queue they are on and how long they have been running."""
    from woo.adapters.models import Document

    rows = session.execute(
        select(Job, Document.title).join(Document, Document.id == Job.document_id)
        .where(Job.status.in_([RUNNING, QUEUED, FAILED]))
        .order_by(Job.status.desc(), Job.updated_at).limit(limit)).all()
    order = {RUNNING: 0, QUEUED: 1, FAILED: 2}
    out = [{"id": j.id, "document_id": j.document_id, "title": title, "kind": j.kind, "status": j.status,
            "queue": queue_of(j.kind), "attempts": j.attempts, "error": j.error, "since": j.updated_at,
            "created_at": j.created_at, "running_minutes": running_for(j)} for j, title in rows]
    out.sort(key=lambda r: (order[r["status"]], -(r["running_minutes"] or 0)))
    return out


def add_job(session, document_id: str, kind: str) -> Job:
    """A new job row for a document, unless one of that kind is already waiting or running."""
    job = session.execute(select(Job).where(Job.document_id == document_id, Job.kind == kind,
                                            Job.status.in_([QUEUED, RUNNING]))).scalar_one_or_none()
    if job is None:
        job = Job(document_id=document_id, kind=kind)
        session.add(job)
        session.flush()
    return job


def retry(ctx: Context, actor: Actor, job_id: int) -> None:
    with ctx.unit_of_work() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise LookupError("Taak bestaat niet.")
        if job.status != FAILED:
            raise ValueError("Alleen een mislukte taak kan opnieuw worden gestart.")
        job.status, job.error = QUEUED, None
        audit.record(session, actor.label, "job.retried", job.document_id, job=job.kind)
    dispatch(ctx, job_id)


MAX_RECOVERIES = 3


def recover(ctx: Context) -> dict[str, int]:
    """Jobs left 'queued'/'running' whose rq job is gone or dead (a worker was killed mid-job, Redis lost
    its data) are queued again; after MAX_RECOVERIES attempts they are marked failed, visibly.
    Called when `woo worker` starts. rq's own registry cleanup first moves jobs whose worker stopped
    sending heartbeats to 'failed', so a job another live worker is running is left alone."""
    from rq.job import Job as RqJob
    from rq.registry import StartedJobRegistry

    redis = getattr(ctx.queue, "redis", None)
    if redis is None:
        return {"requeued": 0, "failed": 0}
    from woo.adapters.queue import QUEUES

    try:
        for name in QUEUES:
            StartedJobRegistry(name, connection=redis).cleanup()
    except Exception as exc:  # noqa: BLE001 - best effort; the per-job checks below still apply
        log.warning("rq registry cleanup failed: %s", exc)
    counts = {"requeued": 0, "failed": 0}
    with ctx.unit_of_work() as session:
        stuck = session.execute(select(Job).where(Job.status.in_([QUEUED, RUNNING]))).scalars().all()
        candidates = [(j.id, j.rq_id) for j in stuck]
    for job_id, rq_id in candidates:
        alive = False
        if rq_id:
            try:
                status = RqJob.fetch(rq_id, connection=redis).get_status(refresh=True)
                alive = str(status).split(".")[-1].lower() in ("queued", "started", "deferred", "scheduled")
            except Exception:  # noqa: BLE001 - NoSuchJobError and friends: the rq job is gone
                alive = False
        if alive:
            continue
        with ctx.unit_of_work() as session:
            job = session.get(Job, job_id)
            if job is None or job.status not in (QUEUED, RUNNING):
                continue
            if job.attempts >= MAX_RECOVERIES:
                job.status = FAILED
                job.error = "Verwerking steeds afgebroken (worker gestopt); start de taak opnieuw als dat zin heeft."
                audit.record(session, SYSTEM.label, "job.failed", job.document_id, job=job.kind, reason="abandoned")
                counts["failed"] += 1
                continue
            job.status = QUEUED
            audit.record(session, SYSTEM.label, "job.recovered", job.document_id, job=job.kind)
        dispatch(ctx, job_id)
        counts["requeued"] += 1
    return counts
