"""Identification of every allowlisted format, and refusal of what a public body must not take in."""
from pathlib import Path

import pytest

from tests import factories as f
from woo.intake.identify import ALLOWED_KINDS, KINDS, MAGIC_TO_KIND, RejectedFile, identify, safe_filename

PARAS = ["Besluit op uw Woo-verzoek over de windmolens in Rijssen-Holten.",
         "De gemeente maakt twaalf documenten gedeeltelijk openbaar."]

MAKERS = {
    "pdf": lambda d: f.make_pdf(d / "besluit.pdf", PARAS, title="Woo-besluit"),
    "docx": lambda d: f.make_docx(d / "besluit.docx", PARAS),
    "doc": lambda d: f.make_doc(d / "besluit.doc"),
    "odt": lambda d: f.make_odt(d / "besluit.odt", PARAS),
    "xlsx": lambda d: f.make_xlsx(d / "inventaris.xlsx", [["Nr", "Document"], [1, "Brief"]]),
    "ods": lambda d: f.make_ods(d / "inventaris.ods", [["Nr", "Document"], ["1", "Brief"]]),
    "pptx": lambda d: f.make_pptx(d / "presentatie.pptx", ["Woo in de praktijk"]),
    "odp": lambda d: f.make_odp(d / "presentatie.odp", ["Woo in de praktijk"]),
    "txt": lambda d: f.make_txt(d / "raadsadres.txt", "\n".join(PARAS)),
    "csv": lambda d: f.make_csv(d / "lijst.csv", [["naam", "plaats"], ["Jan", "Deventer"]]),
    "html": lambda d: f.make_html(d / "bekendmaking.html", "Bekendmaking", PARAS),
    "xml": lambda d: f.make_xml(d / "publicatie.xml", "Staatscourant", PARAS),
    "eml": lambda d: f.make_eml(d / "vraag.eml", "Vraag over de Woo", "Beste, graag informatie."),
    "msg": lambda d: f.make_msg(d / "vraag.msg", "Vraag over de Woo", "Beste, graag informatie."),
    "jpeg": lambda d: f.make_png_scan(d / "scan.jpg", "Gemeente"),
    "png": lambda d: f.make_png_scan(d / "scan.png", "Gemeente"),
    "tiff": lambda d: f.make_png_scan(d / "scan.tif", "Gemeente"),
}


def test_every_allowed_kind_has_a_fixture():
    assert set(MAKERS) == ALLOWED_KINDS


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_identifies_each_allowed_kind(tmp_path, kind):
    path = MAKERS[kind](tmp_path)
    ident = identify(path, path.name)
    assert ident.accepted, ident.reason
    assert ident.kind == kind
    assert ident.mime == KINDS[kind] or MAGIC_TO_KIND.get(ident.mime) == kind
    assert not ident.extension_mismatch
    assert ident.reason is None


def test_pronom_identifiers_for_common_formats(tmp_path):
    pdf = identify(MAKERS["pdf"](tmp_path), "a.pdf")
    docx = identify(MAKERS["docx"](tmp_path), "a.docx")
    assert pdf.puid and pdf.puid.startswith("fmt/") and "PDF" in pdf.format_name
    assert docx.puid == "fmt/412"


def test_content_decides_not_the_name_for_office_zips(tmp_path):
    # An ODT uploaded without extension is still an ODT (the mimetype member says so).
    path = MAKERS["odt"](tmp_path).rename(tmp_path / "zonder_extensie")
    ident = identify(path, "zonder_extensie")
    assert ident.accepted and ident.kind == "odt" and not ident.extension_mismatch


def test_xhtml_named_html_is_accepted_as_html(tmp_path):
    path = tmp_path / "bekendmaking.html"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
                    "<head><title>Bekendmaking</title></head><body><p>Tekst</p></body></html>")
    ident = identify(path, path.name)
    assert ident.accepted and ident.kind == "html" and ident.mime == "text/html"


def test_empty_file_is_rejected(tmp_path):
    path = tmp_path / "leeg.pdf"
    path.write_bytes(b"")
    with pytest.raises(RejectedFile) as err:
        identify(path, path.name)
    assert err.value.code == "empty"


def test_unknown_binary_is_not_accepted(tmp_path):
    path = tmp_path / "programma.bin"
    path.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 40)
    ident = identify(path, path.name)
    assert not ident.accepted
    assert ident.code == "format_not_allowed"
    assert ident.reason.startswith("Bestandsformaat niet toegestaan: application/")
    with pytest.raises(RejectedFile) as err:
        ident.require_accepted()
    assert err.value.code == "format_not_allowed"


def test_executable_extension_is_rejected_even_with_pdf_content(tmp_path):
    path = f.make_pdf(tmp_path / "factuur.pdf.exe", PARAS)
    with pytest.raises(RejectedFile) as err:
        identify(path, path.name)
    assert err.value.code == "format_not_allowed"


