"""The facts woo.domain.worklist decides on, read from the database, for one document or a page of them.

Every page, filter, badge and button of the officer UI, the publication gate (publication_blockers) and
the "Mijn werk" counts go through ``assess_documents``; nothing else decides what a document still needs.
"""
from __future__ import annotations

from pathlib import PurePath

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from woo.adapters.models import Document, PrivacyFinding
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


def on_list(session: Session, organisation_ids: set[int] | None, key: str,
            unit_ids: set[int] | None = None) -> list[str]:
    """Ids of the working documents on work list ``key`` (woo.domain.worklist.WORKLISTS), newest first."""
    docs = working_documents(session, organisation_ids, unit_ids)
    assessed = assess_documents(session, docs)
    return [d.id for d in docs if key in assessed[d.id].lists]


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
