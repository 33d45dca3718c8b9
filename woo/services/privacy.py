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
from woo.privacy.hidden import UNPRINTED_KINDS, unprinted_only
from woo.privacy.grounds import DEFAULT_GROUND, TYPE_LABELS_NL, WOO_GROUNDS, default_ground  # noqa: F401
from woo.services import audit, jobs, organisations
from woo.services.context import SYSTEM, Actor, Context

OPEN, REDACT, ALLOW = "open", "redact", "allow"
# Proposed, not yet decided: a public official named in that role ("De Minister van ..., NAME").
PROPOSED_OFFICIAL = "ambtsdrager"
# Metadata the cleaned public PDF does not carry (producer, creating application): no decision needed.
REMOVED = "verwijderd"
ALLOW_OFFICIAL = "allow_official"  # the one-click decision on proposals
OFFICIAL_REASON = "Publiek ambtsdrager in de uitoefening van de functie"
REMOVED_REASON = "Verwijderd uit publieksversie (de gepubliceerde PDF bevat geen documentmetadata)"
OWN_CONTACT_REASON = "Contactgegevens van de organisatie zelf (bereikbaarheidsgegevens), geen persoonsgegevens"
OWN_CONTACT_TYPES = ("email", "phone", "address")


def own_contact_decision(contact: dict | None, type_: str, text_: str) -> tuple[str, str] | None:
    """(ALLOW, reason) when a finding is one of the organisation's own contact details (as set with
    ``woo organisation set`` / the admin page): not a person's data. A person's e-mail or phone stays open."""
    from woo.domain.organisations import is_own_contact

    if type_ in OWN_CONTACT_TYPES and is_own_contact(contact, type_, text_):
        return ALLOW, OWN_CONTACT_REASON
    return None
DECISION_LABELS_NL = {OPEN: "Nog beoordelen", REDACT: "Lakken", ALLOW: "Mag openbaar",
                      PROPOSED_OFFICIAL: "Voorstel: publiek ambtsdrager", REMOVED: "Verwijderd uit publieksversie"}
PAGED_KINDS = {"pdf"}


class PrivacyError(ValueError):
    """A refused privacy decision; Dutch, for the officer."""


def scan_document(ctx: Context, document_id: str) -> None:
    """rq job after extraction. Idempotent: decisions on findings that are found again are kept."""
    from woo.privacy.document import scan_extracted
    from woo.privacy.hidden import EncryptedDocumentError, inspect_hidden, removed_in_public_pdf
    from woo.services.extraction import original_source

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        text_file, original = doc.file("text"), doc.file("original")
        if text_file is None or original is None:
            raise jobs.JobFailed("Er is nog geen uitgelezen tekst om te controleren.")
        kind = doc.format_kind
        contact = dict(doc.organisation.contact or {}) if doc.organisation else {}
        text_ref = (text_file.object_key, text_file.version_id)
        orig_ref = (original.object_key, original.version_id, Path(original.filename).suffix.lower(), original.size)
    text = ctx.store.get_bytes(text_ref[0], text_ref[1]).decode("utf-8", "replace")
    pages = text.split("\f")
    found = [(f.type, f.page, f.start, f.end, f.text, f.masked, f.role)
             for f in scan_extracted(kind, "\n\n".join(pages), pages)]
    # a PDF is inspected from its bytes (the chain's read cache holds them since the text layer was read)
    with original_source(ctx, *orig_ref, "woo-privacy-", in_memory=kind == "pdf") as local:
        try:
            hidden = inspect_hidden(local, kind, name="original" + orig_ref[2])
        except EncryptedDocumentError as exc:
            raise jobs.JobFailed(str(exc)) from exc
    found += [("hidden", None, None, None, h, h[:300], None) for h in hidden]

    with ctx.unit_of_work() as session:
        existing = {(f.type, f.page, f.text): f for f in session.execute(
            select(PrivacyFinding).where(PrivacyFinding.document_id == document_id,
                                         PrivacyFinding.location.is_(None),
                                         PrivacyFinding.file_role.is_(None))).scalars()}
        seen = set()
        for type_, page, start, end, text_, masked, role in found:
            key = (type_, page, text_)
            if key in seen:
                continue
            seen.add(key)
            if key not in existing:
                decision, reason = OPEN, None
                if role:  # an official in office: proposed for publication, one click confirms
                    decision, reason = PROPOSED_OFFICIAL, f"{OFFICIAL_REASON} ({role})"
                elif type_ == "hidden" and kind == "pdf" and removed_in_public_pdf(text_):
                    decision, reason = REMOVED, REMOVED_REASON
                elif own := own_contact_decision(contact, type_, text_):
                    decision, reason = own
                session.add(PrivacyFinding(document_id=document_id, type=type_, page=page, start=start, end=end,
                                           text=text_, masked=masked, decision=decision, reason=reason))
        for key, f in existing.items():
            if key not in seen and f.decision in (OPEN, PROPOSED_OFFICIAL, REMOVED):
                session.delete(f)  # no longer found (e.g. a corrected file)
        counts: dict[str, int] = {}
        for type_, *_ in found:
            counts[type_] = counts.get(type_, 0) + 1
        proposed = sum(1 for *_, role in found if role)
        if proposed:
            counts["ambtsdrager_voorgesteld"] = proposed
        own_count = sum(1 for f in found if own_contact_decision(contact, f[0], f[4]))
        if own_count:
            counts["eigen_contactgegevens"] = own_count
        audit.record(session, SYSTEM.label, "privacy.scanned", document_id, findings=counts)
        scan_metadata(session, session.get(Document, document_id))
        session.flush()
        # ensure_public_rendition returns at once while a finding waits for a decision (the decision
        # calls it again): seen here, in the scan's own transaction, it needs no transaction of its own
        waiting = any(f.decision in (OPEN, PROPOSED_OFFICIAL) for f in original_findings(session, document_id)
                      if f.location is None)
    if not waiting:
        ensure_public_rendition(ctx, document_id)


