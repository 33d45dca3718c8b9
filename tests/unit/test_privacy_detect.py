"""Detectors on hand-written Dutch text: positives in the usual spellings and near misses."""
import random

import pytest

from woo.privacy import Finding, scan_pages, scan_text


def _types(text: str, kind: str) -> list[str]:
    return [f.text for f in scan_text(text) if f.type == kind]


def _elfproef_bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1)))
        last = total % 11
        if last < 10 and any(digits):
            return "".join(map(str, digits)) + str(last)


@pytest.mark.parametrize("form", ["123456782", "1234.56.782", "123 456 782", "1234 56 782"])
def test_bsn_forms(form):
    assert _types(f"Het BSN van betrokkene is {form} volgens de aanvraag.", "bsn") == [form]


def test_generated_bsns_all_found_and_offsets_point_at_them():
    rng = random.Random(7)
    for _ in range(50):
        bsn = _elfproef_bsn(rng)
        text = f"Aanvrager (bsn {bsn}) woont in Utrecht."
        [f] = [f for f in scan_text(text) if f.type == "bsn"]
        assert text[f.start:f.end] == bsn and f.masked.startswith(bsn[:3]) and "*" in f.masked


@pytest.mark.parametrize("text", [
    "BSN 123456789 is onjuist",           # fails the elfproef
    "een bedrag van € 123456782",          # money
    "RSIN 123456782 van de stichting",      # organisation number
    "kolommen 200 131 138 4,2 13",          # table of numbers
    "nummer 1234567820 is tien cijfers",    # longer number
    "000000000",
])
def test_bsn_near_misses(text):
    assert _types(text, "bsn") == []


@pytest.mark.parametrize("iban", ["NL91ABNA0417164300", "NL91 ABNA 0417 1643 00", "DE89370400440532013000",
                                  "BE68 5390 0754 7034", "nl91abna0417164300"])
def test_iban_found(iban):
    assert _types(f"Graag overmaken op {iban} onder vermelding van het kenmerk.", "iban") == [iban]


def test_iban_followed_by_word_is_cut_at_the_valid_end():
    assert _types("IBAN NL91 ABNA 0417 1643 00 TEST", "iban") == ["NL91 ABNA 0417 1643 00"]


@pytest.mark.parametrize("text", ["NL92ABNA0417164300", "NL91 ABNA 0417 1643 01", "GB12 3456"])
def test_iban_bad_checksum(text):
    assert _types(text, "iban") == []


def test_email():
    assert _types("Mail naar j.de-vries+woo@gemeente.example.nl of bel.", "email") == [
        "j.de-vries+woo@gemeente.example.nl"]
    assert _types("Dit is geen adres: info@ of @gemeente.nl", "email") == []


@pytest.mark.parametrize("phone", [
    "06-12345678", "06 1234 5678", "0612345678", "+31 6 12345678", "+31(0)6-12345678", "0031 6 12345678",
    "020-1234567", "020 123 4567", "(020) 123 45 67", "0513-123456", "0513 12 34 56", "+31 20 123 4567",
    "0031-20-1234567", "088 123 4567",
])
def test_phone_forms(phone):
    assert _types(f"Bereikbaar via {phone} tijdens kantooruren.", "phone") == [phone]


@pytest.mark.parametrize("text", [
    "op 12-03-2023 besloten", "datum 2023-03-12", "een bedrag van € 1.234.567,00",
    "kenmerk 2023-0012345", "zaaknummer Z/21/123456", "Kamerstuk 35 300 XVI nr. 12",
    "kenmerk 0201234567", "tabel (0) 3 3 3 3 7 15 34",
])
def test_phone_near_misses(text):
    assert _types(text, "phone") == []


def test_address_full_and_postcode_alone():
    text = "Wonende Kerkstraat 12a, 1234 AB Amsterdam. Ook 3511LX en Van Woustraat 47-2."
    found = _types(text, "address")
    assert "Kerkstraat 12a, 1234 AB Amsterdam" in found
    assert "3511LX" in found
    assert "Van Woustraat 47-2" in found


@pytest.mark.parametrize("text, value", [
    # a street named after a title, and a place of several words, are covered whole
    ("Aanvrager woont aan de Prins Hendrikkade 48, 8437 VH Nieuwegein.", "Prins Hendrikkade 48, 8437 VH Nieuwegein"),
    ("De heer, wonende Burgemeester de Withstraat 172a, 7724 RP Ede, heeft bezwaar gemaakt.",
     "Burgemeester de Withstraat 172a, 7724 RP Ede"),
    ("Uw adres: Kerkstraat 204, 8538 JZ Alphen aan den Rijn", "Kerkstraat 204, 8538 JZ Alphen aan den Rijn"),
    ("Verzoeker is woonachtig op het adres Korte Nieuwstraat 17-II 3988 GD Bergen op Zoom.",
     "Korte Nieuwstraat 17-II 3988 GD Bergen op Zoom"),
])
def test_a_persons_address_is_found_whole(text, value):
    assert _types(text, "address") == [value]


def test_address_not_po_box_or_years():
    assert _types("Postbus 20401, 2500 EK Den Haag", "address") == []
    assert _types("Structuurvisie Amsterdam 2040 en Coalitieakkoord 2018", "address") == []


def test_birthdate_only_near_birth_words():
    assert _types("geboren op 3 april 1975 te Utrecht", "birthdate") == ["3 april 1975"]
    assert _types("Geboortedatum: 03-04-1975", "birthdate") == ["03-04-1975"]
    assert _types("geb. 1975-04-03", "birthdate") == ["1975-04-03"]
    assert _types("Het besluit van 03-04-1975 is vervallen.", "birthdate") == []


