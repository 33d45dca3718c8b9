"""Bulk intake of a dossier: one ZIP of documents, an inventory spreadsheet (XLSX or CSV) and the decision
letter. Everything is checked before anything is stored, and then stored all at once or not at all.

Inventory columns (header names matched loosely: case, spaces and punctuation do not matter):

* the VWS "productierapport" (minvws/nl-rdo-woo-web's inventory reader): required ``ID``,
  ``Document`` (or ``Document nr.``), ``Beoordeling``, ``Beoordelingsgrond``; known ``Datum``, ``Familie``,
  ``Thread ID``, ``Zaaknummer``, ``Opgeschort``, ``Publieke link``, ``Toelichting``, ``Matter``,
  ``Gerelateerd id``;
* the woo template (README "Dossiers"): the same required columns plus ``Titel`` and optionally ``Rol``.

Files are matched to rows by the ID in their file name ("1234.pdf", "1234 - mail aan wethouder.pdf",
"Matter-1234.pdf"). Checked and reported in Dutch: rows without a file (only openbaar and deels openbaar
need one), files without a row, duplicate IDs, unknown judgements and grounds, dates that do not parse
(ISO, Dutch "18-03-2024" / "18 maart 2024", Excel serial numbers), formulas (never evaluated), document
numbers and public links longer than their columns, files the intake refuses. The ZIP goes through woo.intake.archives (traversal, links, bombs); members are streamed
one at a time to temporary files, never held in memory.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Callable

from woo.adapters.models import Document, Dossier, Job, Organisation, StoredFile
from woo.domain import dossiers as rules
from woo.domain.dossiers import DossierError, Judgement, Role
from woo.domain.grounds import WOO_GROUNDS, split_grounds
from woo.domain.lifecycle import Status as DocStatus
from woo.intake.archives import iter_archive_members
from woo.intake.identify import RejectedFile, identify, out_of_process, safe_filename
from woo.intake.spool import TooLarge, hash_file
from woo.services import audit, jobs
from woo.services.context import Actor, Context

MAX_MEMBERS = 20_000
MAX_ROWS = 50_000

# normalised header -> field
HEADERS = {
    "id": "id", "documentid": "id",
    "document": "number", "documentnr": "number", "documentnummer": "number", "docnr": "number",
    "beoordeling": "judgement", "oordeel": "judgement",
    "beoordelingsgrond": "grounds", "beoordelingsgronden": "grounds", "weigeringsgrond": "grounds",
    "weigeringsgronden": "grounds", "grond": "grounds", "gronden": "grounds",
    "datum": "date", "documentdatum": "date",
    "familie": "family", "familie id": "family", "familieid": "family",
    "threadid": "thread_id",
    "zaaknummer": "case_number", "zaak": "case_number",
    "opgeschort": "suspended",
    "publiekelink": "public_link", "link": "public_link", "openbaarop": "public_link",
    "toelichting": "remark", "opmerking": "remark",
    "matter": "matter",
    "gerelateerdid": "related_id", "gerelateerd": "related_id", "gerelateerdeid": "related_id",
    "titel": "title", "documentnaam": "title", "omschrijving": "title", "onderwerp": "title",
    "rol": "role",
}
REQUIRED = {"id": "ID", "number": "Document (nr.)", "judgement": "Beoordeling", "grounds": "Beoordelingsgrond"}
INVENTORY_KEYS = ("date", "family", "thread_id", "case_number", "suspended", "matter", "related_id")

MONTHS = {m: i for i, m in enumerate(["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                                      "september", "oktober", "november", "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["mrt"] = 3


def parse_date(value) -> date | None:
    """ISO (2024-03-18, with or without a time), Dutch 18-03-2024 / 18/3/2024 / 18.03.2024, "18 maart 2024",
    an Excel serial number (45369) or a datetime from the spreadsheet; None when it does not parse."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(float(value))
    text = str(value).strip().lower()
    if not text:
        return None
    if re.fullmatch(r"\d{4,5}(\.\d+)?", text):
        return _excel_serial(float(text))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?",
                     text)
    if m:
        return _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?", text)
    if m:
        year = int(m.group(3))
        year += 2000 if year < 100 and year < 70 else (1900 if year < 100 else 0)
        return _ymd(year, int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"(?:[a-z]+dag )?(\d{1,2}) ([a-z]+)\.? (\d{4})", text)
    if m and m.group(2) in MONTHS:
        return _ymd(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
    return None


def _ymd(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _excel_serial(n: float) -> date | None:
    if not 1 <= n < 2958466:  # up to 9999-12-31
        return None
    return date(1899, 12, 30) + timedelta(days=int(n))


def _norm_header(value) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class InventoryRow:
    line: int
    id: str
    number: str
    judgement: Judgement | None
    grounds: list[str]
    title: str = ""
    remark: str = ""
    public_link: str = ""
    role: Role = Role.DOCUMENT
    date: date | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    problems: list[str] = field(default_factory=list)  # Dutch, for the officer; empty = imported
    dossier_id: str | None = None
    documents: int = 0
    rows: int = 0
    files: int = 0
    timings: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and self.dossier_id is not None


# --------------------------------------------------------------------------- the inventory

def _iter_xlsx(path: Path, problems: list[str]):
    from openpyxl import load_workbook

    handle = open(path, "rb")  # a file object: openpyxl would insist on the .xlsx suffix of a path
    try:
        wb = load_workbook(handle, read_only=True, data_only=False)  # data_only=False: formulas stay formulas
    except Exception:  # noqa: BLE001 - any unreadable workbook is the officer's to fix
        handle.close()
        problems.append("De inventaris (XLSX) kan niet worden gelezen.")
        return
    try:
        ws = wb.worksheets[0]
        for line, row in enumerate(ws.iter_rows(), start=1):
            values = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    problems.append(f"Inventaris rij {line}, kolom {getattr(cell, 'column_letter', '?')}: bevat een "
                                    "formule; formules worden niet uitgerekend, vul de waarde zelf in.")
                    values.append("")
                else:
                    values.append(cell.value)
            yield line, values
    finally:
        wb.close()
        handle.close()


def _iter_csv(path: Path, problems: list[str]):
    raw = path.read_bytes()[:4096]
    encoding = "utf-8-sig"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        encoding = "cp1252"
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
        if sample.count("\t") > max(sample.count(";"), sample.count(",")):
            delimiter = "\t"
        for line, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            yield line, row


def read_inventory(path: Path, filename: str) -> tuple[list[InventoryRow], list[str]]:
    """The rows of an inventory (XLSX or CSV) and the Dutch problems found in it."""
    from woo.services import dossiers  # the one length check, shared with a judgement (late, as below)

    problems: list[str] = []
    suffix = PurePosixPath(filename.lower()).suffix
    if suffix in (".xlsx", ".xlsm"):
        lines = _iter_xlsx(path, problems)
    elif suffix in (".csv", ".txt"):
        lines = _iter_csv(path, problems)
    else:
        return [], [f"De inventaris moet een XLSX- of CSV-bestand zijn, niet '{filename}'."]
    columns: dict[int, str] | None = None
    rows: list[InventoryRow] = []
    seen: dict[str, int] = {}
    for line, values in lines:
        if columns is None:
            if not any(_text(v) for v in values):
                continue
            columns = {}
            for i, v in enumerate(values):
                key = HEADERS.get(_norm_header(v))
                if key and key not in columns.values():
                    columns[i] = key
            missing = [label for key, label in REQUIRED.items() if key not in columns.values()]
            if missing:
                problems.append("De inventaris mist de verplichte kolom(men): " + ", ".join(missing) + ".")
                return [], problems
            continue
        cell = {key: (values[i] if i < len(values) else None) for i, key in columns.items()}
        if not any(_text(v) for v in cell.values()):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(f"De inventaris heeft meer dan {MAX_ROWS} rijen.")
            break
        rid = _text(cell.get("id"))
        if not rid:
            problems.append(f"Inventaris rij {line}: het ID ontbreekt.")
            continue
        if rid in seen:
            problems.append(f"Inventaris rij {line}: ID {rid} komt dubbel voor (ook in rij {seen[rid]}).")
            continue
        seen[rid] = line
        judgement = rules.parse_judgement(_text(cell.get("judgement")))
        if judgement is None:
            problems.append(f"Inventaris rij {line} (ID {rid}): onbekende beoordeling "
                            f"'{_text(cell.get('judgement'))}'.")
        grounds, unknown = split_grounds(_text(cell.get("grounds")))
        if unknown:
            problems.append(f"Inventaris rij {line} (ID {rid}): onbekende weigeringsgrond(en) "
                            + ", ".join(unknown) + ".")
        raw_date = cell.get("date")
        parsed = parse_date(raw_date) if raw_date not in (None, "") else None
        if raw_date not in (None, "") and parsed is None:
            problems.append(f"Inventaris rij {line} (ID {rid}): de datum '{_text(raw_date)}' is geen geldige datum.")
        role = Role.DOCUMENT
        if _text(cell.get("role")):
            try:
                role = rules.parse_role(_text(cell.get("role")))
            except DossierError as exc:
                problems.append(f"Inventaris rij {line} (ID {rid}): {exc}")
        extra = {k: _text(cell.get(k)) for k in INVENTORY_KEYS if k in cell and _text(cell.get(k))}
        if parsed:
            extra["date"] = parsed.isoformat()
        row = InventoryRow(line, rid, _text(cell.get("number")) or rid, judgement, grounds,
                           title=_text(cell.get("title")), remark=_text(cell.get("remark")),
                           public_link=_text(cell.get("public_link")), role=role, date=parsed, extra=extra)
        # else only the database would refuse it, after every file was stored
        for p in dossiers.inventory_length_problems(row.number, row.public_link):
            problems.append(f"Inventaris rij {line} (ID {rid}): {p}")
        if judgement is not None and not unknown:
            for p in rules.judgement_problems(rules.DocumentJudgement(judgement, tuple(grounds), None, None,
                                                                      row.public_link or None)):
                problems.append(f"Inventaris rij {line} (ID {rid}): {p}")
        rows.append(row)
    if columns is None:
        problems.append("De inventaris is leeg: er staat geen kopregel in.")
    elif not rows:
        problems.append("De inventaris noemt geen enkel document.")
    return rows, problems


# --------------------------------------------------------------------------- matching files to rows

def match_id(member: str, ids: set[str]) -> str | None:
    """The inventory ID in a member's file name: the whole name, else its first or any other part."""
    stem = PurePosixPath(member).stem
    if stem in ids:
        return stem
    parts = [p for p in re.split(r"[\s_\-–.,()\[\]]+", stem) if p]
    for p in parts:
        if p in ids:
            return p
    for i in ids:  # "Matter-1234" style: the ID with its prefix
        if stem.startswith(i + " ") or stem.startswith(i + "_"):
            return i
    return None


@dataclass
class _Checked:
    member: str
    row_id: str
    sha256: str
    size: int
    mime: str
    puid: str | None
    format_name: str | None
    kind: str | None
    filename: str
    queue: str | None = None  # the extract job's queue (woo.services.ingest.extract_queue)


def _check_file(path: Path, filename: str, limit: int) -> tuple[_Checked | None, str | None]:
    try:
        name = safe_filename(filename)
        spooled = hash_file(path, limit)
    except RejectedFile as exc:
        return None, exc.reason
    except TooLarge:
        return None, f"Bestand is groter dan de toegestane {limit // (1024 * 1024)} MB."
    if spooled.size == 0:
        return None, "Het bestand is leeg."
    try:
        ident = identify(path, name)
    except RejectedFile as exc:
        return None, exc.reason
    if not ident.accepted:
        return None, ident.reason or "Dit bestandsformaat is niet toegestaan."
    from woo.intake import precheck
    from woo.services.ingest import extract_queue

    try:  # the same upload checks as every other way in (woo.services.ingest)
        estimate = precheck.check_upload(path, ident.kind)
    except precheck.Refused as exc:
        return None, exc.reason
    return _Checked("", "", spooled.sha256, spooled.size, ident.mime, ident.puid, ident.format_name, ident.kind,
                    name, extract_queue(estimate)), None


# --------------------------------------------------------------------------- the import


def import_dossier(ctx: Context, actor: Actor, organisation_id: int, values: dict, zip_path: Path,
                   inventory_path: Path, inventory_name: str, decision_path: Path | None = None,
                   decision_name: str | None = None,
                   progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    """Check everything, then create the dossier with all its documents in one transaction, or nothing.
    ``values`` are the dossier's fields (woo.services.dossiers.create). Background jobs start afterwards."""
    # Every identification of the import, the generated inventarislijst's too, goes to one siegfried child
    # process: pygfried's Go heap (~90 MB) loaded into this process was most of the import's peak RSS.
    with out_of_process():
        return _import_dossier(ctx, actor, organisation_id, values, zip_path, inventory_path, inventory_name,
                               decision_path, decision_name, progress)


def _import_dossier(ctx: Context, actor: Actor, organisation_id: int, values: dict, zip_path: Path,
                    inventory_path: Path, inventory_name: str, decision_path: Path | None,
                    decision_name: str | None, progress: Callable[[str, int, int], None] | None) -> ImportReport:
    import time

    from woo.services import dossiers

    report = ImportReport()
    t0 = time.perf_counter()
    tick = progress or (lambda phase, done, total: None)
    limit = ctx.settings.max_upload_bytes
    kind = rules.parse_kind(values.get("kind", "woo-besluit"))
    with ctx.unit_of_work() as session:
        if session.get(Organisation, organisation_id) is None:
            report.problems.append("Onbekende organisatie.")
            return report
        try:
            dossiers._fields(session, organisation_id, values)
        except DossierError as exc:
            report.problems.append(str(exc))

    rows, problems = read_inventory(inventory_path, inventory_name)
    report.problems.extend(problems)
    report.rows = len(rows)
    by_id = {r.id: r for r in rows}
    ids = set(by_id)

    # thousands of identifications: siegfried's Go heap stays in a child process (import_dossier's)
    with out_of_process():
        decision: _Checked | None = None
        if decision_path is None:
            if kind == rules.Kind.WOO_BESLUIT:
                report.problems.append("Het besluit (de besluitbrief) ontbreekt.")
        else:
            decision, reason = _check_file(decision_path, decision_name or decision_path.name, limit)
            if reason:
                report.problems.append(f"Besluitbrief {decision_name}: {reason}")

        checked: dict[str, _Checked] = {}
        try:
            total = None
            for n, (member, tmp) in enumerate(iter_archive_members(zip_path, max_members=MAX_MEMBERS,
                                                               max_total_bytes=max(limit, 2 * 1024 ** 3) * 4), 1):
                tick("controle", n, total or len(rows))
                name = PurePosixPath(member).name
                if name.startswith(".") or member.startswith("__MACOSX/"):
                    continue
                row_id = match_id(member, ids)
                if row_id is None:
                    report.problems.append(f"Bestand {member} hoort bij geen enkele rij van de inventaris.")
                    continue
                if row_id in checked:
                    report.problems.append(f"Bestand {member} en {checked[row_id].member} horen allebei bij ID {row_id}.")
                    continue
                c, reason = _check_file(tmp, name, limit)
                if reason:
                    report.problems.append(f"Bestand {member}: {reason}")
                    continue
                c.member, c.row_id = member, row_id
                checked[row_id] = c
        except RejectedFile as exc:
            report.problems.append(exc.reason)
    report.files = len(checked)
    for r in rows:
        if r.id not in checked and r.judgement in rules.PUBLISHED_AS_FILE:
            report.problems.append(f"Inventaris rij {r.line} (ID {r.id}): er is geen bestand voor dit document "
                                   f"('{rules.JUDGEMENT_LABELS_NL[r.judgement]}' wordt als bestand gepubliceerd).")
    report.timings["checks_s"] = round(time.perf_counter() - t0, 2)
    if report.problems:
        return report

    # ---- store: objects first, then one transaction; on any failure every object put is removed again
    doc_ids = {r.id: uuid.uuid4().hex for r in rows}
    keys: dict[str, str] = {}
    put: list[str] = []
    from woo.services.ingest import object_key

    try:
        stored_versions: dict[str, str | None] = {}
        wanted = {c.member: c for c in checked.values()}
        for n, (member, tmp) in enumerate(iter_archive_members(zip_path, max_members=MAX_MEMBERS,
                                                           max_total_bytes=max(limit, 2 * 1024 ** 3) * 4), 1):
            c = wanted.get(member)
            if c is None:
                continue
            key = object_key(doc_ids[c.row_id])
            stored_versions[c.row_id] = ctx.store.put_file(key, tmp, c.mime).version_id
            put.append(key)
            keys[c.row_id] = key
            tick("opslaan", len(put), len(wanted))
        decision_id = decision_key = decision_version = None
        if decision is not None:
            decision_id = uuid.uuid4().hex
            decision_key = object_key(decision_id)
            decision_version = ctx.store.put_file(decision_key, decision_path, decision.mime).version_id
            put.append(decision_key)
        report.timings["stored_s"] = round(time.perf_counter() - t0, 2)

        job_ids: list[int] = []
        with ctx.unit_of_work() as session:
            d = dossiers.create_in(session, actor, organisation_id, values)
            dossier_id, dossier_title = d.id, d.title
            unit_id = d.unit_id  # every document belongs to its dossier's unit, as an upload into it does
            source = "dossier"
            # Written in chunks of WOO_IMPORT_BATCH: the chunk's rows are added without a flush each, then flushed
            # at once with their audit events appended as one batch (audit.record_many: the same chain as one
            # record per document), and forgotten by the session, so neither time per document nor memory grows
            # with the size of the dossier. All chunks are in this one transaction: nothing is committed half,
            # no reader sees a dossier half imported, and a crash leaves nothing to clean up but the objects.
            events: list[tuple[str, str | None, dict]] = []
            chunk_jobs: list[Job] = []
            batch = ctx.settings.import_batch  # WOO_IMPORT_BATCH

            def add_doc(doc_id, title, c: _Checked | None, key, version, role, position, row: InventoryRow | None):
                doc = Document(id=doc_id, organisation_id=organisation_id, unit_id=unit_id, source=source,
                               title=title[:1000], status=DocStatus.CONCEPT, format_kind=c.kind if c else None,
                               document_date=datetime.combine(row.date, datetime.min.time()) if row and row.date
                               else None,
                               created_by=actor.id if actor.kind == "user" else None)
                session.add(doc)
                if c is not None:
                    session.add(StoredFile(document=doc, role="original", object_key=key, version_id=version,
                                           filename=c.filename, size=c.size, sha256=c.sha256, mime_type=c.mime,
                                           puid=c.puid, format_name=c.format_name))
                    events.append(("document.ingested", doc_id, {"filename": c.filename, "size": c.size,
                                                                 "sha256": c.sha256, "source": source,
                                                                 "dossier": dossier_id}))
                    job = Job(document=doc, kind="extract", queue=c.queue)
                    session.add(job)
                    chunk_jobs.append(job)
                else:
                    events.append(("document.registered", doc_id, {"source": source, "dossier": dossier_id,
                                                                   "reason": "in de inventaris zonder bestand"}))
                j = None
                if row is not None:
                    j = rules.DocumentJudgement(row.judgement, tuple(row.grounds), row.remark or None,
                                                row.number or None, row.public_link or None)
                dossiers.attach(session, actor, d, doc, role, position, j,
                                supplied_redacted=bool(row and row.judgement == Judgement.DEELS_OPENBAAR and c),
                                inventory=(row.extra if row else None), new_document=True)

            def write_chunk():
                nonlocal d
                session.flush()
                audit.record_many(session, actor.label, events)
                job_ids.extend(job.id for job in chunk_jobs)
                events.clear()
                chunk_jobs.clear()
                session.expunge_all()  # written in this transaction; the session need not keep them
                d = session.get(Dossier, dossier_id)

            if decision is not None:
                add_doc(decision_id, f"Besluit {dossier_title}", decision, decision_key, decision_version,
                        Role.BESLUIT, 0, None)
            for i, r in enumerate(rows, start=1):
                c = checked.get(r.id)
                # Without a title column the title is made from the dossier and the inventory number: never the
                # file name, which may carry names and addresses no one checked (issue 14).
                title = r.title or f"{dossier_title}, document {r.number or r.id}"
                add_doc(doc_ids[r.id], title, c, keys.get(r.id), stored_versions.get(r.id), r.role, i, r)
                if i % batch == 0:
                    write_chunk()
                    tick("registreren", i, len(rows))
            events.append(("dossier.imported", None, {"dossier": dossier_id, "rows": len(rows),
                                                      "files": len(checked), "inventory": inventory_name}))
            write_chunk()
            report.dossier_id = dossier_id
    except BaseException:
        for key in put:
            try:
                ctx.store.delete_all_versions(key)
            except Exception:  # noqa: BLE001 - best effort; fsck reports what is left
                pass
        report.dossier_id = None
        raise
    report.documents = len(rows) + (1 if decision is not None else 0)
    report.timings["created_s"] = round(time.perf_counter() - t0, 2)
    for n, job_id in enumerate(job_ids, 1):
        jobs.dispatch(ctx, job_id)
    report.timings["queued_s"] = round(time.perf_counter() - t0, 2)
    if kind == rules.Kind.WOO_BESLUIT:
        tick("inventarislijst", 0, 1)
        if dossiers.refresh_inventory(ctx, actor, report.dossier_id):
            report.documents += 1  # the generated inventarislijst is a document of the dossier too
    report.timings["inventory_s"] = round(time.perf_counter() - t0, 2)
    return report


# --------------------------------------------------------------------------- as a background job

PHASE_LABELS = {"controle": "Controleren", "opslaan": "Opslaan", "registreren": "Registreren",
                "inventarislijst": "Inventarislijst maken"}
WAITING, RUNNING, DONE, FAILED = "wachtend", "bezig", "klaar", "mislukt"
STATUS_LABELS = {WAITING: "Wacht op verwerking", RUNNING: "Bezig", DONE: "Klaar", FAILED: "Niet geïmporteerd"}


def start_import(ctx: Context, actor: Actor, organisation_id: int, values: dict, zip_path: Path,
                 inventory_path: Path, inventory_name: str, decision_path: Path | None = None,
                 decision_name: str | None = None) -> str:
    """Keep the uploaded files in the bucket (imports/<id>/) and queue the import as an rq job; the import's
    row says how far it got (``import_status``). Returns the import's id."""
    from woo.adapters.models import DossierImport

    import_id = uuid.uuid4().hex
    keys = {}
    for role, path in (("archive", zip_path), ("inventory", inventory_path), ("decision", decision_path)):
        if path is not None:
            keys[role] = f"imports/{import_id}/{role}"
            ctx.store.put_file(keys[role], path, "application/octet-stream")
    with ctx.unit_of_work() as session:
        session.add(DossierImport(id=import_id, organisation_id=organisation_id, created_by=actor.label,
                                  status=WAITING, done=0, total=0, request={
                                      "values": values, "inventory_name": inventory_name,
                                      "decision_name": decision_name, "keys": keys,
                                      "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name}}))
        audit.record(session, actor.label, "dossier.import_started", None, dossier_import=import_id,
                     inventory=inventory_name)
    try:
        ctx.queue.enqueue("woo.worker.run_dossier_import", import_id, job_id=f"woo-dossier-import-{import_id}")
    except Exception as exc:  # Redis down: an honest failed import, the files go again
        _finish(ctx, import_id, FAILED, error=f"De wachtrij is niet bereikbaar: {exc}")
        raise DossierError("De import kon niet worden ingepland (wachtrij niet bereikbaar).") from exc
    return import_id


def _finish(ctx: Context, import_id: str, status: str, **fields) -> None:
    from woo.adapters.models import DossierImport

    with ctx.unit_of_work() as session:
        row = session.get(DossierImport, import_id)
        keys = list((row.request or {}).get("keys", {}).values())
        row.status = status
        for name, value in fields.items():
            setattr(row, name, value)
    for key in keys:
        try:
            ctx.store.delete_all_versions(key)
        except Exception:  # noqa: BLE001 - best effort; fsck/rebuild report what is left
            pass


def run_import(ctx: Context, import_id: str) -> str:
    """The rq job: fetch the files, run ``import_dossier`` writing its progress to the import's row (at most
    about once a second), then record the outcome (dossier or problems) and remove the uploaded files."""
    import tempfile
    import time

    from woo.adapters.models import DossierImport
    from woo.services import dossiers
    from woo.services.context import Actor as _Actor

    with ctx.unit_of_work() as session:
        row = session.get(DossierImport, import_id)
        if row is None or row.status in (DONE, FAILED):
            return row.status if row else FAILED
        row.status, row.phase = RUNNING, "controle"
        req, org_id = dict(row.request), row.organisation_id
    a = req.get("actor") or {}
    actor = _Actor(a.get("kind") or "system", a.get("id"), a.get("name") or "system")
    last = [0.0, None]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == last[1] and now - last[0] < 1.0:
            return
        last[0], last[1] = now, phase
        with ctx.unit_of_work() as session:
            r = session.get(DossierImport, import_id)
            r.phase, r.done, r.total = phase, done, max(total, done)

    try:
        with tempfile.TemporaryDirectory(prefix="woo-dossier-import-") as tmp:
            paths = {}
            for role, key in req["keys"].items():
                paths[role] = Path(tmp) / role
                ctx.store.download(key, paths[role])
            report = import_dossier(ctx, actor, org_id, req["values"], paths["archive"], paths["inventory"],
                                    req.get("inventory_name") or "inventaris.xlsx", paths.get("decision"),
                                    req.get("decision_name"), progress=progress)
    except Exception as exc:  # noqa: BLE001 - said on the page; the traceback goes to the worker log
        import logging

        logging.getLogger(__name__).exception("dossier import %s failed", import_id)
        _finish(ctx, import_id, FAILED, error=f"De import is afgebroken ({type(exc).__name__}). Er is niets "
                                              "opgeslagen; probeer het opnieuw of vraag de beheerder.")
        return FAILED
    if not report.ok:
        _finish(ctx, import_id, FAILED, problems=report.problems[:2000], phase="controle")
        return FAILED
    with ctx.unit_of_work() as session:
        total = len(dossiers.items(session, report.dossier_id))
    _finish(ctx, import_id, DONE, dossier_id=report.dossier_id, done=total, total=total, phase=None,
            problems=[])
    return DONE


def import_status(session, import_id: str) -> dict | None:
    """What the officer's progress page shows (and its JSON endpoint answers)."""
    from woo.adapters.models import DossierImport

    row = session.get(DossierImport, import_id)
    if row is None:
        return None
    return {"id": row.id, "organisation_id": row.organisation_id, "status": row.status,
            "status_label": STATUS_LABELS.get(row.status, row.status), "phase": row.phase,
            "phase_label": PHASE_LABELS.get(row.phase or "", ""), "done": row.done, "total": row.total,
            "problems": list(row.problems or []), "error": row.error, "dossier_id": row.dossier_id,
            "finished": row.status in (DONE, FAILED)}


__all__ = ["parse_date", "read_inventory", "match_id", "import_dossier", "ImportReport", "InventoryRow", "HEADERS",
           "REQUIRED", "WOO_GROUNDS", "start_import", "run_import", "import_status"]
