"""Comments and tracked changes in DOCX, ODT, ODS and ODP: hidden content that the privacy scan must read and the public
rendition must leave out. The scan reads the file as woo extracts it; the copy the rendition is made of
(woo.archive.pdfa.clean_office_copy) has no comments and its changes accepted; unprinted_only names the values
that are only in what that copy leaves out."""
from __future__ import annotations

import zipfile
from xml.sax.saxutils import escape

import docx
from docx.oxml import parse_xml

from tests.factories import _odf, make_docx
from woo.archive.pdfa import clean_office_copy, has_hidden_parts
from woo.intake.extract import extract_text
from woo.privacy.document import scan_file
from woo.privacy.hidden import inspect_hidden, unprinted_only

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
BSN = "111222333"  # passes the elfproef
DELETED = "Fatima Bakkali, 06-98765432, onder voorbehoud"
KEPT = "Het college besluit de vergunning te verlenen."


def make_docx_with_changes(path, lines=(KEPT,)):
    """``lines``, then a paragraph whose tracked changes delete a name and phone number and insert words."""
    d = docx.Document()
    for line in lines:
        d.add_paragraph(line)
    p = d.add_paragraph("Contactpersoon: ")
    p._p.append(parse_xml(f'<w:del {W} w:id="1" w:author="Karel Schrapper" w:date="2024-03-18T10:00:00Z">'
                          f'<w:r><w:delText>{DELETED}</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:ins {W} w:id="2" w:author="Karel Schrapper" w:date="2024-03-18T10:00:00Z">'
                          '<w:r><w:t>het Klantcontactcentrum</w:t></w:r></w:ins>'))
    d.save(str(path))
    return path


def make_odt_with_comment_and_changes(path, comment: str, deleted: str | None = None, lines=(KEPT,)):
    """An ODT whose first paragraph carries a comment by 'Piet Jansen' and, if given, a deleted change; then
    ``lines``, a paragraph each."""
    changes = ""
    if deleted is not None:
        changes = ('<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><office:change-info>'
                   '<dc:creator>Karel Schrapper</dc:creator><dc:date>2024-03-18T10:00:00</dc:date>'
                   f'</office:change-info><text:p>{escape(deleted)}</text:p></text:deletion></text:changed-region>'
                   '</text:tracked-changes>')
    body = (f"{changes}<text:p>Geachte heer,<office:annotation><dc:creator>Piet Jansen</dc:creator>"
            f"<dc:date>2024-03-18T10:00:00</dc:date><text:p>{escape(comment)}</text:p></office:annotation>"
            " uw aanvraag is ontvangen.</text:p>"
            f'<text:p>Contactpersoon: <text:change text:change-id="ct1"/>het Klantcontactcentrum.</text:p>'
            + "".join(f"<text:p>{escape(line)}</text:p>" for line in lines))
    return _odf(path, "application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>",
                "Besluit", None)


def _annotation(comment: str, prefix: str = "office") -> str:
    """A comment by 'Piet Jansen' as LibreOffice writes it (Impress: in the officeooo namespace)."""
    return (f'<{prefix}:annotation svg:x="1cm" svg:y="1cm" svg:width="4cm" svg:height="2cm">'
            '<dc:creator>Piet Jansen</dc:creator><dc:date>2024-03-18T10:00:00</dc:date>'
            f'<text:p>{escape(comment)}</text:p></{prefix}:annotation>')


def _cell(text: str, inner: str = "") -> str:
    return f'<table:table-cell office:value-type="string">{inner}<text:p>{escape(text)}</text:p></table:table-cell>'


