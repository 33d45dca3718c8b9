"""Bereikbaarheidsgegevens (Woo art. 3.3 lid 1 sub e): an organisation's contact details, as set through
``woo organisation set`` or the admin page (woo.services.organisations), published as a document of that
category. woo writes it as a Dutch PDF (woo.publish.bereikbaarheid) with the day the details apply from.

The document goes through the ordinary pipeline and gate: text, privacy scan (the organisation's own
e-mail, phone and address are allowed there with a recorded reason: woo.services.privacy.own_contact_decision;
anything else it finds stays open for an officer), PDF/A. It is published by the job runner as soon as its
gate is clear (``publish_when_ready``, from woo.services.jobs). When the details change later, the new PDF is
submitted through the correction path (woo.services.correction): same record and file URL, the old version
stays as an earlier version of the record, the new one public once its check passed.
"""
from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select

from woo.adapters.models import Document, Organisation, utcnow
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.publish import bereikbaarheid
from woo.services import audit
from woo.services.context import SYSTEM, Actor, Context

SOURCE = "organisatie"  # documents.source of the document woo writes for an organisation
META_KEY = "bereikbaarheid"  # documents.metadata: the contact details the current file shows
FILENAME = "bereikbaarheidsgegevens.pdf"
LIVE = (Status.CONCEPT.value, Status.READY.value, Status.PUBLISHED.value)


def category() -> tooi.Category:
    """The TOOI Woo category bereikbaarheidsgegevens, from schemas/tooi."""
    return tooi.resolve_category("bereikbaarheidsgegevens")


def current(session, organisation_id: int) -> Document | None:
    """The organisation's bereikbaarheidsgegevens document woo keeps (not withdrawn or destroyed)."""
    return session.execute(select(Document).where(
        Document.organisation_id == organisation_id, Document.source == SOURCE,
        Document.category == category().uri, Document.status.in_(LIVE))
        .order_by(Document.created_at.desc()).limit(1)).scalar_one_or_none()


def refresh(ctx: Context, actor: Actor, organisation_id: int, day: date | None = None) -> str | None:
    """Make (or renew) the organisation's bereikbaarheidsgegevens document from its contact details now.
    Returns its id; None when the organisation has no contact details (nothing to publish). Details equal to
    those of the current document change nothing."""
    day = day or utcnow().date()
    with ctx.unit_of_work() as session:
        org = session.get(Organisation, organisation_id)
        contact, name = dict(org.contact or {}), org.name
        doc = current(session, organisation_id)
        doc_id = doc.id if doc else None
        status = doc.status if doc else None
        shown = ((doc.metadata_ or {}).get(META_KEY) or {}) if doc else {}
    if not contact or (contact, name) == (shown.get("contact"), shown.get("name")):
        return doc_id
    pdf = bereikbaarheid.build_pdf(name, contact, day)
    sha = hashlib.sha256(pdf).hexdigest()
    with tempfile.TemporaryDirectory(prefix="woo-bereikbaarheid-") as tmp:
        path = Path(tmp) / FILENAME
        path.write_bytes(pdf)
        if doc_id is None:
            doc_id = _new_document(ctx, actor, organisation_id, name, path)
        elif status == Status.PUBLISHED:
            from woo.services import correction

            correction.submit(ctx, actor, doc_id, path, FILENAME,
                              tooi.reden_verwijdering("correctie procedurele fout"))
        else:
            from woo.services.ingest import replace_original

            replace_original(ctx, doc_id, path, FILENAME, sha)
    _describe(ctx, actor, doc_id, name, contact, day, sha)
    publish_when_ready(ctx, doc_id)
    return doc_id


def _new_document(ctx: Context, actor: Actor, organisation_id: int, name: str, path: Path) -> str:
    from woo.services import classification
    from woo.services.ingest import ingest

    result = ingest(ctx, actor, organisation_id, FILENAME, path=path, source=SOURCE,
                    title=bereikbaarheid.title(name), unit=None)
    if result.status != "accepted":
        from woo.domain.organisations import OrganisationError

        raise OrganisationError(f"De bereikbaarheidsgegevens konden niet worden opgeslagen: {result.reason}")
    classification.set_category(ctx, actor, result.document_id, category().uri)
    return result.document_id


def _describe(ctx: Context, actor: Actor, doc_id: str, name: str, contact: dict, day: date, sha: str) -> None:
    """The public title, the day the details apply from (vaststelling) and the language, confirmed: woo
    wrote the document, so it knows them; and which details this version shows."""
    from woo.services import describe

    describe.set_metadata(ctx, actor, doc_id, {"title": bereikbaarheid.title(name),
                                               "date.vaststelling": day.isoformat(), "language": "nl"})
    with ctx.unit_of_work() as session:
        doc = session.get(Document, doc_id)
        meta = dict(doc.metadata_ or {})
        meta[META_KEY] = {"contact": contact, "name": name, "day": day.isoformat(), "sha256": sha}
        doc.metadata_ = meta
        audit.record(session, actor.label, "organisation.contact_document", doc_id,
                     organisation=doc.organisation.code, sha256=sha)


def publish_when_ready(ctx: Context, document_id: str) -> bool:
    """Hook for the job runner: publish an organisation's bereikbaarheidsgegevens document once its jobs are
    done and its gate is clear (cheap for any other document). True when it was published now."""
    from woo.services import publication

    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        if doc is None or doc.source != SOURCE or doc.status not in (Status.CONCEPT, Status.READY) \
                or doc.category != category().uri:
            return False
        if publication.publication_blockers(session, doc):
            return False
    return bool(publication.publish(ctx, SYSTEM, [document_id]).published)


__all__ = ["refresh", "current", "publish_when_ready", "category", "SOURCE"]
