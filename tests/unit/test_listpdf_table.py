"""The table layout of woo's PDF lists (woo.listpdf.table): every word of every cell is on the page, inside its
own column, the heading is repeated on each page, and a row taller than a page goes on over the next one.
Read back with poppler's ``pdftotext -bbox`` (the extractor the pipeline uses), so this checks the drawn PDF."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from html import unescape

import pytest

from woo.listpdf import landscape_pdf, table

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")

MM = 72 / 25.4
WIDTHS = (20, 60, 30)
HEADING = ["Nummer", "Omschrijving van het stuk", "Openbaar op"]


def words_per_page(pdf_bytes: bytes, tmp_path) -> list[list[tuple[float, float, str]]]:
    src = tmp_path / "t.pdf"
    src.write_bytes(pdf_bytes)
    html = subprocess.run(["pdftotext", "-bbox", str(src), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        pages.append([(float(a), float(b), unescape(w)) for a, b, w in
                      re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                                 page)])
    return pages


def build(rows) -> bytes:
    pdf, family, clean = landscape_pdf("Proef", "Gemeente Proefdorp", datetime(2026, 12, 1))
    pdf.add_page()
    pdf.set_font(family, "", 8)
    table(pdf, WIDTHS, HEADING, ([clean(c) for c in r] for r in rows))
    return bytes(pdf.output())


def columns(pdf_width_mm: float = 297, margin_mm: float = 10) -> list[tuple[float, float]]:
    scale = (pdf_width_mm - 2 * margin_mm) / sum(WIDTHS)
    edges, x = [], margin_mm
    for w in WIDTHS:
        edges.append((x * MM, (x + w * scale) * MM))
        x += w * scale
    return edges


def test_every_word_in_its_column_and_heading_on_every_page(tmp_path):
    url = "https://woo.example.nl/documenten/" + "0" * 60 + "/bestand"
    rows = [(str(i), f"Brief over fase {i} van de herinrichting van het centrum, met een bijlage", url)
            for i in range(120)]
    pages = words_per_page(build(rows), tmp_path)
    assert len(pages) >= 3
    edges = columns()
    for page in pages:
        text = " ".join(w for _, _, w in page)
        assert text.startswith("Nummer Omschrijving van het stuk Openbaar op")
        for x0, x1, word in page:
            assert any(a - 0.5 <= x0 and x1 <= b + 0.5 for a, b in edges), (word, x0, x1)
    # every cell whole, in order: the long URL is cut by characters over lines, not dropped
    body = "".join(w for page in pages for _, _, w in page).replace("NummerOmschrijvingvanhetstukOpenbaarop", "")
    assert body == "".join("".join(r).replace(" ", "") for r in rows)


def test_row_taller_than_a_page_goes_on_over_the_next(tmp_path):
    long_text = " ".join(f"woord{i}" for i in range(1500))
    pages = words_per_page(build([("1", long_text, "x"), ("2", "daarna", "y")]), tmp_path)
    assert len(pages) >= 2
    found = [w for page in pages for _, _, w in page if w.startswith("woord")]
    assert found == [f"woord{i}" for i in range(1500)]
    assert all(" ".join(w for _, _, w in p).startswith("Nummer Omschrijving") for p in pages)
    assert "daarna" in [w for _, _, w in pages[-1]]
