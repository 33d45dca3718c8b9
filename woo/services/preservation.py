"""Sustainable accessibility: PDF/A renditions (rq job "preserve") and MDTO sidecars in the bucket.

``preserve_document`` makes the PDF/A-2b rendition of a PDF or office original (kept unchanged) and records
the conversion as an event (tools, versions, outcome); a failure is a visible failed job with a Dutch reason.
``describe_document`` writes the document's MDTO informatieobject, its state object and one MDTO bestand per
stored file next to the objects; ``describe_pending`` does so for every document noted in the outbox.
"""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from woo.adapters.models import (ArchiveObject, ArchiveOutbox, Document, DossierDocument, Event, Organisation,
                                 PrivacyFinding, Publication, StoredFile, utcnow)
from woo.adapters.objectstore import local_copy
from woo.archive import outbox  # noqa: F401  (installs the outbox hook)
from woo.archive import pdfa, sidecars
from woo.archive.sidecars import DocumentFacts, DossierFacts, EventFacts, FileFacts
from woo.domain import tooi
from woo.intake.spool import hash_file
from woo.services import audit, jobs
from woo.services.context import SYSTEM, Context

__all__ = ["preserve_document", "describe_document", "describe_pending", "describe_all", "document_facts",
           "dossier_facts", "describe_dossier"]

PDFA_MIME = "application/pdf"


# --------------------------------------------------------------------------- PDF/A


def _identify_pdfa(path: Path) -> tuple[str, str]:
    from woo.intake.identify import pronom

    # siegfried's shared child when the worker started one (woo.worker: no Go runtime load per horse)
    puid = pronom(path)[0] or "fmt/477"  # identification is informative; the validator already spoke
    names = {"fmt/476": "PDF/A-2a", "fmt/477": "PDF/A-2b", "fmt/478": "PDF/A-2u", "fmt/95": "PDF/A-1a",
             "fmt/354": "PDF/A-1b"}
    return puid, names.get(puid, "Acrobat PDF/A - Portable Document Format")


def preserve_document(ctx: Context, document_id: str) -> None:
    """The "preserve" job: a PDF/A-2b rendition (role "pdfa") of the original, if it is a PDF or office file,
    or a text, HTML or mail file in which something is to be redacted (woo.services.privacy redacts in it)."""
    from woo.services import privacy

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        original = jobs.original_of(doc)
        kind, key, version, filename = doc.format_kind, original.object_key, original.version_id, original.filename
        source_sha = original.sha256
        existing = doc.file("pdfa")
        if existing is not None and (doc.metadata_ or {}).get("pdfa_source_sha256") == source_sha:
            return  # idempotent: this original already has its PDF/A
        for_redaction = kind in pdfa.RENDERED_KINDS and privacy.needs_redacted_rendition(session, doc)
        text_file = doc.file("text") if kind in pdfa.FROM_TEXT_KINDS else None
        text_ref = (text_file.object_key, text_file.version_id) if text_file is not None else None
    if not pdfa.convertible(kind) and not for_redaction:
        return  # images, mail, text: no PDF/A rendition (their own formats are preserved as they are)
    text = ctx.store.get_bytes(*text_ref).decode("utf-8", "replace") if text_ref else None

    with local_copy(ctx.store, key, version, Path(filename).suffix.lower(), "woo-preserve-") as local:
        result = pdfa.to_pdfa(local, kind, local.parent, text=text)
        steps = [s.as_dict() for s in result.steps]
        if not result.ok:
            with ctx.unit_of_work() as session:
                audit.record(session, SYSTEM.label, "document.preserve_failed", document_id,
                             reason=result.reason, steps=steps, source_sha256=source_sha)
            raise jobs.JobFailed(f"PDF/A-omzetting mislukt: {result.reason} Het origineel blijft ongewijzigd bewaard.")
        spooled = hash_file(result.path, ctx.settings.max_upload_bytes)
        puid, fmt_name = _identify_pdfa(result.path)
        new_key = f"documents/{document_id}/{uuid.uuid4().hex}"
        stored = ctx.store.put_file(new_key, result.path, PDFA_MIME)
    try:
        with ctx.unit_of_work() as session:
            doc = session.get(Document, document_id)
            old = doc.file("pdfa")
            old_key = old.object_key if old is not None else None
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(StoredFile(document=doc, role="pdfa", object_key=new_key, version_id=stored.version_id,
                                   filename=Path(filename).stem + ".pdfa.pdf", size=spooled.size,
                                   sha256=spooled.sha256, mime_type=PDFA_MIME, puid=puid, format_name=fmt_name))
            meta = dict(doc.metadata_ or {})
            meta.update({"pdfa_source_sha256": source_sha, "pdfa_validated": result.validated})
            doc.metadata_ = meta
            audit.record(session, SYSTEM.label, "document.preserved", document_id, rendition="pdfa",
                         flavour="PDF/A-2b", validated=result.validated, steps=steps, puid=puid,
                         sha256=spooled.sha256, source_sha256=source_sha)
    except BaseException:
        ctx.store.delete_all_versions(new_key)
        raise
    if old_key:
        ctx.store.delete_all_versions(old_key)
    if kind != "pdf":  # a redaction waiting for this rendition (woo.services.privacy) is made now
        privacy.ensure_public_rendition(ctx, document_id)
    describe_document(ctx, document_id)


