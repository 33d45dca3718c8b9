"""Dossiers: create and edit them, put documents in them, judge those documents, see what blocks
publication, publish the whole dossier at once (nothing half), open it for the requester, withdraw it.

The rules are woo.domain.dossiers; the per-document publication checks are woo.services.publication's, so
a document of a dossier meets exactly the bar a single document meets. Every change is an audited event
(``dossier.*``, with the dossier id in the detail). A Woo-besluit's inventarislijst is generated from the
judgements (woo.publish.inventarislijst) and kept as a document of the dossier, regenerated on each change.
"""
from __future__ import annotations

import hashlib
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session, selectinload

from woo.adapters.models import (Document, Dossier, DossierDocument, DossierTopic, Job, Organisation,
                                 PrivacyFinding, StoredFile, utcnow)
from woo.domain import dossiers as rules
from woo.domain import tooi
from woo.domain import worklist as worklist_rules
from woo.domain.dossiers import DossierError, Judgement, Kind, Role, Status
from woo.domain.lifecycle import Status as DocStatus
from woo.publish import inventarislijst, search
from woo.publish.records import as_utc, file_url
from woo.services import audit, dashboard, jobs, organisations, publication
from woo.services.context import Actor, Context

__all__ = ["DossierError", "create", "edit", "set_status", "add_topic", "topics", "add_documents",
           "ingest_document", "move_documents", "remove_document", "judge", "judge_bulk", "blockers", "publish",
           "withdraw", "open_for_requester", "requester_dossier", "refresh_inventory", "iter_inventory_rows", "inventory_count", "get",
           "items", "list_dossiers", "dossier_url", "PublishResult"]


def dossier_url(base_url: str, dossier_id: str) -> str:
    return f"{base_url.rstrip('/')}/dossiers/{dossier_id}"


def _event(session: Session, actor: Actor, action: str, dossier: Dossier, **detail) -> None:
    audit.record(session, actor.label, f"dossier.{action}", None, dossier=dossier.id, **detail)


def _load(session: Session, dossier_id: str, for_update: bool = False) -> Dossier:
    stmt = select(Dossier).where(Dossier.id == dossier_id)
    if for_update:
        stmt = stmt.with_for_update()
    d = session.execute(stmt).scalar_one_or_none()
    if d is None:
        raise DossierError(f"Dossier {dossier_id} bestaat niet.")
    return d


def _editable(d: Dossier) -> None:
    if not rules.is_editable(d.status):
        raise DossierError(f"Een dossier met status '{rules.STATUS_LABELS_NL[Status(d.status)]}' kan niet meer "
                           "worden gewijzigd.")


def _accepts_documents(d: Dossier) -> None:
    if not rules.accepts_documents(d.status):
        raise DossierError(f"Aan een dossier met status '{rules.STATUS_LABELS_NL[Status(d.status)]}' kunnen geen "
                           "documenten worden toegevoegd.")


def _judgeable(d: Dossier, item: DossierDocument) -> None:
    """Judgements change in a concept dossier; in a published one only those of late documents not yet public."""
    if d.status == Status.OPENBAAR and item.document.status not in (DocStatus.PUBLISHED, DocStatus.WITHDRAWN):
        return
    _editable(d)


def get(session: Session, dossier_id: str) -> Dossier | None:
    return session.get(Dossier, dossier_id)


def items(session: Session, dossier_id: str) -> list[DossierDocument]:
    return list(session.execute(
        select(DossierDocument).where(DossierDocument.dossier_id == dossier_id)
        .options(selectinload(DossierDocument.document).selectinload(Document.files),
                 selectinload(DossierDocument.document).selectinload(Document.jobs))
        .order_by(DossierDocument.position, DossierDocument.document_id)).scalars())


def list_dossiers(session: Session, organisation_ids: set[int] | None, status: str | None = None,
                  limit: int = 200, kind: str | None = None, ids: list[str] | None = None,
                  unit_ids: set[int] | None = None) -> list[Dossier]:
    """``unit_ids``: only those units' dossiers and dossiers of no unit (the officer's default view)."""
    stmt = select(Dossier)
    if unit_ids is not None:
        from sqlalchemy import or_

        stmt = stmt.where(or_(Dossier.unit_id.in_(unit_ids), Dossier.unit_id.is_(None)))
    if organisation_ids is not None:
        stmt = stmt.where(Dossier.organisation_id.in_(organisation_ids))
    if kind:
        stmt = stmt.where(Dossier.kind == kind)
    if ids is not None:  # the Woo-besluiten behind a dashboard figure (woo.services.dashboard)
        stmt = stmt.where(Dossier.id.in_(ids))
    if status:
        stmt = stmt.where(Dossier.status == status)
    return list(session.execute(stmt.order_by(Dossier.created_at.desc()).limit(limit)).scalars())


# --------------------------------------------------------------------------- fields, topics

def length_problems(model, fields) -> list[str]:
    """Dutch problems for text longer than its column (``fields``: (label, value, column name) triples, the
    label as it reads mid-sentence). Every door that writes such a field asks this first: else PostgreSQL
    refuses the value late (value too long, a 500) and SQLite stores it silently."""
    out = []
    for label, value, column in fields:
        cap = model.__table__.c[column].type.length
        if value and len(value) > cap:
            out.append(f"{label} is langer dan {cap} tekens.")
    return out


def inventory_length_problems(number: str | None, public_link: str | None) -> list[str]:
    """The inventory row's document number and public link (the import, a judgement)."""
    return length_problems(DossierDocument, (("het documentnummer", number, "number"),
                                             ("de publieke link", public_link, "public_link")))


def _refuse(problems: list[str]) -> None:
    if problems:
        raise DossierError(" ".join(p[0].upper() + p[1:] for p in problems))


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    from woo.services.dossier_import import parse_date

    parsed = parse_date(str(value))
    if parsed is None:
        raise DossierError(f"'{value}' is geen geldige datum (bijvoorbeeld 2024-03-18 of 18-03-2024).")
    return parsed


