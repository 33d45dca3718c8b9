"""Reading documents for the officer UI and the API: filtered, paged lists and details."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from woo.adapters.models import Document, Event
from woo.services.accounts import Principal


@dataclass
class DocumentFilter:
    status: str | None = None
    category: str | None = None
    format_kind: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    document_ids: list[str] | None = None  # a work list (woo.services.worklist.on_list)
    # the lists behind the compliance dashboard's figures (woo.services.dashboard)
    organisation_id: int | None = None
    published_in: int | str | None = None   # a year, or "ja": ever published
    withdrawn_in: int | None = None          # a year
    withdraw_reason: str | None = None       # TOOI reason URI
    redaction_ground: str | None = None      # a Woo ground of a redaction in the published file
    # the officer's own units (woo.domain.organisations.visible_unit_ids): their work and work of no unit
    unit_ids: set[int] | None = None


@dataclass
class Page:
    items: list[Document]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def visible_organisations(principal: Principal) -> set[int] | None:
    """None means every organisation (a role held installation-wide)."""
    orgs = principal.organisation_ids()
    return None if None in orgs else {o for o in orgs if o is not None}


def unit_clause(unit_ids: set[int]):
    """Documents of these units, or of no unit (nobody's yet: every officer should see those)."""
    from sqlalchemy import or_

    return or_(Document.unit_id.in_(unit_ids), Document.unit_id.is_(None))


def list_documents(session: Session, principal: Principal, flt: DocumentFilter, page: int = 1,
                   per_page: int = 25) -> Page:
    stmt = select(Document)
    orgs = visible_organisations(principal)
    if orgs is not None:
        stmt = stmt.where(Document.organisation_id.in_(orgs))
    if flt.document_ids is not None:
        stmt = stmt.where(Document.id.in_(flt.document_ids))
    if flt.unit_ids is not None:
        stmt = stmt.where(unit_clause(flt.unit_ids))
    if flt.status:
        stmt = stmt.where(Document.status == flt.status)
    if flt.category:
        stmt = stmt.where(Document.category == flt.category)
    if flt.format_kind:
        stmt = stmt.where(Document.format_kind == flt.format_kind)
    if flt.date_from:
        stmt = stmt.where(Document.created_at >= datetime.combine(flt.date_from, time.min, timezone.utc))
    if flt.date_to:
        stmt = stmt.where(Document.created_at <= datetime.combine(flt.date_to, time.max, timezone.utc))
    if flt.q:
        stmt = stmt.where(Document.title.ilike(f"%{flt.q}%"))
    stmt = _dashboard_filters(stmt, flt)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    page = max(1, page)
    items = session.execute(stmt.options(selectinload(Document.files), selectinload(Document.jobs))
                            .order_by(Document.created_at.desc(), Document.id)
                            .offset((page - 1) * per_page).limit(per_page)).scalars().all()
    return Page(list(items), total, page, per_page)


def _year_range(year: int) -> tuple[datetime, datetime]:
    return (datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc))


def _dashboard_filters(stmt, flt: DocumentFilter):
    from sqlalchemy import exists

    from woo.adapters.models import PrivacyFinding

    if flt.organisation_id is not None:
        stmt = stmt.where(Document.organisation_id == flt.organisation_id)
    if flt.published_in == "ja":
        stmt = stmt.where(Document.published_at.is_not(None))
    elif isinstance(flt.published_in, int):
        start, end = _year_range(flt.published_in)
        stmt = stmt.where(Document.published_at >= start, Document.published_at < end)
    if flt.withdrawn_in is not None:
        start, end = _year_range(flt.withdrawn_in)
        stmt = stmt.where(Document.withdrawn_at >= start, Document.withdrawn_at < end)
    if flt.withdraw_reason:
        stmt = stmt.where(Document.withdraw_reason == flt.withdraw_reason)
    if flt.redaction_ground is not None:
        stmt = stmt.where(exists().where(
            PrivacyFinding.document_id == Document.id, PrivacyFinding.decision == "redact",
            PrivacyFinding.file_role.is_(None),
            (PrivacyFinding.ground == flt.redaction_ground) if flt.redaction_ground
            else PrivacyFinding.ground.is_(None)))
    return stmt


def get_document(session: Session, principal: Principal, document_id: str) -> Document | None:
    doc = session.get(Document, document_id, options=[selectinload(Document.files), selectinload(Document.jobs)])
    if doc is None:
        return None
    orgs = visible_organisations(principal)
    if orgs is not None and doc.organisation_id not in orgs:
        return None  # not yours: indistinguishable from absent
    return doc


def history(session: Session, document_id: str) -> list[Event]:
    return list(session.execute(select(Event).where(Event.document_id == document_id)
                                .order_by(Event.id)).scalars())
