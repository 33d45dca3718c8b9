"""The compliance dashboard and the annual figures (issue 20): one computation for the web page, the CLI
(`woo report annual`) and the tests.

Counting: every publication, withdrawal and transfer moves counters (``dashboard_counts``) in its own
transaction (``note_published`` / ``note_withdrawn`` / ``note_left_public``, called by
woo.services.publication and woo.services.transfer), so the figures read a few hundred counter rows, never
the documents. The rest are indexed queries over small sets: Woo-besluiten (publications by organisation and
kind), the work lists' rows (woo.services.worklist.waiting), the stored sitemap pages, the last
recorded harvest check. `woo report recount` (and `woo rebuild --from-storage`) count a history from scratch.
"""
from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from woo.adapters.models import (DashboardCount, Document, Event, Organisation, PrivacyFinding, Publication,
                                 SitemapPage, StoredFile, utcnow)
from woo.domain import dashboard as rules
from woo.domain import grounds as woo_grounds
from woo.domain import tooi
from woo.domain import worklist as wl_rules
from woo.services import audit
from woo.services.context import Actor, Context

REPORT_RESULTAAT = "4.1.9"  # Selectielijst 2020: Evaluatie uitvoeren - Uitgevoerd, Jaarverslag (B)
HARVEST_EVENT = "harvest.checked"
REPORT_EVENT = "report.annual"
WAITING_LISTS = (wl_rules.REVIEW, wl_rules.PRIVACY, wl_rules.METADATA, wl_rules.BLOCKED, wl_rules.FAILED,
                 wl_rules.PROCESSING, wl_rules.READY)


class ReportError(ValueError):
    """Bad input for a report; the message is Dutch."""


# --------------------------------------------------------------------------- keeping the counters

def _apply(session: Session, deltas: list[rules.Delta]) -> None:
    """Add each delta to its counter in the caller's transaction (an atomic upsert: concurrent publications
    in other transactions add up, they never overwrite one another)."""
    if not deltas:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = DashboardCount.__table__
    for d in deltas:
        stmt = insert(table).values(organisation_id=d.organisation_id, metric=d.metric, year=d.year,
                                    category=d.category, key=d.key, n=d.n, last_at=d.at)
        excluded = stmt.excluded
        last = table.c.last_at if d.at is None else func.coalesce(
            func.max(table.c.last_at, excluded.last_at) if dialect == "sqlite"
            else func.greatest(table.c.last_at, excluded.last_at), excluded.last_at)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["organisation_id", "metric", "year", "category", "key"],
            set_={"n": table.c.n + excluded.n, "last_at": last}))


def _redactions_of(session: Session, doc: Document) -> dict[str, int]:
    rows = session.execute(select(PrivacyFinding.ground, func.count()).where(
        PrivacyFinding.document_id == doc.id, PrivacyFinding.decision == "redact",
        PrivacyFinding.file_role.is_(None)).group_by(PrivacyFinding.ground))
    return {g or "": n for g, n in rows}


def published_deltas(session: Session, doc: Document) -> list[rules.Delta]:
    """The counter moves of ``doc`` having just been made public."""
    return rules.on_published(doc.organisation_id, doc.category, doc.document_date, _aware(doc.published_at),
                              _redactions_of(session, doc))


def note_published(session: Session, doc: Document) -> None:
    """``doc`` was just made public (woo.services.publication.mark_published)."""
    _apply(session, published_deltas(session, doc))


def apply_deltas(session: Session, deltas: list[rules.Delta]) -> None:
    """Counter moves collected over many documents (a dossier published at once), one upsert per counter."""
    _apply(session, rules.merge(deltas))


def note_withdrawn(session: Session, doc: Document) -> None:
    """``doc`` was just withdrawn (published_at still says when it went public)."""
    _apply(session, rules.on_withdrawn(doc.organisation_id, doc.category, _aware(doc.published_at or doc.withdrawn_at),
                                       _aware(doc.withdrawn_at), doc.withdraw_reason))


def note_left_public(session: Session, doc: Document) -> None:
    """A public ``doc`` stopped being public otherwise (transferred to an e-Depot)."""
    if doc.published_at is not None:
        _apply(session, rules.on_left_public(doc.organisation_id, doc.category, _aware(doc.published_at)))


