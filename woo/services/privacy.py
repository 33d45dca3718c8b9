"""The privacy gate: scan for personal data and hidden content, record the officer's decisions,
and make the public rendition in which redacted text is really gone.

A document with open findings, or whose scan did not succeed, cannot be published
(see ``blockers``, called by the publication service) unless an officer overrides a failed scan
with a recorded reason.
"""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import Document, PrivacyFinding, StoredFile, utcnow
from woo.adapters.objectstore import local_copy
from woo.intake.identify import identify
from woo.services import audit, jobs
from woo.services.context import SYSTEM, Actor, Context

OPEN, REDACT, ALLOW = "open", "redact", "allow"
# Grounds of the Woo for withholding (art. 5.1 absolute and relative, 5.2 personal opinions).
WOO_GROUNDS = {
    "5.1.1c": "bedrijfs- en fabricagegegevens (vertrouwelijk verstrekt)",
    "5.1.1d": "bijzondere persoonsgegevens",
    "5.1.1e": "nationale identificatienummers",
    "5.1.2a": "internationale betrekkingen",
    "5.1.2c": "opsporing en vervolging van strafbare feiten",
    "5.1.2d": "inspectie, controle en toezicht",
    "5.1.2e": "eerbiediging van de persoonlijke levenssfeer",
    "5.1.2f": "concurrentiegevoelige bedrijfs- en fabricagegegevens",
    "5.1.2i": "goed functioneren van de staat",
    "5.2": "persoonlijke beleidsopvattingen",
}
TYPE_LABELS_NL = {"bsn": "BSN", "iban": "IBAN", "email": "e-mailadres", "phone": "telefoonnummer",
                  "address": "adres", "birthdate": "geboortedatum", "licence_plate": "kenteken",
                  "person_name": "persoonsnaam", "hidden": "verborgen inhoud"}
DEFAULT_GROUND = {"bsn": "5.1.1e"}  # national identification numbers are an absolute ground
PAGED_KINDS = {"pdf"}


class PrivacyError(ValueError):
    """A refused privacy decision; Dutch, for the officer."""


def scan_document(ctx: Context, document_id: str) -> None:
    """rq job after extraction. Idempotent: decisions on findings that are found again are kept."""
    from woo.privacy.document import scan_extracted
    from woo.privacy.hidden import EncryptedDocumentError, inspect_hidden

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        text_file, original = doc.file("text"), doc.file("original")
        if text_file is None or original is None:
            raise jobs.JobFailed("Er is nog geen uitgelezen tekst om te controleren.")
        kind = doc.format_kind
        text_ref = (text_file.object_key, text_file.version_id)
        orig_ref = (original.object_key, original.version_id, Path(original.filename).suffix.lower())
    text = ctx.store.get_bytes(text_ref[0], text_ref[1]).decode("utf-8", "replace")
    pages = text.split("\f")
    found = [(f.type, f.page, f.start, f.end, f.text, f.masked)
             for f in scan_extracted(kind, "\n\n".join(pages), pages)]
    with local_copy(ctx.store, orig_ref[0], orig_ref[1], orig_ref[2], "woo-privacy-") as local:
        try:
            hidden = inspect_hidden(local, kind)
        except EncryptedDocumentError as exc:
            raise jobs.JobFailed(str(exc)) from exc
    found += [("hidden", None, None, None, h, h[:300]) for h in hidden]

    with ctx.unit_of_work() as session:
        existing = {(f.type, f.page, f.text): f for f in session.execute(
            select(PrivacyFinding).where(PrivacyFinding.document_id == document_id,
                                         PrivacyFinding.file_role.is_(None))).scalars()}
        seen = set()
        for type_, page, start, end, text_, masked in found:
            key = (type_, page, text_)
            if key in seen:
                continue
            seen.add(key)
            if key not in existing:
                session.add(PrivacyFinding(document_id=document_id, type=type_, page=page, start=start, end=end,
                                           text=text_, masked=masked, decision=OPEN))
        for key, f in existing.items():
            if key not in seen and f.decision == OPEN:
                session.delete(f)  # no longer found (e.g. a corrected file)
        counts: dict[str, int] = {}
        for type_, *_ in found:
            counts[type_] = counts.get(type_, 0) + 1
        audit.record(session, SYSTEM.label, "privacy.scanned", document_id, findings=counts)
    ensure_public_rendition(ctx, document_id)


def findings(session: Session, document_id: str) -> list[PrivacyFinding]:
    return list(session.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == document_id)
                                .order_by(PrivacyFinding.page.nulls_first(), PrivacyFinding.start,
                                          PrivacyFinding.id)).scalars())


def decide(ctx: Context, actor: Actor, document_id: str, finding_ids: list[int], decision: str,
           ground: str | None = None, reason: str | None = None) -> None:
    """Redact (with a Woo ground) or allow (with a reason) each finding; every decision is audited."""
    if decision == REDACT and ground not in WOO_GROUNDS:
        raise PrivacyError("Kies een Woo-weigeringsgrond om te lakken (bijvoorbeeld 5.1.2e).")
    if decision == ALLOW and not (reason or "").strip():
        raise PrivacyError("Geef een reden waarom dit gepubliceerd mag worden.")
    if decision not in (REDACT, ALLOW):
        raise PrivacyError("Onbekende beslissing.")
    with ctx.unit_of_work() as session:
        rows = session.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == document_id,
                                                            PrivacyFinding.id.in_(finding_ids))).scalars().all()
        if len(rows) != len(set(finding_ids)):
            raise PrivacyError("Een of meer bevindingen horen niet bij dit document.")
        for f in rows:
            before = f.decision
            f.decision, f.ground = decision, ground if decision == REDACT else None
            f.reason, f.decided_by, f.decided_at = (reason or None), actor.label, utcnow()
            audit.record(session, actor.label, "privacy.decided", document_id, finding=f.id, type=f.type,
                         page=f.page, text=f.masked, before=before, decision=decision, ground=f.ground,
                         reason=f.reason)
    if any(f.file_role for f in rows):  # findings in a pending correction (woo.services.correction)
        from woo.services import correction

        correction.publish_if_clear(ctx, document_id, actor)
    if any(not f.file_role for f in rows):
        ensure_public_rendition(ctx, document_id)


