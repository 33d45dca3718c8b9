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
from woo.domain.lifecycle import Status, check_transition
from woo.publish import front_refresh, search
from woo.publish.records import PUBLIC_FILE_ROLES, harvestable_format, public_file  # pure; re-exported here
from woo.services import audit, dashboard, feeds, organisations
from woo.services.context import Actor, Context


class PublicationError(ValueError):
    """A refused publication action; the message is Dutch, for the officer."""


@dataclass
class PublishResult:
    published: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)  # document id -> Dutch reasons


def public_filename(doc: Document, stored: StoredFile) -> str:
    """The download name the public gets: made from the document's (confirmed) title, never from the
    uploaded file's name, which may carry names and addresses no one checked; the extension of the file."""
    import re

    from woo.publish.records import title_slug

    suffix = Path(stored.filename or "").suffix.lower()
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    return (title_slug(doc.title) or f"document-{doc.id[:8]}") + suffix


def publication_blockers(session: Session, doc: Document, via_dossier: bool = False) -> list[str]:
    """Dutch reasons why ``doc`` may not be published now; empty means it may. The one decision of
    woo.domain.worklist (the same the work lists, badges and buttons show). A document of a dossier is
    published with its dossier (woo.services.dossiers, ``via_dossier=True``), never on its own."""
    from woo.services import worklist

    reasons: list[str] = []
    if doc.publication_id and not via_dossier:
        reasons.append("Dit document hoort bij een dossier en wordt met het hele dossier gepubliceerd.")
    return reasons + worklist.assess_document(session, doc).blockers


HANDELINGEN = ("vaststelling", "ondertekening", "ontvangst")  # the date fields publishing can ask for


def publish_fields(title: str | None = None, date: str | None = None, handeling: str | None = None,
                   language: str | None = None) -> dict:
    """What a publish form, API body or CLI option confirms with the publication, as metadata fields
    (woo.services.describe): the title, the document's date with its handeling, the language. Raises
    PublicationError (Dutch) for a date without a known handeling."""
    fields: dict = {}
    if (title or "").strip():
        fields["title"] = title
    if (date or "").strip():
        handeling = (handeling or "vaststelling").strip().lower()
        if handeling not in HANDELINGEN:
            raise PublicationError(f"Onbekende handeling ‘{handeling}’; kies uit {', '.join(HANDELINGEN)}.")
        fields[f"date.{handeling}"] = date
    if (language or "").strip():
        fields["language"] = language
    return fields


def publish(ctx: Context, actor: Actor, document_ids: list[str],
            titles: dict[str, str] | None = None, metadata: dict[str, dict] | None = None) -> PublishResult:
    """Publish each document that passes ``publication_blockers``; the others are refused with reasons.

    ``metadata`` (document id -> fields of ``publish_fields``) confirms what the publish form asks for when
    no one confirmed it yet: the public title, the document's date and handeling, the language; ``titles``
    is the short form for titles alone. It is audited like any metadata confirmation, and the title is
    scanned by the privacy gate before the gate is asked."""
    from woo.services import describe

    result = PublishResult()
    refresh: list[tuple[str, str | None]] = []
    confirm = {doc_id: dict(fields) for doc_id, fields in (metadata or {}).items()}
    for doc_id, title in (titles or {}).items():
        if (title or "").strip():
            confirm.setdefault(doc_id, {})["title"] = title
    for doc_id, fields in confirm.items():
        fields = {k: v for k, v in fields.items() if v not in (None, "")}
        if not fields:
            continue
        try:
            describe.set_metadata(ctx, actor, doc_id, fields)
        except describe.DescribeError as exc:
            result.refused[doc_id] = [str(exc)]
    with ctx.unit_of_work() as session:
        for doc_id in dict.fromkeys(document_ids):
            doc = session.get(Document, doc_id)
            if doc is None:
                result.refused[doc_id] = ["Document bestaat niet."]
                continue
            organisations.check_unit_of(session, actor, "document.publish", doc)
            if doc_id in result.refused:
                continue
            reasons = publication_blockers(session, doc)
            if reasons:
                result.refused[doc_id] = reasons
                continue
            mark_published(session, ctx, actor, doc)
            result.published.append(doc_id)
            refresh.append((doc_id, doc.organisation.public_base_url))
    refresh_front_files(ctx, refresh)  # a 404 the front server may still hold; the sitemaps: woo.services.feeds
    return result


