"""Text extraction round trips: what the fixture wrote is what comes back, and hostile input fails cleanly."""
import csv
import shutil
import time
import zipfile

import pytest

from tests import factories as f
from tests.corpus import CORPUS, MANIFEST, requires_corpus
from woo.intake.extract import ExtractionError, decode_text, extract_text, guess_language
from woo.intake.identify import identify

PARAS = ["Besluit op uw Woo-verzoek over de windmolens in Rijssen-Holten.",
         "Het college maakt twaalf documenten gedeeltelijk openbaar; persoonsgegevens zijn gelakt."]
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract is not on PATH (apt-get install tesseract-ocr-nld)")


def _words(text):
    return set(text.replace(";", " ").replace(".", " ").split())


def test_pdf_text_per_page_and_docinfo(tmp_path):
    path = f.make_pdf(tmp_path / "b.pdf", PARAS, title="Woo-besluit windmolens", author="Gemeente Rijssen-Holten")
    ex = extract_text(path, "pdf", ocr=False)
    assert ex.method == "pdf-text" and not ex.ocr_used
    assert ex.page_count == 2 and len(ex.pages) == 2
    assert ex.pages[0].strip() == PARAS[0] and ex.pages[1].strip() == PARAS[1]
    assert ex.properties["title"] == "Woo-besluit windmolens"
    assert ex.properties["author"] == "Gemeente Rijssen-Holten"
    assert ex.properties["created"].startswith("2024-03-18T10:30")
    assert ex.language == "nl" or ex.language is None


def test_pdf_limits_pages_and_characters(tmp_path):
    path = f.make_pdf(tmp_path / "lang.pdf", [f"Pagina {i} " + "tekst " * 50 for i in range(1, 11)])
    few = extract_text(path, "pdf", ocr=False, max_pages=3)
    assert few.page_count == 10 and len(few.pages) == 3 and "Pagina 4" not in few.text
    short = extract_text(path, "pdf", ocr=False, max_chars=500)
    assert len(short.text) <= 500 and short.truncated


def test_encrypted_pdf_raises_with_code(tmp_path):
    with pytest.raises(ExtractionError) as err:
        extract_text(f.make_encrypted_pdf(tmp_path / "g.pdf"), "pdf")
    assert err.value.code == "encrypted_pdf" and "wachtwoord" in err.value.reason


def test_corrupt_pdf_raises_with_code(tmp_path):
    with pytest.raises(ExtractionError) as err:
        extract_text(f.make_corrupt_pdf(tmp_path / "k.pdf"), "pdf")
    assert err.value.code == "corrupt_pdf"


def test_scanned_pdf_without_ocr_has_no_text(tmp_path):
    ex = extract_text(f.make_scanned_pdf(tmp_path / "scan.pdf", "Gemeente Deventer"), "pdf", ocr=False)
    assert ex.text == "" and not ex.ocr_used and ex.method == "pdf-text"


SCAN_TEXT = ("Gemeente Deventer\nBesluit op het verzoek om openbaarmaking van documenten over de "
             "woningbouw aan de Zutphenseweg.")


@needs_tesseract
def test_ocr_of_a_dutch_scanned_pdf(tmp_path):
    ex = extract_text(f.make_scanned_pdf(tmp_path / "scan.pdf", SCAN_TEXT), "pdf")
    assert ex.ocr_used and ex.method == "ocr" and ex.page_count == 1
    assert {"Gemeente", "Deventer", "Besluit", "openbaarmaking", "woningbouw", "Zutphenseweg"} <= _words(ex.text)


@needs_tesseract
def test_ocr_of_a_png_scan(tmp_path):
    ex = extract_text(f.make_png_scan(tmp_path / "scan.png", SCAN_TEXT), "png")
    assert ex.ocr_used
    assert {"Gemeente", "Deventer", "openbaarmaking", "Zutphenseweg"} <= _words(ex.text)


def test_image_without_ocr_reports_properties(tmp_path):
    ex = extract_text(f.make_png_scan(tmp_path / "scan.tif", "x"), "tiff", ocr=False)
    assert ex.text == "" and not ex.ocr_used and ex.properties["dpi"] == 300