# --------------------------------------------------------------------------- MDTO sidecars


def document_facts(session: Session, doc: Document) -> DocumentFacts:
    from woo.services.publication import public_file

    org = session.get(Organisation, doc.organisation_id)
    files = [FileFacts(f.object_key, f.role, f.filename, f.size, f.sha256, f.mime_type, f.puid, f.format_name,
                       f.version_id, f.created_at, None) for f in doc.files]
    events = [EventFacts(e.at, e.actor, e.action, e.detail or {}) for e in session.execute(
        select(Event).where(Event.document_id == doc.id).order_by(Event.id)).scalars()]
    grounds = [g for g in session.execute(select(PrivacyFinding.ground).where(
        PrivacyFinding.document_id == doc.id, PrivacyFinding.decision == "redact")).scalars() if g]
    pub = None
    if doc.publication_id:
        p = session.get(Publication, doc.publication_id)
        if p is not None:
            pub = {"id": p.id, "title": p.title, "kind": p.kind, "reference": p.reference}
    public = public_file(doc)
    retention = None
    if doc.retention_resultaat or doc.retention_waardering or doc.legal_hold or doc.transferred_to:
        retention = {name: _plain(getattr(doc, name)) for name in sidecars.RETENTION_FIELDS}
    return DocumentFacts(
        id=doc.id, title=doc.title, organisation_code=org.code, status=doc.status, source=doc.source,
        category=doc.category, suggestion=doc.suggestion, metadata=dict(doc.metadata_ or {}),
        format_kind=doc.format_kind, document_date=doc.document_date, language=doc.language,
        created_at=doc.created_at, updated_at=doc.updated_at or doc.created_at, published_at=doc.published_at,
        withdrawn_at=doc.withdrawn_at, withdraw_reason=doc.withdraw_reason, publication=pub, files=files,
        events=events, redaction_grounds=grounds, public_role=public.role if public else None,
        retention=retention, relations=document_relations(session, doc))


def _plain(value):
    """A column value as the state object keeps it (dates ISO, booleans as they are)."""
    from datetime import date, datetime, timezone

    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def document_relations(session: Session, doc: Document) -> list[dict]:
    """Relations of this record to other records of its dossier, for the MDTO sidecar
    (gerelateerdInformatieobject; the dossier itself is the aggregation, isOnderdeelVan): every document of a
    Woo-besluit belongs to its decision letter, and the decision letter has the inventarislijst as bijlage.
    woo rebuild --from-storage gives them back as RebuiltDocument.relations."""
    if not doc.publication_id:
        return []
    mine = session.get(DossierDocument, doc.id)
    if mine is None:
        return []
    rows = session.execute(select(DossierDocument.document_id, DossierDocument.role, Document.title)
                           .join(Document, Document.id == DossierDocument.document_id)
                           .where(DossierDocument.dossier_id == mine.dossier_id,
                                  DossierDocument.role.in_(["besluit", "inventarislijst"]))).all()
    by_role = {role: (doc_id, title) for doc_id, role, title in rows}
    out = []
    if mine.role == "besluit" and "inventarislijst" in by_role:
        bijlage = tooi.documentrelatie("heeft bijlage")
        doc_id, title = by_role["inventarislijst"]
        out.append({"id": doc_id, "title": title, "relation": "Heeft bijlage (inventarislijst)",
                    "code": bijlage.uri if bijlage else "heeft-bijlage"})
    elif mine.role != "besluit" and "besluit" in by_role:
        doc_id, title = by_role["besluit"]
        out.append({"id": doc_id, "title": title, "relation": "Hoort bij besluit", "code": "hoort-bij-besluit"})
    return out


