"""Metadata suggested from text: each extractor on generated Dutch text, determinism, bounds, the corpus."""
from __future__ import annotations

import csv
import time
from datetime import date

import pytest

from tests.corpus import CORPUS, MANIFEST, requires_corpus
from woo.domain import tooi
from woo.metadata.suggest import (FIELDS, HIGH_CONFIDENCE, Suggestion, best, effective, find_dates,
                                  organisation_by_label, parse_date, suggest_metadata)


def _soort_uri(label: str) -> str:
    return tooi.documentsoort(label).uri


def _org_uri(label: str) -> str:
    return next(o.uri for o in tooi.organisations() if o.label == label and o.active)


RAADSBESLUIT = """Gemeente Utrecht

Raadsbesluit

Besluit van de gemeenteraad van Utrecht houdende vaststelling van het Parkeerbeleid binnenstad 2025

De raad van de gemeente Utrecht,
gelezen het voorstel van burgemeester en wethouders van Utrecht van 4 februari 2025;
besluit:
vast te stellen het Parkeerbeleid binnenstad 2025.

Aldus vastgesteld in de openbare vergadering van 12 maart 2025.
De griffier,                 De voorzitter,
"""

BRIEF = """Ministerie van Volksgezondheid, Welzijn en Sport
Retouradres Postbus 20350 2500 EJ Den Haag

Aan de Voorzitter van de Tweede Kamer
der Staten-Generaal
Postbus 20018
2500 EA DEN HAAG

Datum 3 april 2024
Ons kenmerk 3812345-1067890-PDC
Onderwerp Voortgang aanpak wachtlijsten jeugdzorg

Geachte voorzitter,

Hierbij informeer ik u over de voortgang van de aanpak van wachtlijsten in de jeugdzorg, zoals
toegezegd in het debat (Kamerstuk 31 839, nr. 912).

De minister van Volksgezondheid, Welzijn en Sport,
"""

WOO_BESLUIT = """Provincie Zuid-Holland
Postbus 90602
2509 LP Den Haag

Datum 18-02-2025
Kenmerk PZH-2025-123456789
Zaaknummer Z-2024-0042

Onderwerp: Besluit op uw Woo-verzoek over de N207

Geachte heer Jansen,

Op 2 januari 2025 hebben wij uw verzoek ontvangen. Wij maken de documenten deels openbaar.
Gedeputeerde Staten van Zuid-Holland,
"""

STEMPEL = """Ingekomen stuk
Datum ontvangst: 7 november 2024
Aan de gemeenteraad van Amersfoort

Beste raadsleden,
Wij vragen u aandacht voor de bomen in het Bisschopsweg-park. Zoals besproken met de wethouder.
Met vriendelijke groet,
Bewonersvereniging Schothorst
"""

ONDERTEKEND = ("Convenant Schone Lucht\n\nDe partijen komen het volgende overeen.\n\n"
               + "Artikel 1. De partijen werken samen aan een betere luchtkwaliteit.\n" * 3
               + "\nDen Haag, 14 januari 2020\n\nDe staatssecretaris van Infrastructuur en Waterstaat,\n")


def _get(suggestions, field):
    found = best(suggestions, field)
    assert found is not None, f"no {field} in {[s.field for s in suggestions]}"
    return found


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("text,expected", [
    ("3 maart 2025", date(2025, 3, 3)), ("03-03-2025", date(2025, 3, 3)), ("2025-03-03", date(2025, 3, 3)),
    ("3.3.2025", date(2025, 3, 3)), ("12 mrt. 2024", date(2024, 3, 12)), ("1 Oktober 1999", date(1999, 10, 1)),
    ("woensdag 14 juni 2023", date(2023, 6, 14)), ("1e december 2021", date(2021, 12, 1)),
])
def test_parses_dutch_and_iso_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31 februari 2025", "13-13-2025", "maart 2025", "Bijlage 3", "", None,
                                  "3 maart 2025 en 4 maart 2025"])
def test_rejects_what_is_not_one_date(text):
    assert parse_date(text) is None


def test_finds_dates_with_positions():
    text = "Vergadering van 4 juni 2024, vervolg op 2024-06-11 en niet op 99-99-2024."
    found = list(find_dates(text))
    assert [d for d, _, _ in found] == [date(2024, 6, 4), date(2024, 6, 11)]
    assert text[found[0][1]:found[0][2]] == "4 juni 2024"


