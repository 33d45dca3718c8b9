"""Hidden content in generated PDFs/DOCX/ODT, and redaction that really removes text."""
import zipfile
from pathlib import Path

import pikepdf
import pymupdf
import pypdfium2
import pytest
from fpdf import FPDF

from woo.privacy.hidden import EncryptedDocumentError, inspect_hidden
from woo.privacy.redact import Redaction, redact_pdf, sanitize_pdf

LINES = [
    "Besluit op uw Woo-verzoek",
    "Geachte heer Jansen,",
    "Uw BSN 123456782 is bekend bij de gemeente.",
    "Het advies van Jansen is openbaar gemaakt.",
    "Telefoon 06-12345678, met vriendelijke groet.",
]


def _plain_pdf(path: Path, lines=LINES, pages: int = 1) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _loaded_pdf(tmp: Path) -> Path:
    """A PDF with every kind of hidden content we look for."""
    base = _plain_pdf(tmp / "base.pdf")
    with pikepdf.open(base) as pdf:
        pdf.docinfo["/Author"] = "Piet Geheim"
        pdf.docinfo["/Creator"] = "Tekstverwerker 1.0"
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = ["Piet Geheim"]
        pdf.attachments["notities.txt"] = pikepdf.AttachedFileSpec(pdf, b"interne notitie", filename="notities.txt")
        js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')")))
        pdf.Root.OpenAction = js
        annot = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[10, 10, 30, 30],
            Contents=pikepdf.String("Let op: niet openbaar"), T=pikepdf.String("Klaas Intern")))
        launch = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[40, 40, 60, 60],
            A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))))
        field = pdf.make_indirect(pikepdf.Dictionary(
            FT=pikepdf.Name.Tx, T=pikepdf.String("naam_aanvrager"), V=pikepdf.String("Jan Jansen"),
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, Rect=[100, 100, 200, 120]))
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([annot, launch, field]))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
        pdf.save(tmp / "loaded0.pdf")
    # An incremental update on top: the old revision stays in the file.
    doc = pymupdf.open(tmp / "loaded0.pdf")
    doc.set_metadata({**doc.metadata, "title": "Tweede versie"})
    doc.save(tmp / "loaded0.pdf", incremental=True, encryption=pymupdf.PDF_ENCRYPT_KEEP)
    doc.close()
    return tmp / "loaded0.pdf"


def _pdf_text(path: Path) -> str:
    doc = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_inspect_hidden_pdf_lists_every_kind(tmp_path):
    found = inspect_hidden(_loaded_pdf(tmp_path), "pdf")
    joined = "\n".join(found)
    assert "auteur = 'Piet Geheim'" in joined
    assert "XMP-metadata: auteur = 'Piet Geheim'" in joined
    assert "Ingesloten bestand: 'notities.txt'" in joined
    assert "OpenAction" in joined and "JavaScript" in joined and "Launch" in joined
    assert "annotatie (Text) van 'Klaas Intern': 'Let op: niet openbaar'" in joined
    assert "Formulierveld 'naam_aanvrager' met waarde 'Jan Jansen'" in joined
    assert "revisies" in joined


def test_inspect_hidden_clean_pdf_is_quiet(tmp_path):
    assert [d for d in inspect_hidden(_plain_pdf(tmp_path / "c.pdf"), "pdf") if "revisies" in d] == []
    found = inspect_hidden(tmp_path / "c.pdf", "pdf")
    assert not any("annotatie" in d or "Ingesloten" in d or "actie" in d or "Formulierveld" in d for d in found)


def test_encrypted_pdf_is_refused_in_dutch(tmp_path):
    src = _plain_pdf(tmp_path / "p.pdf")
    with pikepdf.open(src) as pdf:
        pdf.save(tmp_path / "enc.pdf", encryption=pikepdf.Encryption(owner="eigenaar", user=""))
    with pytest.raises(EncryptedDocumentError, match="versleuteld.*gepubliceerd"):
        inspect_hidden(tmp_path / "enc.pdf", "pdf")
    with pytest.raises(EncryptedDocumentError):
        redact_pdf(tmp_path / "enc.pdf", tmp_path / "out.pdf", [])