def refresh_front_files(ctx: Context, docs: list[tuple[str, str | None]], method: str = "HEAD") -> None:
    """After a commit: the front servers fetch these documents' file URLs anew (woo.publish.front_refresh);
    ``docs`` is (document id, its organisation's public_base_url). Best-effort, never raises. A withdrawal
    asks with GET (the 410 is small, and stored before this returns); a new or corrected file with HEAD
    (nginx still fetches and stores it; this process does not read the file)."""
    from woo.publish.sites import base_url_for

    if docs and front_refresh.configured(ctx.settings):
        front_refresh.refresh(ctx.settings, [base_url_for(public, ctx.settings.base_url) + front_refresh.file_path(d)
                                             for d, public in docs], method=method)


def mark_published(session: Session, ctx: Context, actor: Actor, doc: Document, *, events: list | None = None,
                   counts: list | None = None, unindexed: bool = False, **detail) -> None:
    """Make one checked document public in the caller's transaction (searchable, listed, audited).

    ``events``, ``counts``: a caller publishing many documents at once (a dossier) passes lists; the audit
    event and the dashboard counter moves are added to them instead of written now, and the caller writes
    them all at once (``audit.record_many``, ``dashboard.apply_deltas``); ``unindexed``: the caller already
    removed the documents from the search index in one statement."""
    now = utcnow()
    doc.status = check_transition(doc.status, Status.PUBLISHED)
    doc.published_at, doc.withdrawn_at, doc.withdraw_reason = now, None, None
    doc.updated_at = now
    stored = public_file(doc)
    search.index_document(session, ctx.store, doc, removed=unindexed)
    if counts is not None:
        counts.extend(dashboard.published_deltas(session, doc))
    else:
        dashboard.note_published(session, doc)
    detail = {"category": doc.category, "file_role": stored.role, "sha256": stored.sha256, **detail}
    if events is not None:
        events.append(("document.published", doc.id, detail))
    else:
        audit.record(session, actor.label, "document.published", doc.id, **detail)


def mark_withdrawn(session: Session, actor: Actor, doc: Document, reason: tooi.Concept, **detail) -> None:
    """Take one published document down in the caller's transaction (its file URL answers 410)."""
    now = utcnow()
    doc.status = check_transition(doc.status, Status.WITHDRAWN)
    doc.withdrawn_at, doc.withdraw_reason, doc.updated_at = now, reason.uri, now
    search.remove_documents(session, [doc.id])
    dashboard.note_withdrawn(session, doc)
    audit.record(session, actor.label, "document.withdrawn", doc.id, reason=reason.uri, label=reason.label,
                 **detail)


def resolve_reason(reason_code: str | None) -> tooi.Concept:
    reason = tooi.reden_verwijdering(reason_code)
    if reason is None:
        allowed = ", ".join(c.code for c in tooi.redenen_verwijdering())
        raise PublicationError(f"Onbekende reden '{reason_code}'. Kies uit: {allowed}.")
    return reason


def withdraw(ctx: Context, actor: Actor, document_ids: list[str], reason_code: str) -> list[str]:
    """Take published documents down (sitemaps drop them, the file URL answers 410). All or nothing; another
    unit's document is refused before the reason is looked at."""
    done = []
    refresh: list[tuple[str, str | None]] = []
    with ctx.unit_of_work() as session:
        for doc_id in dict.fromkeys(document_ids):
            doc = session.get(Document, doc_id)
            if doc is None:
                raise PublicationError(f"Document {doc_id} bestaat niet.")
            organisations.check_unit_of(session, actor, "document.publish", doc)
            if doc.status != Status.PUBLISHED:
                raise PublicationError(f"Document {doc_id} is niet gepubliceerd en kan dus niet worden "
                                       "ingetrokken.")
            mark_withdrawn(session, actor, doc, resolve_reason(reason_code))
            done.append(doc_id)
            refresh.append((doc_id, doc.organisation.public_base_url))
    refresh_front_files(ctx, refresh, method="GET")  # committed: the front servers hold the 410 from now on
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
           "publication_blockers", "publish", "publish_fields", "HANDELINGEN", "withdraw", "mark_published", "mark_withdrawn", "correct", "resolve_reason", "ready_document_ids"]