def make_ods_with_comment_and_changes(path, comment: str, deleted: str | None = None, lines=(KEPT,)):
    """A spreadsheet: a row 'Contactpersoon' | 'het Klantcontactcentrum' whose first cell carries a comment by
    'Piet Jansen' and whose second cell, if ``deleted`` is given, held ``deleted`` before Karel Schrapper changed it
    (tracked); then ``lines``, a row each."""
    changes = ""
    if deleted is not None:
        changes = ('<table:tracked-changes><table:cell-content-change table:id="ct1">'
                   '<table:cell-address table:column="1" table:row="0" table:table="0"/><office:change-info>'
                   '<dc:creator>Karel Schrapper</dc:creator><dc:date>2024-03-18T10:00:00</dc:date></office:change-info>'
                   '<table:previous><table:change-track-table-cell office:value-type="string">'
                   f'<text:p>{escape(deleted)}</text:p></table:change-track-table-cell></table:previous>'
                   '</table:cell-content-change></table:tracked-changes>')
    rows = [_cell("Contactpersoon:", _annotation(comment)) + _cell("het Klantcontactcentrum")]
    rows += [_cell(line) for line in lines]
    table = "".join(f'<table:table-row>{r}<table:table-cell table:number-columns-repeated="1000"/></table:table-row>'
                    for r in rows)
    sheet = f'{changes}<table:table table:name="Blad1">{table}</table:table>'
    return _odf(path, "application/vnd.oasis.opendocument.spreadsheet",
                f"<office:spreadsheet>{sheet}</office:spreadsheet>", "Overzicht", None)


def make_odp_with_comment(path, comment: str, lines=(KEPT,)):
    """A presentation: a slide 'Geachte heer, uw aanvraag is ontvangen.' with a comment by 'Piet Jansen', then
    ``lines``, a slide each."""
    def slide(n: int, text: str, extra: str = "") -> str:
        return (f'<draw:page draw:name="dia{n}"><draw:frame svg:x="1cm" svg:y="2cm" svg:width="26cm" svg:height="4cm">'
                f'<draw:text-box><text:p>{escape(text)}</text:p></draw:text-box></draw:frame>{extra}</draw:page>')
    pages = slide(1, "Geachte heer, uw aanvraag is ontvangen.", _annotation(comment, "officeooo"))
    pages += "".join(slide(n, line) for n, line in enumerate(lines, 2))
    return _odf(path, "application/vnd.oasis.opendocument.presentation",
                f"<office:presentation>{pages}</office:presentation>", "Presentatie", None)


def test_deleted_text_of_a_docx_is_scanned_and_left_out_of_the_copy(tmp_path):
    src = make_docx_with_changes(tmp_path / "brief.docx")
    text = extract_text(src, "docx").text
    assert "Contactpersoon: het Klantcontactcentrum" in text and DELETED in text.split("bijgehouden wijzigingen")[1]
    found = scan_file(src, ocr=False)["findings"]
    assert {"06-98765432", "Fatima Bakkali"} <= {f["text"] for f in found}, found
    assert unprinted_only(src, "docx", ["06-98765432", "Fatima Bakkali", "Klantcontactcentrum"]) == {
        "06-98765432": "changes", "Fatima Bakkali": "changes"}

    before = src.read_bytes()
    out = tmp_path / "geaccepteerd.docx"
    assert has_hidden_parts(src, "docx")
    assert clean_office_copy(src, "docx", out) == (0, 2) and src.read_bytes() == before
    assert not has_hidden_parts(out, "docx")
    assert [p.text for p in docx.Document(str(out)).paragraphs] == [KEPT, "Contactpersoon: het Klantcontactcentrum"]
    with zipfile.ZipFile(out) as zf:
        body = zf.read("word/document.xml").decode()
    assert "Bakkali" not in body and "Schrapper" not in body


def test_every_docx_comment_part_is_read_and_dropped(tmp_path):
    # Word 2013+ keeps the commenters' identities in word/people.xml: a name there is not printed either
    src = make_docx(tmp_path / "n.docx", ["Geachte heer Bakker,", "Het college besluit."], comments=True)
    people = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:people '
              'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"><w15:person w15:author="Karin Zeeman">'
              '<w15:presenceInfo w15:providerId="None" w15:userId="karin.zeeman@example.nl"/></w15:person></w15:people>')
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("word/people.xml", people)
    assert unprinted_only(src, "docx", ["Karin Zeeman", "karin.zeeman@example.nl", "Jan de Vries", "Bakker"]) == {
        "Karin Zeeman": "comments", "karin.zeeman@example.nl": "comments", "Jan de Vries": "comments"}
    out = tmp_path / "zonder.docx"
    assert clean_office_copy(src, "docx", out)[0] >= 2
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        rels = zf.read("word/_rels/document.xml.rels").decode() + zf.read("[Content_Types].xml").decode()
    assert not any(n.startswith("word/comments") or n == "word/people.xml" for n in names), names
    assert "comments" not in rels