def test_plain_zip_is_not_a_document(tmp_path):
    path = f.make_zip(tmp_path / "bundel.zip", {"a.txt": b"hallo"})
    ident = identify(path, path.name)
    assert not ident.accepted and ident.kind == "zip"


def test_macro_enabled_workbook_is_refused(tmp_path):
    path = f.make_xlsx(tmp_path / "lijst.xlsx", [["a"]], macro=True)
    ident = identify(path, path.name)
    assert not ident.accepted and "macro" in ident.reason


@pytest.mark.parametrize("content_kind,name", [("pdf", "besluit.docx"), ("docx", "besluit.pdf"),
                                               ("png", "foto.jpg"), ("odt", "besluit.docx")])
def test_allowed_content_under_another_allowed_extension_is_rejected(tmp_path, content_kind, name):
    path = MAKERS[content_kind](tmp_path).rename(tmp_path / name)
    with pytest.raises(RejectedFile) as err:
        identify(path, name)
    assert err.value.code == "extension_mismatch"
    assert f".{Path(name).suffix[1:]}" in err.value.reason


def test_text_named_as_csv_is_fine(tmp_path):
    path = f.make_txt(tmp_path / "lijst.csv", "naam;plaats\nJan;Deventer\n")
    ident = identify(path, path.name)
    assert ident.accepted and ident.kind == "csv" and ident.mime == "text/csv"


def test_corrupt_pdf_is_rejected(tmp_path):
    path = f.make_corrupt_pdf(tmp_path / "kapot.pdf")
    with pytest.raises(RejectedFile) as err:
        identify(path, path.name)
    assert err.value.code == "corrupt_pdf"


def test_encrypted_pdf_is_rejected(tmp_path):
    path = f.make_encrypted_pdf(tmp_path / "geheim.pdf")
    with pytest.raises(RejectedFile) as err:
        identify(path, path.name)
    assert err.value.code == "encrypted_pdf"
    assert "wachtwoord" in err.value.reason


def test_corrupt_office_zip_is_rejected(tmp_path):
    good = MAKERS["docx"](tmp_path).read_bytes()
    path = tmp_path / "kapot.docx"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(RejectedFile) as err:
        identify(path, path.name)
    assert err.value.code == "corrupt_file"


# ------------------------------------------------------------------------------------------------ names

@pytest.mark.parametrize("name", ["../../etc/passwd", "map/besluit.pdf", "..\\boot.ini", "besluit\x00.pdf",
                                  "besluit\x07.pdf", "regel\nbreuk.pdf", "a" * 300 + ".pdf", "..", "", "  "])
def test_hostile_names_are_rejected(name):
    with pytest.raises(RejectedFile) as err:
        safe_filename(name)
    assert err.value.code == "bad_name"
    assert err.value.reason


def test_names_are_normalised_to_nfc():
    decomposed = "Be\u0301sluit coo\u0308rdinatie.pdf"
    assert safe_filename(decomposed) == "Bésluit coördinatie.pdf"
    assert safe_filename("  Woo-besluit 2024.03.pdf ") == "Woo-besluit 2024.03.pdf"


def test_255_characters_is_the_limit():
    assert safe_filename("a" * 251 + ".pdf") == "a" * 251 + ".pdf"
    with pytest.raises(RejectedFile):
        safe_filename("a" * 252 + ".pdf")


def test_bulk_identification_in_a_child_process_gives_the_same_answers(tmp_path):
    """A dossier import identifies through out_of_process(): siegfried's Go heap lives in a child started
    with GOGC/GOMEMLIMIT (the Go runtime does not see os.environ changed at run time)."""
    from woo.intake import identify as mod

    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    here = {kind: identify(MAKERS[kind](tmp_path / "here"), f"a.{kind}") for kind in sorted(MAKERS)}
    with mod.out_of_process():
        helper = mod._helper
        there = {kind: identify(MAKERS[kind](tmp_path / "there"), f"a.{kind}") for kind in sorted(MAKERS)}
        # read once the child has answered: right after the fork its environ is still empty (before exec)
        environ = Path(f"/proc/{helper.proc.pid}/environ").read_bytes().split(b"\0")
        assert b"GOGC=50" in environ and b"GOMEMLIMIT=64MiB" in environ
        helper.proc.kill()  # a helper that dies: identification carries on in this process
        helper.proc.wait()
        after = identify(MAKERS["docx"](tmp_path / "there"), "a.docx")
    assert mod._helper is None and helper.proc.poll() is not None
    assert {k: (i.kind, i.puid, i.format_name) for k, i in there.items()} == \
        {k: (i.kind, i.puid, i.format_name) for k, i in here.items()}
    assert there["pdf"].puid.startswith("fmt/") and there["docx"].puid == "fmt/412"
    assert after.puid == "fmt/412"
