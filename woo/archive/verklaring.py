"""The verklaring van vernietiging (Archiefbesluit 1995 art. 8): PDF/A for people, CSV for machines.

Both list every destroyed record with its ground (Selectielijst resultaat and waardering), its dates,
when it was destroyed and by whose approval. Built only from the destruction list's own snapshots, so
the statement can be (re)made after the records themselves are gone.
"""
from __future__ import annotations

import io
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from woo import exports
from woo.adapters import bounded
from woo.listpdf import landscape_pdf, table


CSV_COLUMNS = ["document_id", "titel", "woo_categorie", "selectielijst", "resultaat", "waardering",
               "bewaartermijn", "brondatum", "brondatum_bron", "archiefactiedatum", "vernietigd_op",
               "objectversies_verwijderd"]


class VerklaringError(RuntimeError):
    """The statement could not be made (Dutch message)."""


@dataclass(frozen=True)
class Header:
    list_id: int
    list_name: str
    organisation: str
    created_by: str
    reviewed_by: str
    approved_by: str
    approved_at: datetime
    started_by: str
    finished_at: datetime
    selectielijst: str


def build_csv(rows: list[dict], skipped: list[dict] | None = None) -> bytes:
    """One line per record on the list that was accepted: ``uitkomst`` vernietigd, or overgeslagen with the
    reason (a legal hold placed after approval, ...)."""
    buf = io.StringIO()
    # titles: no cell starts a formula (woo.exports)
    out = exports.CsvDictWriter(buf, CSV_COLUMNS + ["uitkomst", "reden_overgeslagen"], extrasaction="ignore")
    out.writeheader()
    for row in rows:
        out.writerow(dict(row, uitkomst="vernietigd", reden_overgeslagen=""))
    for row in skipped or []:
        out.writerow(dict(row, uitkomst="overgeslagen", vernietigd_op="", objectversies_verwijderd=0))
    return buf.getvalue().encode("utf-8")


def _summary(rows: list[dict]) -> list[tuple[str, int, str, str]]:
    """Per resultaat: count and date range (the Nationaal Archief asks for a specification per category)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(f"{r['resultaat']} {r.get('resultaat_naam', '')}".strip(), []).append(r)
    out = []
    for key, items in sorted(groups.items()):
        dates = sorted(i["brondatum"] for i in items if i.get("brondatum"))
        out.append((key, len(items), dates[0] if dates else "", dates[-1] if dates else ""))
    return out


def build_pdf(header: Header, rows: list[dict], skipped: list[dict] | None = None,
              compaction: list[str] | None = None) -> bytes:
    pdf, family, clean = landscape_pdf(f"Verklaring van vernietiging - {header.list_name}", header.organisation,
                                       header.finished_at)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 10, clean("Verklaring van vernietiging"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    lines = [
        f"Organisatie: {header.organisation}",
        f"Vernietigingslijst: {header.list_name} (nr. {header.list_id})",
        f"Grondslag: Archiefwet 1995 art. 3 en Archiefbesluit 1995 art. 8; {header.selectielijst}",
        f"Opgesteld door: {header.created_by}; beoordeeld door: {header.reviewed_by}",
        f"Goedgekeurd door: {header.approved_by} op {header.approved_at:%d-%m-%Y %H:%M} (UTC)",
        f"Vernietiging uitgevoerd in opdracht van {header.started_by}, afgerond op "
        f"{header.finished_at:%d-%m-%Y %H:%M} (UTC)",
        "Wijze van vernietiging: alle opgeslagen versies van elk bestand, elke afgeleide versie, de tekst en "
        "de metagegevens zijn uit de objectopslag verwijderd en gecontroleerd verwijderd; van elk record "
        "blijft alleen een minimale registratie (tombstone) over.",
        f"Aantal vernietigde records: {len(rows)}",
        f"Aantal niet vernietigde (overgeslagen) records: {len(skipped or [])}",
    ]
    lines += [f"Fysieke verwijdering: {c}" for c in (compaction or
              ["niet uitgevoerd; de opslag geeft vrijgekomen ruimte zelf vrij (zie de README)."])]
    for line in lines:
        pdf.multi_cell(0, 5, clean(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, clean("Specificatie per selectielijstcategorie"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    table(pdf, (120, 25, 40, 40),
          [clean(c) for c in ("Resultaat", "Aantal", "Oudste brondatum", "Jongste brondatum")],
          ([clean(key), str(count), first, last] for key, count, first, last in _summary(rows)))
    pdf.ln(3)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, clean("Vernietigde records"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 7)
    table(pdf, (55, 95, 18, 10, 20, 22, 22, 30),
          [clean(c) for c in ("Document", "Titel", "Resultaat", "W.", "Termijn", "Brondatum", "Actiedatum",
                              "Vernietigd op")],
          ([clean(str(r.get(k) or "")) for k in ("document_id", "titel", "resultaat", "waardering", "bewaartermijn",
                                                 "brondatum", "archiefactiedatum", "vernietigd_op")] for r in rows))
    if skipped:
        pdf.ln(3)
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 7, clean("Niet vernietigd (overgeslagen bij uitvoering)"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 7)
        table(pdf, (55, 80, 18, 120), [clean(c) for c in ("Document", "Titel", "Resultaat", "Reden")],
              ([clean(str(r.get(k) or "")) for k in ("document_id", "titel", "resultaat", "reden_overgeslagen")]
               for r in skipped))
    return bytes(pdf.output())


def to_pdfa(pdf_bytes: bytes) -> bytes:
    """PDF/A-2b via the preservation converter (woo.archive.pdfa); OCRmyPDF if that is not available."""
    with tempfile.TemporaryDirectory(prefix="woo-verklaring-") as tmp:
        src = Path(tmp) / "verklaring.pdf"
        src.write_bytes(pdf_bytes)
        try:
            from woo.archive import pdfa
        except ImportError:
            pdfa = None
        if pdfa is not None:
            result = pdfa.to_pdfa(src, "pdf", Path(tmp))
            if not result.ok or result.path is None:
                raise VerklaringError(f"De verklaring kon niet naar PDF/A worden omgezet: {result.reason}")
            return Path(result.path).read_bytes()
        exe = shutil.which("ocrmypdf")
        if exe is None:
            raise VerklaringError("De verklaring kon niet naar PDF/A worden omgezet: ocrmypdf ontbreekt.")
        dest = Path(tmp) / "verklaring-pdfa.pdf"
        try:
            proc = bounded.run([exe, "--skip-text", "--output-type", "pdfa-2", str(src), str(dest)],
                               text=True, timeout=600, network=False, name="ocrmypdf")
        except bounded.ToolError as exc:
            raise VerklaringError(f"De verklaring kon niet naar PDF/A worden omgezet: {exc.reason}") from None
        if proc.returncode != 0:
            raise VerklaringError(f"De verklaring kon niet naar PDF/A worden omgezet: {proc.stderr[-300:]}")
        return dest.read_bytes()


__all__ = ["Header", "CSV_COLUMNS", "VerklaringError", "build_csv", "build_pdf", "to_pdfa"]
