"""The landscape PDF lists woo writes (inventarislijst, verklaring van vernietiging, annual figures): one page
set-up and one font choice for all of them. No I/O of its own."""
from __future__ import annotations

from pathlib import Path


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def landscape_pdf(title: str, author: str, created):
    """A landscape A4 fpdf document for the lists woo writes (inventarislijst, verklaring van vernietiging,
    annual figures), with a fixed creation date so the same input gives the same bytes.

    Returns (pdf, font family, clean): DejaVu (Unicode) when installed, else the core Helvetica, whose text
    must be latin-1 (``clean`` makes it so; the PDF/A step embeds a font via Ghostscript)."""
    pdf, family, clean = a4_pdf("L", created)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_auto_page_break(True, margin=12)
    return pdf, family, clean


def a4_pdf(orientation: str, created):
    """An A4 fpdf document with a fixed creation date and the font choice of ``landscape_pdf``."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", orientation=orientation)
    pdf.set_creation_date(created)
    if DEJAVU.exists():
        pdf.add_font("DejaVu", "", str(DEJAVU))
        pdf.add_font("DejaVu", "B", str(DEJAVU_BOLD if DEJAVU_BOLD.exists() else DEJAVU))
        family, clean = "DejaVu", (lambda s: s)
    else:
        family, clean = "Helvetica", (lambda s: s.encode("latin-1", "replace").decode("latin-1"))
    return pdf, family, clean