def _fields(session: Session, org_id: int, values: dict, current: Dossier | None = None) -> rules.DossierFields:
    def pick(name, default=None):
        return values[name] if name in values else (getattr(current, name) if current is not None else default)
    kind = rules.parse_kind(pick("kind", "publicatie"))
    category = rules.dossier_category(kind, values.get("category") or (current.category if current else None))
    managed = [t.name for t in session.execute(select(DossierTopic).where(
        DossierTopic.organisation_id == org_id, DossierTopic.retired_at.is_(None))).scalars()]
    managed += list(current.topics or []) if current is not None else []  # a retired one may stay where it is
    topics_in = values.get("topics", current.topics if current else []) or []
    if isinstance(topics_in, str):
        topics_in = [t for t in topics_in.split(",")]
    decision = values.get("decision", current.decision if current else None)
    if decision:
        parsed = rules.parse_judgement(decision)
        if parsed is None:
            raise DossierError(f"Onbekend besluit '{decision}'. Kies uit: "
                               + ", ".join(rules.JUDGEMENT_LABELS_NL.values()) + ".")
        decision = parsed
    try:
        suspension = int(pick("suspension_days", 0) or 0)
    except (TypeError, ValueError):
        raise DossierError("Het aantal opschortingsdagen moet een geheel getal zijn.") from None
    f = rules.DossierFields(
        title=(pick("title", "") or "").strip(), kind=kind, category=category,
        reference=(pick("reference") or "").strip() or None, summary=(pick("summary") or "").strip() or None,
        topics=rules.check_topics(list(topics_in), managed),
        received_date=_parse_date(pick("received_date")), decision_date=_parse_date(pick("decision_date")),
        extended=bool(pick("extended", False)) and str(pick("extended", "")).lower() not in ("0", "nee", "false"),
        suspension_days=suspension, decision=decision or None)
    problems = rules.fields_problems(f)
    if problems:
        raise DossierError(" ".join(problems))
    _refuse(length_problems(Dossier, (("het kenmerk", f.reference, "reference"),)))
    return f


def _apply(d: Dossier, f: rules.DossierFields) -> None:
    d.title, d.kind, d.category, d.reference, d.summary = f.title, f.kind.value, f.category, f.reference, f.summary
    d.topics = list(f.topics)
    d.received_date, d.decision_date = f.received_date, f.decision_date
    d.extended, d.suspension_days = f.extended, f.suspension_days
    d.decision = f.decision.value if f.decision else None


def create(ctx: Context, actor: Actor, organisation_id: int, values: dict) -> str:
    """A new dossier in status concept; ``values``: title, kind, category, reference, summary, topics,
    received_date, decision_date, extended, suspension_days, decision."""
    with ctx.unit_of_work() as session:
        if session.get(Organisation, organisation_id) is None:
            raise DossierError("Onbekende organisatie.")
        return create_in(session, actor, organisation_id, values).id


def create_in(session: Session, actor: Actor, organisation_id: int, values: dict) -> Dossier:
    """``create`` inside the caller's transaction (the bulk import creates dossier and documents at once)."""
    f = _fields(session, organisation_id, values)
    d = Dossier(id=uuid.uuid4().hex, organisation_id=organisation_id, status=Status.CONCEPT.value,
                created_by=actor.label, title=f.title)
    from woo.services.organisations import default_unit  # the creator's one unit, as for an upload

    d.unit_id = default_unit(session, actor, organisation_id)
    _apply(d, f)
    session.add(d)
    session.flush()
    _event(session, actor, "created", d, kind=d.kind, title=d.title, category=d.category)
    return d


def edit(ctx: Context, actor: Actor, dossier_id: str, values: dict) -> None:
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.edit", d)
        _editable(d)
        before = {k: getattr(d, k) for k in ("title", "kind", "category", "reference", "summary", "topics",
                                             "received_date", "decision_date", "extended", "suspension_days",
                                             "decision")}
        if "kind" in values and rules.parse_kind(values["kind"]).value != d.kind and _count(session, d.id):
            raise DossierError("Het soort dossier kan niet meer veranderen als er documenten in zitten.")
        f = _fields(session, d.organisation_id, values, current=d)
        _apply(d, f)
        changed = {k: str(getattr(d, k)) for k, v in before.items() if getattr(d, k) != v}
        if changed:
            _event(session, actor, "edited", d, changed=changed)
        if "category" in changed:
            for item in items(session, d.id):
                _categorise(d, item)
        if "decision_date" in changed or "kind" in changed:
            _inherit_dates(d, items(session, d.id))
    _after_change(ctx, actor, dossier_id)


def add_topic(ctx: Context, actor: Actor, organisation_id: int, name: str) -> str:
    name = rules.normalise_topic(name)
    if not name or len(name) > 200:
        raise DossierError("Geef een onderwerp van 1 tot 200 tekens.")
    with ctx.unit_of_work() as session:
        exists = session.execute(select(DossierTopic).where(DossierTopic.organisation_id == organisation_id,
                                                            func.lower(DossierTopic.name) == name.lower())).first()
        if exists is None:
            session.add(DossierTopic(organisation_id=organisation_id, name=name))
            audit.record(session, actor.label, "dossier.topic_added", None, organisation=organisation_id, topic=name)
        elif exists[0].retired_at is not None:  # adding a retired onderwerp again brings it back
            exists[0].retired_at = None
            audit.record(session, actor.label, "dossier.topic_restored", None, organisation=organisation_id,
                         topic=exists[0].name)
            name = exists[0].name
    return name


def topics(session: Session, organisation_id: int) -> list[str]:
    """The onderwerpen offered for new dossiers (retired ones left out)."""
    return list(session.execute(select(DossierTopic.name).where(DossierTopic.organisation_id == organisation_id,
                                                                DossierTopic.retired_at.is_(None))
                                .order_by(DossierTopic.name)).scalars())


@dataclass
class TopicRow:
    name: str
    retired: bool
    dossiers: int  # how many dossiers of the organisation carry it


def topic_rows(session: Session, organisation_id: int) -> list[TopicRow]:
    """Every onderwerp of the organisation, active and retired, with its use (the management page)."""
    used: dict[str, int] = {}
    for (topics_,) in session.execute(select(Dossier.topics).where(Dossier.organisation_id == organisation_id)):
        for t in dict.fromkeys(topics_ or []):
            used[t] = used.get(t, 0) + 1
    rows = session.execute(select(DossierTopic).where(DossierTopic.organisation_id == organisation_id)
                           .order_by(func.lower(DossierTopic.name))).scalars()
    return [TopicRow(t.name, t.retired_at is not None, used.get(t.name, 0)) for t in rows]


def _topic(session: Session, organisation_id: int, name: str) -> DossierTopic:
    t = session.execute(select(DossierTopic).where(
        DossierTopic.organisation_id == organisation_id,
        func.lower(DossierTopic.name) == rules.normalise_topic(name).lower())).scalar_one_or_none()
    if t is None:
        raise DossierError(f"Onderwerp '{name}' staat niet in de onderwerpenlijst van de organisatie.")
    return t