def test_vaststelling_from_aldus_vastgesteld():
    s = _get(suggest_metadata(RAADSBESLUIT), "date.vaststelling")
    assert s.value == "2025-03-12" and s.confidence >= HIGH_CONFIDENCE
    assert "12 maart 2025" in s.evidence


def test_letter_date_is_creatie_and_place_date_is_ondertekening():
    brief = suggest_metadata(BRIEF)
    assert _get(brief, "date.creatie").value == "2024-04-03"
    # a signed letter's letterhead date is its ondertekening; "Den Haag" in an address line is no signature
    signed = _get(brief, "date.ondertekening")
    assert signed.value == "2024-04-03" and "Datum 3 april 2024" in signed.evidence
    signed = _get(suggest_metadata(ONDERTEKEND), "date.ondertekening")
    assert signed.value == "2020-01-14" and "Den Haag, 14 januari 2020" in signed.evidence


def test_ontvangst_from_a_stamp_not_from_a_request_received():
    assert _get(suggest_metadata(STEMPEL), "date.ontvangst").value == "2024-11-07"
    # "hebben wij uw verzoek ontvangen" is about the request, not about this letter
    assert best(suggest_metadata(WOO_BESLUIT), "date.ontvangst") is None
    answer = "Antwoord van minister De Vries (ontvangen 21 juni 2021).\nVraag 1\nKlopt het dat …"
    assert _get(suggest_metadata(answer), "date.ontvangst").value == "2021-06-21"


def test_numeric_letter_date():
    assert _get(suggest_metadata(WOO_BESLUIT), "date.creatie").value == "2025-02-18"


# --------------------------------------------------------------------------- title


def test_title_from_subject_line_and_from_decree_heading():
    assert _get(suggest_metadata(BRIEF), "title").value == "Voortgang aanpak wachtlijsten jeugdzorg"
    decree = ("<meta http-equiv='Content-Type' content='text/html' />\n\n##Besluit van 16 juni 2011, nr. 11.001442, "
              "houdende instelling van het Adviescollege toetsing regeldruk (Instellingsbesluit ATR 2011)\n\n"
              "Wij Beatrix, bij de gratie Gods, Koningin der Nederlanden,\n")
    s = _get(suggest_metadata(decree), "title")
    assert s.value.startswith("Besluit van 16 juni 2011") and "houdende" in s.value and s.confidence >= 0.85
    assert _get(suggest_metadata(decree), "date.vaststelling").value == "2011-06-16"


def test_pdf_title_property_counts_more_when_the_text_repeats_it():
    text = "Jaarverslag Omgevingsdienst Noord 2023\n\nInleiding\nIn 2023 hebben wij veel gedaan."
    seen = _get(suggest_metadata(text, properties={"title": "Jaarverslag Omgevingsdienst Noord 2023"}), "title")
    unseen = _get(suggest_metadata("Inleiding\nIn 2023 hebben wij veel gedaan.",
                                   properties={"title": "Jaarverslag Omgevingsdienst Noord 2023"}), "title")
    assert seen.value == unseen.value == "Jaarverslag Omgevingsdienst Noord 2023"
    assert seen.confidence > unseen.confidence


def test_template_leftovers_are_no_title():
    props = {"title": "Microsoft Word - 20110301_5687928a draagmoederschap.doc"}
    titles = [s.value for s in suggest_metadata("Onderwerp Draagmoederschap\n\nGeachte voorzitter,",
                                                properties=props) if s.field == "title"]
    assert titles == ["Draagmoederschap"]


def test_heading_lines_skip_page_numbers_and_addresses():
    text = "Pagina 1 van 3\nPostbus 100\n1000 AA Amsterdam\n\nOnderzoek naar de\nbereikbaarheid van\nhet stadhuis\n\nSamenvatting\n..."
    assert _get(suggest_metadata(text), "title").value == "Onderzoek naar de bereikbaarheid van het stadhuis"


# --------------------------------------------------------------------------- documentsoort