def test_docx_text_properties_and_comments(tmp_path):
    path = f.make_docx(tmp_path / "b.docx", PARAS, title="Besluit", author="I. Wolters", comments=True)
    ex = extract_text(path, "docx")
    assert ex.method == "docx" and len(ex.pages) == 1
    assert PARAS[0] in ex.text and PARAS[1] in ex.text
    assert ex.properties["title"] == "Besluit" and ex.properties["author"] == "I. Wolters"
    # Comments travel with the file: their text must reach the privacy scan.
    assert ex.properties["comments"][0]["author"] == "Jan de Vries"
    assert "06-12345678" in ex.text


def test_odt_round_trip(tmp_path):
    ex = extract_text(f.make_odt(tmp_path / "b.odt", PARAS, title="Kamerbrief", author="Piet"), "odt")
    assert ex.text.splitlines() == PARAS
    assert ex.properties["title"] == "Kamerbrief" and ex.properties["author"] == "Piet"
    assert ex.page_count == 1


def test_odt_footnotes_headers_and_footers_are_read(tmp_path):
    """They are printed on every page like the body, so the privacy scan must see them (a DOCX's are read
    too): a footnote in content.xml, a header and a footer in the page styles of styles.xml."""
    path = f.make_odt(tmp_path / "b.odt", ["Het college besluit.", "Zie de toelichting."])
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist() if n != "mimetype"}
    content = parts["content.xml"].decode().replace(
        "<text:p>Zie de toelichting.</text:p>",
        '<text:p>Zie de toelichting.<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
        "<text:note-body><text:p>Gesproken met Ayşe Demir, 06-12345678.</text:p></text:note-body></text:note></text:p>")
    style_ns = 'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" ' + f._ODF_NS
    parts["content.xml"] = content
    parts["styles.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {style_ns}>'
                           '<office:master-styles><style:master-page style:name="Standard">'
                           "<style:header><text:p>Behandeld door K. Smit</text:p></style:header>"
                           "<style:footer><text:p>Postbus 12, 7460 AA Rijssen</text:p></style:footer>"
                           "</style:master-page></office:master-styles></office:document-styles>")
    path.unlink()
    f._write_zip(path, parts, first=("mimetype", b"application/vnd.oasis.opendocument.text"))
    lines = extract_text(path, "odt").text.splitlines()
    assert lines[:2] == ["Het college besluit.", "Zie de toelichting."]  # the citation is not in the line
    assert "Gesproken met Ayşe Demir, 06-12345678." in lines
    assert "Behandeld door K. Smit" in lines and "Postbus 12, 7460 AA Rijssen" in lines


def test_spreadsheets_round_trip(tmp_path):
    rows = [["Nr", "Document", "Beoordeling"], [1, "Brief aan de raad", "openbaar"], [2, "Notitie", "deels"]]
    x = extract_text(f.make_xlsx(tmp_path / "l.xlsx", rows, title="Inventarislijst"), "xlsx")
    assert "1\tBrief aan de raad\topenbaar" in x.text and x.properties["title"] == "Inventarislijst"
    o = extract_text(f.make_ods(tmp_path / "l.ods", [[str(c) for c in r] for r in rows]), "ods")
    assert "2\tNotitie\tdeels" in o.text
    assert len(o.text) < 500  # 16000 repeated empty cells are not expanded


def test_presentations_round_trip(tmp_path):
    p = extract_text(f.make_pptx(tmp_path / "p.pptx", ["Woo in de praktijk", "Vragen?"]), "pptx")
    assert p.text.split("\n\n") == ["Woo in de praktijk", "Vragen?"] and p.page_count == 2
    o = extract_text(f.make_odp(tmp_path / "p.odp", ["Dia een", "Dia twee"]), "odp")
    assert o.text.splitlines() == ["Dia een", "Dia twee"] and o.page_count == 2


def test_html_drops_scripts_and_keeps_title(tmp_path):
    ex = extract_text(f.make_html(tmp_path / "b.html", "Bekendmaking", PARAS, author="Rheden"), "html")
    assert PARAS[0] in ex.text and "geheim" not in ex.text and "color" not in ex.text
    assert ex.properties == {"title": "Bekendmaking", "author": "Rheden"}


def test_xml_text_and_hostile_entities(tmp_path):
    ex = extract_text(f.make_xml(tmp_path / "p.xml", "Staatscourant", PARAS), "xml")
    assert ex.text.splitlines() == ["Staatscourant", *PARAS]
    secret = tmp_path / "geheim.txt"
    secret.write_text("WACHTWOORD")
    evil = tmp_path / "xxe.xml"
    evil.write_text(f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">'
                    '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><r>tekst &x; &c;</r>')
    ex = extract_text(evil, "xml")
    assert "WACHTWOORD" not in ex.text and "aaaaaaaaaa" not in ex.text and "tekst" in ex.text