def rename_topic(ctx: Context, actor: Actor, organisation_id: int, name: str, new_name: str) -> int:
    """Rename an onderwerp in the managed list and on every dossier of the organisation that carries it
    (audited once); returns how many dossiers changed."""
    new_name = rules.normalise_topic(new_name)
    if not new_name or len(new_name) > 200:
        raise DossierError("Geef een nieuwe naam van 1 tot 200 tekens.")
    with ctx.unit_of_work() as session:
        t = _topic(session, organisation_id, name)
        old = t.name
        if new_name == old:
            return 0
        clash = session.execute(select(DossierTopic).where(
            DossierTopic.organisation_id == organisation_id, DossierTopic.id != t.id,
            func.lower(DossierTopic.name) == new_name.lower())).first()
        if clash:
            raise DossierError(f"Het onderwerp '{new_name}' bestaat al.")
        t.name = new_name
        changed = 0
        for d in session.execute(select(Dossier).where(Dossier.organisation_id == organisation_id)).scalars():
            if old in (d.topics or []):
                d.topics = list(dict.fromkeys(new_name if x == old else x for x in d.topics))
                changed += 1
        audit.record(session, actor.label, "dossier.topic_renamed", None, organisation=organisation_id, topic=old,
                     new=new_name, dossiers=changed)
    return changed


def retire_topic(ctx: Context, actor: Actor, organisation_id: int, name: str) -> None:
    """No longer offer an onderwerp for new dossiers; the dossiers that have it keep it."""
    with ctx.unit_of_work() as session:
        t = _topic(session, organisation_id, name)
        if t.retired_at is None:
            t.retired_at = utcnow()
            audit.record(session, actor.label, "dossier.topic_retired", None, organisation=organisation_id,
                         topic=t.name)


def set_status(ctx: Context, actor: Actor, dossier_id: str, target: str) -> None:
    """concept <-> gereed, online voor verzoeker -> gereed (the link stops working). Publishing and
    withdrawing have their own functions (they change the documents too)."""
    if target in (Status.OPENBAAR, Status.INGETROKKEN, Status.ONLINE_VOOR_VERZOEKER):
        raise DossierError("Gebruik publiceren, intrekken of 'online voor verzoeker' voor deze stap.")
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.edit", d)
        before = d.status
        d.status = rules.check_transition(d.kind, d.status, target).value
        if before == Status.ONLINE_VOOR_VERZOEKER:
            d.requester_token_hash, d.requester_link_expires = None, None
        _event(session, actor, "status", d, before=before, after=d.status)


# --------------------------------------------------------------------------- documents

def _count(session: Session, dossier_id: str) -> int:
    return session.execute(select(func.count()).select_from(DossierDocument)
                           .where(DossierDocument.dossier_id == dossier_id)).scalar_one()


def _categorise(d: Dossier, item: DossierDocument) -> None:
    """The dossier decides its documents' category and documentsoort: the officer's judgement of the dossier
    stands in for the per-document category review, so a concept document becomes ready."""
    doc = item.document
    role = Role(item.role)
    doc.category = rules.document_category(Kind(d.kind), d.category, role)
    soort = rules.documentsoort_for(role)
    if soort:
        meta = dict(doc.metadata_ or {})
        meta["confirmed"] = {**(meta.get("confirmed") or {}), "documentsoort": soort}
        doc.metadata_ = meta
    if doc.category and doc.status == DocStatus.CONCEPT:
        doc.status = DocStatus.READY.value


def _default_judgement(d: Dossier, role: Role) -> str | None:
    """The besluit, the inventarislijst and the stukken of a meeting or a publication are openbaar; the
    documents of a Woo-besluit are judged one by one."""
    if role in (Role.BESLUIT, Role.INVENTARISLIJST) or Kind(d.kind) != Kind.WOO_BESLUIT:
        return Judgement.OPENBAAR.value
    return None


def attach(session: Session, actor: Actor, d: Dossier, doc: Document, role: Role, position: int,
           judgement: rules.DocumentJudgement | None = None, supplied_redacted: bool = False,
           inventory: dict | None = None, new_document: bool = False) -> DossierDocument:
    """Put ``doc`` in ``d`` inside the caller's transaction. ``new_document``: ``doc`` is created in this same
    transaction (the bulk import), so it cannot be in a dossier yet and that look-up is skipped."""
    if doc.organisation_id != d.organisation_id:
        raise DossierError("Een document kan alleen in een dossier van zijn eigen organisatie.")
    if role == Role.INGEKOMEN_STUK or role in rules.MEETING_ROLES:
        if Kind(d.kind) != Kind.VERGADERING:
            raise DossierError(f"De rol '{rules.ROLE_LABELS_NL[role]}' hoort bij een vergadering.")
    if role == Role.BESLUIT and Kind(d.kind) != Kind.WOO_BESLUIT:
        raise DossierError("Alleen een Woo-besluit heeft een besluitbrief.")
    if doc.status in (DocStatus.PUBLISHED, DocStatus.ARCHIVED, DocStatus.DESTROYED):
        raise DossierError(f"Document {doc.id} is al gepubliceerd of gearchiveerd en kan niet in een dossier.")
    existing = None if new_document else session.get(DossierDocument, doc.id)
    if existing is not None:
        raise DossierError(f"Document {doc.id} zit al in een dossier; verplaats het.")
    if role in (Role.BESLUIT, Role.INVENTARISLIJST):
        taken = session.execute(select(DossierDocument.document_id).where(
            DossierDocument.dossier_id == d.id, DossierDocument.role == role.value)).first()
        if taken:
            raise DossierError(f"Dit dossier heeft al een {rules.ROLE_LABELS_NL[role].lower()}.")
    j = judgement
    item = DossierDocument(document_id=doc.id, dossier_id=d.id, role=role.value, position=position,
                           judgement=(j.judgement.value if j and j.judgement else _default_judgement(d, role)),
                           grounds=list(j.grounds) if j else [], remark=j.remark if j else None,
                           number=j.number if j else None, public_link=j.public_link if j else None,
                           supplied_redacted=supplied_redacted, inventory=inventory or None,
                           judged_by=actor.label if j and j.judgement else None,
                           judged_at=utcnow() if j and j.judgement else None)
    item.document = doc
    session.add(item)
    doc.publication_id = d.id
    _categorise(d, item)
    _inherit_dates(d, [item])
    return item