def original_findings(session: Session, document_id: str) -> list[PrivacyFinding]:
    """The findings in the original (not those of a correction, which woo.services.correction gates)."""
    return [f for f in findings(session, document_id) if not f.file_role]


def override_failed_scan(ctx: Context, actor: Actor, document_id: str, reason: str) -> None:
    if not reason.strip():
        raise PrivacyError("Geef een reden om zonder geslaagde controle verder te gaan.")
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        doc.metadata_ = {**(doc.metadata_ or {}), "privacy_override": {"by": actor.label, "reason": reason,
                                                                       "at": utcnow().isoformat()}}
        audit.record(session, actor.label, "privacy.scan_overridden", document_id, reason=reason)


def blockers(session: Session, doc: Document) -> list[str]:
    """Dutch reasons the privacy gate holds this document back; empty when it may go out."""
    scan_jobs = [j for j in doc.jobs if j.kind == "privacy"]
    scanned = any(j.status == jobs.DONE for j in scan_jobs)
    if not scanned and not (doc.metadata_ or {}).get("privacy_override"):
        failed = next((j for j in scan_jobs if j.status == jobs.FAILED), None)
        if failed:
            return [f"De controle op persoonsgegevens is mislukt ({failed.error}). Probeer opnieuw of leg een "
                    "reden vast om zonder controle verder te gaan."]
        return ["De controle op persoonsgegevens is nog niet afgerond."]
    rows = original_findings(session, doc.id)
    reasons = []
    open_count = sum(f.decision == OPEN for f in rows)
    if open_count:
        reasons.append(f"{open_count} mogelijke persoonsgegevens of verborgen inhoud nog niet beoordeeld.")
    original = doc.file("original")
    needs_redaction = any(f.decision == REDACT and f.type != "hidden" for f in rows)
    if original is not None and original.mime_type != "application/pdf" and needs_redaction:
        reasons.append("Lakken kan alleen in een PDF; lever het document als PDF aan.")
    if not open_count and original is not None and original.mime_type == "application/pdf":
        rendition = doc.file("redacted")
        if rendition is None:
            reasons.append("De opgeschoonde publicatieversie (PDF) is nog niet gemaakt.")
        elif (doc.metadata_ or {}).get("redaction_incomplete"):
            reasons.append("Niet alle te lakken tekst is in de PDF teruggevonden: "
                           + "; ".join(doc.metadata_["redaction_incomplete"]))
    return reasons


def ensure_public_rendition(ctx: Context, document_id: str) -> None:
    """When every finding is decided on a PDF: write the redacted, cleaned rendition ('redacted')."""
    from woo.privacy.redact import Redaction, redact_pdf

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        original = doc.file("original")
        rows = original_findings(session, document_id)
        if original is None or original.mime_type != "application/pdf" or any(f.decision == OPEN for f in rows):
            return
        wanted = [Redaction(page=f.page or 1, text=f.text, ground=f.ground or DEFAULT_GROUND.get(f.type, "5.1.2e"))
                  for f in rows if f.decision == REDACT and f.type != "hidden"]
        src = (original.object_key, original.version_id, original.filename)
        old = doc.file("redacted")
        old_key = old.object_key if old else None
    with local_copy(ctx.store, src[0], src[1], ".pdf", "woo-redact-") as local:
        out = local.parent / "public.pdf"
        report = redact_pdf(local, out, wanted)
        ident = identify(out, "public.pdf")
        data_sha = hashlib.sha256(out.read_bytes()).hexdigest()
        key = f"documents/{document_id}/{uuid.uuid4().hex}"
        stored = ctx.store.put_file(key, out, "application/pdf")
        size = out.stat().st_size
    missing = [f"'{r.text[:4]}…' op pagina {r.page}" for r in report.not_found]
    try:
        with ctx.unit_of_work() as session:
            doc = session.get(Document, document_id)
            if old_key:
                session.delete(doc.file("redacted"))
                session.flush()
            session.add(StoredFile(document=doc, role="redacted", object_key=key, version_id=stored.version_id,
                                   filename=Path(src[2]).stem + ".pdf", size=size, sha256=data_sha,
                                   mime_type=ident.mime, puid=ident.puid, format_name=ident.format_name))
            meta = dict(doc.metadata_ or {})
            meta.pop("redaction_incomplete", None)
            if missing:
                meta["redaction_incomplete"] = missing
            doc.metadata_ = meta
            audit.record(session, SYSTEM.label, "document.redacted", document_id, redactions=len(wanted),
                         not_found=len(missing), stripped=report.stripped)
    except BaseException:
        ctx.store.delete_all_versions(key)
        raise
    if old_key:
        ctx.store.delete_all_versions(old_key)