def test_txt_encodings(tmp_path):
    text = "Café Überweg: € 12,50 — coördinatie"
    assert extract_text(f.make_txt(tmp_path / "u.txt", text), "txt").text == text
    assert extract_text(f.make_txt(tmp_path / "w.txt", text, encoding="cp1252"), "txt").text == text
    assert decode_text("ë".encode("utf-8-sig")) == ("ë", "utf-8-sig")
    big = f.make_txt(tmp_path / "groot.txt", "regel met tekst\n" * 100_000)
    assert len(extract_text(big, "txt", max_chars=1000).text) <= 1000


def test_csv_round_trip(tmp_path):
    ex = extract_text(f.make_csv(tmp_path / "l.csv", [["naam", "plaats"], ["Jan", "Deventer"]]), "csv")
    assert ex.text == "naam;plaats\nJan;Deventer" and ex.method == "csv"


def test_eml_headers_body_and_attachments(tmp_path):
    path = f.make_eml(tmp_path / "m.eml", "Vraag over de Woo", "Beste,\n\nGraag ontvang ik de stukken.\n\nJan",
                      html=True, attachment=("bijlage.pdf", b"%PDF-1.4"))
    ex = extract_text(path, "eml")
    assert "Onderwerp: Vraag over de Woo" in ex.text and "j.devries@gemeente.example" in ex.text
    assert "Graag ontvang ik de stukken." in ex.text
    assert ex.properties["title"] == "Vraag over de Woo"
    assert ex.properties["created"] == "2024-03-18T10:30:00+00:00"
    assert ex.properties["attachments"] == ["bijlage.pdf"]


def test_msg_round_trip(tmp_path):
    ex = extract_text(f.make_msg(tmp_path / "m.msg", "Vraag over de Woo", "Graag de stukken."), "msg")
    assert ex.properties["title"] == "Vraag over de Woo"
    assert ex.properties["author"] == "Jan de Vries <j.devries@gemeente.example>"
    assert ex.text.endswith("Graag de stukken.")
    assert ex.properties["created"] == "2024-03-18T10:30:00+00:00"


def test_doc_without_a_reader_fails_clearly(tmp_path):
    with pytest.raises(ExtractionError) as err:
        extract_text(f.make_doc(tmp_path / "oud.doc"), "doc")
    assert err.value.code == "unsupported" and ".doc" in err.value.reason


def test_kind_is_identified_when_not_given(tmp_path):
    ex = extract_text(f.make_odt(tmp_path / "b.odt", PARAS))
    assert ex.method == "odt" and PARAS[0] in ex.text


def test_broken_office_file_raises_extraction_error(tmp_path):
    path = tmp_path / "kapot.docx"
    path.write_bytes(b"PK\x03\x04 niet echt")
    with pytest.raises(ExtractionError) as err:
        extract_text(path, "docx")
    assert err.value.code == "corrupt_file"


def test_guess_language():
    assert guess_language(" ".join(PARAS * 5)) == "nl"
    assert guess_language("The minister has decided that the documents will be made public " * 3) == "en"
    assert guess_language("kort") is None


@requires_corpus
@pytest.mark.corpus
def test_whole_corpus_extracts(tmp_path):
    with open(MANIFEST, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    failures, empty, started = [], [], time.monotonic()
    for row in rows:
        path = CORPUS / row["path"]
        try:
            ident = identify(path, path.name)
            assert ident.accepted, ident.reason
            ex = extract_text(path, ident.kind, ocr=False, max_chars=2_000_000)
        except Exception as exc:  # noqa: BLE001 - collect every failure for one clear report
            failures.append(f"{row['path']}: {exc!r}")
            continue
        if len(ex.text.strip()) < 50:
            empty.append(row["path"])
    assert not failures, failures
    assert len(empty) <= len(rows) * 0.05, empty  # a few scans have no text layer
    assert time.monotonic() - started < 60


def test_unidentified_rejected_file_becomes_extraction_error(tmp_path):
    path = tmp_path / "leeg.txt"
    path.write_bytes(b"")
    with pytest.raises(ExtractionError) as err:
        extract_text(path)
    assert err.value.code == "empty"
