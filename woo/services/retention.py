"""Retention per document: the Selectielijst class, its dates, legal hold, and the due list.

The rules are in ``woo.domain.retention`` (pure); this module stores their outcome on the document:

* resultaat   - suggested from the Woo category by ``schemas/retention-mapping.csv`` (source ``standaard``)
                or chosen by an archivist with a reason (source ``archivaris``, audited);
* waardering  - B / V (from the Selectielijst), N while no class is known;
* brondatum   - the first of ``document_date``, ``published_at``, ``created_at`` that is set (which one is
                stored beside it, so the archivist sees the ground);
* archiefactiedatum - brondatum + bewaartermijn (V: destroy) or + overbrengingstermijn (B: transfer).

``due_rows`` streams the documents whose archiefactiedatum has passed in keyset-paged batches, so a
million rows use the memory of one batch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import and_, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from woo import exports
from woo.adapters.models import Document, Organisation, Publication, RoleAssignment, User, utcnow
from woo.domain import retention as rules
from woo.domain import tooi
from woo.domain.lifecycle import LABELS_NL, Status, is_mutable
from woo.domain.roles import LABELS_NL as ROLE_LABELS
from woo.domain.roles import Role
from woo.services import audit
from woo.services.context import Actor, Context

RetentionError = rules.RetentionError
BRONDATUM_BRONNEN = ("document_date", "published_at", "created_at")
BRONDATUM_LABELS = {"document_date": "documentdatum", "published_at": "publicatiedatum",
                    "created_at": "datum van opname", "decision_date": "besluitdatum van het dossier",
                    "dossier": "brondatum van het dossier (archivaris)"}
SOURCE_DEFAULT, SOURCE_ARCHIVIST = "standaard", "archivaris"
SOURCE_DOSSIER = "dossier"  # a document of a dossier: class and brondatum are the dossier's


# --------------------------------------------------------------------------- settings and roles


def transfer_years(settings) -> int:
    """WOO_TRANSFER_YEARS: 20 (Archiefwet 1995) unless configured (10 under the new Archiefwet)."""
    return int(getattr(settings, "transfer_years", None) or rules.OVERBRENGINGSTERMIJN_ARCHIEFWET_1995)


def destruction_window_days(settings) -> int:
    """WOO_DESTRUCTION_WINDOW_DAYS: the cancellation window after approval (default 7)."""
    value = getattr(settings, "destruction_window_days", None)
    return 7 if value is None else int(value)


def actor_roles(session: Session, actor: Actor) -> set[Role]:
    """Roles of a woo user (any organisation). Shell users and the system hold none: the archival
    workflow needs named accounts, or four eyes would mean nothing."""
    if actor.kind != "user":
        return set()
    stmt = select(RoleAssignment.role).join(User, User.id == RoleAssignment.user_id)
    stmt = stmt.where(User.id == actor.id) if actor.id is not None else stmt.where(User.username == actor.name)
    return {Role(r) for r in session.execute(stmt).scalars()}


def require_role(session: Session, actor: Actor, role: Role, what: str, error=RetentionError) -> None:
    roles = actor_roles(session, actor)
    if role in roles or Role.ADMIN in roles:
        return
    if actor.kind != "user":
        raise error(f"{what} kan alleen een woo-gebruiker met de rol {ROLE_LABELS[role]} "
                    "(geef op de opdrachtregel --user NAAM).")
    raise error(f"{what}: {actor.name} heeft de rol {ROLE_LABELS[role]} niet.")


# --------------------------------------------------------------------------- computing


def brondatum_of(doc: Document) -> tuple[date, str]:
    """The brondatum and which field it came from (document_date, else published_at, else created_at)."""
    for name in BRONDATUM_BRONNEN:
        value = getattr(doc, name)
        if value is not None:
            return (value.date() if isinstance(value, datetime) else value), name
    raise RetentionError("Het document heeft geen datum om de brondatum op te baseren.")


def offered_resultaten(category_uri: str | None) -> list[rules.Resultaat]:
    """What a pick list offers: the suggestion, its alternatives, then the rest (never vervallen rows)."""
    first: list[rules.Resultaat] = []
    if category_uri and tooi.category_by_uri(category_uri):
        suggestion = rules.suggest_for_category(category_uri)
        first = ([suggestion] if suggestion else []) + rules.alternatives_for_category(category_uri)
    seen = {r.code for r in first}
    return first + [r for r in rules.resultaten() if r.code not in seen]


def apply_class(doc: Document, res: rules.Resultaat | str, source: str, years: int,
                brondatum: tuple[date, str] | None = None) -> rules.Retention:
    """Store resultaat, waardering, bewaartermijn, brondatum and archiefactiedatum on ``doc``
    (``brondatum``: (date, which field) given by the dossier; else the document's own)."""
    brondatum, bron = brondatum or brondatum_of(doc)
    ret = rules.retention_for(res, brondatum, years)
    doc.retention_resultaat, doc.retention_source = ret.resultaat, source
    doc.retention_waardering, doc.retention_bewaartermijn = ret.waardering, ret.bewaartermijn
    doc.retention_brondatum, doc.retention_brondatum_bron = brondatum, bron
    doc.archiefactiedatum = ret.archiefactiedatum
    return ret


@dataclass
class ClassifyReport:
    classified: int = 0
    unmapped: int = 0  # no category yet or no default for it: waardering stays N


def classify_defaults(ctx: Context, actor: Actor, *, recompute: bool = False, batch: int = 1000,
                      progress: Callable[[int], None] | None = None,
                      document_ids: list[str] | None = None) -> ClassifyReport:
    """Give every document without a class the default for its Woo category (``recompute``: also redo
    the dates of existing classes, e.g. after WOO_TRANSFER_YEARS changed). Overrides are kept.
    ``document_ids`` limits it to those documents (a category was just confirmed: its class follows)."""
    years, report, last_id = transfer_years(ctx.settings), ClassifyReport(), ""
    while True:
        dossiers_seen: dict = {}
        with ctx.unit_of_work() as session:
            stmt = select(Document).where(Document.id > last_id,
                                          Document.status.notin_([Status.ARCHIVED, Status.DESTROYED]))
            if document_ids is not None:
                stmt = stmt.where(Document.id.in_(document_ids))
            if not recompute:  # plus documents of a dossier that do not follow its class yet
                stmt = stmt.where(or_(Document.retention_resultaat.is_(None), and_(
                    Document.publication_id.is_not(None),
                    or_(Document.retention_source.is_(None), Document.retention_source != SOURCE_DOSSIER))))
            docs = session.execute(stmt.order_by(Document.id).limit(batch)).scalars().all()
            if not docs:
                return report
            for doc in docs:
                last_id = doc.id
                if doc.publication_id:  # the dossier decides (and gets its default class stored once)
                    d = dossiers_seen.get(doc.publication_id) or session.get(Publication, doc.publication_id)
                    dossiers_seen[doc.publication_id] = d
                    ret = ensure_dossier_class(session, actor, d, years)
                    if ret is None:
                        if doc.retention_waardering is None:
                            doc.retention_waardering = "N"
                        report.unmapped += 1
                        continue
                    before = (doc.retention_resultaat, doc.archiefactiedatum, doc.retention_source)
                    apply_class(doc, ret.resultaat, SOURCE_DOSSIER, years, (ret.brondatum, d.retention_brondatum_bron))
                    if before != (doc.retention_resultaat, doc.archiefactiedatum, doc.retention_source):
                        audit.record(session, actor.label, "retention.classified", doc.id, resultaat=ret.resultaat,
                                     waardering=ret.waardering, brondatum=ret.brondatum.isoformat(),
                                     brondatum_bron=doc.retention_brondatum_bron,
                                     archiefactiedatum=ret.archiefactiedatum.isoformat(), bron=SOURCE_DOSSIER,
                                     dossier=d.id)
                    report.classified += 1
                    continue
                code = doc.retention_resultaat if doc.retention_source == SOURCE_ARCHIVIST else None
                if code is None:
                    res = rules.suggest_for_category(doc.category) if tooi.category_by_uri(doc.category) else None
                    code = res.code if res else None
                if code is None:
                    if doc.retention_waardering is None:
                        doc.retention_waardering = "N"
                    report.unmapped += 1
                    continue
                source = doc.retention_source if doc.retention_source == SOURCE_ARCHIVIST else SOURCE_DEFAULT
                before = (doc.retention_resultaat, doc.archiefactiedatum)
                ret = apply_class(doc, code, source, years)
                if before != (ret.resultaat, ret.archiefactiedatum):
                    audit.record(session, actor.label, "retention.classified", doc.id, resultaat=ret.resultaat,
                                 waardering=ret.waardering, brondatum=ret.brondatum.isoformat(),
                                 brondatum_bron=doc.retention_brondatum_bron,
                                 archiefactiedatum=ret.archiefactiedatum.isoformat(), bron=source)
                report.classified += 1
            if progress:
                progress(len(docs))


def override(ctx: Context, actor: Actor, document_id: str, code: str, reason: str) -> rules.Retention:
    """An archivist sets the resultaat of one document, with a reason (audited)."""
    if not (reason or "").strip():
        raise RetentionError("Geef een reden op voor het wijzigen van de selectielijstklasse.")
    res = rules.resultaat(code)  # RetentionError (Dutch) for unknown or vervallen codes
    with ctx.unit_of_work() as session:
        require_role(session, actor, Role.ARCHIVIST, "De selectielijstklasse wijzigen")
        doc = session.get(Document, document_id)
        if doc is None:
            raise RetentionError(f"Document {document_id} bestaat niet.")
        if doc.publication_id:
            raise RetentionError(f"Document {document_id} hoort bij dossier {doc.publication_id} en volgt de "
                                 "selectielijstklasse van het dossier; wijzig die van het dossier.")
        if not is_mutable(doc.status):
            raise RetentionError(f"Document {document_id} heeft status '{LABELS_NL[Status(doc.status)]}' "
                                 "en kan niet meer worden gewijzigd.")
        previous = doc.retention_resultaat
        ret = apply_class(doc, res, SOURCE_ARCHIVIST, transfer_years(ctx.settings))
        doc.retention_reason = reason.strip()  # kept on the record (and in its MDTO state), not only in the log
        audit.record(session, actor.label, "retention.overridden", doc.id, resultaat=res.code, vorige=previous,
                     reden=reason.strip(), waardering=ret.waardering, brondatum=ret.brondatum.isoformat(),
                     brondatum_bron=doc.retention_brondatum_bron, archiefactiedatum=ret.archiefactiedatum.isoformat())
    return ret


def set_legal_hold(ctx: Context, actor: Actor, document_ids: list[str], hold: bool, reason: str) -> int:
    """Put records under (or release them from) a legal hold: no destruction while it lasts."""
    if not (reason or "").strip():
        raise RetentionError("Geef een reden op voor de juridische bewaarplicht (legal hold).")
    with ctx.unit_of_work() as session:
        require_role(session, actor, Role.ARCHIVIST, "Een juridische bewaarplicht instellen")
        for doc_id in dict.fromkeys(document_ids):
            doc = session.get(Document, doc_id)
            if doc is None:
                raise RetentionError(f"Document {doc_id} bestaat niet.")
            doc.legal_hold, doc.legal_hold_reason = hold, reason.strip() if hold else None
            audit.record(session, actor.label, "retention.legal_hold" if hold else "retention.legal_hold_lifted",
                         doc.id, reden=reason.strip())
    return len(set(document_ids))


# --------------------------------------------------------------------------- per dossier


def dossier_brondatum(session: Session, d: Publication) -> tuple[date, str]:
    """A dossier's brondatum: the one stored for it, else its decision date (the end of the case), else the
    date it was published, else the date it was made. Its documents inherit it."""
    if d.retention_brondatum is not None:
        return d.retention_brondatum, d.retention_brondatum_bron or "decision_date"
    for name in ("decision_date", "published_at", "created_at"):
        value = getattr(d, name)
        if value is not None:
            return (value.date() if isinstance(value, datetime) else value), name
    return today_utc(), "created_at"


def dossier_documents(session: Session, dossier_id: str) -> list[Document]:
    return list(session.execute(select(Document).where(Document.publication_id == dossier_id)
                                .order_by(Document.id)).scalars())


def dossier_retention(session: Session, d: Publication, years: int) -> rules.Retention | None:
    """The dossier's class with its dates (None: no class stored and no default for its category)."""
    code = d.retention_resultaat
    if code is None and d.category and tooi.category_by_uri(d.category):
        res = rules.suggest_for_category(d.category)
        code = res.code if res else None
    if code is None:
        return None
    brondatum, _ = dossier_brondatum(session, d)
    return rules.retention_for(code, brondatum, years)


def ensure_dossier_class(session: Session, actor: Actor, d: Publication, years: int) -> rules.Retention | None:
    """Store the dossier's default class (its category's) if it has none yet; its retention with dates."""
    ret = dossier_retention(session, d, years)
    if ret is not None and d.retention_resultaat is None:
        brondatum, bron = dossier_brondatum(session, d)
        d.retention_resultaat, d.retention_source = ret.resultaat, SOURCE_DEFAULT
        d.retention_brondatum, d.retention_brondatum_bron = brondatum, bron
        audit.record(session, actor.label, "retention.dossier_classified", None, dossier=d.id,
                     resultaat=ret.resultaat, waardering=ret.waardering, brondatum=brondatum.isoformat(),
                     brondatum_bron=bron, bron=SOURCE_DEFAULT)
    return ret


def apply_dossier_class(session: Session, d: Publication, code: str, source: str, years: int,
                        brondatum: date | None = None) -> rules.Retention:
    """Store the class (and brondatum) on the dossier and give both to every document still here."""
    res = rules.resultaat(code)
    if brondatum is not None:
        d.retention_brondatum, d.retention_brondatum_bron = brondatum, "dossier"
    day, bron = dossier_brondatum(session, d)
    d.retention_resultaat, d.retention_source = res.code, source
    d.retention_brondatum, d.retention_brondatum_bron = day, bron
    ret = rules.retention_for(res, day, years)
    for doc in dossier_documents(session, d.id):
        if doc.status in (Status.ARCHIVED, Status.DESTROYED):
            continue
        apply_class(doc, res, SOURCE_DOSSIER, years, (day, bron))
    return ret


def set_dossier_class(ctx: Context, actor: Actor, dossier_id: str, code: str, reason: str,
                      brondatum: date | None = None) -> rules.Retention:
    """An archivist sets the Selectielijst class (and optionally the brondatum) of a whole dossier, with a
    reason; every document of the dossier inherits it (audited once for the dossier)."""
    if not (reason or "").strip():
        raise RetentionError("Geef een reden op voor het wijzigen van de selectielijstklasse.")
    rules.resultaat(code)
    with ctx.unit_of_work() as session:
        require_role(session, actor, Role.ARCHIVIST, "De selectielijstklasse van een dossier wijzigen")
        d = session.get(Publication, dossier_id)
        if d is None:
            raise RetentionError(f"Dossier {dossier_id} bestaat niet.")
        previous = d.retention_resultaat
        ret = apply_dossier_class(session, d, code, SOURCE_ARCHIVIST, transfer_years(ctx.settings), brondatum)
        d.retention_reason = reason.strip()
        audit.record(session, actor.label, "retention.dossier_overridden", None, dossier=d.id, resultaat=ret.resultaat,
                     vorige=previous, reden=reason.strip(), waardering=ret.waardering,
                     brondatum=ret.brondatum.isoformat(), brondatum_bron=d.retention_brondatum_bron,
                     archiefactiedatum=ret.archiefactiedatum.isoformat(),
                     documenten=len(dossier_documents(session, d.id)))
    return ret


def dossier_members(session: Session, document_ids: list[str]) -> dict[str, set[str]]:
    """For the dossiers among these documents: dossier id -> every document of it still here (not destroyed,
    not transferred). A dossier is destroyed or transferred whole; this is what "whole" means."""
    dossier_ids: set[str] = set()
    for i in range(0, len(document_ids), 500):
        dossier_ids |= {p for p in session.execute(select(Document.publication_id).where(
            Document.id.in_(document_ids[i:i + 500]), Document.publication_id.is_not(None))).scalars()}
    out: dict[str, set[str]] = {}
    for did in dossier_ids:
        out[did] = set(session.execute(select(Document.id).where(
            Document.publication_id == did,
            Document.status.notin_([Status.ARCHIVED, Status.DESTROYED]))).scalars())
    return out


def incomplete_dossiers(session: Session, document_ids: list[str], what: str) -> list[str]:
    """Dutch reasons for every dossier of which only part is among ``document_ids``."""
    chosen = set(document_ids)
    reasons = []
    for did, members in sorted(dossier_members(session, list(chosen)).items()):
        missing = sorted(members - chosen)
        if missing:
            d = session.get(Publication, did)
            reasons.append(f"Dossier '{d.title if d else did}' ({did}) wordt alleen in zijn geheel {what}; "
                           f"ontbrekend: {len(missing)} document(en): {', '.join(missing[:10])}"
                           + (" ..." if len(missing) > 10 else "") + ".")
    return reasons


# --------------------------------------------------------------------------- the due list


@dataclass
class DueFilter:
    within_days: int = 0
    categories: tuple[str, ...] = ()  # TOOI URIs, labels or slugs
    resultaten: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()  # TOOI codes or URIs
    before: date | None = None  # archiefactiedatum strictly before this date (overrides within_days)
    waardering: str | None = None  # "V" destroy, "B" transfer; None both
    today: date | None = None

    def limit_date(self) -> date:
        if self.before is not None:
            return self.before - timedelta(days=1)
        return (self.today or date.today()) + timedelta(days=self.within_days)


@dataclass(frozen=True)
class DueRow:
    id: str
    title: str
    organisation: str
    category: str | None
    status: str
    resultaat: str
    waardering: str
    bewaartermijn: str | None
    brondatum: date
    brondatum_bron: str
    archiefactiedatum: date
    legal_hold: bool

    @property
    def archiefactie(self) -> str:
        return "vernietigen" if self.waardering == "V" else "overbrengen"


COLUMNS = ["id", "titel", "organisatie", "woo_categorie", "status", "resultaat", "waardering", "bewaartermijn",
           "brondatum", "brondatum_bron", "archiefactiedatum", "archiefactie", "legal_hold"]


def _as_row(r: DueRow) -> list:
    cat = tooi.category_by_uri(r.category) if r.category else None
    return [r.id, r.title, r.organisation, cat.label if cat else (r.category or ""), r.status, r.resultaat,
            r.waardering, r.bewaartermijn or "", r.brondatum.isoformat(), BRONDATUM_LABELS.get(r.brondatum_bron, ""),
            r.archiefactiedatum.isoformat(), r.archiefactie, "ja" if r.legal_hold else "nee"]


def _resolve_filter(session: Session, flt: DueFilter) -> tuple[list, list[int] | None]:
    where = [Document.archiefactiedatum.is_not(None), Document.archiefactiedatum <= flt.limit_date(),
             Document.status.notin_([Status.ARCHIVED, Status.DESTROYED])]
    if flt.waardering:
        where.append(Document.retention_waardering == flt.waardering)
    if flt.categories:
        uris = []
        for c in flt.categories:
            cat = tooi.resolve_category(c)
            if cat is None:
                raise RetentionError(f"'{c}' is geen Woo-informatiecategorie.")
            uris.append(cat.uri)
        where.append(Document.category.in_(uris))
    if flt.resultaten:
        where.append(Document.retention_resultaat.in_([rules.resultaat(c).code for c in flt.resultaten]))
    org_ids = None
    if flt.organisations:
        org_ids = []
        for code in flt.organisations:
            org = session.execute(select(Organisation.id).where(
                (Organisation.code == code) | (Organisation.tooi_uri == code))).scalar_one_or_none()
            if org is None:
                raise RetentionError(f"Onbekende organisatie: {code}")
            org_ids.append(org)
        where.append(Document.organisation_id.in_(org_ids))
    return where, org_ids


def due_rows(session: Session, flt: DueFilter, batch: int = 5000) -> Iterator[DueRow]:
    """Documents whose archiefactiedatum has passed (or will within ``within_days``), in date order.

    Keyset pagination over the (archiefactiedatum, id) index: every batch is a fresh, bounded query and
    nothing is kept between batches, so memory stays flat however many rows match."""
    where, _ = _resolve_filter(session, flt)
    orgs = dict(session.execute(select(Organisation.id, Organisation.code)).all())
    cols = (Document.id, Document.title, Document.organisation_id, Document.category, Document.status,
            Document.retention_resultaat, Document.retention_waardering, Document.retention_bewaartermijn,
            Document.retention_brondatum, Document.retention_brondatum_bron, Document.archiefactiedatum,
            Document.legal_hold)
    last: tuple[date, str] | None = None
    while True:
        stmt = select(*cols).where(*where)
        if last is not None:
            # a row-value comparison walks the (archiefactiedatum, id) index; the equivalent OR does not
            stmt = stmt.where(tuple_(Document.archiefactiedatum, Document.id) > tuple_(literal(last[0]),
                                                                                       literal(last[1])))
        rows = session.execute(stmt.order_by(Document.archiefactiedatum, Document.id).limit(batch)).all()
        if not rows:
            return
        for r in rows:
            yield DueRow(r[0], r[1], orgs.get(r[2], ""), r[3], r[4], r[5] or "", r[6] or "N", r[7], r[8],
                         r[9] or "", r[10], bool(r[11]))
        last = (rows[-1][10], rows[-1][0])
        session.expunge_all()


def write_csv(rows: Iterable[DueRow], path: Path, progress: Callable[[int], None] | None = None) -> int:
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = exports.CsvWriter(fh)  # titles come from outside: no cell may start a formula
        out.writerow(COLUMNS)
        for r in rows:
            out.writerow(_as_row(r))
            n += 1
            if progress and n % 1000 == 0:
                progress(1000)
    return n


def write_xlsx(rows: Iterable[DueRow], path: Path, progress: Callable[[int], None] | None = None) -> int:
    """openpyxl's write-only workbook streams rows to disk (memory flat)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Archiefactie")
    ws.append(COLUMNS)
    n = 0
    for r in rows:
        ws.append(exports.xlsx_row(ws, _as_row(r)))  # text cells, never formulas
        n += 1
        if progress and n % 1000 == 0:
            progress(1000)
    wb.save(path)
    return n


@dataclass
class RetentionView:
    """What the UI shows about one document's retention (Dutch labels)."""
    resultaat: rules.Resultaat | None
    waardering: str
    source: str | None
    brondatum: date | None
    brondatum_bron: str
    archiefactiedatum: date | None
    legal_hold: bool
    offered: list[rules.Resultaat] = field(default_factory=list)


def view(doc: Document) -> RetentionView:
    res = None
    if doc.retention_resultaat:
        try:
            res = rules.resultaat(doc.retention_resultaat)
        except RetentionError:
            res = None
    return RetentionView(res, doc.retention_waardering or "N", doc.retention_source, doc.retention_brondatum,
                         BRONDATUM_LABELS.get(doc.retention_brondatum_bron or "", ""), doc.archiefactiedatum,
                         bool(doc.legal_hold), offered_resultaten(doc.category))


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


__all__ = ["RetentionError", "transfer_years", "destruction_window_days", "actor_roles", "require_role",
           "brondatum_of", "offered_resultaten", "apply_class", "classify_defaults", "ClassifyReport", "override",
           "set_legal_hold", "dossier_brondatum", "dossier_retention", "ensure_dossier_class", "apply_dossier_class",
           "set_dossier_class", "dossier_members", "incomplete_dossiers", "SOURCE_DOSSIER", "DueFilter", "DueRow", "due_rows", "write_csv", "write_xlsx", "COLUMNS", "view",
           "RetentionView", "utcnow", "today_utc"]
