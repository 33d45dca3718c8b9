"""A report of tables (the annual Woo figures) as PDF/A-2b: made with fpdf2, converted by the preservation
converter (woo.archive.pdfa), so it is kept as an archival record like any other."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from woo.listpdf import landscape_pdf, table


class ReportPdfError(RuntimeError):
    """The report could not be made (Dutch message)."""


@dataclass(frozen=True)
class Header:
    title: str
    organisation: str
    period: str
    made_at: datetime


def build_pdf(header: Header, tables: list[tuple[str, list[str], list[list]]]) -> bytes:
    pdf, family, clean = landscape_pdf(f"{header.title} - {header.organisation}", header.organisation,
                                       header.made_at)
    pdf.set_lang("nl")
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 10, clean(header.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    for line in (f"Organisatie: {header.organisation}", f"Periode: {header.period}",
                 f"Opgemaakt op {header.made_at:%d-%m-%Y %H:%M} (UTC) door woo, uit de tellingen van de "
                 "publicaties, intrekkingen, lakkingen en Woo-besluiten."):
        pdf.multi_cell(0, 5, clean(line), new_x="LMARGIN", new_y="NEXT")
    for title, columns, rows in tables:
        pdf.ln(3)
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 7, clean(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8)
        if not rows:
            pdf.cell(0, 5, clean("Geen."), new_x="LMARGIN", new_y="NEXT")
            continue
        first = 90 if len(columns) > 2 else 150
        rest = (277 - first) / max(len(columns) - 1, 1)
        table(pdf, (first,) + (rest,) * (len(columns) - 1), [clean(str(c)) for c in columns],
              ([clean("" if v is None else str(v)) for v in r] for r in rows))
    return bytes(pdf.output())


def to_pdfa(pdf_bytes: bytes) -> bytes:
    from woo.archive import pdfa

    with tempfile.TemporaryDirectory(prefix="woo-report-") as tmp:
        src = Path(tmp) / "report.pdf"
        src.write_bytes(pdf_bytes)
        result = pdfa.to_pdfa(src, "pdf", Path(tmp))
        if not result.ok or result.path is None:
            raise ReportPdfError(f"Het rapport kon niet naar PDF/A worden omgezet: {result.reason}")
        return Path(result.path).read_bytes()