# Where else personal data can reach the public: the title, the metadata that is published, and the file
# name (not published since the download name comes from the title, but the title starts as the file name).
LOCATION_LABELS_NL = {None: "tekst", "title": "titel", "metadata": "metadata", "filename": "bestandsnaam"}
BLOCKING_LOCATIONS = frozenset({None, "title", "metadata"})


def _filename_words(name: str) -> str:
    """'brief_kapvergunning_oudegracht_12.pdf' -> 'Brief Kapvergunning Oudegracht 12': the detectors look
    for capitalised names and streets in running text."""
    import re

    stem = Path(name or "").stem
    return " ".join(w[:1].upper() + w[1:] for w in re.split(r"[\s_\-.+]+", stem) if w)


def metadata_texts(doc: Document) -> dict[str, str]:
    """location -> the text that would be published there (or, for the file name, seen as the title)."""
    from woo.metadata.suggest import effective_values

    values = effective_values(doc)
    confirmed = (doc.metadata_ or {}).get("confirmed") or {}
    out = {"title": confirmed.get("title") or doc.title or ""}
    published = [v for f, v in values.items() if f in ("identifiers",) and v]
    out["metadata"] = "\n".join(str(i) for v in published for i in (v if isinstance(v, list) else [v]))
    original = doc.file("original")
    if original is not None:
        out["filename"] = _filename_words(original.filename)
    return out


def scan_metadata(session: Session, doc: Document) -> int:
    """Scan the title, the published metadata and the file name; keep decisions on findings found again,
    drop open ones no longer found. Called after the text scan and whenever metadata is confirmed.
    Returns the number of open findings there."""
    from woo.privacy.scan import scan_text

    rows = session.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == doc.id,
                                                        PrivacyFinding.location.is_not(None))).scalars().all()
    existing = {(f.location, f.type, f.text): f for f in rows}
    seen = set()
    for location, text in metadata_texts(doc).items():
        for f in scan_text(text) if text.strip() else ():
            key = (location, f.type, f.text)
            if key in seen:
                continue
            seen.add(key)
            if key not in existing:
                session.add(PrivacyFinding(document_id=doc.id, type=f.type, page=None, start=f.start, end=f.end,
                                           text=f.text, masked=f.masked, decision=OPEN, location=location))
    for key, f in existing.items():
        if key not in seen and f.decision == OPEN:
            session.delete(f)
    session.flush()
    return sum(1 for key in seen if key not in existing or existing[key].decision == OPEN)


def findings(session: Session, document_id: str) -> list[PrivacyFinding]:
    return list(session.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == document_id)
                                .order_by(PrivacyFinding.page.nulls_first(), PrivacyFinding.start,
                                          PrivacyFinding.id)).scalars())


