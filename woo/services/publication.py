"""Publishing, withdrawing and correcting documents: what makes a file public for the portal and harvesters.

The sitemaps, OAI-PMH and the public pages (woo.publish, woo.web.public) read only what these functions
set: ``status == published`` and ``published_at``; a withdrawal sets ``withdrawn_at`` and the TOOI reason.
Each change reaches the stored sitemaps through woo.services.feeds: queued after publish and correct,
done before returning on withdraw.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import Document, StoredFile, utcnow
from woo.domain import tooi
from woo.domain.lifecycle import LABELS_NL, Status, check_transition
from woo.publish import search
from woo.services import audit, feeds
from woo.services.context import Actor, Context

# The public gets the first of these a document has: a correction, else a redacted rendition, else the original.
PUBLIC_FILE_ROLES = ("published", "redacted", "original")


class PublicationError(ValueError):
    """A refused publication action; the message is Dutch, for the officer."""


@dataclass
class PublishResult:
    published: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)  # document id -> Dutch reasons


def public_file(doc: Document) -> StoredFile | None:
    for role in PUBLIC_FILE_ROLES:
        f = doc.file(role)
        if f is not None:
            return f
    return None


def harvestable_format(stored: StoredFile) -> tooi.Bestandsformaat | None:
    """The TOOI file type of a stored file, None when the Woo-index does not harvest that format."""
    return tooi.bestandsformaat_for(stored.mime_type, stored.filename)


def _privacy_blockers(session: Session, doc: Document) -> list[str]:
    """The privacy gate (woo.services.privacy): open findings or a failed scan hold a document back."""
    from woo.services import privacy

    return privacy.blockers(session, doc)


def publication_blockers(session: Session, doc: Document) -> list[str]:
    """Dutch reasons why ``doc`` may not be published now; empty means it may."""
    reasons: list[str] = []
    if doc.status != Status.READY:
        reasons.append(f"Alleen documenten met status '{LABELS_NL[Status.READY]}' kunnen worden gepubliceerd; "
                       f"dit document heeft status '{LABELS_NL[Status(doc.status)]}'.")
    if tooi.category_by_uri(doc.category) is None:
        reasons.append("De informatiecategorie is nog niet vastgesteld.")
    extract_jobs = [j for j in doc.jobs if j.kind == "extract"]
    if not any(j.status == "done" for j in extract_jobs) or any(j.status in ("queued", "running")
                                                                 for j in extract_jobs):
        reasons.append("Het uitlezen van de tekst is nog niet afgerond.")
    stored = public_file(doc)
    if stored is None:
        reasons.append("Er is geen bestand om te publiceren.")
    elif harvestable_format(stored) is None:
        reasons.append(f"Het bestandsformaat ({stored.mime_type}) wordt niet door de Woo-index geoogst; "
                       "lever het aan als PDF of een ander toegestaan formaat.")
    reasons.extend(_privacy_blockers(session, doc))
    return reasons


def publish(ctx: Context, actor: Actor, document_ids: list[str]) -> PublishResult:
    """Publish each document that passes ``publication_blockers``; the others are refused with reasons."""
    result = PublishResult()
    with ctx.unit_of_work() as session:
        for doc_id in dict.fromkeys(document_ids):
            doc = session.get(Document, doc_id)
            if doc is None:
                result.refused[doc_id] = ["Document bestaat niet."]
                continue
            reasons = publication_blockers(session, doc)
            if reasons:
                result.refused[doc_id] = reasons
                continue
            now = utcnow()
            doc.status = check_transition(doc.status, Status.PUBLISHED)
            doc.published_at, doc.withdrawn_at, doc.withdraw_reason = now, None, None
            doc.updated_at = now
            stored = public_file(doc)
            search.index_document(session, ctx.store, doc)
            audit.record(session, actor.label, "document.published", doc.id, category=doc.category,
                         file_role=stored.role, sha256=stored.sha256)
            result.published.append(doc_id)
    return result


def resolve_reason(reason_code: str | None) -> tooi.Concept:
    reason = tooi.reden_verwijdering(reason_code)
    if reason is None:
        allowed = ", ".join(c.code for c in tooi.redenen_verwijdering())
        raise PublicationError(f"Onbekende reden '{reason_code}'. Kies uit: {allowed}.")
    return reason


def withdraw(ctx: Context, actor: Actor, document_ids: list[str], reason_code: str) -> list[str]:
    """Take published documents down (sitemaps drop them, the file URL answers 410). All or nothing."""
    reason = resolve_reason(reason_code)
    done = []
    with ctx.unit_of_work() as session:
        for doc_id in dict.fromkeys(document_ids):
            doc = session.get(Document, doc_id)
            if doc is None:
                raise PublicationError(f"Document {doc_id} bestaat niet.")
            if doc.status != Status.PUBLISHED:
                raise PublicationError(f"Document {doc_id} is niet gepubliceerd en kan dus niet worden "
                                       "ingetrokken.")
            now = utcnow()
            doc.status = check_transition(doc.status, Status.WITHDRAWN)
            doc.withdrawn_at, doc.withdraw_reason, doc.updated_at = now, reason.uri, now
            search.remove_documents(session, [doc.id])
            audit.record(session, actor.label, "document.withdrawn", doc.id, reason=reason.uri, label=reason.label)
            done.append(doc_id)
    # Not left to the queue: a withdrawn document leaves the stored sitemaps before this returns.
    feeds.refresh_pending(ctx)
    return done


def correct(ctx: Context, actor: Actor, document_id: str, path: Path, filename: str,
            reason_code: str = "correctie_procedurele_fout"):
    """Submit a corrected public file for a published document (same URL, later lastmod once public).

    Like any publication it passes the gate first (woo.services.correction): identify here, then text
    extraction and the privacy scan as the rq job ``correction``; it becomes public only when nothing is
    open. Until then the current public file stays public. Returns a ``CorrectionResult``.
    """
    from woo.services import correction

    reason = resolve_reason(reason_code)
    return correction.submit(ctx, actor, document_id, path, filename, reason, error=PublicationError)


def ready_document_ids(session: Session, organisation_ids: set[int] | None = None) -> list[str]:
    """Documents with status ready (the CLI's --all-ready); blockers are still checked on publish."""
    stmt = select(Document.id).where(Document.status == Status.READY).order_by(Document.created_at)
    if organisation_ids is not None:
        stmt = stmt.where(Document.organisation_id.in_(organisation_ids))
    return list(session.execute(stmt).scalars())


__all__ = ["PUBLIC_FILE_ROLES", "PublicationError", "PublishResult", "public_file", "harvestable_format",
           "publication_blockers", "publish", "withdraw", "correct", "resolve_reason", "ready_document_ids"]
