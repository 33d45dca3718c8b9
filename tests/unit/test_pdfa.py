"""PDF/A-2b renditions: generated PDFs and office files convert and validate; bad input fails with a reason."""
from __future__ import annotations

import hashlib
import shutil

import pikepdf
import pytest

from tests.factories import make_corrupt_pdf, make_docx, make_encrypted_pdf, make_odt, make_pdf
from woo.archive.pdfa import to_pdfa

needs_lo = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _declared_pdfa(path) -> tuple[str, str]:
    with pikepdf.open(path) as pdf:
        meta = pdf.open_metadata()
        return str(meta.get("pdfaid:part")), str(meta.get("pdfaid:conformance"))


def test_pdf_becomes_validated_pdfa_2b_and_the_original_is_untouched(tmp_path):
    src = make_pdf(tmp_path / "besluit.pdf", ["Besluit op het verzoek om informatie.", "Tweede pagina."])
    before = _sha(src)
    res = to_pdfa(src, "pdf", tmp_path / "work")
    assert res.ok and res.validated, res.reason
    assert _sha(src) == before
    assert _declared_pdfa(res.path) == ("2", "B")
    assert pikepdf.pdfa.validate_written(res.path, "2b").passed
    assert res.steps[0].tool == "pikepdf.pdfa" and res.steps[0].outcome == "ok" and res.steps[0].version


@needs_lo
@pytest.mark.parametrize("maker,kind", [(make_docx, "docx"), (make_odt, "odt")])
def test_office_documents_go_through_libreoffice(tmp_path, maker, kind):
    src = maker(tmp_path / f"nota.{kind}", ["Nota aan het college over de begroting."], title="Nota")
    res = to_pdfa(src, kind, tmp_path / "work")
    assert res.ok, res.reason
    assert [s.tool for s in res.steps][0] == "LibreOffice"
    assert _declared_pdfa(res.path)[0] == "2"
    with pikepdf.open(res.path) as pdf:
        assert len(pdf.pages) >= 1


def test_password_protected_pdf_fails_with_a_dutch_reason(tmp_path):
    src = make_encrypted_pdf(tmp_path / "geheim.pdf")
    res = to_pdfa(src, "pdf", tmp_path / "work")
    assert not res.ok and res.path is None
    assert "versleuteld" in res.reason


def test_broken_pdf_fails_with_a_reason(tmp_path):
    src = make_corrupt_pdf(tmp_path / "kapot.pdf")
    res = to_pdfa(src, "pdf", tmp_path / "work")
    assert not res.ok
    assert "beschadigd" in res.reason or "Ghostscript" in res.reason


@needs_lo
def test_office_file_libreoffice_cannot_open(tmp_path):
    src = tmp_path / "kapot.docx"
    src.write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a ZIP header and nothing a word processor can read
    res = to_pdfa(src, "docx", tmp_path / "work")
    assert not res.ok
    assert "LibreOffice" in res.reason
    assert res.steps and res.steps[-1].tool == "LibreOffice" and res.steps[-1].outcome != "ok"


def test_formats_without_pdfa_rendition_are_declined(tmp_path):
    src = tmp_path / "foto.png"
    src.write_bytes(b"\x89PNG\r\n\x1a\n")
    res = to_pdfa(src, "png", tmp_path / "work")
    assert not res.ok and "geen PDF/A" in res.reason
    # a text file is typeset from woo's reading of it (to redact in): without that text there is nothing to set
    txt = tmp_path / "notitie.txt"
    txt.write_text("tekst")
    res = to_pdfa(txt, "txt", tmp_path / "work2")
    assert not res.ok and "uitgelezen tekst" in res.reason


def test_a_docx_copy_without_comments_keeps_the_text_and_leaves_the_original(tmp_path):
    import zipfile

    import docx

    from woo.archive.pdfa import clean_office_copy, has_hidden_parts
    from woo.privacy.hidden import unprinted_only

    src = make_docx(tmp_path / "n.docx", ["Geachte heer Bakker,", "Het college besluit."], comments=True)
    before = src.read_bytes()
    out = tmp_path / "zonder.docx"
    assert clean_office_copy(src, "docx", out)[0] >= 2 and src.read_bytes() == before
    assert has_hidden_parts(src, "docx") and not has_hidden_parts(out, "docx")
    with zipfile.ZipFile(out) as zf:
        body = zf.read("word/document.xml").decode()
        rels = zf.read("word/_rels/document.xml.rels").decode() + zf.read("[Content_Types].xml").decode()
    assert "commentRangeStart" not in body and "commentReference" not in body and "comments" not in rels
    assert [p.text for p in docx.Document(str(out)).paragraphs] == ["Geachte heer Bakker,", "Het college besluit."]
    # a value said only in a comment (its text or author) is not printed; one in the body is
    assert set(unprinted_only(src, "docx", ["06-12345678", "Jan de Vries", "Bakker"])) == {"06-12345678", "Jan de Vries"}


# A contact cell next to a filled one (Calc cut it off there: "Contactpersohet..."), a remark longer than the
# widest column a page holds (it must wrap), and a word (a web address) that needs a wider column.
_LONG_CELLS = [["Contactpersoon:", "het Klantcontactcentrum"],
               ["Contactpersoon: mevrouw A. de Vries-Jansen, afdeling Publiekszaken", "06-12345678"],
               ["Opmerking: " + "de aanvraag is op tijd ontvangen en wordt binnen acht weken behandeld; " * 3, "ja"],
               ["https://www.voorbeeldgemeente.nl/contact/publiekszaken", "gevuld"]]


def _saved_by_calc(src, tmp_path):
    """The same sheet as LibreOffice Calc itself saves it (styles.xml, column and row styles)."""
    import subprocess

    out = tmp_path / "calc"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", "ods", "--outdir", str(out), str(src)], capture_output=True, check=True,
                   timeout=180)
    return out / src.name


@needs_lo
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
@pytest.mark.parametrize("made_by,kind", [("woo", "ods"), ("calc", "ods"), ("woo", "xlsx")])
def test_a_spreadsheet_rendition_prints_every_cell_whole(tmp_path, made_by, kind):
    import subprocess
    import zipfile

    from tests.factories import make_ods, make_xlsx
    from woo.intake.extract import extract_text

    src = (make_ods if kind == "ods" else make_xlsx)(tmp_path / f"contacten.{kind}", _LONG_CELLS, title="Contacten")
    if made_by == "calc":
        src = _saved_by_calc(src, tmp_path)
    before = _sha(src)
    res = to_pdfa(src, kind, tmp_path / "work")
    assert res.ok and res.validated, res.reason
    flat = " ".join(subprocess.run(["pdftotext", str(res.path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for row in _LONG_CELLS:
        for cell in row:
            assert " ".join(cell.split()) in flat, (cell, flat)
    assert _sha(src) == before  # the original keeps its own layout
    assert "cellen volledig getoond" in next(s.outcome for s in res.steps if s.tool == "woo.publieksversie")
    with zipfile.ZipFile(src) as zf:
        assert not any(b"wrap" in zf.read(n) for n in zf.namelist() if n.endswith(".xml"))
    rows = extract_text(src, kind).text.splitlines()
    assert [r for r in rows if not r.startswith("#")] == ["\t".join(r).strip() for r in _LONG_CELLS]