def decide(ctx: Context, actor: Actor, document_id: str, finding_ids: list[int], decision: str,
           ground: str | None = None, reason: str | None = None, grounds: dict[int, str] | None = None) -> None:
    """Redact (with a Woo ground) or allow (with a reason) each finding; every decision is audited.

    Redacting without a ground gives each finding the default ground of its kind (grounds.DEFAULT_GROUND:
    a BSN 5.1.1e, names and contact data 5.1.2e); ``grounds`` gives a ground per finding id (the page's
    per-finding choice). ``allow_official`` confirms proposed officials with the recorded reason
    "publiek ambtsdrager" (no reason to type).
    """
    organisations.check_unit_in(ctx, actor, "document.review", document_id)
    grounds = {int(k): v for k, v in (grounds or {}).items() if v}
    if decision == REDACT and any((grounds.get(i) or ground) and (grounds.get(i) or ground) not in WOO_GROUNDS
                                  for i in finding_ids):
        raise PrivacyError("Kies een Woo-weigeringsgrond om te lakken (bijvoorbeeld 5.1.2e).")
    if decision == ALLOW and not (reason or "").strip():
        raise PrivacyError("Geef een reden waarom dit gepubliceerd mag worden.")
    if decision not in (REDACT, ALLOW, ALLOW_OFFICIAL):
        raise PrivacyError("Onbekende beslissing.")
    with ctx.unit_of_work() as session:
        rows = session.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == document_id,
                                                            PrivacyFinding.id.in_(finding_ids))).scalars().all()
        if len(rows) != len(set(finding_ids)):
            raise PrivacyError("Een of meer bevindingen horen niet bij dit document.")
        if decision == REDACT and any(f.location is not None for f in rows):
            raise PrivacyError("Persoonsgegevens in de titel of metadata kunnen niet worden gelakt: pas de titel "
                               "of de metadata aan, of geef aan dat het openbaar mag.")
        for f in rows:
            before = f.decision
            if decision == ALLOW_OFFICIAL:
                f.decision, f.ground = ALLOW, None
                f.reason = f.reason if before == PROPOSED_OFFICIAL and f.reason else OFFICIAL_REASON
            elif decision == REDACT:
                f.decision, f.ground = REDACT, grounds.get(f.id) or ground or default_ground(f.type)
                f.reason = reason or None
            else:
                f.decision, f.ground, f.reason = ALLOW, None, reason
            f.decided_by, f.decided_at = actor.label, utcnow()
            audit.record(session, actor.label, "privacy.decided", document_id, finding=f.id, type=f.type,
                         page=f.page, text=f.masked, before=before, decision=f.decision, ground=f.ground,
                         reason=f.reason)
    if any(f.file_role for f in rows):  # findings in a pending correction (woo.services.correction)
        from woo.services import correction

        correction.publish_if_clear(ctx, document_id, actor)
    if any(not f.file_role for f in rows):
        ensure_public_rendition(ctx, document_id)
        from woo.services import dossiers

        dossiers.publish_late_for_document(ctx, document_id)  # a late document of a published dossier


def original_findings(session: Session, document_id: str) -> list[PrivacyFinding]:
    """The findings in the original (not those of a correction, which woo.services.correction gates)."""
    return [f for f in findings(session, document_id) if not f.file_role]


def allow_officials(ctx: Context, actor: Actor, document_id: str) -> int:
    """The one click: every proposed public official of the document may be published, reason recorded."""
    with ctx.unit_of_work() as session:
        ids = [f.id for f in findings(session, document_id) if f.decision == PROPOSED_OFFICIAL]
    if ids:
        decide(ctx, actor, document_id, ids, ALLOW_OFFICIAL)
    return len(ids)


def override_failed_scan(ctx: Context, actor: Actor, document_id: str, reason: str) -> None:
    organisations.check_unit_in(ctx, actor, "document.review", document_id)
    if not reason.strip():
        raise PrivacyError("Geef een reden om zonder geslaagde controle verder te gaan.")
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        doc.metadata_ = {**(doc.metadata_ or {}), "privacy_override": {"by": actor.label, "reason": reason,
                                                                       "at": utcnow().isoformat()}}
        audit.record(session, actor.label, "privacy.scan_overridden", document_id, reason=reason)


def blockers(session: Session, doc: Document) -> list[str]:
    """Dutch reasons the privacy gate holds this document back; empty when it may go out (the privacy part
    of woo.domain.worklist's assessment)."""
    from woo.services import worklist

    return worklist.assess_document(session, doc).privacy_blockers


def needs_redacted_rendition(session: Session, doc: Document) -> bool:
    """A file that is not a PDF is published as a PDF rendition when something in it is to be redacted (its
    text, or hidden content that the PDF rendition does not carry); otherwise it is published as it is."""
    original = doc.file("original")
    return original is not None and original.mime_type != "application/pdf" and any(
        f.decision == REDACT for f in original_findings(session, doc.id) if f.location is None)


def _missing_nl(report) -> list[str]:
    """Dutch, masked: what the redaction did not find, or left readable."""
    out = [f"'{r.text[:4]}…' op pagina {r.page}" if r.page else f"'{r.text[:4]}…' niet gevonden in de PDF-versie"
           for r in report.not_found]
    return out + [f"'{r.text[:4]}…' staat na het lakken nog in de PDF-versie" for r in report.still_readable]


def _removed_counts(unprinted: dict[str, str]) -> dict[str, int]:
    """Audit counts of values not redacted but removed with the comments / the deleted tracked changes."""
    where = list(unprinted.values())
    counts = {"removed_with_comments": where.count("comments"), "removed_with_changes": where.count("changes")}
    return {k: n for k, n in counts.items() if n}


