"""Background jobs: dispatch to the queue, run with visible state, retry. Handlers are idempotent."""
from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
import re
import time
import traceback
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
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
# OCR is on the way to "ready for review" (a scan's text); PDF/A is not: OCR goes ahead of waiting renditions.
URGENT_HEAVY_KINDS = frozenset({"ocr"})
GENERIC_FAILURE_NL = "Verwerking mislukt door een onverwachte fout; de details staan in het logboek van de worker."


def queue_of(kind: str, routed: str | None = None) -> str:
    """The queue a job runs on: the one it was routed to (Job.queue: an expensive document's extraction,
    a job that took its worker down once), else the one of its kind."""
    from woo.adapters.queue import HEAVY, LIGHT

    if routed:
        return routed
    return HEAVY if kind in HEAVY_KINDS else LIGHT


def _heavy(kind: str, routed: str | None) -> bool:
    from woo.adapters.queue import HEAVY

    return queue_of(kind, routed) == HEAVY


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


# While a job runs (see run), the light jobs it queues for its document are collected here and run next in
# the same process instead of going through Redis: no queue round trip, no re-import in a fresh work-horse,
# and the objects the first job read or wrote (original, text) are still in memory (adapters.readcache).
class _Chain:
    def __init__(self):
        self.ids: list[int] = []          # follow-ups to run next, in order
        self.kinds: dict[int, str] = {}   # job id -> kind of the rows add_job made in this chain
        self.rq_id = current_rq_id()     # the rq job running the chain (None outside rq)
        self.document_id: str | None = None  # the document of its first job (read when that job starts)
        self.new: dict[int, tuple[str, None]] = {}  # other rows add_job made (heavy kinds): (kind, routed)
        self.after: bool | None = None  # read by the chain's last transaction: may its document go out now?


_CHAIN: ContextVar[_Chain | None] = ContextVar("woo_job_chain", default=None)


def current_rq_id() -> str | None:
    try:
        from rq import get_current_job

        current = get_current_job()
    except Exception:  # noqa: BLE001 - not inside an rq job (tests, benchmarks, inline queue)
        return None
    return current.id if current is not None else None


def rq_job_id(job_id: int, attempt: int) -> str:
    """The rq job id of a job's attempt (so a re-dispatch of the same attempt is the same rq job)."""
    return f"woo-job-{job_id}-{attempt}"


def yields_to_light(ctx: Context, rq_id: str) -> bool:
    """Whether the rq job ``rq_id`` on the heavy queue is work nobody waits for on the way to "ready for
    review" (a PDF/A rendition), which the heavy worker puts behind waiting light jobs
    (woo.worker.pdfa_yielding_worker). Not a document job's rq id (a transfer package): False."""
    match = _RQ_ID.fullmatch(rq_id)
    if match is None:
        return False
    with ctx.unit_of_work() as session:
        kind = session.execute(select(Job.kind).where(Job.id == int(match.group(1)))).scalar()
    return kind in HEAVY_KINDS and kind not in URGENT_HEAVY_KINDS


_RQ_ID = re.compile(r"woo-job-(\d+)-\d+")


def new_job(session, **columns) -> Job:
    """A new job row whose rq id is recorded at once (``rq_job_id`` of attempt 0): its dispatch after the
    commit (``dispatch(ctx, job.id, known=...)``) then needs no transaction of its own."""
    job = Job(**columns)
    session.add(job)
    session.flush()
    job.rq_id = rq_job_id(job.id, 0)
    return job