@pytest.mark.parametrize("text,label", [
    (WOO_BESLUIT, "beslissing op Wob-/Woo-verzoek"),
    (RAADSBESLUIT, "besluit"),
    ("Motie\n\nDatum raadsvergadering 2 december 2021\nMotie van de leden Jansen en De Boer inzake fietsparkeren\n", "motie"),
    ("Verslag bestuurlijk overleg wind\nWoensdag 10 juli 2024\nAanwezig: ...", "vergaderverslag"),
    (BRIEF, "Kamerbrief"),
    ("Onderwerp: Omgevingsvergunning dakkapel Kerkstraat 12\n\nGeachte aanvrager,", "vergunning"),
])
def test_documentsoort_from_title_and_heading(text, label):
    s = _get(suggest_metadata(text), "documentsoort")
    assert s.value == _soort_uri(label) and s.label == tooi.documentsoort(label).label
    assert s.value in {c.uri for c in tooi.documentsoorten()}  # always a URI from the TOOI list


def test_a_letter_without_a_named_kind_is_a_brief_with_low_confidence():
    s = _get(suggest_metadata("Geachte mevrouw Smit,\n\nDank voor uw vraag over de kermis.\n"), "documentsoort")
    assert s.value == _soort_uri("brief") and s.confidence < 0.6


# --------------------------------------------------------------------------- organisation


@pytest.mark.parametrize("text,label", [
    (RAADSBESLUIT, "gemeente Utrecht"),
    (BRIEF, "ministerie van Volksgezondheid, Welzijn en Sport"),
    (WOO_BESLUIT, "provincie Zuid-Holland"),
    ("Gedeputeerde Staten van Zuid-Holland besluiten het volgende.", "provincie Zuid-Holland"),
    ("Burgemeester en wethouders van Rheden maken bekend dat een vergunning is verleend.", "gemeente Rheden"),
])
def test_organisation_from_names_and_their_bodies(text, label):
    s = _get(suggest_metadata(text), "organisation")
    assert s.value == _org_uri(label) and s.label == label


def test_the_addressee_is_not_the_author():
    s = _get(suggest_metadata(BRIEF), "organisation")
    assert s.label != "Tweede Kamer"


def test_one_word_register_names_only_as_written():
    # "Stark" and "Politie" are organisations in the TOOI registers; ordinary words in running text are not
    assert best(suggest_metadata("de politie kwam langs en de stark verhoogde kosten"), "organisation") is None


def test_organisation_by_label_uri_code_and_alias():
    utrecht = _org_uri("gemeente Utrecht")
    assert organisation_by_label("gemeente Utrecht").uri == utrecht
    assert organisation_by_label("GEMEENTE  utrecht").uri == utrecht
    assert organisation_by_label(utrecht).uri == utrecht
    assert organisation_by_label(tooi.organisation(utrecht).code).uri == utrecht
    assert organisation_by_label("Minister van Volksgezondheid, Welzijn en Sport").label.startswith("ministerie")
    assert organisation_by_label("Gemeente Nergenshuizen") is None


# --------------------------------------------------------------------------- identifiers


def test_kenmerken_and_zaaknummer_but_not_uw_kenmerk():
    values = {s.value for s in suggest_metadata(WOO_BESLUIT + "\nUw kenmerk ABC-999-77\n") if s.field == "identifiers"}
    assert {"PZH-2025-123456789", "Z-2024-0042"} <= values
    assert "ABC-999-77" not in values


def test_kamerstuk_numbers():
    footer = "Tweede Kamer, vergaderjaar 2018–2019, 35 200, nr. 1\n"
    ids = [s for s in suggest_metadata("Financieel jaarverslag\n" + footer) if s.field == "identifiers"]
    assert ids[0].value == "Kamerstuk 35 200 nr. 1" and ids[0].confidence >= HIGH_CONFIDENCE
    cited = [s for s in suggest_metadata(BRIEF) if s.field == "identifiers" and s.value.startswith("Kamerstuk")]
    assert cited and cited[0].value == "Kamerstuk 31 839 nr. 912" and cited[0].confidence < HIGH_CONFIDENCE


