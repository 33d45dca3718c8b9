"""DiWoo 0.9.8 builder: output validates against the official XSD, round-trips, rejects non-TOOI values."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from woo.domain import tooi
from woo.metadata import xsd
from woo.metadata.diwoo import (
    DiwooError, DiwooRecord, DocRef, Handeling, Relatie, build_diwoo_document, build_sitemap_url,
    parse_diwoo_document,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "standards" / "diwoo" / "examples"
NS = {"diwoo": xsd.DIWOO_NS, "sm": xsd.SITEMAP_NS}
CET = timezone(timedelta(hours=1))


def _cat(slug):
    return tooi.category_by_label(slug).uri


def minimal() -> DiwooRecord:
    return DiwooRecord(
        publisher="gm0363",
        officiele_titel="Besluit op Woo-verzoek over het Voorbeeldplein",
        informatiecategorieen=[_cat("woo_verzoeken_en_besluiten")],
        documenthandelingen=[Handeling("vaststelling", date(2025, 3, 10))],
    )


def full() -> DiwooRecord:
    ams = tooi.organisation("gm0363").uri
    return DiwooRecord(
        publisher=ams,
        officiele_titel="Besluit op Woo-verzoek over het Voorbeeldplein",
        informatiecategorieen=[_cat("woo_verzoeken_en_besluiten"), _cat("beschikkingen")],
        documenthandelingen=[
            Handeling(tooi.documenthandeling("vaststelling").uri, datetime(2025, 3, 10, 0, 0, tzinfo=CET), ams),
            Handeling(tooi.documenthandeling("ondertekening").uri, datetime(2025, 3, 11, 9, 30, tzinfo=CET)),
        ],
        identifiers=["Z-2025-000123", "0b5c8a52-6b7a-4b0e-9d1b-0d2f4e8b7c11"],
        verantwoordelijke=ams,
        medeverantwoordelijken=[tooi.organisation("gm0599").uri],
        opsteller=ams,
        naam_opsteller="Afdeling Juridische Zaken",
        verkorte_titels=["Woo-besluit Voorbeeldplein"],
        alternatieve_titels=["Besluit Voorbeeldplein"],
        omschrijvingen=["Besluit op een verzoek om informatie; gedeeltelijk openbaar."],
        documentsoorten=[tooi.documentsoorten()[0].uri],
        themas=[tooi.thema("afval").uri],
        trefwoorden=["herinrichting", "plein"],
        creatiedatum=date(2025, 3, 10),
        geldig_van=datetime(2025, 3, 12, 0, 0, tzinfo=CET),
        geldig_tot=datetime(2026, 3, 12, 0, 0, tzinfo=CET),
        language=tooi.taal("NLD").uri,
        format=tooi.bestandsformaat_by_extension("pdf").uri,
        aggregatiekenmerk="Z-2025-000123",
        is_part_of=DocRef("https://woo.example.nl/documenten/1/download", "Woo-besluit Voorbeeldplein"),
        has_parts=[DocRef("https://woo.example.nl/documenten/3/download", "Inventarislijst")],
        documentrelaties=[Relatie(tooi.documentrelatie("heeft bijlage").uri,
                                  DocRef("https://woo.example.nl/documenten/3/download", "Inventarislijst"))],
        reden_verwijdering=tooi.redenen_verwijdering()[0].uri,
        file_url="https://woo.example.nl/documenten/2/download",
        lastmod=datetime(2025, 3, 14, 10, 22, 5, tzinfo=CET),
        size=123456,
    )


def test_minimal_record_validates_and_resolves_codes():
    el = build_diwoo_document(minimal())
    xsd.validate_diwoo(el)
    pub = el.find("diwoo:DiWoo/diwoo:publisher", NS)
    ams = tooi.organisation("gm0363")
    assert pub.get("resource") == ams.uri and pub.text == ams.label
    # a bare date becomes midnight Amsterdam time with an offset (xs:dateTime needs one to be unambiguous)
    at = el.find(".//diwoo:atTime", NS).text
    assert at == "2025-03-10T00:00:00+01:00"
    cat = el.find(".//diwoo:informatiecategorie", NS)
    assert cat.text == "Woo-verzoeken en -besluiten"


def test_full_record_validates_and_round_trips():
    rec = full()
    url = build_sitemap_url(rec)
    xsd.validate_diwoo(url)
    assert url.find("sm:loc", NS).text == rec.file_url
    assert url.find("sm:lastmod", NS).text == "2025-03-14T10:22:05+01:00"
    parsed = parse_diwoo_document(etree.tostring(url))
    assert parsed == rec
    # every DiWoo child element we emit appears once, so nothing silently dropped
    names = {etree.QName(c).localname for c in url.find(".//diwoo:DiWoo", NS)}
    assert {"identifiers", "publisher", "verantwoordelijke", "medeverantwoordelijken", "opsteller",
            "naamOpsteller", "titelcollectie", "omschrijvingen", "classificatiecollectie", "creatiedatum",
            "geldigheid", "language", "format", "aggregatiekenmerk", "isPartOf", "hasParts",
            "documenthandelingen", "documentrelaties", "redenVerwijderingVervanging"} == names


@pytest.mark.parametrize("field,value,fragment", [
    ("publisher", "gm9999", "Publicerende organisatie"),
    ("informatiecategorieen", ["https://example.org/categorie"], "Informatiecategorie"),
    ("informatiecategorieen", [], "informatiecategorie is verplicht"),
    ("documenthandelingen", [Handeling("publicatie", date(2025, 1, 1))], "Documenthandeling"),
    ("format", "image/png", "Bestandsformaat"),
    ("reden_verwijdering", "ik wil het niet meer", "Reden"),
    ("officiele_titel", "  ", "titel"),
])
def test_unknown_or_missing_values_are_refused_in_dutch(field, value, fragment):
    rec = minimal()
    setattr(rec, field, value)
    with pytest.raises(DiwooError, match=fragment):
        build_diwoo_document(rec)


def test_schema_errors_are_reported_with_the_schema_messages():
    el = build_diwoo_document(minimal())
    d = el.find("diwoo:DiWoo", NS)
    d.remove(d.find("diwoo:publisher", NS))
    with pytest.raises(xsd.SchemaValidationError) as err:
        xsd.validate_diwoo(el)
    assert "DiWoo 0.9.8" in str(err.value) and "publisher" in str(err.value)
    assert err.value.messages
    # a date where the XSD wants a dateTime is caught by the schema itself
    el = build_diwoo_document(minimal())
    el.find(".//diwoo:atTime", NS).text = "2025-03-10"
    with pytest.raises(xsd.SchemaValidationError, match="atTime"):
        xsd.validate_diwoo(el)
    with pytest.raises(xsd.SchemaValidationError, match="geen diwoo:Document"):
        xsd.validate_diwoo(b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>")


@pytest.mark.skipif(not EXAMPLES.exists(), reason="../shared/standards is absent here")
def test_official_examples_validate_and_survive_parse_build():
    for path in sorted(EXAMPLES.glob("*sitemap-diwoo*.xml")):
        tree = etree.parse(str(path))
        xsd.validate_diwoo(tree)
        for url in tree.getroot().findall("sm:url", NS):
            rec = parse_diwoo_document(url)
            rebuilt = build_sitemap_url(rec)
            xsd.validate_diwoo(rebuilt)
            assert parse_diwoo_document(rebuilt) == rec
