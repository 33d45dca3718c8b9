"""Corrections of a published document go through the same gate as a first publication.

``submit`` checks the file (name, size, identify, harvestable format) and stores it beside the record as a
pending correction (role ``correction``); the old public file stays public. The rq job ``correction``
(``check``) extracts its text and runs the privacy scan (personal data and hidden content) on it; its
findings are kept apart from the original's (``privacy_findings.file_role = 'correction'``) and decided on
the document page like any other. When nothing is open (``blockers`` is empty) ``publish_if_clear`` makes
it the public file: a PDF is cleaned (and redacted where decided) exactly as a first publication is, the
previous public file stays as an earlier version of the record (role ``superseded-N``, or the untouched
``redacted``/``original`` it was), under the record's retention: it is destroyed only with the record,
through a destruction list. The history shows both (``document.corrected`` names the previous file's
role and SHA-256; ``metadata.corrections`` lists every correction).
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import Document, Job, PrivacyFinding, StoredFile, utcnow
from woo.adapters.objectstore import local_copy
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.publish import search
from woo.services import audit, jobs, organisations
from woo.services.context import SYSTEM, Actor, Context

PENDING_ROLE = "correction"  # the submitted file while it waits for the gate
FINDINGS_ROLE = "correction"  # privacy_findings.file_role of its findings
JOB_KIND = "correction"
META_KEY = "correction_pending"


class CorrectionError(ValueError):
    """A refused correction (Dutch message)."""


@dataclass
class CorrectionResult:
    document_id: str
    published: bool
    blockers: list[str] = field(default_factory=list)


def pending(doc: Document) -> dict | None:
    """What the document page shows about a correction that is not public yet."""
    return (doc.metadata_ or {}).get(META_KEY) if doc.file(PENDING_ROLE) is not None else None


def _findings(session: Session, document_id: str, role: str = FINDINGS_ROLE) -> list[PrivacyFinding]:
    return list(session.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == document_id,
                                                             PrivacyFinding.file_role == role)
                                .order_by(PrivacyFinding.id)).scalars())


def blockers(session: Session, doc: Document, checked: bool = False) -> list[str]:
    """Dutch reasons the pending correction is not public yet; empty when there is none or it may go.
    ``checked``: called by the check job itself, whose own row still says 'running'."""
    cand = doc.file(PENDING_ROLE)
    if cand is None:
        return []
    checks = [j for j in doc.jobs if j.kind == JOB_KIND]
    last = checks[-1] if checks else None
    if not checked and (last is None or last.status in (jobs.QUEUED, jobs.RUNNING)):
        return ["De controle van de correctie (tekst uitlezen, persoonsgegevens en verborgen inhoud) is nog "
                "niet afgerond."]
    if not checked and last.status == jobs.FAILED:
        return [f"De controle van de correctie is mislukt ({last.error}). Start de controle opnieuw of lever "
                "een ander bestand aan."]
    rows = _findings(session, doc.id)
    reasons = []
    open_count = sum(f.decision == "open" for f in rows)
    if open_count:
        reasons.append(f"{open_count} mogelijke persoonsgegevens of verborgen inhoud in de correctie nog niet "
                       "beoordeeld.")
    if cand.mime_type != "application/pdf" and any(f.decision == "redact" and f.type != "hidden" for f in rows):
        reasons.append("Lakken kan alleen in een PDF; lever de correctie als PDF aan.")
    missing = ((doc.metadata_ or {}).get(META_KEY) or {}).get("redaction_incomplete")
    if missing and not open_count:
        reasons.append("Niet alle te lakken tekst is in de correctie teruggevonden: " + "; ".join(missing))
    return reasons


def submit(ctx: Context, actor: Actor, document_id: str, path: Path, filename: str, reason: tooi.Concept,
           error=CorrectionError) -> CorrectionResult:
    """Store the file as the pending correction and queue its check; the old file stays public meanwhile."""
    from woo.intake.identify import RejectedFile, identify, safe_filename
    from woo.intake.spool import hash_file

    try:
        name = safe_filename(filename)
        spooled = hash_file(path, ctx.settings.max_upload_bytes)
    except RejectedFile as exc:
        raise error(exc.reason) from exc
    except Exception as exc:  # too large and the like
        raise error(f"Het bestand kan niet worden gelezen: {exc}") from exc
    try:
        if spooled.size == 0:
            raise error("Het bestand is leeg.")
        try:
            ident = identify(spooled.path, name)
        except RejectedFile as exc:
            raise error(exc.reason) from exc
        if not ident.accepted:
            raise error(ident.reason or "Dit bestandsformaat is niet toegestaan.")
        if tooi.bestandsformaat_for(ident.mime, name) is None:
            raise error(f"Het bestandsformaat ({ident.mime}) wordt niet door de Woo-index geoogst.")
        with ctx.unit_of_work() as session:
            doc = session.get(Document, document_id)
            if doc is None:
                raise error(f"Document {document_id} bestaat niet.")
            organisations.check_unit_of(session, actor, "document.publish", doc)
            if doc.status != Status.PUBLISHED:
                raise error("Alleen een gepubliceerd document kan worden gecorrigeerd.")
        key = f"documents/{document_id}/{uuid.uuid4().hex}"
        stored = ctx.store.put_file(key, spooled.path, ident.mime)
        replaced_key = None
        try:
            with ctx.unit_of_work() as session:
                doc = session.get(Document, document_id)
                old = doc.file(PENDING_ROLE)
                if old is not None:  # an earlier submission that never became public: this one replaces it
                    replaced_key = old.object_key
                    session.delete(old)
                    for f in _findings(session, document_id):
                        session.delete(f)
                    session.flush()
                session.add(StoredFile(document=doc, role=PENDING_ROLE, object_key=key, version_id=stored.version_id,
                                       filename=name, size=spooled.size, sha256=spooled.sha256,
                                       mime_type=ident.mime, puid=ident.puid, format_name=ident.format_name))
                meta = dict(doc.metadata_ or {})
                meta[META_KEY] = {"reason": reason.uri, "reason_label": reason.label, "filename": name,
                                  "sha256": spooled.sha256, "size": spooled.size, "kind": ident.kind,
                                  "submitted_by": actor.label, "submitted_at": utcnow().isoformat()}
                doc.metadata_ = meta
                job_id = jobs.add_job(session, document_id, JOB_KIND).id
                audit.record(session, actor.label, "document.correction_submitted", document_id, reason=reason.uri,
                             filename=name, sha256=spooled.sha256, size=spooled.size,
                             replaces_pending=bool(replaced_key))
        except BaseException:
            ctx.store.delete_all_versions(key)
            raise
        if replaced_key:  # never public, superseded before the gate: not part of the record
            ctx.store.delete_all_versions(replaced_key)
    finally:
        spooled.cleanup()
    jobs.dispatch(ctx, job_id)
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        published = doc.file(PENDING_ROLE) is None or doc.file(PENDING_ROLE).object_key != key
        return CorrectionResult(document_id, published, [] if published else blockers(session, doc))


def check(ctx: Context, document_id: str) -> None:
    """The rq job: extract the correction's text and scan it; publish it when nothing is open."""
    from woo.intake.extract import ExtractionError, extract_text
    from woo.privacy.document import scan_extracted
    from woo.privacy.hidden import EncryptedDocumentError, inspect_hidden
    from woo.services.extraction import MAX_TEXT_CHARS
    from woo.services.privacy import own_contact_decision

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        cand = doc.file(PENDING_ROLE) if doc else None
        if cand is None:
            return  # published or replaced meanwhile
        ref = (cand.object_key, cand.version_id, Path(cand.filename).suffix.lower())
        kind = ((doc.metadata_ or {}).get(META_KEY) or {}).get("kind") or doc.format_kind
        contact = dict(doc.organisation.contact or {}) if doc.organisation else {}
    with local_copy(ctx.store, ref[0], ref[1], ref[2], "woo-correction-") as local:
        try:
            result = extract_text(local, kind, max_chars=MAX_TEXT_CHARS)
        except ExtractionError as exc:
            raise jobs.JobFailed(f"De tekst van de correctie kon niet worden uitgelezen: {exc.reason}") from exc
        pages = result.pages or [result.text]
        found = [(f.type, f.page, f.start, f.end, f.text, f.masked)
                 for f in scan_extracted(kind, "\n\n".join(pages), pages)]
        try:
            hidden = inspect_hidden(local, kind)
        except EncryptedDocumentError as exc:
            raise jobs.JobFailed(str(exc)) from exc
    found += [("hidden", None, None, None, h, h[:300]) for h in hidden]
    with ctx.unit_of_work() as session:
        existing = {(f.type, f.page, f.text): f for f in _findings(session, document_id)}
        seen = set()
        for type_, page, start, end, text_, masked in found:
            if (type_, page, text_) in seen:
                continue
            seen.add((type_, page, text_))
            if (type_, page, text_) not in existing:
                decision, reason = own_contact_decision(contact, type_, text_) or ("open", None)
                session.add(PrivacyFinding(document_id=document_id, type=type_, page=page, start=start, end=end,
                                           text=text_, masked=masked, decision=decision, reason=reason,
                                           file_role=FINDINGS_ROLE))
        for key, f in existing.items():
            if key not in seen and f.decision == "open":
                session.delete(f)
        counts: dict[str, int] = {}
        for type_, *_ in found:
            counts[type_] = counts.get(type_, 0) + 1
        audit.record(session, SYSTEM.label, "correction.checked", document_id, method=result.method,
                     pages=result.page_count, chars=len(result.text), findings=counts)
    publish_if_clear(ctx, document_id, checked=True)


