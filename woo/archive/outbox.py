"""Which documents' MDTO sidecars must be rewritten: noted in the same transaction as the change.

A class-level SQLAlchemy hook (every Session) adds an ``archive_outbox`` row whenever a document row or one
of its stored files is created, changed or removed; ``woo.services.preservation.describe_pending`` rewrites
the sidecars later (worker sweep, ``woo archive describe``). No service has to remember to call it, and a
crash between commit and rewrite only delays the rewrite.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from woo.adapters.models import ArchiveOutbox, Document, DossierDocument, Publication, StoredFile, new_id

_KEY = "woo_archive_outbox"
_installed = False


def _document_id(obj) -> str | None:
    if isinstance(obj, Document):
        if obj.id is None:
            obj.id = new_id()  # the column default, set now so the outbox row can name it
        return obj.id
    if isinstance(obj, StoredFile):
        return obj.document_id or (obj.document.id if obj.document is not None else None)
    # A dossier's sidecars (its MDTO aggregation) are noted under the dossier's own id: ids are UUIDs, unique
    # across documents and dossiers, and woo.services.preservation.describe_pending tells them apart.
    if isinstance(obj, Publication):
        if obj.id is None:
            obj.id = new_id()
        return obj.id
    if isinstance(obj, DossierDocument):
        return obj.dossier_id
    return None


def _before_flush(session: Session, flush_context, instances) -> None:
    ids = set()
    for obj in list(session.new) + list(session.deleted):
        ids.add(_document_id(obj))
    for obj in session.dirty:
        if isinstance(obj, (Document, StoredFile, Publication, DossierDocument)) and \
                session.is_modified(obj, include_collections=False):
            ids.add(_document_id(obj))
    noted = session.info.setdefault(_KEY, set())
    for doc_id in ids - noted - {None}:
        session.add(ArchiveOutbox(document_id=doc_id))
        noted.add(doc_id)


def _forget(session: Session, *args) -> None:
    session.info.pop(_KEY, None)


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_commit", _forget)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True


install()