@pytest.mark.parametrize("text, expected", [
    ("Jaarverslag\nTWEEDE KAMER, VERGADERJAAR 2018–2019, 35 200, nr. 1\n", "Kamerstuk 35 200 nr. 1"),
    ("Brief\nKamerstukken\n35 925\nnr. 7\n", "Kamerstuk 35 925 nr. 7"),
    ("Zoals eerder gemeld (KAMERSTUK 31 839, nr. 912).", "Kamerstuk 31 839 nr. 912"),
    ("Verordening\nCVDR654321_2\n", "CVDR654321_2"),
    ("Plan\nNL.IMRO.0344.BPWEST-VA01\n", "NL.IMRO.0344.BPWEST-VA01"),
    ("Uitspraak ECLI:NL:RVS:2024:1234 van de Afdeling.", "ECLI:NL:RVS:2024:1234"),
    ("Gelet op BWBR0005537 (Awb).", "BWBR0005537"),
    ("Aanvraag\nolo-nummer: 1234567\n", "OLO 1234567"),
])
def test_gated_identifier_rules_still_find_their_identifier(text, expected):
    # Each rule behind a literal gate (the gates of suggest._ID_RULES), in the spelling the gate must let through.
    values = {s.value for s in suggest_metadata(text) if s.field == "identifiers"}
    assert expected in values


def test_identifiers_in_links_cite_other_documents():
    text = "##Regeling\n\nGelet op [artikel 4](../../wet/BWBR0005537/README.md) van de Awb;\nCVDR123456_1\n"
    values = {s.value for s in suggest_metadata(text) if s.field == "identifiers"}
    assert "CVDR123456_1" in values and "BWBR0005537" not in values


# --------------------------------------------------------------------------- shape, bounds, determinism


def test_every_suggestion_is_well_formed_and_deterministic():
    for text in (RAADSBESLUIT, BRIEF, WOO_BESLUIT, STEMPEL, ONDERTEKEND):
        first = suggest_metadata(text)
        assert first == suggest_metadata(text)
        assert first, text[:40]
        for s in first:
            assert isinstance(s, Suggestion) and s.field in FIELDS
            assert 0.0 <= s.confidence <= 1.0 and s.reason and isinstance(s.value, str) and s.value
        assert len({s.field for s in first if s.field != "identifiers"}) == \
            len([s for s in first if s.field != "identifiers"])  # one suggestion per field
        assert set(first[0].as_dict()) == {"field", "value", "confidence", "reason", "evidence", "label"}


def test_empty_and_odd_text():
    assert suggest_metadata("") == []
    assert isinstance(suggest_metadata("\x00\n\n|||\n" * 50), list)


def test_reads_a_bounded_window_fast():
    filler = "Dit is een alinea over het beleid van de gemeente Utrecht in 2024. " * 30_000  # ~2 MB
    text = BRIEF + filler + "\n\nDen Haag, 9 mei 2024\n\nDe minister,\n"
    start = time.perf_counter()
    result = suggest_metadata(text)
    assert time.perf_counter() - start < 2.0
    assert _get(result, "date.ondertekening").value == "2024-05-09"  # the tail is read
    assert _get(result, "title").value == "Voortgang aanpak wachtlijsten jeugdzorg"


def test_effective_prefers_confirmed_then_confident_suggestions():
    meta = {"suggested": [s.as_dict() for s in suggest_metadata(RAADSBESLUIT)]}
    assert effective(meta, "date.vaststelling") == "2025-03-12"
    assert effective(meta, "date.ontvangst") is None
    assert effective(meta, "date.vaststelling", threshold=1.01) is None
    meta["confirmed"] = {"date.vaststelling": "2025-03-13"}
    assert effective(meta, "date.vaststelling") == "2025-03-13"


# --------------------------------------------------------------------------- the corpus


@requires_corpus
def test_corpus_coverage(capsys):
    """How many corpus documents get a title, a date, an organisation: reported, with a floor."""
    from woo.intake.extract import ExtractionError, extract_text

    rows = list(csv.DictReader(MANIFEST.open(encoding="utf-8")))
    found: dict[str, int] = {f: 0 for f in FIELDS}
    confident: dict[str, int] = {f: 0 for f in FIELDS}
    docs = dated = 0
    for row in rows:
        try:
            ex = extract_text(CORPUS / row["path"], ocr=False)
        except ExtractionError:
            continue
        docs += 1
        result = suggest_metadata(ex.text, filename=row["path"], properties=ex.properties)
        for field in {s.field for s in result}:
            found[field] += 1
        for field in {s.field for s in result if s.confidence >= HIGH_CONFIDENCE}:
            confident[field] += 1
        dated += any(s.field.startswith("date.") for s in result)
    with capsys.disabled():
        print(f"\nmetadata suggestions on {docs} corpus documents (found / at least {HIGH_CONFIDENCE}):")
        for f in FIELDS:
            print(f"  {f:20} {found[f]:3d} / {confident[f]:3d}")
        print(f"  {'any date':20} {dated:3d}")
    assert found["title"] >= 0.9 * docs
    assert found["organisation"] >= 0.75 * docs
    assert found["documentsoort"] >= 0.6 * docs
    assert dated >= 0.8 * docs