def dispatch(ctx: Context, job_id: int, known: tuple[str, str | None] | None = None) -> None:
    """Hand a job to the queue after its row is committed; a queue outage is shown, not lost.
    Inside a running job a light follow-up runs next in this process (see run); its row stays 'queued'
    until then, carrying the rq id of the job that runs it, so recover() leaves it alone while that job
    lives and queues it again when its worker died first.
    ``known``: (kind, routed queue) of a row made by new_job and not run yet, whose rq id is in it already."""
    chain = _CHAIN.get()
    if chain is not None and job_id in chain.kinds:
        chain.ids.append(job_id)  # made by add_job in this chain: kind and rq id are already in its row
        return
    if known is None and chain is not None:
        known = chain.new.pop(job_id, None)
    if known:
        attempt, kind, routed, recorded = 0, *known, rq_job_id(job_id, 0)
    else:
        attempt, kind, routed, recorded = _attempt(ctx, job_id)
    if chain is not None and kind and not _heavy(kind, routed):
        chain.ids.append(job_id)
        if chain.rq_id:
            with ctx.unit_of_work() as session:
                job = session.get(Job, job_id)
                if job:
                    job.rq_id = chain.rq_id
        return
    try:
        # OCR, and a light kind routed to the heavy queue (a long or scanned document's text layer), are on
        # the way to "ready for review": ahead of the PDF/A renditions nobody waits for.
        urgent = kind in URGENT_HEAVY_KINDS or (kind not in HEAVY_KINDS and _heavy(kind, routed))
        rq_id = ctx.queue.enqueue("woo.worker.run_job", job_id, job_id=rq_job_id(job_id, attempt),
                                  queue=queue_of(kind, routed), **({"at_front": True} if urgent else {}))
    except Exception as exc:  # Redis down: keep the job visible as failed so it can be retried
        log.warning("could not enqueue job %s: %s", job_id, exc)
        with ctx.unit_of_work() as session:
            job = session.get(Job, job_id)
            if job and job.status == QUEUED:
                job.status, job.error = FAILED, "Wachtrij niet bereikbaar (Redis); start de taak later opnieuw."
        return
    if rq_id and rq_id != recorded:
        with ctx.unit_of_work() as session:
            job = session.get(Job, job_id)
            if job:
                job.rq_id = rq_id


def _attempt(ctx: Context, job_id: int) -> tuple[int, str, str | None, str | None]:
    with ctx.unit_of_work() as session:
        job = session.get(Job, job_id)
        return (job.attempts, job.kind, job.queue, job.rq_id) if job else (0, "", None, None)


def run(ctx: Context, job_id: int) -> str:
    """Run one job, then the light jobs it queued (text layer -> privacy scan, classification), in this
    process with one read cache for the objects they share; returns the first job's final status.
    Safe to call twice: a done job is not run again."""
    if _CHAIN.get() is not None:  # called from inside a job (inline queue): it joins that chain
        return _finish(ctx, *_run_one(ctx, job_id))
    from woo.adapters.readcache import ReadCache

    from woo.services import worklist

    chain_ctx = ctx if isinstance(ctx.store, ReadCache) else dataclasses.replace(ctx, store=ReadCache(ctx.store))
    chain = _Chain()
    token = _CHAIN.set(chain)
    changed: set = set()
    try:
        with worklist.deferred() as changed:  # the work list is assessed once, by the chain's last transaction
            status, done = _run_one(chain_ctx, job_id)
            first = status if done is None else DONE
            while chain.ids:  # the next job's start and the previous one's end: one transaction
                status, done = _run_one(chain_ctx, chain.ids.pop(0), done_before=done)
        _finish(chain_ctx, status, done, changed, chain)
        changed = set()
        if chain.after is not False:  # not read, or a dossier's or organisation's document
            _after_chain(ctx, job_id, chain.document_id)
    finally:
        _CHAIN.reset(token)
        if changed:  # the chain broke off: its documents are assessed all the same
            try:
                _finish(ctx, "", None, changed)
            except Exception:  # noqa: BLE001 - the error that broke the chain is what is raised
                log.exception("work list of job %s's chain not assessed", job_id)
        for left in chain.ids:  # only when the loop itself broke off: hand them to the queue
            chain.kinds.pop(left, None)
            dispatch(ctx, left)
    return first


def _after_chain(ctx: Context, job_id: int, document_id: str | None = None) -> None:
    """A late document of a published dossier, and an organisation's bereikbaarheidsgegevens, go out once
    their jobs are done and they pass the gate."""
    if document_id is None:  # the first job was done already or gone: nothing was read when it started
        with ctx.unit_of_work() as session:
            job = session.get(Job, job_id)
            document_id = job.document_id if job else None
    if not document_id:
        return
    from woo.services import contact_details, dossiers

    try:
        dossiers.publish_late_for_document(ctx, document_id)
        contact_details.publish_when_ready(ctx, document_id)  # an organisation's bereikbaarheidsgegevens
    except Exception:  # noqa: BLE001 - the job itself succeeded; the dossier page shows what blocks
        log.exception("late publication after job %s failed", job_id)