def describe_document(ctx: Context, document_id: str) -> int:
    """Write every sidecar of one document; returns how many objects were written (0: document gone)."""
    with ctx.unit_of_work() as session:
        last = session.execute(select(func.max(ArchiveOutbox.id))
                               .where(ArchiveOutbox.document_id == document_id)).scalar_one_or_none()
        doc = session.get(Document, document_id)
        # A destroyed record keeps only its database tombstone: nothing may be written back to the bucket.
        facts = document_facts(session, doc) if doc is not None and doc.status != "destroyed" else None
    if facts is None:
        _done(ctx, document_id, last)
        return 0
    base = ctx.settings.base_url
    io_xml, state = sidecars.document_sidecar(facts, base)
    objects = [(sidecars.bestand_key(f.object_key), sidecars.file_sidecar(facts, f, base), "application/xml",
                "bestand") for f in facts.files]
    objects += [(sidecars.state_key(document_id), state, "application/json", "state"),
                (sidecars.informatieobject_key(document_id), io_xml, "application/xml", "informatieobject")]
    recorded = []
    for key, data, mime, kind in objects:
        stored = ctx.store.put_bytes(key, data, mime)
        recorded.append(ArchiveObject(object_key=key, document_id=document_id, kind=kind,
                                      sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                      version_id=stored.version_id, written_at=utcnow()))
    current = {f.object_key for f in facts.files}
    stale = []
    for info in list(ctx.store.list(f"documents/{document_id}/")):
        base_key = sidecars.file_key_of_sidecar(info.key)
        if base_key is not None and base_key not in current:
            ctx.store.delete_all_versions(info.key)  # the file it described was replaced or removed
            stale.append(info.key)
    # Every object woo wrote has its checksum in the database, so `woo fixity` covers the whole bucket.
    with ctx.unit_of_work() as session:
        for row in recorded:
            session.merge(row)
        if stale:
            session.execute(delete(ArchiveObject).where(ArchiveObject.object_key.in_(stale)))
    _done(ctx, document_id, last)
    return len(recorded)


# --------------------------------------------------------------------------- dossier aggregation


def dossier_facts(session: Session, d: Publication, years: int) -> DossierFacts:
    """A dossier with its retention (stored class, else its category's default) and its documents in order."""
    from woo.services import retention as retsvc

    org = session.get(Organisation, d.organisation_id)
    fields = {name: _plain(getattr(d, name)) for name in sidecars.DOSSIER_FIELDS}
    retention = {name: _plain(getattr(d, name)) for name in sidecars.DOSSIER_RETENTION_FIELDS}
    ret = retsvc.dossier_retention(session, d, years)
    if ret is not None:
        retention.update({"retention_resultaat": ret.resultaat, "retention_waardering": ret.waardering,
                          "retention_bewaartermijn": ret.bewaartermijn, "retention_brondatum": ret.brondatum.isoformat(),
                          "archiefactiedatum": ret.archiefactiedatum.isoformat()})
        retention.setdefault("retention_brondatum_bron", retsvc.dossier_brondatum(session, d)[1])
        if not retention.get("retention_brondatum_bron"):
            retention["retention_brondatum_bron"] = retsvc.dossier_brondatum(session, d)[1]
    members = []
    rows = session.execute(select(DossierDocument, Document.title, Document.status)
                           .join(Document, Document.id == DossierDocument.document_id)
                           .where(DossierDocument.dossier_id == d.id)
                           .order_by(DossierDocument.position, DossierDocument.document_id)).all()
    for item, title, status in rows:
        if status == "destroyed":
            continue
        m = {name: _plain(getattr(item, name)) for name in sidecars.MEMBER_FIELDS}
        m["title"] = title
        members.append(m)
    return DossierFacts(id=d.id, organisation_code=org.code, fields=fields, retention=retention, members=members,
                        updated_at=d.updated_at or d.created_at)


