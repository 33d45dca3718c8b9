"""The facts woo.domain.worklist decides on, read from the database, for one document or a page of them.

Every page, filter, badge and button of the officer UI, the publication gate (publication_blockers) and
the work lists go through ``assess_documents``; nothing else decides what a document still needs.

The work lists are also kept as rows (``worklist_entries``): a class-level SQLAlchemy hook notes every
document whose row, files, jobs or privacy findings a transaction changes, and just before the commit
assesses those documents again and rewrites their rows (``refresh``). The "Mijn werk" counts, the lists
behind them and the dashboard's waiting figures (``waiting``, ``on_list``) are then indexed queries, never
an assessment of the whole backlog. Working documents without rows (after the migration, or rows written
outside the ORM) are assessed the first time they are counted; `woo report recount` assesses them all.
"""
from __future__ import annotations

from pathlib import PurePath

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterator

from sqlalchemy import delete, event, exists, func, select
from sqlalchemy.orm import Session, selectinload

from woo.adapters.models import Document, Job, PrivacyFinding, StoredFile, WorklistEntry, new_id
from woo.domain import tooi, worklist
from woo.domain.lifecycle import Status

OPEN = "open"
PROPOSED_OFFICIAL = "ambtsdrager"  # woo.services.privacy.PROPOSED_OFFICIAL (that module imports this one)
# How many documents in progress the work lists look at (the working set, not the published archive).
WORKING_SET_LIMIT = 20_000


def title_checked(doc: Document) -> bool:
    """A person chose the public title: confirmed in the metadata, or given at intake (not the file name)."""
    confirmed = (doc.metadata_ or {}).get("confirmed") or {}
    if confirmed.get("title"):
        return True
    original = doc.file("original")
    if original is None or not (doc.title or "").strip() or (doc.metadata_ or {}).get("title_from_file"):
        return False
    return doc.title != PurePath(original.filename or "").stem


def date_known(doc: Document) -> bool:
    """The document's own date is known with its handeling (confirmed, or a sure suggestion from the text):
    the DiWoo record needs one, and the upload time is no such date."""
    from woo.metadata.suggest import effective_values

    if doc.document_date is not None:  # given by a person: an inventory's Datum column, a confirmed date
        return True
    values = effective_values(doc)
    return any(values.get(f"date.{h}") for h in ("vaststelling", "ondertekening", "ontvangst"))


def facts(doc: Document, findings: list[tuple[str, str, str | None]]) -> worklist.DocumentFacts:
    """``findings``: (decision, type, location) of each privacy finding of the document."""
    from woo.archive.pdfa import REDACTABLE_KINDS
    from woo.services.jobs import KIND_LABELS_NL
    from woo.services.publication import harvestable_format, public_file

    meta = doc.metadata_ or {}
    stored = public_file(doc)
    original = doc.file("original")
    is_pdf = original is not None and original.mime_type == "application/pdf"
    open_text = sum(d == OPEN and loc is None for d, _, loc in findings)
    # the file name is not published (the download name comes from the title): its findings inform only
    open_meta = sum(d == OPEN and loc in ("title", "metadata") for d, _, loc in findings)
    redact_text = any(d == "redact" and t != "hidden" and loc is None for d, t, loc in findings)
    # another format with something to redact goes out as its redacted PDF rendition (woo.services.privacy)
    redact_any = any(d == "redact" and loc is None for d, _, loc in findings)
    renderable = doc.format_kind in REDACTABLE_KINDS
    return worklist.DocumentFacts(
        status=doc.status,
        category_confirmed=doc.status != Status.CONCEPT and tooi.category_by_uri(doc.category) is not None,
        jobs=tuple(worklist.JobFact(j.kind, j.status, j.error, KIND_LABELS_NL.get(j.kind, j.kind))
                   for j in doc.jobs),
        title_checked=title_checked(doc),
        date_known=date_known(doc),
        language_known=bool(doc.language),
        scan_overridden=bool(meta.get("privacy_override")),
        open_findings=open_text,
        open_metadata_findings=open_meta,
        proposed_officials=sum(d == PROPOSED_OFFICIAL and loc is None for d, _, loc in findings),
        has_public_file=stored is not None,
        public_mime=stored.mime_type if stored else None,
        public_format_harvestable=stored is not None and harvestable_format(stored) is not None,
        redactions_need_pdf=original is not None and not is_pdf and redact_text and not renderable,
        rendition_missing=doc.file("redacted") is None and (
            is_pdf or (original is not None and renderable and redact_any)),
        redaction_incomplete=tuple(meta.get("redaction_incomplete") or ()),
        redact_in_rendition=original is not None and not is_pdf and renderable and redact_any,
    )


