"""Intake: the one path every document takes into woo (web UI, API, CLI and bulk alike).

Order matters for consistency: spool + hash -> identify -> cheap pre-checks (woo.intake.precheck: a
file the extract job would refuse is refused here, before it takes a queue slot) -> duplicate check ->
put in S3 -> one database transaction (document, file, job, event). If the put fails nothing is written; if the
transaction fails the object just put is removed again, so neither side is left half-done.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from sqlalchemy import select

from woo.adapters.models import Document, Organisation, StoredFile
from woo.domain import text
from woo.domain.lifecycle import Status
from woo.intake import precheck
from woo.intake.identify import RejectedFile, identify, safe_filename
from woo.intake.spool import Spooled, TooLarge, hash_file, spool
from woo.services import audit, jobs
from woo.services.describe import MAX_TITLE
from woo.services.context import Actor, Context


@dataclass
class IngestResult:
    filename: str
    status: str  # accepted / duplicate / rejected
    document_id: str | None = None
    reason: str | None = None  # Dutch, for the officer
    code: str | None = None    # machine-readable rejection code

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


DEFAULT_UNIT = "default"  # ingest(unit=...): the unit new work gets when the uploader does not choose one


def extract_queue(estimate: precheck.Estimate) -> str | None:
    """Job.queue of a new document's extract job: the heavy queue for an expensive one (long or scanned PDF,
    image, very large file), so cheap documents never wait behind it; None: the light queue."""
    from woo.adapters.queue import HEAVY

    return HEAVY if estimate.heavy else None


def object_key(document_id: str) -> str:
    """Random, not derived from the title or file name: keys reveal nothing and cannot be guessed."""
    return f"documents/{document_id}/{uuid.uuid4().hex}"


def ingest(ctx: Context, actor: Actor, organisation_id: int, filename: str, *,
           stream: BinaryIO | None = None, path: Path | None = None, source: str = "ui",
           title: str | None = None, publication_id: str | None = None,
           within: Callable | None = None, unit: int | str | None = DEFAULT_UNIT) -> IngestResult:
    """``within(session, document)``, if given, runs inside the transaction that creates the document (a
    connector writes its remote-id mapping there, so a crash never leaves a document without one).
    ``unit``: DEFAULT_UNIT (its dossier's unit, else the uploader's only unit), None (no unit) or a unit id
    of the organisation (the caller checked the uploader may put work there: organisations.unit_refusal)."""
    try:
        name = safe_filename(filename)
    except RejectedFile as exc:
        return IngestResult(filename, "rejected", reason=exc.reason, code=exc.code)
    if title is not None:
        try:  # the same rule as woo.services.describe: no control characters in a title
            title = text.check_text(title, "De titel")
        except text.InvalidText as exc:
            return IngestResult(name, "rejected", reason=str(exc), code="bad_title")
        if len(title) > MAX_TITLE:  # refused, never cut: the officer's text is kept whole or not taken
            return IngestResult(name, "rejected", code="title_too_long",
                                reason=f"De titel is te lang (meer dan {MAX_TITLE} tekens).")
    limit = ctx.settings.max_upload_bytes
    try:
        spooled = hash_file(path, limit) if path is not None else spool(stream, limit)
    except TooLarge:
        return IngestResult(name, "rejected", code="too_large",
                            reason=f"Bestand is groter dan de toegestane {limit // (1024 * 1024)} MB.")
    try:
        return _ingest_spooled(ctx, actor, organisation_id, name, spooled, source, title, publication_id, within,
                               unit)
    finally:
        spooled.cleanup()


def _ingest_spooled(ctx: Context, actor: Actor, organisation_id: int, name: str, spooled: Spooled,
                    source: str, title: str | None, publication_id: str | None,
                    within: Callable | None = None, unit: int | str | None = DEFAULT_UNIT) -> IngestResult:
    if spooled.size == 0:
        return IngestResult(name, "rejected", code="empty", reason="Het bestand is leeg.")
    try:
        ident = identify(spooled.path, name)
    except RejectedFile as exc:
        return IngestResult(name, "rejected", reason=exc.reason, code=exc.code)
    if not ident.accepted:
        return IngestResult(name, "rejected", reason=ident.reason, code=ident.code or "format_not_allowed")
    try:
        estimate = precheck.check_upload(spooled.path, ident.kind)
    except precheck.Refused as exc:
        return IngestResult(name, "rejected", reason=exc.reason, code=exc.code)

    with ctx.unit_of_work() as session:
        if session.get(Organisation, organisation_id) is None:
            return IngestResult(name, "rejected", code="unknown_organisation",
                                reason="Onbekende organisatie.")
        if isinstance(unit, int) and not _unit_of(session, organisation_id, unit):
            return IngestResult(name, "rejected", code="unknown_unit",
                                reason="Kies een afdeling van deze organisatie.")
        existing = session.execute(
            select(StoredFile.document_id).join(Document)
            .where(StoredFile.sha256 == spooled.sha256, StoredFile.role == "original",
                   Document.organisation_id == organisation_id, Document.status != Status.DESTROYED)
            .limit(1)).scalar_one_or_none()
    if existing:
        return IngestResult(name, "duplicate", document_id=existing,
                            reason="Dit bestand is al eerder opgenomen.")

    document_id = uuid.uuid4().hex
    key = object_key(document_id)

    def rows(session, stored):
        doc = Document(id=document_id, organisation_id=organisation_id, source=source,
                       title=title or Path(name).stem[:MAX_TITLE], status=Status.CONCEPT,
                       format_kind=ident.kind, publication_id=publication_id,
                       created_by=actor.id if actor.kind == "user" else None)
        doc.unit_id = _unit_of_new(session, actor, organisation_id, publication_id) if unit == DEFAULT_UNIT \
            else unit
        session.add(doc)
        session.add(StoredFile(document=doc, role="original", object_key=key,
                               version_id=stored.version_id, filename=name, size=spooled.size,
                               sha256=spooled.sha256, mime_type=ident.mime, puid=ident.puid,
                               format_name=ident.format_name))
        audit.record(session, actor.label, "document.ingested", document_id, filename=name,
                     size=spooled.size, sha256=spooled.sha256, source=source)
        audit.record(session, actor.label, "document.identified", document_id, mime=ident.mime,
                     puid=ident.puid, format=ident.format_name, kind=ident.kind,
                     extension_mismatch=ident.extension_mismatch,
                     **({"route": f"heavy ({estimate.why})"} if estimate.heavy else {}))
        return doc, None

    _store_original(ctx, key, spooled.path, ident.mime, estimate, rows, within)
    return IngestResult(name, "accepted", document_id=document_id)


def _store_original(ctx: Context, key: str, path: Path, mime: str, estimate: precheck.Estimate,
                    rows: Callable, within: Callable | None):
    """The tail ingest and replace_original share: put the file under ``key``, then one transaction with
    ``rows(session, stored)`` (-> the document and a value for the caller), the document's extract job and
    ``within(session, doc)``; the object just put is removed again when that transaction fails (no orphan).
    The job goes to the queue after the commit; its rq id is in its row already (jobs.new_job), so that
    takes no further transaction. Returns the value ``rows`` gave."""
    stored = ctx.store.put_file(key, path, mime)
    try:
        with ctx.unit_of_work() as session:
            doc, value = rows(session, stored)
            job_id = jobs.new_job(session, document_id=doc.id, kind="extract", queue=extract_queue(estimate)).id
            if within is not None:
                within(session, doc)
    except BaseException:
        ctx.store.delete_all_versions(key)
        raise
    jobs.dispatch(ctx, job_id, known=("extract", extract_queue(estimate)))
    return value


def _unit_of(session, organisation_id: int, unit_id: int) -> bool:
    from woo.adapters.models import Unit

    unit = session.get(Unit, unit_id)
    return unit is not None and unit.organisation_id == organisation_id


def _unit_of_new(session, actor: Actor, organisation_id: int, publication_id: str | None) -> int | None:
    """A new document belongs to its dossier's unit, else to the uploader's one unit in the organisation."""
    from woo.adapters.models import Publication
    from woo.services.organisations import default_unit

    if publication_id:
        unit_id = session.execute(select(Publication.unit_id).where(Publication.id == publication_id)).scalar()
        if unit_id is not None:
            return unit_id
    return default_unit(session, actor, organisation_id)


class ReplaceRefused(ValueError):
    """The new file is of a format woo does not take in; the message is Dutch."""


def replace_original(ctx: Context, document_id: str, path: Path, filename: str, sha: str,
                     keep_jobs: tuple[str, ...] = (), within: Callable | None = None) -> None:
    """A document not yet published gets a new original: its renditions, findings, suggestion and jobs start
    over from a fresh text extraction (a source's changed file, a regenerated inventarislijst).

    ``keep_jobs``: kinds whose job rows stay (the job doing the replacing); ``within(session, doc)`` runs in the
    same transaction (the caller's audit event). The old objects are deleted only after the commit."""
    from woo.adapters.models import PrivacyFinding

    ident = identify(path, filename)
    if not ident.accepted:
        raise ReplaceRefused(ident.reason or "Bestandsformaat niet toegestaan.")
    try:
        estimate = precheck.check_upload(path, ident.kind)
    except precheck.Refused as exc:
        raise ReplaceRefused(exc.reason) from exc
    key = object_key(document_id)

    def rows(session, stored):
        doc = session.get(Document, document_id)
        old_keys = [f.object_key for f in doc.files]
        for f in list(doc.files):
            session.delete(f)
        for j in list(doc.jobs):
            if j.kind not in keep_jobs:
                session.delete(j)
        for f in session.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == document_id)).scalars():
            session.delete(f)
        session.flush()
        session.add(StoredFile(document_id=document_id, role="original", object_key=key,
                               version_id=stored.version_id, filename=filename, size=path.stat().st_size,
                               sha256=sha, mime_type=ident.mime, puid=ident.puid, format_name=ident.format_name))
        doc.format_kind = ident.kind
        doc.suggestion = None
        return doc, old_keys

    old_keys = _store_original(ctx, key, path, ident.mime, estimate, rows, within)
    for old in old_keys:
        ctx.store.delete_all_versions(old)