def describe_dossier(ctx: Context, dossier_id: str) -> int:
    """Write the dossier's MDTO aggregation and state object (dossiers/<id>/); 0 when the dossier is gone or
    all its documents were destroyed (then its sidecars leave the bucket too, like the documents' did)."""
    from woo.services import retention as retsvc

    with ctx.unit_of_work() as session:
        last = session.execute(select(func.max(ArchiveOutbox.id))
                               .where(ArchiveOutbox.document_id == dossier_id)).scalar_one_or_none()
        d = session.get(Publication, dossier_id)
        facts = dossier_facts(session, d, retsvc.transfer_years(ctx.settings)) if d is not None else None
        statuses = set(session.execute(select(Document.status).where(Document.publication_id == dossier_id))
                       .scalars()) if d is not None else set()
    if facts is None or (statuses and statuses <= {"destroyed"}):
        remove_dossier_sidecars(ctx, dossier_id)
        _done(ctx, dossier_id, last)
        return 0
    io_xml, state = sidecars.dossier_sidecar(facts, ctx.settings.base_url)
    recorded = []
    for key, data, mime, kind in ((sidecars.dossier_state_key(dossier_id), state, "application/json", "dossier_state"),
                                  (sidecars.dossier_informatieobject_key(dossier_id), io_xml, "application/xml",
                                   "dossier")):
        stored = ctx.store.put_bytes(key, data, mime)
        recorded.append(ArchiveObject(object_key=key, document_id=dossier_id, kind=kind,
                                      sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                                      version_id=stored.version_id, written_at=utcnow()))
    with ctx.unit_of_work() as session:
        for row in recorded:
            session.merge(row)
    _done(ctx, dossier_id, last)
    return len(recorded)


def remove_dossier_sidecars(ctx: Context, dossier_id: str) -> int:
    """Every version of the dossier's sidecars out of the bucket, and their checksum rows."""
    keys = {info.key for info in ctx.store.list(sidecars.dossier_prefix(dossier_id))}
    for key in keys:
        ctx.store.delete_all_versions(key)
    with ctx.unit_of_work() as session:
        session.execute(delete(ArchiveObject).where(ArchiveObject.document_id == dossier_id))
    return len(keys)


def _done(ctx: Context, document_id: str, up_to: int | None) -> None:
    if up_to is None:
        return
    with ctx.unit_of_work() as session:
        session.execute(delete(ArchiveOutbox).where(ArchiveOutbox.document_id == document_id,
                                                    ArchiveOutbox.id <= up_to))


def describe_pending(ctx: Context, limit: int = 1000, progress=None) -> tuple[int, list[str]]:
    """Rewrite the sidecars of documents noted in the outbox; (documents described, Dutch problems)."""
    with ctx.unit_of_work() as session:
        ids = list(dict.fromkeys(session.execute(
            select(ArchiveOutbox.document_id).order_by(ArchiveOutbox.id).limit(limit * 4)).scalars()))[:limit]
    problems = []
    with ctx.unit_of_work() as session:  # a dossier is noted under its own id (woo.archive.outbox)
        dossier_ids = set(session.execute(select(Publication.id).where(Publication.id.in_(ids))).scalars()) \
            if ids else set()
    for doc_id in ids:
        try:
            if doc_id in dossier_ids:
                describe_dossier(ctx, doc_id)
                continue
            describe_document(ctx, doc_id)
        except Exception as exc:  # one bad record must not stop the rest; it stays in the outbox
            problems.append(f"{doc_id}: {exc}")
        if progress:
            progress(1)
    return len(ids) - len(problems), problems


def describe_all(ctx: Context, progress=None) -> tuple[int, list[str]]:
    """Every document (after an upgrade, or to repair sidecars): noted in the outbox, then described."""
    with ctx.unit_of_work() as session:
        for doc_id in session.execute(select(Document.id)).scalars():
            session.add(ArchiveOutbox(document_id=doc_id))
        for dossier_id in session.execute(select(Publication.id)).scalars():
            session.add(ArchiveOutbox(document_id=dossier_id))
    total, problems = 0, []
    while True:
        n, p = describe_pending(ctx, progress=progress)
        total, problems = total + n, problems + p
        if n == 0:
            return total, problems