def test_vastgesteld_deep_in_the_body_is_about_another_document():
    body = ("Toelichting bestemmingsplan\n\n" + "Het plangebied ligt aan de rand van het dorp. " * 80
            + "\nHet plan sluit aan op het bestemmingsplan Dorp, vastgesteld op 6 juni 2011.\n"
            + "Het plangebied ligt aan de rand van het dorp. " * 80)
    s = best(suggest_metadata(body), "date.vaststelling")
    assert s is not None and s.value == "2011-06-06" and s.confidence < HIGH_CONFIDENCE
    closing = body + "\nAldus vastgesteld in de openbare vergadering van 3 oktober 2016.\n"
    assert _get(suggest_metadata(closing), "date.vaststelling").value == "2016-10-03"


def test_imro_id_names_the_municipality():
    text = ("Bestemmingsplan Centrum\nIMRO-idn: NL.IMRO.0344.BPCENTRUM-ON01\nStatus: ontwerp\n\n"
            "Het waterschap Hollandse Delta en het waterschap Hollandse Delta gaven advies.")
    s = _get(suggest_metadata(text), "organisation")
    assert s.value == tooi.organisation("0344").uri


LETTER_HEAD = """Gemeente Utrecht
Postbus 16200
3500 CE Utrecht

Ons kenmerk: 2024-0815
Datum: 12 maart 2024
Onderwerp: uw aanvraag om een bijdrage

Geachte heer Jansen,

Op 1 februari 2024 hebben wij uw brief van 28 januari 2024 ontvangen. Wij hebben besloten u een
bijdrage toe te kennen. Het bedrag wordt binnen vier weken overgemaakt.

Met vriendelijke groet,

Burgemeester en wethouders van Utrecht,
de secretaris,          de burgemeester,
"""


def test_a_signed_letters_header_date_is_its_ondertekening_without_asking():
    result = suggest_metadata(LETTER_HEAD)
    signed = _get(result, "date.ondertekening")
    assert signed.value == "2024-03-12" and signed.confidence >= HIGH_CONFIDENCE
    assert "briefhoofd" in signed.reason and "12 maart 2024" in signed.evidence
    assert effective({"suggested": [s.as_dict() for s in result]}, "date.ondertekening") == "2024-03-12"
    # "Utrecht, 12 maart 2024" above the salutation, as many letters are dated
    placed = LETTER_HEAD.replace("Datum: 12 maart 2024\n", "").replace("Geachte", "Utrecht, 12 maart 2024\n\nGeachte")
    assert _get(suggest_metadata(placed), "date.ondertekening").value == "2024-03-12"


def test_no_ondertekening_from_a_header_date_without_a_letter():
    unsigned = LETTER_HEAD.split("Met vriendelijke groet")[0]  # no signature: a memo or a draft
    assert best(suggest_metadata(unsigned), "date.ondertekening") is None
    assert _get(suggest_metadata(unsigned), "date.creatie").value == "2024-03-12"
    # a date below the salutation is about something else ("uw brief van 28 januari 2024")
    undated = LETTER_HEAD.replace("Datum: 12 maart 2024\n", "")
    assert best(suggest_metadata(undated), "date.ondertekening") is None
    # an e-mail's Datum: is when that message (often a forward) was sent
    mail = ("Van: Klachtencentrum\nAan: J. Jansen\nDatum: woensdag 8 december 2021 16:42:57\nOnderwerp: uw klacht\n\n"
            "Geachte heer Jansen,\n\nWij hebben uw klacht behandeld.\n\nMet vriendelijke groet,\nKlachtencentrum\n")
    assert best(suggest_metadata(mail), "date.ondertekening") is None
