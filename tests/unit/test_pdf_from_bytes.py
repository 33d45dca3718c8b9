"""Issue 18: a PDF's text layer and hidden content are read from the file's bytes (the job chain's read cache
holds them), with exactly the results of reading the file; the encryption message names the file as before."""
from __future__ import annotations

import pikepdf
import pytest

from tests.factories import make_pdf
from woo.intake.extract import ExtractionError, extract_text
from woo.privacy.hidden import EncryptedDocumentError, inspect_hidden


def _pdf_with_history(tmp_path):
    src = make_pdf(tmp_path / "brief.pdf", ["Geachte heer Jan de Vries,\nUw aanvraag is ontvangen.", "Bladzijde twee."])
    with pikepdf.open(src, allow_overwriting_input=True) as pdf:  # no title/author in the info: XMP is read
        with pdf.open_metadata() as meta:
            meta["dc:title"] = "Besluit kapvergunning"
            meta["dc:creator"] = ["Afdeling Vergunningen"]
        pdf.save(src)
    with open(src, "ab") as fh:  # an incremental update: a second revision
        fh.write(b"\n%%EOF\n")
    return src


def test_text_layer_from_bytes_equals_the_file(tmp_path):
    src = _pdf_with_history(tmp_path)
    from_file = extract_text(src, "pdf", ocr=False, max_chars=1000)
    from_bytes = extract_text(src.read_bytes(), "pdf", ocr=False, max_chars=1000)
    assert from_bytes == from_file
    assert from_bytes.properties["title"] == "Besluit kapvergunning" and len(from_bytes.pages) == 2


def test_only_a_pdf_text_layer_is_read_from_bytes(tmp_path):
    data = _pdf_with_history(tmp_path).read_bytes()
    with pytest.raises(TypeError):
        extract_text(data, "pdf", ocr=True)  # OCR needs a file for ocrmypdf
    with pytest.raises(TypeError):
        extract_text(b"PK\x03\x04", "docx", ocr=False)
    with pytest.raises(ExtractionError) as exc:  # damaged bytes: the same Dutch error as a damaged file
        extract_text(b"%PDF-1.7\n garbage", "pdf", ocr=False)
    assert exc.value.code == "corrupt_pdf"


def test_hidden_content_from_bytes_equals_the_file(tmp_path):
    src = _pdf_with_history(tmp_path)
    found = inspect_hidden(src, "pdf")
    assert any("revisies" in d for d in found) and any("auteur" in d for d in found)
    assert inspect_hidden(src.read_bytes(), "pdf") == found


def test_encrypted_bytes_are_refused_with_the_file_name(tmp_path):
    src = make_pdf(tmp_path / "p.pdf", ["Tekst."])
    with pikepdf.open(src) as pdf:
        pdf.save(tmp_path / "enc.pdf", encryption=pikepdf.Encryption(owner="eigenaar", user=""))
    with pytest.raises(EncryptedDocumentError) as from_file:
        inspect_hidden(tmp_path / "enc.pdf", "pdf")
    with pytest.raises(EncryptedDocumentError) as from_bytes:
        inspect_hidden((tmp_path / "enc.pdf").read_bytes(), "pdf", name="enc.pdf")
    assert str(from_bytes.value) == str(from_file.value)