def recount(session: Session, organisation_ids: set[int] | None = None) -> int:
    """Count the counters again from the documents and findings (after a rebuild from storage, or to mend
    a drift); returns the number of counter rows."""
    where = [Document.published_at.is_not(None)]
    if organisation_ids is not None:
        where.append(Document.organisation_id.in_(organisation_ids))
    docs = session.execute(select(Document.organisation_id, Document.status, Document.category,
                                  Document.document_date, Document.published_at, Document.withdrawn_at,
                                  Document.withdraw_reason).where(*where))
    reds = session.execute(select(Document.organisation_id, Document.category, Document.published_at,
                                  PrivacyFinding.ground, func.count())
                           .join(PrivacyFinding, PrivacyFinding.document_id == Document.id)
                           .where(*where, PrivacyFinding.decision == "redact", PrivacyFinding.file_role.is_(None))
                           .group_by(Document.organisation_id, Document.category, Document.published_at,
                                     PrivacyFinding.ground))
    rows = rules.count_history(list(docs), list(reds))
    from woo.services import worklist

    worklist.reindex(session, organisation_ids)  # the work lists the waiting figures count
    clear = delete(DashboardCount)
    if organisation_ids is not None:
        clear = clear.where(DashboardCount.organisation_id.in_(organisation_ids))
    session.execute(clear)
    if rows:
        session.execute(DashboardCount.__table__.insert(), rows)
    return len(rows)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


# --------------------------------------------------------------------------- reading the figures

@dataclass
class CategoryFigure:
    uri: str                      # '' : documents without a category
    label: str
    article: str
    public: int = 0               # public now (of those published in the year, for a year)
    published: int = 0            # publications (in the year)
    last_at: datetime | None = None
    median_lag_days: float | None = None
    dated: int = 0                # publications with a document date (what the median is over)

    @property
    def obliged(self) -> bool:
        """One of the 17 categories of art. 3.3 Woo (not the voluntary art. 3.1, not 'without category')."""
        return self.article.startswith("3.3")

    @property
    def empty(self) -> bool:
        return self.obliged and self.published == 0


@dataclass
class KeyFigure:
    key: str
    label: str
    n: int
    last_at: datetime | None = None


@dataclass
class WaitingFigure:
    key: str
    label: str
    n: int
    oldest_days: int | None = None
    median_days: float | None = None


@dataclass
class HarvestStatus:
    base_url: str
    at: datetime | None = None       # None: never checked
    ok: bool | None = None
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    documents: int = 0


@dataclass
class SitemapStatus:
    pages: int = 0
    stale: int = 0
    urls: int = 0
    changed_at: datetime | None = None


@dataclass
class Figures:
    organisations: list[Organisation]
    year: int | None
    today: date
    categories: list[CategoryFigure]
    besluiten: rules.BesluitFigures
    withdrawals: list[KeyFigure]
    redactions: list[KeyFigure]
    waiting: list[WaitingFigure] | None = None   # a snapshot: not in annual figures
    harvest: list[HarvestStatus] | None = None
    sitemaps: SitemapStatus | None = None

    @property
    def empty_categories(self) -> list[CategoryFigure]:
        return [c for c in self.categories if c.empty]

    @property
    def obliged_categories(self) -> list[CategoryFigure]:
        return [c for c in self.categories if c.obliged]

    @property
    def total_public(self) -> int:
        return sum(c.public for c in self.categories)

    @property
    def total_published(self) -> int:
        return sum(c.published for c in self.categories)


def organisations_for(session: Session, organisation_ids: set[int] | None) -> list[Organisation]:
    stmt = select(Organisation).order_by(Organisation.name)
    if organisation_ids is not None:
        stmt = stmt.where(Organisation.id.in_(organisation_ids))
    return list(session.execute(stmt).scalars())


def resolve_organisation(session: Session, value: str) -> Organisation:
    """An organisation by code (gm0363), TOOI URI or database id; Dutch error otherwise."""
    value = (value or "").strip()
    org = session.execute(select(Organisation).where(
        (Organisation.code == value) | (Organisation.tooi_uri == value))).scalar_one_or_none()
    if org is None and value.isdigit():
        org = session.get(Organisation, int(value))
    if org is None:
        raise ReportError(f"Onbekende organisatie '{value}'.")
    return org