def add_documents(ctx: Context, actor: Actor, dossier_id: str, document_ids: list[str],
                  role: str = "document") -> list[str]:
    role_ = rules.parse_role(role)
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.edit", d)
        _accepts_documents(d)
        position = _count(session, d.id)
        for doc_id in dict.fromkeys(document_ids):
            doc = session.get(Document, doc_id)
            if doc is None:
                raise DossierError(f"Document {doc_id} bestaat niet.")
            organisations.check_unit_of(session, actor, "document.edit", doc)
            attach(session, actor, d, doc, role_, position)
            position += 1
        _event(session, actor, "documents_added", d, documents=list(dict.fromkeys(document_ids)), role=role_.value)
        late = d.status == Status.OPENBAAR
    _after_change(ctx, actor, dossier_id)
    if late:
        publish_late(ctx, actor, dossier_id)
    return list(dict.fromkeys(document_ids))


def ingest_document(ctx: Context, actor: Actor, dossier_id: str, path: Path, filename: str,
                    role: str = "document", source: str = "ui", title: str | None = None) -> str:
    """Take in one file (the normal intake) and put it in the dossier."""
    from woo.services.ingest import ingest

    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id)
        organisations.check_unit_of(session, actor, "document.edit", d)
        _accepts_documents(d)
        org_id = d.organisation_id
    result = ingest(ctx, actor, org_id, filename, path=path, source=source, title=title)
    if result.status == "rejected":
        raise DossierError(result.reason or "Het bestand is geweigerd.")
    if result.status == "duplicate":
        raise DossierError(f"Dit bestand is al eerder opgenomen (document {result.document_id}); voeg dat "
                           "document toe aan het dossier.")
    add_documents(ctx, actor, dossier_id, [result.document_id], role)
    return result.document_id