def _finish(ctx: Context, status: str, done: int | None, changed=(), chain: _Chain | None = None) -> str:
    """Mark the last job of a chain done and assess the documents the chain changed (worklist.deferred).
    With ``chain``: also read, in the same transaction, whether _after_chain has anything to look at."""
    from woo.services import worklist

    if done is not None or changed:
        with ctx.unit_of_work() as session:
            if done is not None:
                _mark_done(session, done)
            worklist.note(session, changed)
            if chain is not None and chain.document_id:
                chain.after = _may_go_out(session, chain.document_id)
    return DONE if done is not None else status


def _may_go_out(session, document_id: str) -> bool:
    """Whether _after_chain's hooks can apply: only a document of a dossier (a late one of a published
    dossier) or an organisation's bereikbaarheidsgegevens document; each hook checks the rest itself."""
    from woo.adapters.models import Document
    from woo.services.contact_details import SOURCE

    doc = session.get(Document, document_id)
    return doc is not None and (doc.publication_id is not None or doc.source == SOURCE)


def _mark_done(session, job_id: int) -> None:
    job = session.get(Job, job_id)
    if job is not None:
        job.status = DONE


def _run_one(ctx: Context, job_id: int, done_before: int | None = None) -> tuple[str, int | None]:
    """Start and run one job. Returns (status, None) when it failed or had nothing to do, and (RUNNING,
    job id) when its handler succeeded: the caller marks it done (with the next job's start)."""
    with ctx.unit_of_work() as session:
        if done_before is not None:
            _mark_done(session, done_before)
        job = session.get(Job, job_id)
        if job is None or job.status == DONE:
            return (job.status if job else "missing"), None
        job.status, job.error, job.attempts = RUNNING, None, job.attempts + 1
        kind, document_id = job.kind, job.document_id
    chain = _CHAIN.get()
    if chain is not None and chain.document_id is None:
        chain.document_id = document_id
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
        return FAILED, None
    return RUNNING, job_id


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
            "queue": queue_of(j.kind, j.queue), "attempts": j.attempts, "error": j.error, "since": j.updated_at,
            "created_at": j.created_at, "running_minutes": running_for(j)} for j, title in rows]
    out.sort(key=lambda r: (order[r["status"]], -(r["running_minutes"] or 0)))
    return out


def add_job(session, document_id: str, kind: str) -> Job:
    """A new job row for a document, unless one of that kind is already waiting or running."""
    job = session.execute(select(Job).where(Job.document_id == document_id, Job.kind == kind,
                                            Job.status.in_([QUEUED, RUNNING]))).scalar_one_or_none()
    if job is None:
        chain = _CHAIN.get()
        if chain is not None and kind not in HEAVY_KINDS:  # runs next in this chain, under its rq job
            job = Job(document_id=document_id, kind=kind, rq_id=chain.rq_id)
            session.add(job)
            session.flush()
            chain.kinds[job.id] = kind
        else:
            job = new_job(session, document_id=document_id, kind=kind)
            if chain is not None:
                chain.new[job.id] = (kind, None)
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


def _dequeued_and_dropped(redis, rq_job, settle: float = 2.0, min_age: float = 30.0) -> bool:
    """An rq job still 'queued' that is in no queue list: a worker on several queues takes a job with a
    plain BLPOP (rq keeps no intermediate copy then) and was killed before it marked the job started, so
    nothing will ever run it. A live worker marks a taken job started within milliseconds, so the job is
    looked at twice, ``settle`` seconds apart, and only when it was enqueued ``min_age`` seconds ago."""
    from datetime import datetime, timezone

    from rq import Queue

    enqueued = rq_job.enqueued_at
    if enqueued is not None:
        if enqueued.tzinfo is None:
            enqueued = enqueued.replace(tzinfo=timezone.utc)
        if (datetime.now(timezone.utc) - enqueued).total_seconds() < min_age:
            return False
    queue = Queue(rq_job.origin, connection=redis)
    keys = (queue.key, queue.intermediate_queue_key)

    def listed() -> bool:
        return any(redis.lpos(key, rq_job.id) is not None for key in keys)

    if listed():
        return False
    time.sleep(settle)
    return not listed() and str(rq_job.get_status(refresh=True)).split(".")[-1].lower() == "queued"