def figures(session: Session, organisation_ids: set[int] | None, year: int | None = None,
            today: date | None = None, base_url: str | None = None, snapshot: bool = True) -> Figures:
    """The dashboard's figures for these organisations (None: all), all time or for one calendar year.
    ``snapshot``: also the state now (work lists, harvest readiness, sitemaps), which a year has not."""
    today = today or utcnow().date()
    orgs = organisations_for(session, organisation_ids)
    ids = [o.id for o in orgs]
    fig = Figures(orgs, year, today, _categories(session, ids, year), _besluiten(session, ids, year, today),
                  _keyed(session, ids, year, rules.WITHDRAWN, _reason_label),
                  _keyed(session, ids, year, rules.REDACTED, _ground_label))
    if snapshot:
        fig.waiting = _waiting(session, ids, today)
        fig.harvest = _harvest(session, orgs, base_url)
        fig.sitemaps = _sitemaps(session, ids)
    return fig


def _counter_where(ids: list[int], year: int | None, metric: str) -> list:
    """One year's counters, or the all-years copy (year 0): never a sum over years."""
    return [DashboardCount.organisation_id.in_(ids), DashboardCount.metric == metric,
            DashboardCount.year == (rules.ALL_YEARS if year is None else year)]


def _when(value) -> datetime | None:
    return _aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _categories(session: Session, ids: list[int], year: int | None) -> list[CategoryFigure]:
    by_uri = {c.uri: CategoryFigure(c.uri, c.label, c.woo_article) for c in tooi.woo_categories()}

    def row(uri: str) -> CategoryFigure:
        if uri not in by_uri:
            cat = tooi.category_by_uri(uri)
            by_uri[uri] = CategoryFigure(uri, cat.label if cat else (uri or "Zonder categorie"),
                                         cat.woo_article if cat else "")
        return by_uri[uri]
    # Core rows (session.connection()): thousands of histogram rows without the ORM's per-row cost.
    conn = session.connection()
    for metric, category, n, last in conn.execute(
            select(DashboardCount.metric, DashboardCount.category, func.sum(DashboardCount.n),
                   func.max(DashboardCount.last_at))
            .where(DashboardCount.organisation_id.in_(ids),
                   DashboardCount.metric.in_([rules.PUBLISHED, rules.PUBLIC]),
                   DashboardCount.year == (rules.ALL_YEARS if year is None else year))
            .group_by(DashboardCount.metric, DashboardCount.category)):
        c = row(category)
        if metric == rules.PUBLISHED:
            c.published, c.last_at = int(n or 0), _when(last)
        else:
            c.public = int(n or 0)
    hist: dict[str, dict[int, int]] = {}
    for category, key, n in conn.execute(
            select(DashboardCount.category, DashboardCount.key, func.sum(DashboardCount.n))
            .where(*_counter_where(ids, year, rules.LAG))
            .group_by(DashboardCount.category, DashboardCount.key)):
        hist.setdefault(category, {})[int(key)] = int(n or 0)
    for category, h in hist.items():
        c = row(category)
        c.median_lag_days = rules.median_of_histogram(h)
        c.dated = sum(v for v in h.values() if v > 0)
    ordered = [by_uri[c.uri] for c in tooi.woo_categories()]
    extra = [c for uri, c in by_uri.items() if uri not in {x.uri for x in ordered} and (c.published or c.public)]
    return ordered + extra


def _reason_label(key: str) -> str:
    c = tooi.reden_verwijdering(key) if key else None
    return c.label if c else (key or "Zonder reden")


def _ground_label(key: str) -> str:
    if not key:
        return "Zonder grond"
    try:
        return f"{key} {woo_grounds.ground_label(key)}".strip()
    except (KeyError, ValueError):
        return key


