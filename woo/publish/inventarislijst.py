"""The inventarislijst of a dossier, generated from its judgements (never typed): CSV, XLSX and PDF.

Pure (no database, no storage): the service hands in plain rows, as an iterable that each builder reads once,
row by row (the service reads them from the database page by page, so a dossier of thousands of documents is
never one list in memory; the PDF table too is laid out row by row as they come). Every cell is spreadsheet-safe:
a value that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) gets a
leading apostrophe, so an exported list never carries a formula back.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from woo.listpdf import landscape_pdf, table


COLUMNS = [("number", "Documentnummer"), ("title", "Document"), ("date", "Datum"), ("judgement", "Beoordeling"),
           ("grounds", "Weigeringsgronden"), ("remark", "Toelichting"), ("link", "Openbaar op")]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text for a CSV/XLSX cell that no spreadsheet evaluates. (A local helper: a shared one for every export
    is being written elsewhere; replace this one with it once it is on main.)"""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class Row:
    number: str
    title: str
    date: str          # dd-mm-jjjj or ""
    judgement: str     # Dutch label
    grounds: str       # "5.1.2e Woo (eerbiediging ...); ..."
    remark: str
    link: str          # public file URL (openbaar / deels openbaar) or the existing link (reeds openbaar); "" else


@dataclass(frozen=True)
class Header:
    title: str
    organisation: str
    reference: str
    decision: str
    decision_date: str
    generated_at: datetime


def iter_csv(rows: Iterable[Row]) -> Iterator[bytes]:
    """The CSV, one encoded line at a time (a BOM first: Excel opens it as UTF-8)."""
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";")

    def line(values) -> bytes:
        out.writerow(values)
        data = buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
        return data

    yield "\ufeff".encode("utf-8") + line([label for _, label in COLUMNS])
    for r in rows:
        yield line([safe_cell(getattr(r, key)) for key, _ in COLUMNS])


def build_csv(rows: Iterable[Row]) -> bytes:
    return b"".join(iter_csv(rows))


def build_xlsx(rows: Iterable[Row]) -> bytes:
    """A write-only workbook: each row goes to the sheet's XML as it is appended, none is kept."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Inventarislijst")
    ws.append([label for _, label in COLUMNS])
    for r in rows:
        ws.append([safe_cell(getattr(r, key)) for key, _ in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_pdf(header: Header, rows: Iterable[Row], count: int | None = None) -> bytes:
    """A landscape A4 list; the preservation job later makes its PDF/A-2b rendition for the archive.
    Deterministic for the same input (fixed creation date), so an unchanged list is not stored again.
    ``count``: the number of rows, printed above the table (given, the rows need not be a list)."""
    if count is None:
        rows = list(rows)
        count = len(rows)
    pdf, family, clean = landscape_pdf(f"Inventarislijst - {header.title}", header.organisation,
                                       header.generated_at)
    pdf.add_page()
    pdf.set_font(family, "B", 14)
    pdf.multi_cell(0, 8, clean(f"Inventarislijst: {header.title}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    for line in (f"Organisatie: {header.organisation}", f"Kenmerk: {header.reference or '-'}",
                 f"Besluit: {header.decision or '-'}" + (f" ({header.decision_date})" if header.decision_date else ""),
                 f"Aantal documenten: {count}"):
        pdf.multi_cell(0, 5, clean(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(family, "", 7)
    table(pdf, (22, 70, 18, 22, 55, 45, 45), [clean(label) for _, label in COLUMNS],
          ([clean(getattr(r, key) or "") for key, _ in COLUMNS] for r in rows))
    return bytes(pdf.output())


__all__ = ["COLUMNS", "Row", "Header", "safe_cell", "iter_csv", "build_csv", "build_xlsx", "build_pdf"]