def _findings_of(session: Session, ids: list[str]) -> dict[str, list[tuple[str, str, str | None]]]:
    out: dict[str, list] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = session.execute(select(PrivacyFinding.document_id, PrivacyFinding.decision, PrivacyFinding.type,
                                      PrivacyFinding.location, func.count())
                               # a pending correction's findings gate the correction (woo.services.correction)
                               .where(PrivacyFinding.document_id.in_(chunk), PrivacyFinding.file_role.is_(None))
                               .group_by(PrivacyFinding.document_id, PrivacyFinding.decision,
                                         PrivacyFinding.type, PrivacyFinding.location))
        for doc_id, decision, type_, location, n in rows:
            out[doc_id].extend([(decision, type_, location)] * n)
    return out


def assess_documents(session: Session, docs: list[Document]) -> dict[str, worklist.Assessment]:
    """Document id -> its assessment (one findings query per 500 documents)."""
    found = _findings_of(session, [d.id for d in docs])
    return {d.id: worklist.assess(facts(d, found[d.id])) for d in docs}


def assess_document(session: Session, doc: Document) -> worklist.Assessment:
    return assess_documents(session, [doc])[doc.id]


def working_documents(session: Session, organisation_ids: set[int] | None,
                      unit_ids: set[int] | None = None) -> list[Document]:
    """Documents still on their way to publication (concept, ready), newest first; ``unit_ids``: only
    those units' work and work of no unit (woo.services.documents.unit_clause)."""
    stmt = (select(Document).where(Document.status.in_([s.value for s in worklist.WORKING_STATUSES]))
            .options(selectinload(Document.files), selectinload(Document.jobs))
            .order_by(Document.created_at.desc(), Document.id).limit(WORKING_SET_LIMIT))
    if organisation_ids is not None:
        stmt = stmt.where(Document.organisation_id.in_(organisation_ids))
    if unit_ids is not None:
        from woo.services.documents import unit_clause

        stmt = stmt.where(unit_clause(unit_ids))
    return list(session.execute(stmt).scalars())


def documents_by_id(session: Session, ids: list[str]) -> list[Document]:
    """These documents with their files and jobs (for assessing), in the order of ``ids``."""
    found = {d.id: d for d in session.execute(select(Document).where(Document.id.in_(ids)).options(
        selectinload(Document.files), selectinload(Document.jobs))).scalars()} if ids else {}
    return [found[i] for i in ids if i in found]


def on_list(session: Session, organisation_ids: set[int] | None, key: str,
            unit_ids: set[int] | None = None, limit: int = WORKING_SET_LIMIT) -> list[str]:
    """Ids of the working documents on work list ``key`` (woo.domain.worklist.WORKLISTS), newest first;
    ``unit_ids``: only those units' work and work of no unit (woo.services.documents.unit_clause)."""
    _heal(session, organisation_ids)
    e = WorklistEntry
    stmt = (select(e.document_id).where(e.list_key == key, *_of(organisation_ids, unit_ids))
            .order_by(e.created_at.desc(), e.document_id).limit(limit))
    return list(session.execute(stmt).scalars())


# --------------------------------------------------------------------------- the work lists as rows

@dataclass(frozen=True)
class ListFigure:
    """One work list: how many documents wait on it, and for how long (whole days since their upload)."""
    key: str
    n: int
    oldest_days: int | None = None
    median_days: float | None = None


