"""Privacy on real writing: names beyond ASCII, initials with tussenvoegsel, birth dates in tables,
officials in their public role, metadata the public PDF drops, and one default ground per kind."""
from __future__ import annotations

import pytest

from woo.privacy.finding import PUBLIC_OFFICIAL
from woo.privacy.grounds import DEFAULT_GROUND, WOO_GROUNDS, default_ground
from woo.privacy.hidden import removed_in_public_pdf
from woo.privacy.scan import scan_text


def names(text: str) -> list[str]:
    return [f.text for f in scan_text(text) if f.type == "person_name"]


@pytest.mark.parametrize("text, name", [
    ("Geachte mevrouw Ayşe Yılmaz,", "Ayşe Yılmaz"),
    ("Volgens Ayşe Demir is de aanvraag compleet.", "Ayşe Demir"),
    ("Aanwezig: Zoë de Vries (aanvrager).", "Zoë de Vries"),
    ("Het gesprek met Łukasz Kowalski vond plaats op 3 mei.", "Łukasz Kowalski"),
    ("Met vriendelijke groet,\n\nŁukasz Wiśniewski\n", "Łukasz Wiśniewski"),
    ("Op verzoek van J. van der Berg is het besluit genomen.", "J. van der Berg"),
    ("Dhr. mr. J.A. van den Heuvel-de Groot heeft bezwaar gemaakt.", "J.A. van den Heuvel-de Groot"),
])
def test_names_with_diacritics_and_initials(text, name):
    assert name in names(text)


@pytest.mark.parametrize("text, expected", [
    ("Naam\tGeboortedatum\tDatum aanvraag\nJan Jansen\t01-02-1980\t03-04-2024\nPiet Puk\t5-6-1975\t7-8-2024\n",
     ["01-02-1980", "5-6-1975"]),
    ("| Naam | Geb.datum | Woonplaats |\n| A. Demir | 12-03-1990 | Utrecht |\n| B. Bos | 1 mei 1985 | Gouda |",
     ["12-03-1990", "1 mei 1985"]),
    ("Naam\nGeboortedatum\nWoonplaats\nKarel\n01-02-1980\nUtrecht\nMies\n02-03-1981\nZeist", ["01-02-1980", "02-03-1981"]),
    ("Geboortedatum 01-01-1990 02-02-1991 03-03-1992", ["01-01-1990", "02-02-1991", "03-03-1992"]),
    ("Betrokkene, geboren op 3 maart 1970 te Utrecht, verzoekt", ["3 maart 1970"]),
    ("Naam;Geboren;Datum besluit\nA. Bos;14-7-1962;1-2-2024\n", ["14-7-1962"]),
])
def test_birth_dates_in_tables_and_text(text, expected):
    found = [f.text for f in scan_text(text) if f.type == "birthdate"]
    assert found == expected
    assert not [f for f in scan_text(text) if f.type == "birthdate" and f.text in ("03-04-2024", "1-2-2024")]


@pytest.mark.parametrize("text, name, role", [
    ("De Minister van Binnenlandse Zaken en Koninkrijksrelaties,\nR.H.A. Plasterk", "R.H.A. Plasterk", "minister"),
    ("De Staatssecretaris van Financiën,\n\nE.D. Wiebes\n", "E.D. Wiebes", "staatssecretaris"),
    ("Met vriendelijke groet,\n\nJ. Jansen\nburgemeester van Voorbeeld", "J. Jansen", "burgemeester"),
    ("De opening is door wethouder mevrouw K. de Wit verricht.", "K. de Wit", "wethouder"),
    ("De griffier,\nP. Pietersen", "P. Pietersen", "griffier"),
    ("De secretaris,\nA. Bakker\n", "A. Bakker", "secretaris"),
])
def test_officials_in_office_are_proposed_not_open(text, name, role):
    found = [f for f in scan_text(text) if f.type == "person_name" and f.text == name]
    assert found and all(f.role == role for f in found)
    data = found[0].to_dict()
    assert data["proposal"] == PUBLIC_OFFICIAL and data["role"] == role
    assert {"type", "page", "text", "start", "end"} <= data.keys()


def test_a_citizen_is_not_an_official_and_keeps_the_old_format():
    found = [f for f in scan_text("Het gesprek met J. Jansen ging over de wethouder.") if f.type == "person_name"]
    assert [f.text for f in found] == ["J. Jansen"] and found[0].role is None
    assert set(found[0].to_dict()) == {"type", "page", "text", "start", "end"}


def test_tool_metadata_is_removed_authors_are_not():
    assert removed_in_public_pdf("Documentinformatie: producent = 'PScript5.dll Version 5.2.2'")
    assert removed_in_public_pdf("XMP-metadata: makende toepassing = 'Microsoft Word'")
    assert not removed_in_public_pdf("Documentinformatie: auteur = 'Jan Jansen'")
    assert not removed_in_public_pdf("Pagina 1: annotatie (Text) van 'Jan': 'lakken?'")


def test_one_default_ground_per_kind():
    assert default_ground("bsn") == "5.1.1e"
    for kind in ("person_name", "email", "phone", "address", "birthdate", "iban", "hidden"):
        assert default_ground(kind) == "5.1.2e"
    assert set(DEFAULT_GROUND.values()) <= set(WOO_GROUNDS)
    from woo.services import privacy
    assert privacy.default_ground is default_ground and privacy.WOO_GROUNDS is WOO_GROUNDS


@pytest.mark.parametrize("text, name", [
    ("Geachte mevrouw tukasz Dvoïák,", "tukasz Dvoïák"),  # OCR: "Ł" read as a lower-case t, "ř" as "ï"
    ("Volgens tukasz Öztürk is de aanvraag onvolledig.", "tukasz Öztürk"),
    ("Volgens Matgorzata Dvoïák is de aanvraag onvolledig.", "Matgorzata Dvoïák"),
    ("Het gesprek met Gülsen Müller vond plaats op het stadskantoor.", "Gülsen Müller"),  # "ş" lost
    ("Het gesprek met Gulsen Muller vond plaats.", "Gulsen Muller"),
])
def test_names_as_ocr_reads_them(text, name):
    assert name in names(text)


@pytest.mark.parametrize("text", [
    "Geachte leden van de Raad,",
    "Geachte heer en mevrouw,\n\nUw brief is ontvangen.",
    "Geachte commissie Bezwaarschriften,",
    "Het gesprek met de Gemeente Utrecht vond plaats.",
])
def test_lower_case_words_after_a_salutation_are_no_names(text):
    assert names(text) == []


def test_signature_with_a_blank_line_before_the_role_is_proposed():
    text = "Met vriendelijke groet,\n\nF. de Groot\n\nburgemeester van Voorbeeldstad\n"
    found = [f for f in scan_text(text) if f.type == "person_name"]
    assert [f.text for f in found] == ["F. de Groot"] and found[0].role == "burgemeester"
    # a name closing a paragraph, with a paragraph about the mayor after it, is no signature
    text = "Aanwezig was ook J. Jansen\n\nBurgemeester en wethouders hebben besloten de vergunning te verlenen."
    assert all(f.role is None for f in scan_text(text) if f.type == "person_name")