def test_redaction_removes_text_for_real_and_strips_hidden_content(tmp_path):
    src = _loaded_pdf(tmp_path)
    dst = tmp_path / "out.pdf"
    report = redact_pdf(src, dst, [Redaction(1, "Jansen", "5.1.2e"), Redaction(1, "123456782", "5.1.1d"),
                                   Redaction(1, "bestaat niet", "5.1.2e")])
    text = _pdf_text(dst)
    assert "Jansen" not in text and "123456782" not in text
    assert "Besluit op uw Woo-verzoek" in text and "bekend bij de gemeente" in text
    assert "5.1.2e" in text and "5.1.1d" in text  # the ground is printed in the box
    applied = {r.text: n for r, n in report.applied}
    # Two in the body; PyMuPDF's incremental save also drew the form field's value "Jan Jansen".
    assert applied["Jansen"] >= 2 and applied["123456782"] == 1
    assert [r.text for r in report.not_found] == ["bestaat niet"] and not report.complete
    raw = dst.read_bytes()
    assert b"Piet Geheim" not in raw and b"Jansen" not in raw and raw.count(b"%%EOF") == 1
    with pikepdf.open(dst) as pdf:
        assert "/Metadata" not in pdf.Root and "/OpenAction" not in pdf.Root and "/AcroForm" not in pdf.Root
        assert len(pdf.attachments) == 0 and len(pdf.docinfo) == 0
        assert all("/Annots" not in page.obj for page in pdf.pages)
    assert inspect_hidden(dst, "pdf") == []


def test_redaction_only_on_the_given_page(tmp_path):
    src = _plain_pdf(tmp_path / "two.pdf", pages=2)
    redact_pdf(src, tmp_path / "out.pdf", [Redaction(2, "Jansen", "5.1.2e")])
    doc = pypdfium2.PdfDocument(str(tmp_path / "out.pdf"))
    first, second = (doc[i].get_textpage().get_text_range() for i in range(2))
    doc.close()
    assert "Jansen" in first and "Jansen" not in second


def test_redaction_page_out_of_range(tmp_path):
    with pytest.raises(ValueError, match="Pagina 3 bestaat niet"):
        redact_pdf(_plain_pdf(tmp_path / "a.pdf"), tmp_path / "o.pdf", [Redaction(3, "x", "5.1.2e")])


def test_sanitize_keeps_text_and_drops_hidden(tmp_path):
    src = _loaded_pdf(tmp_path)
    report = sanitize_pdf(src, tmp_path / "clean.pdf")
    assert "Geachte heer Jansen" in _pdf_text(tmp_path / "clean.pdf")
    assert inspect_hidden(tmp_path / "clean.pdf", "pdf") == []
    assert any("XMP" in s for s in report.stripped) and any("ingesloten" in s for s in report.stripped)