def move_documents(ctx: Context, actor: Actor, document_ids: list[str], target_id: str) -> None:
    """Move documents (with their judgement) to another dossier of the same organisation."""
    with ctx.unit_of_work() as session:
        target = _load(session, target_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.edit", target)
        _editable(target)
        sources = set()
        position = _count(session, target.id)
        for doc_id in dict.fromkeys(document_ids):
            item = session.get(DossierDocument, doc_id)
            if item is None:
                raise DossierError(f"Document {doc_id} zit in geen dossier.")
            source = _load(session, item.dossier_id)
            organisations.check_unit_of(session, actor, "document.edit", source)
            _editable(source)
            if source.organisation_id != target.organisation_id:
                raise DossierError("Documenten kunnen alleen naar een dossier van dezelfde organisatie.")
            if Role(item.role) in (Role.BESLUIT, Role.INVENTARISLIJST):
                raise DossierError("Het besluit en de inventarislijst blijven bij hun dossier.")
            item.dossier_id, item.position = target.id, position
            item.document.publication_id = target.id
            _categorise(target, item)
            _inherit_dates(target, [item])
            sources.add(source.id)
            position += 1
            _event(session, actor, "document_moved", target, document=doc_id, source=source.id)
    for dossier_id in sources | {target_id}:
        _after_change(ctx, actor, dossier_id)


def remove_document(ctx: Context, actor: Actor, dossier_id: str, document_id: str) -> None:
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.edit", d)
        _editable(d)
        item = session.get(DossierDocument, document_id)
        if item is None or item.dossier_id != d.id:
            raise DossierError(f"Document {document_id} zit niet in dit dossier.")
        item.document.publication_id = None
        session.delete(item)
        _event(session, actor, "document_removed", d, document=document_id)
    _after_change(ctx, actor, dossier_id)


# --------------------------------------------------------------------------- judgements

def _set_judgement(session: Session, actor: Actor, d: Dossier, item: DossierDocument,
                   j: rules.DocumentJudgement) -> None:
    if Role(item.role) in (Role.BESLUIT, Role.INVENTARISLIJST) and j.judgement != Judgement.OPENBAAR:
        raise DossierError("Het besluit en de inventarislijst zijn altijd openbaar.")
    before = item.judgement
    item.judgement = j.judgement.value if j.judgement else None
    item.grounds = list(j.grounds)
    item.remark = j.remark
    if j.number is not None:
        item.number = j.number
    item.public_link = j.public_link
    item.judged_by, item.judged_at = actor.label, utcnow()
    _event(session, actor, "judged", d, document=item.document_id, before=before, judgement=item.judgement,
           grounds=item.grounds, remark=item.remark)


def _judgement(judgement, grounds, remark, number, public_link) -> rules.DocumentJudgement:
    j = rules.make_judgement(judgement, grounds, remark, number, public_link)
    _refuse(inventory_length_problems(j.number, j.public_link))
    return j


def judge(ctx: Context, actor: Actor, dossier_id: str, document_id: str, judgement: str,
          grounds: str | list[str] | None = None, remark: str | None = None, number: str | None = None,
          public_link: str | None = None) -> None:
    j = _judgement(judgement, grounds, remark, number, public_link)
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.edit", d)
        item = session.get(DossierDocument, document_id)
        if item is None or item.dossier_id != d.id:
            _editable(d)
            raise DossierError(f"Document {document_id} zit niet in dit dossier.")
        _judgeable(d, item)
        _set_judgement(session, actor, d, item, j)
        late = d.status == Status.OPENBAAR
    _after_change(ctx, actor, dossier_id)
    if late:
        publish_late(ctx, actor, dossier_id)


def judge_bulk(ctx: Context, actor: Actor, dossier_id: str, document_ids: list[str], judgement: str,
               grounds: str | list[str] | None = None, remark: str | None = None,
               public_link: str | None = None) -> int:
    """The same judgement for many documents, all or none."""
    j = _judgement(judgement, grounds, remark, None, public_link)
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.edit", d)
        if d.status != Status.OPENBAAR:
            _editable(d)
        rows = {i.document_id: i for i in session.execute(select(DossierDocument).where(
            DossierDocument.dossier_id == d.id, DossierDocument.document_id.in_(document_ids))).scalars()}
        missing = [i for i in document_ids if i not in rows]
        if missing:
            raise DossierError("Niet in dit dossier: " + ", ".join(missing[:10]) + ".")
        for doc_id in dict.fromkeys(document_ids):
            _judgeable(d, rows[doc_id])
            _set_judgement(session, actor, d, rows[doc_id], j)
        late = d.status == Status.OPENBAAR
    _after_change(ctx, actor, dossier_id)
    if late:
        publish_late(ctx, actor, dossier_id)
    return len(set(document_ids))


# --------------------------------------------------------------------------- blockers and publication

def _redaction_blocker(session: Session, item: DossierDocument) -> str | None:
    if item.judgement != Judgement.DEELS_OPENBAAR or item.supplied_redacted:
        return None
    redacted = session.execute(select(func.count()).select_from(PrivacyFinding).where(
        PrivacyFinding.document_id == item.document_id, PrivacyFinding.decision == "redact")).scalar_one()
    if redacted:
        return None
    return ("Dit document is 'deels openbaar' maar er is niets gelakt: lak de passages in de privacycontrole, "
            "of lever een al gelakte versie aan.")


@dataclass
class Blockers:
    dossier: list[str] = field(default_factory=list)
    documents: dict[str, list[str]] = field(default_factory=dict)  # document id -> Dutch reasons

    @property
    def empty(self) -> bool:
        return not self.dossier and not self.documents

    def as_dict(self) -> dict:
        return {"dossier": self.dossier, "documents": self.documents}


def _dated_by_dossier(d: Dossier, r: DossierDocument) -> date | None:
    """The dossier's date for this document when the document has none of its own (a Woo-besluit's decision
    letter, a meeting's own stukken); None when the document must say it itself or already does."""
    when = rules.own_date(d.kind, r.role, d.decision_date)
    return when if when is not None and r.document.document_date is None else None


def _inherit_dates(d: Dossier, rows: list[DossierDocument]) -> None:
    """Write path: documents whose own date is the dossier's get it when they have none. Called inside the
    unit of work that sets the dossier's date or a document's role (edit, attach, a role change) and at the
    start of every transition that checks the blockers (publish, late publish, online voor verzoeker), so a
    letter attached before this rule existed is dated too. The blocker check itself only reads."""
    for r in rows:
        when = _dated_by_dossier(d, r)
        if when is not None:
            r.document.document_date = datetime.combine(when, datetime.min.time(), timezone.utc)
            r.document.metadata_ = {**(r.document.metadata_ or {}), "date_from_dossier": d.id}


def _blockers(session: Session, d: Dossier, rows: list[DossierDocument], publishing: bool = True) -> Blockers:
    """Read only: changes no row (the dates the dossier gives are written by ``_inherit_dates``)."""
    out = Blockers()
    has_besluit = any(r.role == Role.BESLUIT for r in rows)
    decision = rules.parse_judgement(d.decision) if d.decision else None
    out.dossier.extend(rules.publication_problems(Kind(d.kind), d.status, has_besluit,
                                                  sum(r.role == Role.DOCUMENT or r.role in rules.MEETING_ROLES
                                                      for r in rows) or (1 if has_besluit else 0), decision))
    if Kind(d.kind) == Kind.WOO_BESLUIT and not any(r.role == Role.INVENTARISLIJST for r in rows) \
            and any(r.role == Role.DOCUMENT for r in rows):
        out.dossier.append("De inventarislijst is nog niet gemaakt.")
    for r in rows:
        j = rules.DocumentJudgement(rules.parse_judgement(r.judgement) if r.judgement else None,
                                    tuple(r.grounds or ()), r.remark, r.number, r.public_link)
        reasons = rules.judgement_problems(j)
        if j.judgement in rules.PUBLISHED_AS_FILE:
            blocker = _redaction_blocker(session, r)
            if blocker:
                reasons.append(blocker)
            doc_reasons = publication.publication_blockers(session, r.document, via_dossier=True)
            if _dated_by_dossier(d, r) is not None:  # the transition writes the dossier's date before it goes out
                doc_reasons = [x for x in doc_reasons if x != worklist_rules.DATE_REASON]
            if not publishing:  # the status check is the dossier's, not the document's, before going out
                doc_reasons = [x for x in doc_reasons if "kunnen worden gepubliceerd" not in x]
            reasons.extend(doc_reasons)
        if reasons:
            out.documents[r.document_id] = reasons
    return out


def blockers(session: Session, dossier_id: str) -> Blockers:
    """What blocks publication of the dossier now (dossier-level and per document)."""
    d = _load(session, dossier_id)
    return _blockers(session, d, items(session, d.id))


@dataclass
class PublishResult:
    published: list[str] = field(default_factory=list)
    blockers: Blockers = field(default_factory=Blockers)

    @property
    def ok(self) -> bool:
        return self.blockers.empty


def publish(ctx: Context, actor: Actor, dossier_id: str) -> PublishResult:
    """Publish every document of the dossier that may be published as a file, or none: when anything
    blocks, nothing changes and the blockers are returned."""
    result = PublishResult()
    with ctx.unit_of_work() as session:
        organisations.check_unit_of(session, actor, "document.publish", _load(session, dossier_id))
        if _load(session, dossier_id).status == Status.OPENBAAR:
            late = True
        else:
            late = False
    if late:  # already public: publishing again publishes the late documents that pass the gate
        return publish_late(ctx, actor, dossier_id)
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        rows = items(session, d.id)
        _inherit_dates(d, rows)
        result.blockers = _blockers(session, d, rows)
        if not result.blockers.empty:
            return result
        events: list = []  # appended at once, in this order, before the dossier's own event
        counts: list = []  # the dashboard's counters, each moved once
        publishing = [r for r in rows if rules.parse_judgement(r.judgement) in rules.PUBLISHED_AS_FILE]
        search.remove_documents(session, [r.document_id for r in publishing])  # in a few statements, not one each
        for r in publishing:
            publication.mark_published(session, ctx, actor, r.document, dossier=d.id, events=events,
                                       counts=counts, unindexed=True)
            result.published.append(r.document_id)
        dashboard.apply_deltas(session, counts)
        audit.record_many(session, actor.label, events)
        before = d.status
        d.status = rules.check_transition(d.kind, d.status, Status.OPENBAAR).value
        d.requester_token_hash, d.requester_link_expires = None, None
        d.published_at, d.withdrawn_at, d.withdraw_reason = utcnow(), None, None
        _event(session, actor, "published", d, before=before, documents=len(result.published),
               listed_only=len(rows) - len(result.published))
        public_host = d.organisation.public_base_url if d.organisation else None
    # as a single publish does: a 404 the front servers may still hold for these file URLs is fetched anew
    publication.refresh_front_files(ctx, [(doc_id, public_host) for doc_id in result.published])
    return result


def _late(rows: list[DossierDocument]) -> list[DossierDocument]:
    """Documents of a published dossier that should be public as a file and are not yet (late attachments)."""
    return [r for r in rows if r.judgement and rules.parse_judgement(r.judgement) in rules.PUBLISHED_AS_FILE
            and r.document.status in (DocStatus.CONCEPT, DocStatus.READY)]


def late_blockers(session: Session, d: Dossier, rows: list[DossierDocument] | None = None) -> dict[str, list[str]]:
    """Per late document of a published dossier, what still keeps it from going out (empty: it can)."""
    rows = items(session, d.id) if rows is None else rows
    late = _late(rows)
    if not late:
        return {}
    found = _blockers(session, d, late, publishing=False).documents
    return {r.document_id: found.get(r.document_id, []) for r in late}


def publish_late(ctx: Context, actor: Actor, dossier_id: str) -> PublishResult:
    """A published dossier's late documents that pass the gate (jobs done, privacy decided, redactions,
    metadata) are published with it, each on its own: one still waiting does not hold the others back. The
    others are returned as blockers (shown on the dossier page); an undecided judgement is one too. Called
    after every change that may clear a late document (adding, judging, a finished job, a privacy decision)."""
    result = PublishResult()
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        if d.status != Status.OPENBAAR:
            return result
        rows = items(session, d.id)
        _inherit_dates(d, _late(rows))
        ready = _late_state(session, d, rows, result.blockers)
        for doc in ready:
            publication.mark_published(session, ctx, actor, doc, dossier=d.id, late=True)
            result.published.append(doc.id)
        if result.published:
            _event(session, actor, "late_published", d, documents=result.published)
        public_host = d.organisation.public_base_url if d.organisation else None
    publication.refresh_front_files(ctx, [(doc_id, public_host) for doc_id in result.published])
    return result


def _late_state(session: Session, d: Dossier, rows: list[DossierDocument], out: Blockers) -> list[Document]:
    """Fill ``out`` with what holds the late documents of a published dossier back (and a regenerated
    inventarislijst waiting at its correction gate); return the late documents that may go out now."""
    from woo.services import correction

    for r in rows:
        if r.judgement is None and r.document.status in (DocStatus.CONCEPT, DocStatus.READY):
            out.documents[r.document_id] = ["Dit nagekomen document is nog niet beoordeeld."]
        if r.role == Role.INVENTARISLIJST and r.document.status == DocStatus.PUBLISHED \
                and correction.pending(r.document):
            reasons = correction.blockers(session, r.document)
            if reasons:
                out.documents[r.document_id] = ["De bijgewerkte inventarislijst wacht: " + " ".join(reasons)]
    ready = []
    for doc_id, reasons in late_blockers(session, d, rows).items():
        if reasons:
            out.documents[doc_id] = reasons
        else:
            ready.append(next(r.document for r in rows if r.document_id == doc_id))
    return ready


def late_state(session: Session, dossier_id: str) -> Blockers:
    """For the dossier page of a published dossier: what still holds back its late documents."""
    d = _load(session, dossier_id)
    out = Blockers()
    if d.status == Status.OPENBAAR:
        _late_state(session, d, items(session, d.id), out)
    return out


def publish_late_for_document(ctx: Context, document_id: str) -> None:
    """Hook for the job runner and the privacy decisions: when this document is a late one of a published
    dossier, try to publish it now (cheap when it is not)."""
    from woo.services.context import SYSTEM

    from woo.adapters.models import Source, SourceItem

    with ctx.unit_of_work() as session:
        row = session.execute(select(Dossier.id).join(Document, Document.publication_id == Dossier.id).where(
            Document.id == document_id, Dossier.status == Status.OPENBAAR.value,
            Document.status.in_((DocStatus.CONCEPT.value, DocStatus.READY.value)))).first()
        # a source still syncing may yet move it (its meeting's agenda can follow the document and change its
        # role and category): the sync publishes its late attachments when it has finished
        syncing = row is not None and session.execute(select(Source.id).join(
            SourceItem, SourceItem.source_id == Source.id).where(
            SourceItem.document_id == document_id, Source.state.in_(("queued", "running")))).first()
    if row is not None and not syncing:
        publish_late(ctx, SYSTEM, row[0])


def withdraw(ctx: Context, actor: Actor, dossier_id: str, reason_code: str) -> list[str]:
    """Withdraw the dossier and every published document of it from every surface (file URLs answer 410)."""
    from woo.services import feeds

    reason = publication.resolve_reason(reason_code)
    done = []
    refresh: list[tuple[str, str | None]] = []
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.publish", d)
        before = d.status
        d.status = rules.check_transition(d.kind, d.status, Status.INGETROKKEN).value
        for r in items(session, d.id):
            if r.document.status == DocStatus.PUBLISHED:
                publication.mark_withdrawn(session, actor, r.document, reason, dossier=d.id)
                done.append(r.document_id)
                refresh.append((r.document_id, r.document.organisation.public_base_url))
        d.withdrawn_at, d.withdraw_reason = utcnow(), reason.uri
        _event(session, actor, "withdrawn", d, before=before, reason=reason.uri, documents=len(done))
    # as a single withdrawal does: the front servers hold the 410 of every file from now on
    publication.refresh_front_files(ctx, refresh, method="GET")
    feeds.refresh_pending(ctx)  # gone from the stored sitemaps before this returns
    return done


# --------------------------------------------------------------------------- online voor verzoeker

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_for_requester(ctx: Context, actor: Actor, dossier_id: str, days: int = 14) -> str:
    """A Woo-besluit, ready and unblocked, shown only to the requester through a secret link that expires.
    Returns the secret (shown once; only its hash is kept)."""
    if not 1 <= days <= 90:
        raise DossierError("De link is 1 tot 90 dagen geldig.")
    token = secrets.token_urlsafe(24)
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id, for_update=True)
        organisations.check_unit_of(session, actor, "document.publish", d)
        rules.check_transition(d.kind, d.status, Status.ONLINE_VOOR_VERZOEKER)
        rows = items(session, d.id)
        _inherit_dates(d, rows)
        found = _blockers(session, d, rows, publishing=False)
        if not found.empty:
            raise DossierError("Het dossier is nog niet compleet: " + "; ".join(
                found.dossier + [f"{k}: {' '.join(v)}" for k, v in list(found.documents.items())[:5]]))
        before = d.status
        d.status = rules.check_transition(d.kind, d.status, Status.ONLINE_VOOR_VERZOEKER).value
        d.requester_token_hash = _token_hash(token)
        d.requester_link_expires = utcnow() + timedelta(days=days)
        _event(session, actor, "online_for_requester", d, before=before, expires=d.requester_link_expires)
    return token