def ensure_public_rendition(ctx: Context, document_id: str) -> None:
    """When every finding is decided: write the redacted, cleaned rendition ('redacted') that is published.

    A PDF is redacted and cleaned itself. Another format with something to redact is redacted in its PDF/A
    rendition (woo.archive.pdfa; the preserve job makes it, and is asked for here when it is missing, and
    calls this again when done): each value is searched on the rendition's pages; one that is not found, or
    is still readable afterwards, blocks publication (``redaction_incomplete``). Without redactions such a
    file is published as it is (a rendition made for earlier decisions is removed)."""
    from woo.archive.pdfa import REDACTABLE_KINDS
    from woo.privacy.redact import Redaction, redact_pdf, redact_rendition

    preserve_job = removed_key = None
    wait = False
    values: list[tuple[str, str]] | None = None  # None: the PDF original itself, per page
    office_ref = None  # DOCX/ODF: a value only in comments or deleted changes is not in the rendition (made without)
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        original = doc.file("original")
        rows = [f for f in original_findings(session, document_id) if f.location is None]
        if original is None or any(f.decision in (OPEN, PROPOSED_OFFICIAL) for f in rows):
            return
        old = doc.file("redacted")
        old_key = old.object_key if old else None
        if original.mime_type == "application/pdf":
            wanted = [Redaction(page=f.page or 1, text=f.text, ground=f.ground or default_ground(f.type))
                      for f in rows if f.decision == REDACT and f.type != "hidden"]
            src = (original.object_key, original.version_id, original.filename)
        elif not needs_redacted_rendition(session, doc):
            if old is None:
                return
            session.delete(old)  # decisions changed: nothing to redact any more, the original goes out
            meta = dict(doc.metadata_ or {})
            meta.pop("redaction_incomplete", None)
            doc.metadata_ = meta
            audit.record(session, SYSTEM.label, "document.redaction_removed", document_id)
            removed_key = old_key
        elif doc.format_kind not in REDACTABLE_KINDS:
            return  # an image: the work list asks for the document as a PDF
        elif doc.file("pdfa") is None or (doc.metadata_ or {}).get("pdfa_source_sha256") != original.sha256:
            if old is not None:  # made for other decisions or another file: never published in the meantime
                session.delete(old)
                removed_key = old_key
            # A waiting or running preserve job calls this function again when its PDF/A is stored; after a
            # failed one the work list shows why, and retrying it (the officer) calls this again too.
            last = max((j for j in doc.jobs if j.kind == "preserve"), key=lambda j: j.id, default=None)
            if last is None or last.status == "done":
                preserve_job = jobs.add_job(session, document_id, "preserve").id
            wait = True
        else:
            rendition = doc.file("pdfa")
            wanted = []
            values = list(dict.fromkeys((f.text, f.ground or default_ground(f.type))
                                        for f in rows if f.decision == REDACT and f.type != "hidden"))
            src = (rendition.object_key, rendition.version_id, original.filename)
            if doc.format_kind in UNPRINTED_KINDS:
                office_ref = (original.object_key, original.version_id, doc.format_kind)
    if removed_key:
        ctx.store.delete_all_versions(removed_key)
    if preserve_job is not None:
        jobs.dispatch(ctx, preserve_job)
    if removed_key or wait:
        return
    with local_copy(ctx.store, src[0], src[1], ".pdf", "woo-redact-") as local:
        out = local.parent / "public.pdf"
        report = redact_pdf(local, out, wanted) if values is None else redact_rendition(local, out, values)
        ident = identify(out, "public.pdf")
        data_sha = hashlib.sha256(out.read_bytes()).hexdigest()
        key = f"documents/{document_id}/{uuid.uuid4().hex}"
        stored = ctx.store.put_file(key, out, "application/pdf")
        size = out.stat().st_size
    unprinted: dict[str, str] = {}  # value -> "comments" / "changes": removed with them, not redacted
    if office_ref is not None and report.not_found:
        with local_copy(ctx.store, office_ref[0], office_ref[1], "." + office_ref[2], "woo-redact-") as local:
            unprinted = unprinted_only(local, office_ref[2], [r.text for r in report.not_found])
        report.not_found = [r for r in report.not_found if r.text not in unprinted]
    missing = _missing_nl(report)
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
            audit.record(session, SYSTEM.label, "document.redacted", document_id,
                         redactions=len(wanted if values is None else values) - len(unprinted),
                         not_found=len(missing), **_removed_counts(unprinted),
                         stripped=report.stripped, **({} if values is None else {"rendition": "pdfa"}))
    except BaseException:
        ctx.store.delete_all_versions(key)
        raise
    if old_key:
        ctx.store.delete_all_versions(old_key)