def _keyed(session: Session, ids: list[int], year: int | None, metric: str, label) -> list[KeyFigure]:
    rows = session.connection().execute(select(DashboardCount.key, func.sum(DashboardCount.n),
                                               func.max(DashboardCount.last_at))
                           .where(*_counter_where(ids, year, metric)).group_by(DashboardCount.key))
    out = [KeyFigure(k, label(k), int(n or 0), _when(last)) for k, n, last in rows if n]
    return sorted(out, key=lambda f: (-f.n, f.key))


def besluit_filter(ids: list[int], year: int | None) -> list:
    """Woo-besluiten of these organisations; for a year: decided in it, or received in it and undecided."""
    where = [Publication.organisation_id.in_(ids), Publication.kind == "woo-besluit"]
    if year is not None:
        start, end = date(year, 1, 1), date(year, 12, 31)
        where.append(((Publication.decision_date >= start) & (Publication.decision_date <= end))
                     | (Publication.decision_date.is_(None) & (Publication.received_date >= start)
                        & (Publication.received_date <= end)))
    return where


def _besluiten(session: Session, ids: list[int], year: int | None, today: date) -> rules.BesluitFigures:
    rows = session.execute(select(Publication.received_date, Publication.decision_date, Publication.extended,
                                  Publication.suspension_days).where(*besluit_filter(ids, year)))
    return rules.besluit_figures((rules.BesluitFacts(r, d, bool(e), s or 0) for r, d, e, s in rows), today)


def besluit_ids_in_state(session: Session, ids: list[int], year: int | None, state: str, today: date) -> list[str]:
    """The Woo-besluiten behind one term figure (the dossier list's filter)."""
    rows = session.execute(select(Publication.id, Publication.received_date, Publication.decision_date,
                                  Publication.extended, Publication.suspension_days).where(*besluit_filter(ids, year)))
    return [i for i, r, d, e, s in rows if rules.term_state(rules.BesluitFacts(r, d, bool(e), s or 0), today) == state]


def _waiting(session: Session, ids: list[int], today: date) -> list[WaitingFigure]:
    """The work lists' counts and ages: indexed counts over their rows (woo.services.worklist.waiting)."""
    from woo.services import worklist

    lists = worklist.waiting(session, set(ids), today)
    return [WaitingFigure(k, wl_rules.LABELS_NL[k], lists[k].n, lists[k].oldest_days, lists[k].median_days)
            for k in WAITING_LISTS]


def _harvest(session: Session, orgs: list[Organisation], base_url: str | None) -> list[HarvestStatus]:
    """The last recorded harvest check of each public host of these organisations."""
    hosts = list(dict.fromkeys((o.public_base_url or base_url or "").rstrip("/") for o in orgs))
    hosts = [h for h in hosts if h]
    found: dict[str, HarvestStatus] = {}
    events = session.execute(select(Event).where(Event.action == HARVEST_EVENT)
                             .order_by(Event.id.desc()).limit(500)).scalars()
    for e in events:
        base = (e.detail or {}).get("base_url", "").rstrip("/")
        if base in hosts and base not in found:
            d = e.detail
            found[base] = HarvestStatus(base, _aware(e.at), bool(d.get("ok")), list(d.get("problems") or []),
                                        int(d.get("problem_count") or 0), int(d.get("documents") or 0))
        if len(found) == len(hosts):
            break
    return [found.get(h, HarvestStatus(h)) for h in hosts]


def _sitemaps(session: Session, ids: list[int]) -> SitemapStatus:
    pages, stale, urls, changed = session.execute(
        select(func.count(), func.count().filter(SitemapPage.stale.is_(True)), func.sum(SitemapPage.url_count),
               func.max(SitemapPage.changed_at)).where(SitemapPage.organisation_id.in_(ids))).one()
    if isinstance(changed, str):
        changed = datetime.fromisoformat(changed)
    return SitemapStatus(int(pages or 0), int(stale or 0), int(urls or 0), _aware(changed))


def record_harvest_check(ctx: Context, actor: Actor, report) -> None:
    """Keep the outcome of `woo harvest check` (woo.publish.harvest_check.Report) for the dashboard."""
    with ctx.unit_of_work() as session:
        audit.record(session, actor.label, HARVEST_EVENT, None, base_url=report.base_url.rstrip("/"),
                     ok=report.ok, problem_count=len(report.problems), problems=report.problems[:50],
                     indexes=report.indexes, sitemaps=report.sitemaps, documents=report.documents)