def requester_dossier(session: Session, dossier_id: str, token: str, now: datetime | None = None) -> Dossier | None:
    """The dossier when ``token`` is its live requester link; None otherwise (wrong, expired, revoked)."""
    d = session.get(Dossier, dossier_id)
    if d is None or d.status != Status.ONLINE_VOOR_VERZOEKER or not d.requester_token_hash:
        return None
    if not secrets.compare_digest(d.requester_token_hash, _token_hash(token or "")):
        return None
    expires = as_utc(d.requester_link_expires)
    if expires is None or expires < (now or datetime.now(timezone.utc)):
        return None
    return d


# --------------------------------------------------------------------------- inventarislijst

def _fmt_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d-%m-%Y")


INVENTORY_PAGE = 500  # inventory rows read from the database at a time


def _inventoried(d: Dossier):
    return (DossierDocument.dossier_id == d.id,
            DossierDocument.role.notin_([Role.INVENTARISLIJST.value, Role.BESLUIT.value]))


def inventory_count(session: Session, d: Dossier) -> int:
    """How many documents the inventarislijst lists (all but the decision letter and the list itself)."""
    return session.execute(select(func.count()).select_from(DossierDocument).where(*_inventoried(d))).scalar_one()


def iter_inventory_rows(session: Session, d: Dossier, base_url: str | None = None) -> Iterator[inventarislijst.Row]:
    """The inventarislijst as data: every inventoried document with its judgement, grounds and where it is, in
    the dossier's order. Read in pages of INVENTORY_PAGE rows (keyset on position and document id) and only the
    columns the list shows, so a dossier of thousands of documents is never loaded as ORM objects at once."""
    cols = (DossierDocument.position, DossierDocument.document_id, DossierDocument.judgement,
            DossierDocument.grounds, DossierDocument.remark, DossierDocument.number, DossierDocument.public_link,
            DossierDocument.inventory, Document.title, Document.document_date)
    after = None
    while True:
        stmt = (select(*cols).join(Document, Document.id == DossierDocument.document_id).where(*_inventoried(d))
                .order_by(DossierDocument.position, DossierDocument.document_id).limit(INVENTORY_PAGE))
        if after is not None:
            stmt = stmt.where(tuple_(DossierDocument.position, DossierDocument.document_id) > after)
        page = session.execute(stmt).all()
        for r in page:
            j = rules.parse_judgement(r.judgement) if r.judgement else None
            link = ""
            if j == Judgement.REEDS_OPENBAAR:
                link = r.public_link or ""
            elif j in rules.PUBLISHED_AS_FILE and base_url:
                link = file_url(base_url, r.document_id)
            inv = r.inventory or {}
            yield inventarislijst.Row(
                number=r.number or "", title=r.title, date=_fmt_date(inv.get("date") or r.document_date),
                judgement=rules.JUDGEMENT_LABELS_NL.get(j, "Nog niet beoordeeld") if j else "Nog niet beoordeeld",
                grounds=rules.grounds_text(r.grounds), remark=r.remark or "", link=link)
        if len(page) < INVENTORY_PAGE:
            return
        after = (page[-1].position, page[-1].document_id)