def publish_if_clear(ctx: Context, document_id: str, actor: Actor | None = None, checked: bool = False) -> bool:
    """Make the pending correction public when its gate is clear; True when it was published."""
    from woo.intake.identify import identify
    from woo.privacy.redact import Redaction, redact_pdf
    from woo.services.privacy import DEFAULT_GROUND
    from woo.services.publication import public_file

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        cand = doc.file(PENDING_ROLE) if doc is not None else None
        if cand is None or doc.status != Status.PUBLISHED or blockers(session, doc, checked):
            return False
        rows = _findings(session, document_id)
        wanted = [Redaction(page=f.page or 1, text=f.text, ground=f.ground or DEFAULT_GROUND.get(f.type, "5.1.2e"))
                  for f in rows if f.decision == "redact" and f.type != "hidden"]
        cand_ref = (cand.object_key, cand.version_id, cand.filename, cand.mime_type)
    cleaned = None
    if cand_ref[3] == "application/pdf":  # cleaned (and redacted) like the public rendition of any PDF
        with local_copy(ctx.store, cand_ref[0], cand_ref[1], ".pdf", "woo-correction-") as local:
            out = local.parent / "public.pdf"
            report = redact_pdf(local, out, wanted)
            missing = [f"'{r.text[:4]}…' op pagina {r.page}" for r in report.not_found]
            if missing:
                with ctx.unit_of_work() as session:
                    doc = session.get(Document, document_id)
                    meta = dict(doc.metadata_ or {})
                    meta[META_KEY] = {**meta.get(META_KEY, {}), "redaction_incomplete": missing}
                    doc.metadata_ = meta
                return False
            ident = identify(out, "public.pdf")
            data = out.read_bytes()
            key = f"documents/{document_id}/{uuid.uuid4().hex}"
            stored = ctx.store.put_file(key, out, "application/pdf")
            cleaned = (key, stored.version_id, len(data), hashlib.sha256(data).hexdigest(), ident)
    try:
        with ctx.unit_of_work() as session:
            doc = session.get(Document, document_id)
            cand = doc.file(PENDING_ROLE)
            if cand is None or cand.object_key != cand_ref[0]:
                raise _Raced()
            meta = dict(doc.metadata_ or {})
            info = meta.pop(META_KEY, {}) or {}
            history = list(meta.get("corrections") or [])
            n = len(history) + 1
            previous = public_file(doc)
            prev = {"role": previous.role, "object_key": previous.object_key, "sha256": previous.sha256,
                    "filename": previous.filename} if previous else None
            old = doc.file("published")
            if old is not None:  # an earlier correction: kept as an earlier version of the record
                old.role = f"superseded-{n}"
                if prev and prev["object_key"] == old.object_key:
                    prev["role"] = old.role
                session.flush()
            if cleaned:
                cand.role = f"correction-{n}"  # the file as submitted (unpublished, like an original)
                session.flush()
                key, version, size, sha, ident = cleaned
                session.add(StoredFile(document=doc, role="published", object_key=key, version_id=version,
                                       filename=Path(cand_ref[2]).stem + ".pdf", size=size, sha256=sha,
                                       mime_type=ident.mime, puid=ident.puid, format_name=ident.format_name))
                pub_sha, pub_size = sha, size
            else:
                cand.role = "published"
                pub_sha, pub_size = cand.sha256, cand.size
            for f in rows_of(session, document_id):
                f.file_role = f"correction-{n}"
            now = utcnow()
            history.append({"n": n, "reason": info.get("reason"), "submitted_by": info.get("submitted_by"),
                            "submitted_at": info.get("submitted_at"), "published_at": now.isoformat(),
                            "filename": info.get("filename"), "submitted_sha256": info.get("sha256"),
                            "sha256": pub_sha, "previous": prev})
            meta["corrections"] = history
            meta["correction_reason"] = info.get("reason")
            doc.metadata_ = meta
            doc.updated_at = now  # lastmod: harvesters fetch the file again
            public_host = doc.organisation.public_base_url
            session.flush()
            session.expire(doc, ["files"])
            search.index_document(session, ctx.store, doc)  # the corrected file's words, not the old ones
            audit.record(session, (actor or SYSTEM).label, "document.corrected", doc.id, reason=info.get("reason"),
                         filename=info.get("filename"), submitted_by=info.get("submitted_by"),
                         submitted_sha256=info.get("sha256"), sha256=pub_sha, size=pub_size, correction=n,
                         previous_role=prev["role"] if prev else None,
                         previous_sha256=prev["sha256"] if prev else None)
    except _Raced:
        if cleaned:
            ctx.store.delete_all_versions(cleaned[0])
        return False
    except BaseException:
        if cleaned:
            ctx.store.delete_all_versions(cleaned[0])
        raise
    from woo.services.publication import refresh_front_files

    refresh_front_files(ctx, [(document_id, public_host)])  # same URL, new bytes: not the old ones from cache
    return True


class _Raced(Exception):
    """Another submission replaced the candidate while it was being cleaned."""


def rows_of(session: Session, document_id: str) -> list[PrivacyFinding]:
    return _findings(session, document_id)


def last_check(session: Session, document_id: str) -> Job | None:
    return session.execute(select(Job).where(Job.document_id == document_id, Job.kind == JOB_KIND)
                           .order_by(Job.id.desc()).limit(1)).scalar_one_or_none()


__all__ = ["CorrectionError", "CorrectionResult", "submit", "check", "blockers", "publish_if_clear", "pending",
           "PENDING_ROLE", "FINDINGS_ROLE", "JOB_KIND"]