# --------------------------------------------------------------------------- annual figures

@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]
    sheet: str = ""  # the XLSX sheet name (at most 31 characters)


def _d(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def _num(value: float | None):
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else round(value, 1)


def tables(fig: Figures) -> list[Table]:
    """The figures as tables: the annual report's sections (CSV, XLSX and PDF are made from these)."""
    out = [Table("Publicaties per informatiecategorie",
                 ["informatiecategorie", "artikel", "gepubliceerd", "nog openbaar", "laatste publicatie",
                  "mediaan dagen documentdatum tot publicatie", "niets gepubliceerd"],
                 [[c.label, c.article, c.published, c.public, _d(c.last_at), _num(c.median_lag_days),
                   "ja" if c.empty else ""] for c in fig.categories], "Categorieën")]
    b = fig.besluiten
    out.append(Table("Woo-besluiten en de beslistermijn", ["onderdeel", "aantal"],
                     [[rules.TERM_LABELS_NL[k], n] for k, n in b.counts.items()]
                     + [["Mediaan dagen van ontvangst tot besluit", _num(b.median_days)]], "Woo-besluiten"))
    out.append(Table("Intrekkingen per reden", ["reden", "aantal", "laatste"],
                     [[w.label, w.n, _d(w.last_at)] for w in fig.withdrawals], "Intrekkingen"))
    out.append(Table("Lakkingen per Woo-grond", ["grond", "aantal"], [[r.label, r.n] for r in fig.redactions],
                     "Lakkingen"))
    if fig.waiting is not None:
        out.append(Table("Documenten in behandeling per stap", ["stap", "aantal", "langst wachtend (dagen)",
                                                               "mediaan wachttijd (dagen)"],
                         [[w.label, w.n, _num(w.oldest_days), _num(w.median_days)] for w in fig.waiting],
                         "In behandeling"))
    return out


def _period(fig: Figures) -> str:
    return f"kalenderjaar {fig.year}" if fig.year else f"tot en met {fig.today.isoformat()}"


def report_csv(fig: Figures) -> bytes:
    """Long format, one figure per line: sectie, onderdeel, kenmerk, waarde (spreadsheet-safe cells)."""
    from woo import exports

    buf = io.StringIO()
    w = exports.CsvWriter(buf)
    w.writerow(["organisatie", "periode", "sectie", "onderdeel", "kenmerk", "waarde"])
    names = ", ".join(o.name for o in fig.organisations)
    for t in tables(fig):
        for r in t.rows:
            for col, value in zip(t.columns[1:], r[1:]):
                w.writerow([names, _period(fig), t.title, r[0], col, value])
    return buf.getvalue().encode("utf-8")


def report_xlsx(fig: Figures) -> bytes:
    from openpyxl import Workbook

    from woo import exports

    wb = Workbook(write_only=True)
    info = wb.create_sheet("Overzicht")
    info.append(exports.xlsx_row(info, ["Jaarcijfers Woo", ", ".join(o.name for o in fig.organisations)]))
    info.append(exports.xlsx_row(info, ["Periode", _period(fig)]))
    for t in tables(fig):
        ws = wb.create_sheet((t.sheet or t.title)[:31])
        ws.append(exports.xlsx_row(ws, t.columns))
        for r in t.rows:
            ws.append(exports.xlsx_row(ws, r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def report_pdf(fig: Figures, made_at: datetime | None = None) -> bytes:
    """PDF/A-2b (woo.archive.report)."""
    from woo.archive import report as pdfreport

    header = pdfreport.Header(title=f"Jaarcijfers Woo {fig.year}" if fig.year else "Woo-cijfers",
                              organisation=", ".join(o.name for o in fig.organisations), period=_period(fig),
                              made_at=made_at or utcnow())
    return pdfreport.to_pdfa(pdfreport.build_pdf(header, [(t.title, t.columns, t.rows) for t in tables(fig)]))


FORMATS = {"csv": ("text/csv", "csv"), "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                                "xlsx"), "pdf": ("application/pdf", "pdf")}


def check_year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ReportError(f"Ongeldig jaar '{year}': geef een jaartal, bijvoorbeeld 2026.") from None
    if not 2000 <= value <= 2100:
        raise ReportError(f"Ongeldig jaar '{year}': kies een jaar van 2000 tot en met 2100.")
    return value


@dataclass
class Report:
    filename: str
    mime_type: str
    data: bytes
    document_id: str | None = None   # the stored record (PDF)


def annual_report(ctx: Context, actor: Actor, organisation_id: int, year, fmt: str = "pdf",
                  today: date | None = None) -> Report:
    """The annual figures of one organisation for one calendar year. The PDF is also kept as a record of the
    organisation (PDF/A-2b with the CSV beside it, Selectielijst 4.1.9, B): the same figures give the same
    record; changed figures give a new one."""
    year = check_year(year)
    if fmt not in FORMATS:
        raise ReportError(f"Onbekend formaat '{fmt}'. Kies uit: {', '.join(FORMATS)}.")
    mime, ext = FORMATS[fmt]
    with ctx.unit_of_work() as session:
        fig = figures(session, {organisation_id}, year, today=today, snapshot=False)
        if not fig.organisations:
            raise ReportError(f"Organisatie {organisation_id} bestaat niet.")
        org = fig.organisations[0]
        filename = f"jaarcijfers-woo-{year}-{org.code}.{ext}"
        if fmt == "csv":
            return Report(filename, mime, report_csv(fig))
        if fmt == "xlsx":
            return Report(filename, mime, report_xlsx(fig))
        csv_bytes = report_csv(fig)
        digest = hashlib.sha256(csv_bytes).hexdigest()
        doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"woo:jaarcijfers:{org.code}:{year}:{digest}").hex
        doc = session.get(Document, doc_id)
        if doc is not None and doc.file("original") is not None:
            return Report(filename, mime, ctx.store.get_bytes(doc.file("original").object_key), doc_id)
    pdf = report_pdf(fig)  # outside the transaction: the conversion takes seconds
    return Report(filename, mime, pdf, _store_report(ctx, actor, org.id, org.code, year, doc_id, filename, pdf,
                                                     csv_bytes, digest))


def _store_report(ctx: Context, actor: Actor, org_id: int, code: str, year: int, doc_id: str, filename: str,
                  pdf: bytes, csv_bytes: bytes, digest: str) -> str:
    from woo.services import retention as retsvc

    files = []
    for role, name, data, mime, puid, fmt_name in (
            ("original", filename, pdf, "application/pdf", "fmt/477", "PDF/A-2b"),
            ("jaarcijfers_csv", filename[:-4] + ".csv", csv_bytes, "text/csv", "x-fmt/18", "CSV")):
        key = f"documents/{doc_id}/{role}"
        stored = ctx.store.put_bytes(key, data, mime)
        files.append(StoredFile(role=role, object_key=key, version_id=stored.version_id, filename=name,
                                size=len(data), sha256=hashlib.sha256(data).hexdigest(), mime_type=mime,
                                puid=puid, format_name=fmt_name))
    with ctx.unit_of_work() as session:
        doc = session.get(Document, doc_id)
        if doc is not None:  # made meanwhile by another request with the same figures
            return doc_id
        now = utcnow()
        doc = Document(id=doc_id, organisation_id=org_id, title=f"Jaarcijfers Woo {year} - {code}", source="woo",
                       document_date=now, language="nl", format_kind="pdf",
                       metadata_={"jaarcijfers": {"jaar": year, "sha256_cijfers": digest}})
        session.add(doc)
        doc.files = files
        session.flush()
        retsvc.apply_class(doc, REPORT_RESULTAAT, retsvc.SOURCE_DEFAULT, retsvc.transfer_years(ctx.settings))
        audit.record(session, actor.label, REPORT_EVENT, doc_id, jaar=year, organisatie=code, sha256=digest)
        audit.record(session, actor.label, "document.created", doc_id, soort="jaarcijfers Woo", jaar=year,
                     waardering=doc.retention_waardering)
    return doc_id


__all__ = ["Figures", "ReportError", "annual_report", "figures", "note_published", "note_withdrawn",
           "note_left_public", "recount", "record_harvest_check", "tables", "report_csv", "report_xlsx"]