def inventory_header(d: Dossier) -> inventarislijst.Header:
    decision = rules.parse_judgement(d.decision) if d.decision else None
    return inventarislijst.Header(title=d.title, organisation=d.organisation.name, reference=d.reference or "",
                                  decision=rules.JUDGEMENT_LABELS_NL[decision] if decision else "",
                                  decision_date=_fmt_date(d.decision_date),
                                  generated_at=as_utc(d.created_at))


def _after_change(ctx: Context, actor: Actor, dossier_id: str) -> None:
    """The inventarislijst follows every change. The first one is made at once; after that it is remade by
    an rq job ("inventory", ~12 s at 2,000 documents) on the inventarislijst document, so the officer does
    not wait: until the job has stored the new list, the previous one stays the dossier's (and the public's)
    and the pending job blocks publication (woo.domain.worklist.PUBLISH_PREREQUISITES)."""
    job_id = None
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id)
        rows = items(session, d.id)
        wanted = Kind(d.kind) == Kind.WOO_BESLUIT and any(r.role == Role.DOCUMENT for r in rows)
        current = next((r for r in rows if r.role == Role.INVENTARISLIJST), None)
        if wanted and current is not None:
            pending = session.execute(select(Job).where(Job.document_id == current.document_id,
                                                        Job.kind == "inventory",
                                                        Job.status == jobs.QUEUED)).first()
            if pending:
                return  # one queued job remakes the list from the data as it is when it runs
            job = Job(document_id=current.document_id, kind="inventory")
            session.add(job)
            session.flush()
            job_id = job.id
    if job_id is not None:
        jobs.dispatch(ctx, job_id)
    elif wanted:
        refresh_inventory(ctx, actor, dossier_id)


def inventory_job(ctx: Context, document_id: str) -> None:
    """The "inventory" job on a dossier's inventarislijst document: remake the list from the data now."""
    with ctx.unit_of_work() as session:
        item = session.get(DossierDocument, document_id)
        if item is None:
            raise jobs.JobFailed("Dit document is geen inventarislijst van een dossier (meer).")
        dossier_id = item.dossier_id
    from woo.services.context import SYSTEM

    refresh_inventory(ctx, SYSTEM, dossier_id)


def refresh_inventory(ctx: Context, actor: Actor, dossier_id: str) -> str | None:
    """(Re)generate the inventarislijst PDF and keep it as the dossier's inventarislijst document. An
    unchanged list is not stored again; a changed one replaces the document's file and runs its jobs
    (text, privacy gate, PDF/A) again. Returns the document id."""
    with ctx.unit_of_work() as session:
        d = _load(session, dossier_id)
        pdf = inventarislijst.build_pdf(inventory_header(d), iter_inventory_rows(session, d, _base_url(ctx, d)),
                                        inventory_count(session, d))
        current = session.execute(select(DossierDocument).where(
            DossierDocument.dossier_id == d.id, DossierDocument.role == Role.INVENTARISLIJST.value)).scalar_one_or_none()
        org_id, title = d.organisation_id, f"Inventarislijst {d.title}"[:1000]
        current_id = current.document_id if current else None
        current_public = current is not None and current.document.status == DocStatus.PUBLISHED
        # the list last made: a pending correction of a published list, else the original
        made = (current.document.file("correction") or current.document.file("original")) if current else None
        current_sha = made.sha256 if made else None
    sha = hashlib.sha256(pdf).hexdigest()
    if sha == current_sha:
        return current_id
    with tempfile.TemporaryDirectory(prefix="woo-inventaris-") as tmp:
        path = Path(tmp) / "inventarislijst.pdf"
        path.write_bytes(pdf)
        if current_id is None:
            return _store_new_inventory(ctx, actor, dossier_id, org_id, path, title)
        if current_public:
            # a published dossier's list (a late attachment changed it): a correction of the public list, through
            # the same gate; the published list stays public until the new one has passed (same URL)
            from woo.services import correction

            correction.submit(ctx, actor, current_id, path, "inventarislijst.pdf",
                              tooi.reden_verwijdering("correctie procedurele fout"), error=DossierError)
            with ctx.unit_of_work() as session:
                audit.record(session, actor.label, "dossier.inventory_generated", current_id, dossier=dossier_id,
                             sha256=sha, correction=True)
            return current_id
        from woo.services.ingest import replace_original

        def record(session, doc):
            item = session.get(DossierDocument, doc.id)
            audit.record(session, actor.label, "dossier.inventory_generated", doc.id, dossier=item.dossier_id,
                         sha256=sha)

        # the job remaking the list (maybe this very one) keeps its row
        replace_original(ctx, current_id, path, "inventarislijst.pdf", sha, keep_jobs=("inventory",), within=record)
        return current_id


