"""Which sitemap entries must be rewritten: noted in the same transaction as the change.

Like woo.archive.outbox: a class-level SQLAlchemy hook (every Session) adds a ``feed_outbox`` row when a
document that is or was published changes (status, metadata, category, a replaced file), and an
organisation row when an organisation's name, TOOI URI or public host changes. No service has to remember
it; woo.services.feeds works the rows off (an rq job queued after the commit, and the worker's minute
sweep should that job be lost). Documents never published are not noted: ingest and review traffic stays
out of the feeds.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from woo.adapters.models import Document, FeedOutbox, Organisation, StoredFile, new_id
from woo.domain.lifecycle import Status

_NOTED = "woo_feed_outbox"
COMMITTED = "woo_feed_outbox_committed"  # read by Context.unit_of_work after commit: queue the feeds job
_installed = False


def _listed_document(obj) -> str | None:
    """The id of the document whose sitemap entry ``obj`` feeds, if that document is or was public."""
    doc = obj if isinstance(obj, Document) else getattr(obj, "document", None) if isinstance(obj, StoredFile) else None
    if doc is None:
        return None
    if doc.published_at is not None or doc.status == Status.PUBLISHED:
        if doc.id is None:
            doc.id = new_id()  # the column default, set now so the outbox row can name it
        return doc.id
    return None


def _before_flush(session: Session, flush_context, instances) -> None:
    docs, orgs = set(), set()
    with session.no_autoflush:
        for obj in list(session.new) + list(session.deleted):
            docs.add(_listed_document(obj))
        for obj in session.dirty:
            if not session.is_modified(obj, include_collections=False):
                continue
            if isinstance(obj, Organisation):
                orgs.add(obj.id)
            else:
                docs.add(_listed_document(obj))
    noted = session.info.setdefault(_NOTED, set())
    for doc_id in docs - noted - {None}:
        session.add(FeedOutbox(document_id=doc_id))
        noted.add(doc_id)
    for org_id in orgs - {None}:
        if ("org", org_id) not in noted:
            session.add(FeedOutbox(organisation_id=org_id))
            noted.add(("org", org_id))


def _after_commit(session: Session) -> None:
    if session.info.pop(_NOTED, None):
        session.info[COMMITTED] = True


def _forget(session: Session, *args) -> None:
    session.info.pop(_NOTED, None)


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True


install()