def test_the_scan_reads_every_docx_comment_part_the_copy_drops(tmp_path):
    # The package's relationships, not a fixed name, say which part holds the comments: a comment element in a
    # second comments part travels with the file like one in word/comments.xml, and so does a commenter's
    # identity in word/people.xml. The copy drops every comment part; the scan reads every one of them too.
    src = make_docx(tmp_path / "n.docx", ["Geachte heer Bakker,", "Het college besluit."], comments=True)
    second = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              f'<w:comments {W}><w:comment w:id="7" w:author="Karin Zeeman" w:initials="KZ"><w:p><w:r>'
              '<w:t>Bel mevrouw Fatima Bakkali op 06-98765432</w:t></w:r></w:p></w:comment></w:comments>')
    people = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w15:people '
              'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"><w15:person w15:author="Karin Zeeman">'
              '<w15:presenceInfo w15:providerId="AD" w15:userId="karin.zeeman@example.nl"/></w15:person></w15:people>')
    with zipfile.ZipFile(src, "a") as zf:
        zf.writestr("word/comments2.xml", second)
        zf.writestr("word/people.xml", people)
    said = extract_text(src, "docx").text.split("Opmerkingen:")[1].splitlines()
    assert "Karin Zeeman: Bel mevrouw Fatima Bakkali op 06-98765432" in said and len(said) == 3, said
    found = {(f["type"], f["text"]) for f in scan_file(src, ocr=False)["findings"]}
    assert {("phone", "06-98765432"), ("person_name", "Fatima Bakkali")} <= found, found
    hidden = inspect_hidden(src, "docx")
    assert "Opmerking van 'Karin Zeeman': 'Bel mevrouw Fatima Bakkali op 06-98765432'" in hidden, hidden
    assert "Persoon bij opmerkingen: 'Karin Zeeman' (karin.zeeman@example.nl)" in hidden, hidden
    assert hidden.index("Persoon bij opmerkingen: 'Karin Zeeman' (karin.zeeman@example.nl)") == 2  # comments first
    assert unprinted_only(src, "docx", ["06-98765432", "Fatima Bakkali", "Bakker"]) == {
        "06-98765432": "comments", "Fatima Bakkali": "comments"}
    out = tmp_path / "zonder.docx"
    clean_office_copy(src, "docx", out)
    with zipfile.ZipFile(out) as zf:
        assert not {"word/comments.xml", "word/comments2.xml", "word/people.xml"} & set(zf.namelist())
    assert not any(h.startswith(("Opmerking", "Persoon")) for h in inspect_hidden(out, "docx"))


def _scanned_then_cleaned(src, kind, wanted: set, values: list[str], unprinted: dict, counts: tuple[int, int]):
    """The scan finds ``wanted`` ((type, text) pairs); of ``values``, unprinted_only names ``unprinted``; the clean
    copy removes ``counts`` (comments, changes), has nothing hidden left and leaves ``src`` as it is. The copy."""
    found = {(f["type"], f["text"]) for f in scan_file(src, ocr=False)["findings"]}
    assert wanted <= found, found
    assert unprinted_only(src, kind, values) == unprinted
    before, out = src.read_bytes(), src.with_name(f"schoon.{kind}")
    assert has_hidden_parts(src, kind)
    assert clean_office_copy(src, kind, out) == counts and src.read_bytes() == before
    assert not has_hidden_parts(out, kind)
    return out