def _of(organisation_ids, unit_ids: set[int] | None = None) -> list:
    where = [] if organisation_ids is None else [WorklistEntry.organisation_id.in_(list(organisation_ids))]
    if unit_ids is not None:
        from woo.services.documents import unit_clause
        where.append(WorklistEntry.document_id.in_(select(Document.id).where(unit_clause(unit_ids))))
    return where


def _aware(value) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def _age(today: date, created) -> int:
    created = _aware(created)
    return max((today - created.date()).days, 0) if created else 0


def waiting(session: Session, organisation_ids: set[int] | None, today: date,
            unit_ids: set[int] | None = None) -> dict[str, ListFigure]:
    """Per work list (every key of woo.domain.worklist.WORKLISTS): the documents on it, the oldest one's
    age and the median age in days. One grouped count over the index, and per list a read of the one or
    two middle rows (the ages are ordered as the upload times are)."""
    from woo.domain.dashboard import median

    _heal(session, organisation_ids)
    e = WorklistEntry
    where = _of(organisation_ids, unit_ids)
    found = {key: (int(n), oldest) for key, n, oldest in session.execute(
        select(e.list_key, func.count(), func.min(e.created_at)).where(*where).group_by(e.list_key))}
    out = {}
    for key in worklist.WORKLISTS:
        n, oldest = found.get(key, (0, None))
        if not n:
            out[key] = ListFigure(key, 0)
            continue
        middle = list(session.execute(select(e.created_at).where(e.list_key == key, *where)
                                      .order_by(e.created_at.desc()).offset((n - 1) // 2)
                                      .limit(2 if n % 2 == 0 else 1)).scalars())
        ages = [_age(today, c) for c in middle]
        out[key] = ListFigure(key, n, _age(today, oldest), median(ages))
    return out


def _unindexed(session: Session, organisation_ids: set[int] | None) -> list[str]:
    """Working documents without work-list rows. One query per organisation and status, each an equality on
    an index: with IN lists SQLite's planner scans the whole published archive."""
    statuses = sorted(s.value for s in worklist.WORKING_STATUSES)
    orgs = [None] if organisation_ids is None else sorted(organisation_ids)
    missing: list[str] = []
    for org_id in orgs:
        for status in statuses:
            stmt = select(Document.id).where(Document.status == status, ~exists().where(
                WorklistEntry.document_id == Document.id))
            if org_id is not None:
                stmt = stmt.where(Document.organisation_id == org_id)
            missing += session.execute(stmt).scalars()
    return missing


def _heal(session: Session, organisation_ids: set[int] | None) -> None:
    missing = _unindexed(session, organisation_ids)
    if missing:
        refresh(session, missing)


def refresh(session: Session, document_ids) -> None:
    """Assess these documents again and rewrite their work-list rows (none for a document that is not
    working or no longer exists). The documents are locked first (PostgreSQL), so two transactions changing
    one document (two of its jobs finishing at once) assess it one after the other, each seeing the other's
    committed change."""
    table = WorklistEntry.__table__
    ids = sorted(set(document_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        docs = list(session.execute(
            select(Document).where(Document.id.in_(chunk)).order_by(Document.id)
            .options(selectinload(Document.files), selectinload(Document.jobs))
            .with_for_update().execution_options(populate_existing=True)).scalars())
        working = [d for d in docs if Status(d.status) in worklist.WORKING_STATUSES]
        found = _findings_of(session, [d.id for d in working])
        rows = [{"document_id": d.id, "list_key": key, "organisation_id": d.organisation_id,
                 "created_at": d.created_at}
                for d in working for key in sorted(worklist.assess(facts(d, found[d.id])).lists)]
        session.execute(delete(table).where(table.c.document_id.in_(chunk)))
        if rows:
            session.execute(table.insert(), rows)


def reindex(session: Session, organisation_ids: set[int] | None = None) -> int:
    """Assess every working document again (`woo report recount`, a rebuild from storage); returns the
    number of work-list rows."""
    e = WorklistEntry
    session.execute(delete(e).where(*_of(organisation_ids)))
    _heal(session, organisation_ids)
    return session.execute(select(func.count()).select_from(e).where(*_of(organisation_ids))).scalar_one()


_DIRTY = "woo_worklist_dirty"
_installed = False


def _document_of(obj) -> str | None:
    if isinstance(obj, Document):
        if obj.id is None:
            obj.id = new_id()  # the column default, set now so it can be noted
        return obj.id
    if isinstance(obj, (StoredFile, Job)):
        if obj.document_id:
            return obj.document_id
        return obj.document.id if obj.document is not None else None
    if isinstance(obj, PrivacyFinding):
        return obj.document_id
    return None


def _before_flush(session: Session, flush_context, instances) -> None:
    ids = set()
    with session.no_autoflush:
        for obj in list(session.new) + list(session.deleted):
            ids.add(_document_of(obj))
        for obj in session.dirty:
            if isinstance(obj, (Document, StoredFile, Job, PrivacyFinding)) and \
                    session.is_modified(obj, include_collections=False):
                ids.add(_document_of(obj))
    ids.discard(None)
    if ids:
        session.info.setdefault(_DIRTY, set()).update(ids)


# While one worker runs a document's chain of jobs (woo.services.jobs.run: text layer, privacy scan,
# classification, each started and finished in its own transaction), the documents those transactions change
# are collected here instead of being assessed at every commit: the chain assesses them once, in its last
# transaction. The rows are the same as after assessing at every step (refresh recomputes them from the
# document), without six intermediate states that lived for milliseconds.
_DEFERRED: ContextVar[set | None] = ContextVar("woo_worklist_deferred", default=None)


@contextmanager
def deferred() -> Iterator[set]:
    """Collect the changed documents of the transactions in this block (see _DEFERRED); the caller passes
    the set to ``note`` in a transaction of its own after the block."""
    held: set = set()
    token = _DEFERRED.set(held)
    try:
        yield held
    finally:
        _DEFERRED.reset(token)


def note(session: Session, document_ids) -> None:
    """Have this transaction assess these documents when it commits."""
    ids = set(document_ids) - {None}
    if ids:
        session.info.setdefault(_DIRTY, set()).update(ids)


def _before_commit(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this hook: what is pending notes its documents now
    pending = session.info.get(_DIRTY)
    held = _DEFERRED.get()
    if held is not None and pending:
        held.update(pending)
        pending.clear()
        return
    while pending:
        ids = list(pending)
        pending.clear()
        refresh(session, ids)
        session.flush()


def _forget(session: Session, *args) -> None:
    session.info.pop(_DIRTY, None)


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _forget)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True


install()


def progress(session: Session, doc: Document) -> dict:
    """The processing steps of one document and what it needs next, for the pages' live progress (JSON)."""
    from woo.domain.lifecycle import LABELS_NL as STATUS_LABELS
    from woo.services.jobs import KIND_LABELS_NL, LABELS_NL

    steps = []
    for j in sorted(doc.jobs, key=lambda j: (j.created_at, j.id)):
        label = LABELS_NL.get(j.status, j.status)
        if j.kind == "preserve" and j.status == "done" and doc.file("pdfa") is None:
            label = "Niet nodig: dit formaat wordt bewaard zoals het is"
        steps.append({"id": j.id, "kind": j.kind, "label": KIND_LABELS_NL.get(j.kind, j.kind), "status": j.status,
                      "status_label": label, "error": j.error})
    assessment = assess_document(session, doc)
    key, badge = assessment.badge
    return {"document_id": doc.id, "status": doc.status, "status_label": STATUS_LABELS.get(Status(doc.status), doc.status),
            "steps": steps, "busy": any(s["status"] in ("queued", "running") for s in steps),
            "badge": {"key": key, "label": badge}, "needs": [n.label for n in assessment.needs]}
