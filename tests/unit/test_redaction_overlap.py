"""Overlapping redactions make one box with one label: never '5.1.25.1.2e' printed over each other."""
from pathlib import Path

import pypdfium2
from fpdf import FPDF

from woo.privacy.redact import Redaction, redact_pdf


def _pdf(path: Path, lines: list[str]) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _text(path: Path) -> str:
    doc = pypdfium2.PdfDocument(str(path))
    try:
        return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_overlapping_findings_get_one_box_and_one_label(tmp_path):
    src = _pdf(tmp_path / "brief.pdf", ["Geachte heer Jan Jansen, Oudegracht 12", "Het advies is openbaar."])
    out = tmp_path / "out.pdf"
    # a name and an address detector overlap on "Jansen"; same ground
    report = redact_pdf(src, out, [Redaction(1, "Jan Jansen", "5.1.2e"), Redaction(1, "Jansen, Oudegracht 12", "5.1.2e")])
    assert report.complete
    text = _text(out)
    assert "Jansen" not in text and "Oudegracht" not in text
    assert "5.1.25.1.2e" not in text and text.count("5.1.2e") == 1


def test_overlapping_findings_with_different_grounds_name_both_once(tmp_path):
    src = _pdf(tmp_path / "brief.pdf", ["Uw BSN 123456782 staat in het register van de gemeente."])
    out = tmp_path / "out.pdf"
    redact_pdf(src, out, [Redaction(1, "BSN 123456782", "5.1.1e"), Redaction(1, "123456782 staat", "5.1.2e")])
    text = _text(out)
    assert "123456782" not in text and "register van de gemeente" in text
    assert text.count("5.1.1e") == 1 and text.count("5.1.2e") == 1 and "5.1.1e5.1.2e" not in text