def _base_url(ctx: Context, d: Dossier) -> str:
    return (d.organisation.public_base_url or ctx.settings.base_url) if d.organisation else ctx.settings.base_url


def _store_new_inventory(ctx: Context, actor: Actor, dossier_id: str, org_id: int, path: Path, title: str) -> str:
    from woo.intake.identify import identify
    from woo.services.ingest import object_key

    ident = identify(path, "inventarislijst.pdf")
    doc_id = uuid.uuid4().hex
    key = object_key(doc_id)
    stored = ctx.store.put_file(key, path, ident.mime)
    data = path.read_bytes()
    try:
        with ctx.unit_of_work() as session:
            d = _load(session, dossier_id, for_update=True)
            doc = Document(id=doc_id, organisation_id=org_id, unit_id=d.unit_id, source="dossier", title=title,
                           status=DocStatus.CONCEPT, format_kind=ident.kind, language="nl",  # woo writes the list in Dutch, on this day
                           document_date=datetime.combine(d.decision_date or utcnow().date(), datetime.min.time(),
                                                          timezone.utc))
            session.add(doc)
            session.add(StoredFile(document=doc, role="original", object_key=key, version_id=stored.version_id,
                                   filename="inventarislijst.pdf", size=len(data),
                                   sha256=hashlib.sha256(data).hexdigest(), mime_type=ident.mime, puid=ident.puid,
                                   format_name=ident.format_name))
            audit.record(session, actor.label, "document.ingested", doc_id, filename="inventarislijst.pdf",
                         size=len(data), sha256=hashlib.sha256(data).hexdigest(), source="dossier")
            job = Job(document=doc, kind="extract")
            session.add(job)
            session.flush()
            attach(session, actor, d, doc, Role.INVENTARISLIJST, -1)
            _event(session, actor, "inventory_generated", d, document=doc_id)
            job_id = job.id
    except BaseException:
        ctx.store.delete_all_versions(key)
        raise
    jobs.dispatch(ctx, job_id)
    return doc_id


# --------------------------------------------------------------------------- public reading (site, open API)

@dataclass
class PublicDossiers:
    total: int
    dossiers: list  # Dossier rows of this page, newest first
    facets: dict = field(default_factory=dict)  # "soort": [(kind, n)], "onderwerp": [(topic, n)]


def public_dossiers(session: Session, organisation_ids, q: str = "", kind: str | None = None,
                    topic: str | None = None, category: str | None = None, offset: int = 0,
                    limit: int = 20) -> PublicDossiers:
    """Published dossiers of these organisations matching ``q`` (title, summary, reference, onderwerp), with
    facets per dossier kind and per onderwerp. Each facet counts with the other filter applied, so a chosen
    onderwerp shows how many of its dossiers are of each kind and the other way round."""
    from sqlalchemy import or_

    where = [Dossier.organisation_id.in_(list(organisation_ids)), Dossier.status == Status.OPENBAAR.value]
    if category:
        where.append(Dossier.category == category)
    q = (q or "").strip().lower()
    rows = session.execute(select(Dossier.id, Dossier.kind, Dossier.topics).where(*where)
                           .order_by(Dossier.published_at.desc(), Dossier.id)).all()
    if q:
        like = f"%{q}%"
        text_hits = set(session.execute(select(Dossier.id).where(*where, or_(
            func.lower(Dossier.title).like(like), func.lower(Dossier.summary).like(like),
            func.lower(Dossier.reference).like(like)))).scalars())
        rows = [r for r in rows if r[0] in text_hits or any(q in (t or "").lower() for t in (r[2] or []))]
    topic_key = (topic or "").strip().lower()
    in_kind = [r for r in rows if not kind or r[1] == kind]
    in_topic = [r for r in rows if not topic_key or topic_key in {(t or "").lower() for t in (r[2] or [])}]
    kinds: dict[str, int] = {}
    for r in in_topic:
        kinds[r[1]] = kinds.get(r[1], 0) + 1
    topics_: dict[str, int] = {}
    for r in in_kind:
        for t in dict.fromkeys(r[2] or []):
            topics_[t] = topics_.get(t, 0) + 1
    chosen = [r[0] for r in in_kind if r in in_topic] if (kind or topic_key) else [r[0] for r in rows]
    page_ids = chosen[offset:offset + limit]
    found = {d.id: d for d in session.execute(select(Dossier).where(Dossier.id.in_(page_ids))).scalars()}
    facets = {"soort": sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])),
              "onderwerp": sorted(topics_.items(), key=lambda kv: (-kv[1], kv[0].lower()))}
    return PublicDossiers(len(chosen), [found[i] for i in page_ids if i in found], facets)


def public_documents(session: Session, d: Dossier, base_url: str) -> list[dict]:
    """The documents of a published dossier as the public may see them: judgement and grounds always, a file
    URL only for a published openbaar / deels openbaar document, the existing link for reeds openbaar."""
    out = []
    for item in items(session, d.id):
        j = rules.parse_judgement(item.judgement) if item.judgement else None
        doc = item.document
        published = doc.status == DocStatus.PUBLISHED and j in rules.PUBLISHED_AS_FILE
        out.append({"id": doc.id, "title": doc.title, "role": item.role, "number": item.number,
                    "judgement": item.judgement, "grounds": list(item.grounds or []), "remark": item.remark,
                    "document_date": doc.document_date.date().isoformat() if doc.document_date else None,
                    "category": doc.category if published else None,
                    "page": f"{base_url.rstrip('/')}/publicaties/{doc.id}" if published else None,
                    "file": file_url(base_url, doc.id) if published else None,
                    "public_link": item.public_link if j == Judgement.REEDS_OPENBAAR else None})
    return out


__all__ += ["publish_late", "late_state", "late_blockers", "publish_late_for_document"]
__all__ += ["PublicDossiers", "public_dossiers", "public_documents", "TopicRow", "topic_rows", "rename_topic",
            "retire_topic"]