def test_odt_comments_and_deleted_text_are_scanned_and_left_out_of_the_copy(tmp_path):
    src = make_odt_with_comment_and_changes(tmp_path / "brief.odt", f"BSN {BSN} van de melder",
                                            deleted=DELETED)
    text = extract_text(src, "odt").text
    # the comment is not read into the sentence it is anchored in, but listed after the text
    assert "Geachte heer, uw aanvraag is ontvangen." in text
    assert "Piet Jansen: BSN 111222333 van de melder" in text.split("Opmerkingen:")[1]
    assert DELETED in text.split("bijgehouden wijzigingen")[1]
    out = _scanned_then_cleaned(src, "odt", {("bsn", BSN), ("phone", "06-98765432")},
                                [BSN, "Piet Jansen", "06-98765432", "Klantcontactcentrum"],
                                {BSN: "comments", "Piet Jansen": "comments", "06-98765432": "changes"}, (1, 1))
    clean = extract_text(out, "odt").text
    assert clean.splitlines() == ["Geachte heer, uw aanvraag is ontvangen.",
                                  "Contactpersoon: het Klantcontactcentrum.", KEPT], clean
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist()[0] == "mimetype" and zf.getinfo("mimetype").compress_type == zipfile.ZIP_STORED


def test_ods_comments_and_former_cell_contents_are_scanned_and_left_out_of_the_copy(tmp_path):
    src = make_ods_with_comment_and_changes(tmp_path / "overzicht.ods", f"BSN {BSN} van de melder", deleted=DELETED)
    text = extract_text(src, "ods").text
    # the comment is not read into the cell it is attached to, but listed after the sheet, with its author
    assert "Contactpersoon:\thet Klantcontactcentrum" in text.splitlines()
    assert "Piet Jansen: BSN 111222333 van de melder" in text.split("Opmerkingen:")[1]
    assert DELETED in text.split("bijgehouden wijzigingen")[1]
    hidden = inspect_hidden(src, "ods")
    assert f"Opmerking van 'Piet Jansen': 'BSN {BSN} van de melder'" in hidden, hidden
    assert "Bijgehouden wijzigingen: 0 invoegingen, 0 verwijderingen, 1 gewijzigde cel (door Karel Schrapper)" in hidden
    out = _scanned_then_cleaned(
        src, "ods", {("bsn", BSN), ("phone", "06-98765432"), ("person_name", "Fatima Bakkali")},
        [BSN, "Piet Jansen", "06-98765432", "Karel Schrapper", "Klantcontactcentrum"],
        {BSN: "comments", "Piet Jansen": "comments", "06-98765432": "changes", "Karel Schrapper": "changes"}, (1, 1))
    assert inspect_hidden(out, "ods") == ["Documenteigenschap: titel = 'Overzicht'"]
    assert extract_text(out, "ods").text.splitlines() == ["# Blad1", "Contactpersoon:\thet Klantcontactcentrum", KEPT]


def test_odp_comments_are_scanned_and_left_out_of_the_copy(tmp_path):
    # Impress writes a slide's comments as officeooo:annotation, not office:annotation
    src = make_odp_with_comment(tmp_path / "presentatie.odp", f"BSN {BSN}, bel 06-24681357")
    text = extract_text(src, "odp").text
    assert text.split("Opmerkingen:")[0].split() == "Geachte heer, uw aanvraag is ontvangen. ".split() + KEPT.split()
    assert "Piet Jansen: BSN 111222333, bel 06-24681357" in text.split("Opmerkingen:")[1]
    assert f"Opmerking van 'Piet Jansen': 'BSN {BSN}, bel 06-24681357'" in inspect_hidden(src, "odp")
    out = _scanned_then_cleaned(src, "odp", {("bsn", BSN), ("phone", "06-24681357")},
                                [BSN, "Piet Jansen", "06-24681357", "aanvraag"],
                                {BSN: "comments", "Piet Jansen": "comments", "06-24681357": "comments"}, (1, 0))
    assert extract_text(out, "odp").text.splitlines() == ["Geachte heer, uw aanvraag is ontvangen.", KEPT]
    assert extract_text(out, "odp").page_count == 2


def test_a_file_without_comments_or_changes_needs_no_copy(tmp_path):
    assert not has_hidden_parts(make_docx(tmp_path / "a.docx", [KEPT]), "docx")
    plain = _odf(tmp_path / "a.odt", "application/vnd.oasis.opendocument.text",
                 f"<office:text><text:p>{KEPT}</text:p></office:text>", None, None)
    assert not has_hidden_parts(plain, "odt")
    assert unprinted_only(plain, "odt", [KEPT]) == {}
