"""Fixity: re-hash every stored object and compare with the SHA-256 taken at intake.

Chunked and resumable: files are visited in id order, ``chunk`` at a time; after each chunk one transaction
stores the results (``fixity_status.last_checked`` per file, an event per mismatch or missing object) and
moves the run's cursor, so an interrupted run continues where it stopped. Memory stays flat: one chunk of
rows and a few streamed 1 MiB buffers at a time, whatever the number of objects. Objects are hashed by a
small thread pool (the work is waiting on S3). The latest version of each key is hashed: a change behind
our back creates a new version in a versioned bucket, and that is what must be caught.

When the stored files are done, the same pass covers the bucket's archive metadata (``archive_objects``:
MDTO sidecars and state objects, with the checksum taken when woo wrote them): each is re-hashed, and an MDTO
sidecar that no longer parses or validates against MDTO 1.0.1 (a state object that is no JSON) is a failure
too (``invalid``). Finally the bucket is listed once: objects neither table knows are reported (``unknown``;
not a failure by themselves, an upload may be in flight; ``woo fsck`` judges orphans with a grace period).
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from minio.error import S3Error
from sqlalchemy import select

from woo.adapters.models import FixityRun, FixityStatus, StoredFile, utcnow
from woo.services import audit
from woo.services.context import Actor, Context

__all__ = ["FixityReport", "run_fixity", "periodic_fixity", "total_files", "DEFAULT_CHUNK", "DEFAULT_THREADS", "MAX_LISTED"]

DEFAULT_CHUNK = 500
DEFAULT_THREADS = 8
MAX_LISTED = 1000  # keys kept for the report; counts stay exact beyond this


@dataclass
class FixityReport:
    run_id: int = 0
    resumed: bool = False
    checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    mismatch_count: int = 0
    missing_count: int = 0
    finished: bool = False
    metadata_checked: int = 0  # archive metadata objects (sidecars, state) checked at the end of the pass
    invalid: list[str] = field(default_factory=list)  # sidecars that do not parse or validate (MDTO 1.0.1)
    unknown: list[str] = field(default_factory=list)  # objects in the bucket that woo did not record
    unknown_count: int = 0

    @property
    def ok(self) -> bool:
        return not (self.mismatch_count or self.missing_count or self.invalid)


def _hash(store, key: str) -> tuple[str | None, int]:
    digest, size = hashlib.sha256(), 0
    try:
        for chunk in store.iter_chunks(key):
            digest.update(chunk)
            size += len(chunk)
    except S3Error as exc:
        if exc.code in {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}:
            return None, 0
        raise
    return digest.hexdigest(), size


def total_files(ctx: Context, after: int = 0) -> int:
    from sqlalchemy import func

    with ctx.unit_of_work() as session:
        return session.execute(select(func.count(StoredFile.id)).where(StoredFile.id > after)).scalar_one()


def run_fixity(ctx: Context, actor: Actor, *, chunk: int = DEFAULT_CHUNK, threads: int = DEFAULT_THREADS,
               limit: int | None = None, progress=None, on_start=None) -> FixityReport:
    """Check (at most ``limit``) files; resumes an unfinished run. ``on_start(remaining)`` sizes a progress bar."""
    report = FixityReport()
    with ctx.unit_of_work() as session:
        run = session.execute(select(FixityRun).where(FixityRun.status == "running")
                              .order_by(FixityRun.id.desc()).limit(1)).scalar_one_or_none()
        if run is None:
            run = FixityRun(status="running", cursor=0, checked=0, mismatches=0, missing=0)
            session.add(run)
            session.flush()
        else:
            report.resumed = True
        report.run_id, cursor = run.id, run.cursor
    if on_start:
        on_start(total_files(ctx, cursor))
    pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="woo-fixity")
    try:
        while limit is None or report.checked < limit:
            size = chunk if limit is None else min(chunk, limit - report.checked)
            with ctx.unit_of_work() as session:
                rows = session.execute(select(StoredFile.id, StoredFile.object_key, StoredFile.sha256,
                                              StoredFile.size, StoredFile.document_id)
                                       .where(StoredFile.id > cursor).order_by(StoredFile.id).limit(size)).all()
            if not rows:
                report.finished = True
                break
            results = list(pool.map(lambda r: _hash(ctx.store, r.object_key), rows))
            now = utcnow()
            with ctx.unit_of_work() as session:
                run = session.get(FixityRun, report.run_id)
                ids = [r.id for r in rows]
                known = {s.file_id: s for s in session.execute(
                    select(FixityStatus).where(FixityStatus.file_id.in_(ids))).scalars()}
                for row, (sha, got) in zip(rows, results):
                    problem = None
                    if sha is None:
                        problem = "missing"
                        report.missing_count += 1
                        run.missing += 1
                        if len(report.missing) < MAX_LISTED:
                            report.missing.append(row.object_key)
                        audit.record(session, actor.label, "fixity.missing", row.document_id, key=row.object_key,
                                     run=report.run_id)
                    elif sha != row.sha256 or got != row.size:
                        problem = "mismatch"
                        report.mismatch_count += 1
                        run.mismatches += 1
                        if len(report.mismatches) < MAX_LISTED:
                            report.mismatches.append(row.object_key)
                        audit.record(session, actor.label, "fixity.mismatch", row.document_id, key=row.object_key,
                                     expected=row.sha256, actual=sha, expected_size=row.size, actual_size=got,
                                     run=report.run_id)
                    status = known.get(row.id)
                    if status is None:
                        session.add(FixityStatus(file_id=row.id, last_checked=now, ok=problem is None,
                                                 problem=problem))
                    else:
                        status.last_checked, status.ok, status.problem = now, problem is None, problem
                cursor = rows[-1].id
                run.cursor = cursor
                run.checked += len(rows)
            report.checked += len(rows)
            if progress:
                progress(len(rows))
    finally:
        pool.shutdown(wait=True)
    if report.finished:
        _check_metadata(ctx, actor, report, threads)
        with ctx.unit_of_work() as session:
            run = session.get(FixityRun, report.run_id)
            run.status, run.finished_at = "done", utcnow()
            audit.record(session, actor.label, "fixity.checked", None, run=run.id, checked=run.checked,
                         mismatches=run.mismatches, missing=run.missing, resumed=report.resumed,
                         metadata_checked=report.metadata_checked, invalid=len(report.invalid),
                         unknown=report.unknown_count)
            report.mismatch_count, report.missing_count = run.mismatches, run.missing
    return report


def _sidecar_problem(key: str, data: bytes) -> str | None:
    """Why a stored metadata object is not what it must be (Dutch), or None."""
    import json

    from woo.metadata.xsd import validate_mdto

    try:
        if key.endswith(".json"):
            json.loads(data)
        else:
            validate_mdto(data)  # parses with a safe parser, then MDTO 1.0.1
    except Exception as exc:  # XMLSyntaxError, SchemaValidationError, ValueError
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return None


def _fetch(store, key: str) -> bytes | None:
    try:
        return store.get_bytes(key)
    except S3Error as exc:
        if exc.code in {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}:
            return None
        raise


def _check_metadata(ctx: Context, actor: Actor, report: FixityReport, threads: int, batch: int = 500) -> None:
    """Sidecars and state objects: checksum, then parse + MDTO validation; then the unknown objects."""
    import hashlib as _hashlib

    from woo.adapters.models import ArchiveObject, FixityRun as _Run

    last = ""
    known: set[str] = set()
    pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="woo-fixity-meta")
    try:
        while True:
            with ctx.unit_of_work() as session:
                rows = session.execute(select(ArchiveObject.object_key, ArchiveObject.sha256, ArchiveObject.size,
                                              ArchiveObject.document_id).where(ArchiveObject.object_key > last)
                                       .order_by(ArchiveObject.object_key).limit(batch)).all()
            if not rows:
                break
            datas = list(pool.map(lambda r: _fetch(ctx.store, r.object_key), rows))
            with ctx.unit_of_work() as session:
                run = session.get(_Run, report.run_id)
                for row, data in zip(rows, datas):
                    known.add(row.object_key)
                    report.metadata_checked += 1
                    if data is None:
                        report.missing_count += 1
                        run.missing += 1
                        if len(report.missing) < MAX_LISTED:
                            report.missing.append(row.object_key)
                        audit.record(session, actor.label, "fixity.missing", row.document_id, key=row.object_key,
                                     run=report.run_id, kind="metadata")
                        continue
                    sha = _hashlib.sha256(data).hexdigest()
                    if sha != row.sha256 or len(data) != row.size:
                        report.mismatch_count += 1
                        run.mismatches += 1
                        if len(report.mismatches) < MAX_LISTED:
                            report.mismatches.append(row.object_key)
                        audit.record(session, actor.label, "fixity.mismatch", row.document_id, key=row.object_key,
                                     expected=row.sha256, actual=sha, expected_size=row.size, actual_size=len(data),
                                     run=report.run_id, kind="metadata")
                    problem = _sidecar_problem(row.object_key, data)
                    if problem:
                        if len(report.invalid) < MAX_LISTED:
                            report.invalid.append(row.object_key)
                        audit.record(session, actor.label, "fixity.invalid_metadata", row.document_id,
                                     key=row.object_key, problem=problem, run=report.run_id)
            last = rows[-1].object_key
    finally:
        pool.shutdown(wait=True)
    with ctx.unit_of_work() as session:
        files = set(session.execute(select(StoredFile.object_key)).scalars())
    for info in ctx.store.list(""):
        if info.key in files or info.key in known:
            continue
        report.unknown_count += 1
        if len(report.unknown) < MAX_LISTED:
            report.unknown.append(info.key)


def periodic_fixity() -> None:
    """rq entry point for the scheduled full pass (enqueued by woo.services.maintenance when due)."""
    from woo.services.context import SYSTEM, jobs_context

    run_fixity(jobs_context(), SYSTEM)