def _worker_dead(redis, worker_name: str | None) -> bool:
    """The rq worker that started a job is known to be gone: its registration says it died, or it ran on
    this host and its process no longer exists (or the pid now belongs to a process started after that
    worker registered). rq's started-job registry only gives up on a job when its timeout (an hour) has
    passed; a worker killed mid-job is restarted by `woo up` within seconds, and its job should not wait.
    A worker on another host is left to rq's registry (its pid says nothing here)."""
    import socket

    if not worker_name:
        return False
    data = {k.decode(): v.decode() for k, v in (redis.hgetall(f"rq:worker:{worker_name}") or {}).items()}
    if not data:
        return False  # expired or never seen: rq's registry cleanup decides
    if data.get("death"):
        return True
    if data.get("hostname") != socket.gethostname() or not data.get("pid", "").isdigit():
        return False
    pid = int(data["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists (another user's process)
    born = data.get("birth")
    started = _process_started(pid)
    if born and started is not None:
        try:
            birth = datetime.fromisoformat(born.replace("Z", "+00:00"))
        except ValueError:
            return False
        if birth.tzinfo is None:
            birth = birth.replace(tzinfo=timezone.utc)
        return started > birth.timestamp() + 5  # the pid was reused by a later process
    return False


def _process_started(pid: int) -> float | None:
    """Unix time a process started (Linux /proc), None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/stat") as fh:
            btime = next(int(line.split()[1]) for line in fh if line.startswith("btime"))
        return btime + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def cleanup_registries(redis) -> None:
    """rq's own registry cleanup: jobs whose worker stopped sending heartbeats (or whose timeout passed) are
    moved to 'failed', so the checks of ``rq_alive`` see them as gone."""
    from rq.registry import StartedJobRegistry

    from woo.adapters.queue import QUEUES

    try:
        for name in QUEUES:
            StartedJobRegistry(name, connection=redis).cleanup()
    except Exception as exc:  # noqa: BLE001 - best effort; the per-job checks still apply
        log.warning("rq registry cleanup failed: %s", exc)


def rq_alive(redis, rq_id: str | None, heartbeat_grace: timedelta | None = None) -> bool:
    """Whether the rq job ``rq_id`` will still run or is running: it exists, is waiting (and really in its
    queue) or started by a worker that is not known to be gone. The one liveness check of every recovery
    (document jobs here, transfer packages in services.transfer, sync chains in services.sources).
    ``heartbeat_grace``: a started job also counts as dead once its last heartbeat is older than that."""
    from rq.job import Job as RqJob

    if not rq_id:
        return False
    try:
        rq_job = RqJob.fetch(rq_id, connection=redis)
        status = str(rq_job.get_status(refresh=True)).split(".")[-1].lower()
        if status == "queued" and _dequeued_and_dropped(redis, rq_job):
            return False
        if status == "started" and _worker_dead(redis, rq_job.worker_name):
            return False
        beat = getattr(rq_job, "last_heartbeat", None)
        if status == "started" and heartbeat_grace is not None and beat is not None:
            beat = beat if beat.tzinfo else beat.replace(tzinfo=timezone.utc)
            return datetime.now(timezone.utc) - beat < heartbeat_grace
        return status in ("queued", "started", "deferred", "scheduled")
    except Exception:  # noqa: BLE001 - NoSuchJobError and friends: the rq job is gone
        return False


def recover(ctx: Context) -> dict[str, int]:
    """Jobs left 'queued'/'running' whose rq job is gone or dead (a worker was killed mid-job, Redis lost
    its data) are queued again; after MAX_RECOVERIES attempts they are marked failed, visibly.
    Called when `woo worker` starts. rq's own registry cleanup first moves jobs whose worker stopped
    sending heartbeats to 'failed', so a job another live worker is running is left alone."""
    redis = getattr(ctx.queue, "redis", None)
    if redis is None:
        return {"requeued": 0, "failed": 0}
    cleanup_registries(redis)
    counts = {"requeued": 0, "failed": 0}
    with ctx.unit_of_work() as session:
        stuck = session.execute(select(Job).where(Job.status.in_([QUEUED, RUNNING]))).scalars().all()
        candidates = [(j.id, j.rq_id) for j in stuck]
    for job_id, rq_id in candidates:
        if rq_alive(redis, rq_id):
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
            if job.status == RUNNING and not _heavy(job.kind, job.queue):
                # it was running when its worker died or rq's timeout killed it: whatever the estimate said,
                # this file is not cheap, so its next attempt must not hold a light worker again
                from woo.adapters.queue import HEAVY

                job.queue = HEAVY
            job.status = QUEUED
            audit.record(session, SYSTEM.label, "job.recovered", job.document_id, job=job.kind)
        dispatch(ctx, job_id)
        counts["requeued"] += 1
    return counts
