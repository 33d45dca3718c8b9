"""Published documents for the open JSON API (/api/v1/openbaar/documenten): search, filters and paging over
the public search index, each document described by its DiWoo record (the one the sitemaps carry).

Only documents whose status is ``published`` on the site's organisations, as the public pages and the
sitemaps show them; withdrawn, destroyed, transferred or never published documents are not found, and a
single document that was published once and no longer is says so (410)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from woo.adapters.models import Document, Dossier
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.metadata.diwoo import DiwooRecord
from woo.publish import search as searchidx
from woo.publish.records import diwoo_record, public_file


class OpenApiError(ValueError):
    """A filter the open API cannot apply; the message is Dutch, for the re-user."""


@dataclass
class Filters:
    q: str = ""
    category: str | None = None       # TOOI URI, label or article (2i)
    documentsoort: str | None = None  # TOOI URI or label
    topic: str | None = None          # the onderwerp of the document's dossier
    date_from: date | None = None     # the document's own date, inclusive
    date_to: date | None = None       # inclusive
    published_from: date | None = None
    published_to: date | None = None


@dataclass
class OpenDocument:
    document: Document
    record: DiwooRecord


@dataclass
class OpenDocuments:
    total: int
    items: list[OpenDocument]
    facets: dict = field(default_factory=dict)  # "categorie" / "documentsoort": [(uri, n)]


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, timezone.utc) if day else None


def _after(day: date | None) -> datetime | None:
    return datetime.combine(day + timedelta(days=1), time.min, timezone.utc) if day else None


def _topic_documents(session: Session, organisation_ids, topic: str):
    """The documents of the published dossiers that carry this onderwerp (case does not matter)."""
    key = topic.strip().lower()
    rows = session.execute(select(Dossier.id, Dossier.topics).where(
        Dossier.organisation_id.in_(list(organisation_ids)), Dossier.status == "openbaar")).all()
    ids = [i for i, topics in rows if key in {(t or "").lower() for t in (topics or [])}]
    return select(Document.id).where(Document.publication_id.in_(ids))


def _load(session: Session, ids: list[str]) -> dict[str, Document]:
    return {d.id: d for d in session.execute(
        select(Document).options(selectinload(Document.files), selectinload(Document.organisation),
                                 selectinload(Document.dossier))
        .where(Document.id.in_(ids), Document.status == Status.PUBLISHED)).scalars()}


def _described(doc: Document, base_url: str) -> OpenDocument | None:
    stored = public_file(doc)
    if stored is None:
        return None
    return OpenDocument(doc, diwoo_record(doc, doc.organisation, stored, base_url))


def search(session: Session, organisation_ids, base_url: str, flt: Filters, offset: int = 0,
           limit: int = 20) -> OpenDocuments:
    """One page of published documents matching the filters, newest first (best first with words)."""
    category = soort = None
    if flt.category:
        cat = tooi.resolve_category(flt.category)
        if cat is None:
            raise OpenApiError(f"'{flt.category}' is geen Woo-informatiecategorie.")
        category = cat.uri
    if flt.documentsoort:
        concept = tooi.documentsoort(flt.documentsoort)
        if concept is None:
            raise OpenApiError(f"'{flt.documentsoort}' is geen documentsoort uit de TOOI-lijst.")
        soort = concept.uri
    for low, high, what in ((flt.date_from, flt.date_to, "datum"),
                            (flt.published_from, flt.published_to, "publicatiedatum")):
        if low and high and low > high:
            raise OpenApiError(f"De {what} 'van' ligt na de {what} 'tot'.")
    within = _topic_documents(session, organisation_ids, flt.topic) if flt.topic and flt.topic.strip() else None
    found = searchidx.search(session, organisation_ids, flt.q, category=category, documentsoort=soort,
                             date_from=_start(flt.date_from), date_to=_after(flt.date_to),
                             published_from=_start(flt.published_from), published_to=_after(flt.published_to),
                             within=within, offset=offset, limit=limit)
    docs = _load(session, found.document_ids)
    items = [o for o in (_described(docs[i], base_url) for i in found.document_ids if i in docs) if o]
    return OpenDocuments(found.total, items, {"categorie": found.facets.get("category", []),
                                              "documentsoort": found.facets.get("documentsoort", [])})


def get(session: Session, organisation_ids, base_url: str, document_id: str) -> tuple[int, OpenDocument | None]:
    """(200, the document) when published here; (404, None) when never published here; (410, None) when
    published once and no longer public."""
    doc = session.execute(select(Document).options(
        selectinload(Document.files), selectinload(Document.organisation), selectinload(Document.dossier))
        .where(Document.id == document_id)).scalar_one_or_none()
    if doc is None or doc.published_at is None or doc.organisation_id not in set(organisation_ids):
        return 404, None
    if doc.status != Status.PUBLISHED:
        return 410, None
    described = _described(doc, base_url)
    return (200, described) if described else (404, None)


__all__ = ["Filters", "OpenApiError", "OpenDocument", "OpenDocuments", "search", "get"]