@pytest.mark.parametrize("plate", ["12-BDB-3", "GB-123-X", "XX-99-99".replace("X", "B").replace("9", "4"),
                                   "1-KBB-12", "K-123-BB"])
def test_licence_plates(plate):
    assert _types(f"Het voertuig met kenteken {plate} stond fout.", "licence_plate") == [plate]


def test_licence_plate_near_misses():
    assert _types("artikel 12-34-56 en AB-CD-EF en 2023-11-01", "licence_plate") == []


@pytest.mark.parametrize("text,name", [
    ("Geachte heer Jansen,", "Jansen"),
    ("Geachte mevrouw De Vries-Bakker,", "De Vries-Bakker"),
    ("Beste Anna,", "Anna"),
    ("Het gesprek met de heer P. de Jong verliep goed.", "P. de Jong"),
    ("Aanwezig: dhr. J.P. Balkenende en mw. Bakker", "J.P. Balkenende"),
    ("Aanwezig: dhr. J.P. Balkenende en mw. Bakker", "Bakker"),
    ("Volgens Pieter van den Berg is dat juist.", "Pieter van den Berg"),
    ("Met vriendelijke groet,\n\nDe minister van Binnenlandse Zaken,\nnamens deze,\n\nAnna Bakker\n", "Anna Bakker"),
])
def test_person_names(text, name):
    assert name in _types(text, "person_name")


@pytest.mark.parametrize("text", [
    "De minister van Volksgezondheid, Welzijn en Sport heeft besloten.",
    "Mevrouw de Voorzitter, ik dank u.",
    "Geachte heer, mevrouw,",
    "Geachte leden van de commissie,",
    "Bijlage I. Corona maatregelen",
    "Met vriendelijke groet,\n\nAutoriteit Persoonsgegevens,\n",
    "Het vermogen is 15 MW. Dit is veel.",
])
def test_roles_and_headings_are_not_names(text):
    assert _types(text, "person_name") == []


def test_overlaps_resolved_email_wins_over_name():
    found = scan_text("Mail Jan Jansen via jan.jansen@example.nl")
    assert [f.type for f in found] == ["person_name", "email"]


def test_scan_pages_numbers_pages_from_one_with_page_offsets():
    pages = ["Niets bijzonders hier.", "Bel 06-12345678 nu."]
    [f] = scan_pages(pages)
    assert (f.type, f.page, pages[1][f.start:f.end]) == ("phone", 2, "06-12345678")
    assert isinstance(f, Finding) and f.to_dict()["page"] == 2


# Law texts (issue 15): a rule's cut-off date, an organisation's address and an abbreviation in an
# organisation's name are no personal data; the same values about a person still are.
@pytest.mark.parametrize("text", [
    "hij, die geboren voor 1 januari 1921, op 1 januari 1956 als maatschappelijk werker in dienst was",
    "Personen geboren na 31 december 1960 vallen niet onder deze regeling.",
    "kinderen geboren vanaf 1 januari 2010",
])
def test_cut_off_date_in_a_rule_is_not_a_birthdate(text):
    assert _types(text, "birthdate") == []


@pytest.mark.parametrize("text, value", [
    ("Betrokkene, geboren op 3 maart 1980 te Utrecht, verzoekt om inzage.", "3 maart 1980"),
    ("Geboortedatum: 12-05-1977", "12-05-1977"),
    ("geboren 1 januari 1921 te Haarlem", "1 januari 1921"),
])
def test_birthdate_of_a_person_still_found(text, value):
    assert _types(text, "birthdate") == [value]


@pytest.mark.parametrize("text", [
    "de opleiding, verbonden aan de school voor maatschappelijk werk „Sociale Academie”,\nKarthuizerplantsoen 2 te Amsterdam.",
    "onder beheer van de Stichting Studiecentrum Katholieke Opleidingen voor het Maatschappelijk Werk,\nBatavierenweg 96–98 te Nijmegen.",
    "De Vereniging Natuurmonumenten, Kerkstraat 12, 1234 AB Utrecht, organiseert dit.",
    "Het Instituut is gevestigd aan de Kerkstraat 12 te Utrecht.",
])
def test_address_of_an_organisation_is_not_personal_data(text):
    assert _types(text, "address") == []


@pytest.mark.parametrize("text, value", [
    ("De gemeente heeft de woning aan de Kerkstraat 12 onderzocht.", "Kerkstraat 12"),
    ("De stichting schreef aan de heer Jansen, Kerkstraat 12, 1234 AB Utrecht.", "Kerkstraat 12, 1234 AB Utrecht"),
    ("Namens de vereniging: mevrouw A. de Vries, Dorpsstraat 3, 1234 AB Ede", "Dorpsstraat 3, 1234 AB Ede"),
    ("Verzoeker woont aan de Dorpsstraat 3, 1234 AB Ede.", "Dorpsstraat 3, 1234 AB Ede"),
])
def test_address_of_a_person_near_an_organisation_still_found(text, value):
    assert _types(text, "address") == [value]


@pytest.mark.parametrize("text", [
    "Stichting voor opleiding tot Sociale Arbeid te Haarlem (tezamen met de R.K. Leergangen te Tilburg).",
    "Cursus voor maatschappelijk werkers van de R.K. Leergangen te Tilburg:",
    "cijfers van het C.B.S. Statistiek tonen dit",
])
def test_abbreviation_after_an_article_is_no_person(text):
    assert _types(text, "person_name") == []


def test_initials_name_after_a_verb_still_found():
    assert _types("Ondertekend door J. Jansen en de R.K. Leergangen.", "person_name") == ["J. Jansen"]