def _docx_with_hidden(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.author = "Marieke Auteur"
    d.core_properties.last_modified_by = "Kees Bewerker"
    para = d.add_paragraph("Tekst met een ")
    run = para.add_run("opmerking")
    d.add_comment(run, text="Dit moet eruit", author="Commentaar Gever", initials="CG")
    d.save(str(path))
    # python-docx writes no tracked changes: add an insertion and a deletion to the XML.
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    w = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    assert w in parts["word/document.xml"]
    tracked = (b'<w:p><w:ins w:id="91" w:author="Wijziger" w:date="2024-01-01T00:00:00Z"><w:r><w:t>nieuw</w:t>'
               b'</w:r></w:ins><w:del w:id="92" w:author="Wijziger" w:date="2024-01-01T00:00:00Z"><w:r>'
               b'<w:delText>oud</w:delText></w:r></w:del></w:p>')
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:sectPr", tracked + b"<w:sectPr", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    return path


def test_inspect_hidden_docx(tmp_path):
    found = "\n".join(inspect_hidden(_docx_with_hidden(tmp_path / "a.docx"), "docx"))
    assert "Opmerking van 'Commentaar Gever': 'Dit moet eruit'" in found
    assert "1 invoegingen, 1 verwijderingen (door Wijziger)" in found
    assert "auteur = 'Marieke Auteur'" in found and "laatst gewijzigd door = 'Kees Bewerker'" in found


def test_inspect_hidden_odt(tmp_path):
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')
    content = (f'<office:document-content {ns}><office:body><office:text>'
               '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info>'
               '<dc:creator>Wijziger</dc:creator></office:change-info></text:deletion></text:changed-region>'
               '</text:tracked-changes><text:p>Hallo<office:annotation><dc:creator>Opmerker</dc:creator>'
               '<text:p>Niet publiceren</text:p></office:annotation></text:p>'
               '</office:text></office:body></office:document-content>')
    meta = (f'<office:document-meta {ns}><office:meta><meta:initial-creator>Eerste Schrijver'
            '</meta:initial-creator></office:meta></office:document-meta>')
    path = tmp_path / "a.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
        zf.writestr("meta.xml", meta)
    found = "\n".join(inspect_hidden(path, "odt"))
    assert "Opmerking van 'Opmerker': 'Niet publiceren'" in found
    assert "0 invoegingen, 1 verwijderingen (door Wijziger)" in found
    assert "oorspronkelijke auteur = 'Eerste Schrijver'" in found


def test_office_parser_does_not_expand_entities(tmp_path):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
           b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>&e;</dc:creator></cp:coreProperties>')
    path = tmp_path / "x.docx"
    with zipfile.ZipFile(_docx_with_hidden(tmp_path / "b.docx")) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, xxe if name == "docProps/core.xml" else src.read(name))
    assert "root:" not in "\n".join(inspect_hidden(path, "docx"))


def test_redact_rendition_searches_every_page_and_reports_what_it_cannot_find(tmp_path):
    from tests.factories import make_pdf
    from woo.privacy.redact import page_texts, redact_rendition

    src = make_pdf(tmp_path / "weergave.pdf", ["Geachte heer Jan Jansen, BSN 111222333.",
                                               "Tweede pagina: nogmaals Jan Jansen. Met vriendelijke groet."])
    out = tmp_path / "publiek.pdf"
    report = redact_rendition(src, out, [("Jan\nJansen", "5.1.2e"), ("111222333", "5.1.1e"),
                                         ("Piet Puk", "5.1.2e")])
    text = " ".join(page_texts(out))
    assert "Jansen" not in text and "111222333" not in text and "vriendelijke groet" in text
    assert sorted(r.page for r, _ in report.applied) == [1, 1, 2]  # the name on both pages, the BSN on one
    assert [r.text for r in report.not_found] == ["Piet Puk"] and not report.complete
    assert report.still_readable == []


def _pdftotext(path: Path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("use_rendition", [False, True])
def test_redaction_hits_whole_words_only(tmp_path, use_rendition):
    """"Jan" is redacted where it stands as a word, not inside "januari" or "Jansen" (issue 15)."""
    from woo.privacy.redact import redact_rendition

    src = _plain_pdf(tmp_path / "jan.pdf", lines=["Op 3 januari schreef Jan een brief.", "Jan, Jansen en januari.",
                                                  "Getekend: Jan"])
    out = tmp_path / "out.pdf"
    if use_rendition:
        report = redact_rendition(src, out, [("Jan", "5.1.2e")])
    else:
        report = redact_pdf(src, out, [Redaction(page=1, text="Jan", ground="5.1.2e")])
    assert report.complete
    assert sum(n for _, n in report.applied) == 3
    text = _pdftotext(out)
    assert "januari" in text and "Jansen" in text
    assert "Jan " not in text and "Jan," not in text and not text.rstrip().endswith("Jan")
