"""MDTO 1.0.1 sidecars: valid against the official XSD, lossless round trip, Woo vs Selectielijst kept apart."""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from woo.domain import retention, tooi
from woo.metadata import xsd
from woo.metadata.mdto import (
    LIJST_SELECTIELIJST_2020, LIJST_WOO_CATEGORIE, Begrip, BestandRecord, Betrokkene, DekkingInTijd, Event,
    Gerelateerd, Identificatie, InformatieobjectRecord, MdtoError, Termijn, Verwijzing, beperking_woo,
    apply_retention, build_bestand, build_informatieobject, parse_bestand, parse_informatieobject, to_bytes,
)

VOORBEELDEN = Path(__file__).resolve().parents[3] / "shared" / "standards" / "mdto" / "voorbeelden"
NS = {"m": xsd.MDTO_NS}
CET = timezone(timedelta(hours=1))


def minimal_io() -> InformatieobjectRecord:
    return InformatieobjectRecord(id="0b5c8a52-6b7a-4b0e-9d1b-0d2f4e8b7c11", bron="woo gemeente Amsterdam",
                                  naam="Besluit op Woo-verzoek Voorbeeldplein", archiefvormer="gm0363")


def full_io() -> InformatieobjectRecord:
    woo = tooi.category_by_label("woo_verzoeken_en_besluiten")
    publicatie = Verwijzing("Woo-besluit Voorbeeldplein", Identificatie("pub-17", "woo gemeente Amsterdam"))
    return InformatieobjectRecord(
        id="0b5c8a52-6b7a-4b0e-9d1b-0d2f4e8b7c11", bron="woo gemeente Amsterdam",
        naam="Besluit op Woo-verzoek Voorbeeldplein", archiefvormer="gm0363",
        beperkingen=[beperking_woo("deels_openbaar", ["art. 5.1 lid 2 sub e Woo"], "Namen van burgers gelakt")],
        waardering="V",
        extra_identificaties=[Identificatie("Z-2025-000123", "zaaksysteem gemeente Amsterdam")],
        aggregatieniveau="Archiefstuk",
        woo_categorie=woo.uri,
        classificaties=[Begrip("Verzoeken behandelen", "Procestypen Selectielijst 2020", "6")],
        trefwoorden=["herinrichting"],
        omschrijvingen=["Besluit op een verzoek om informatie."],
        raadpleeglocaties_online=["https://woo.example.nl/documenten/0b5c8a52/download"],
        dekking_in_tijd=[DekkingInTijd(date(2025, 3, 10), date(2025, 3, 11))],
        talen=["nl"],
        events=[Event("Creatie", date(2025, 3, 10)),
                Event("Publicatie", datetime(2025, 3, 14, 10, 22, 5, tzinfo=CET),
                      Verwijzing("Medewerker informatiebeheer"), "gepubliceerd in de Woo-index")],
        bewaartermijn=Termijn(Begrip("Afhandeling verzoek", "Afleidingswijzen brondatum"), date(2025, 3, 10),
                              "P5Y", date(2030, 3, 10)),
        selectielijst=Begrip("Ingewilligd", LIJST_SELECTIELIJST_2020, "6.1"),
        is_onderdeel_van=[publicatie],
        heeft_representatie=[Verwijzing("besluit.pdf", Identificatie("file-1", "woo gemeente Amsterdam"))],
        aanvullende_metagegevens=[Verwijzing("besluit.diwoo.xml", Identificatie("file-2", "woo gemeente Amsterdam"))],
        gerelateerd=[Gerelateerd(publicatie, Begrip("heeft bijlage", "TOOI scw_documentrelatie"))],
        betrokkenen=[Betrokkene(Begrip("Verzoeker", "Woo-rollen"), Verwijzing("Anonieme verzoeker"))],
        activiteit=Verwijzing("Woo-verzoeken behandelen"),
    )


def bestand(io: InformatieobjectRecord) -> BestandRecord:
    data = b"%PDF-1.7 test"
    return BestandRecord(id="file-1", bron="woo gemeente Amsterdam", naam="besluit.pdf", omvang=len(data),
                         pronom_puid="fmt/477", pronom_naam="PDF/A-2b",
                         checksum=hashlib.sha256(data).hexdigest(),
                         checksum_datum=datetime(2025, 3, 14, 10, 22, 5, tzinfo=CET),
                         representatie_van=io.verwijzing(), url="https://woo.example.nl/documenten/0b5c8a52/download")


@pytest.mark.parametrize("make", [minimal_io, full_io])
def test_informatieobject_validates_and_round_trips(make):
    io = make()
    el = build_informatieobject(io)
    xsd.validate_mdto(el)  # also done inside build; asserted here against the official XSD explicitly
    assert parse_informatieobject(to_bytes(el)) == io
    assert parse_informatieobject(el) == io


def test_defaults_are_nader_te_bepalen_and_open():
    el = build_informatieobject(minimal_io())
    assert el.findtext("m:informatieobject/m:waardering/m:begripCode", namespaces=NS) == "N"
    assert el.findtext("m:informatieobject/m:waardering/m:begripLabel", namespaces=NS) == "Nader te bepalen"
    assert el.findtext("m:informatieobject/m:aggregatieniveau/m:begripLabel", namespaces=NS) == "Archiefstuk"
    assert el.findtext(".//m:beperkingGebruikType/m:begripLabel", namespaces=NS) == "Geen beperking"
    av = el.find("m:informatieobject/m:archiefvormer", NS)
    ams = tooi.organisation("gm0363")
    assert av.findtext("m:verwijzingNaam", namespaces=NS) == ams.label
    assert av.findtext("m:verwijzingIdentificatie/m:identificatieKenmerk", namespaces=NS) == "gm0363"


def test_woo_category_is_classificatie_and_selectielijst_is_informatiecategorie():
    io = full_io()
    o = build_informatieobject(io).find("m:informatieobject", NS)
    woo = tooi.category_by_uri(io.woo_categorie)
    cls = o.findall("m:classificatie", NS)
    assert cls[0].findtext("m:begripCode", namespaces=NS) == woo.uri
    assert cls[0].findtext("m:begripLabel", namespaces=NS) == woo.label
    assert cls[0].findtext("m:begripBegrippenlijst/m:verwijzingNaam", namespaces=NS) == LIJST_WOO_CATEGORIE
    ic = o.find("m:informatiecategorie", NS)
    assert ic.findtext("m:begripCode", namespaces=NS) == "6.1"
    assert ic.findtext("m:begripBegrippenlijst/m:verwijzingNaam", namespaces=NS) == LIJST_SELECTIELIJST_2020
    assert o.findtext("m:bewaartermijn/m:termijnLooptijd", namespaces=NS) == "P5Y"
    # the XSD sequence: waardering before bewaartermijn before informatiecategorie before archiefvormer
    order = [etree.QName(c).localname for c in o]
    assert order.index("waardering") < order.index("bewaartermijn") < order.index("informatiecategorie") \
        < order.index("archiefvormer") < order.index("beperkingGebruik")


def test_bestand_validates_and_round_trips():
    b = bestand(full_io())
    el = build_bestand(b)
    xsd.validate_mdto(el)
    assert parse_bestand(to_bytes(el)) == b
    assert el.findtext(".//m:bestandsformaat/m:begripBegrippenlijst/m:verwijzingNaam", namespaces=NS) == \
        "PRONOM-register"
    assert el.findtext(".//m:checksumDatum", namespaces=NS) == "2025-03-14T10:22:05+01:00"


def test_refusals_in_dutch():
    io = minimal_io()
    io.archiefvormer = "gm9999"
    with pytest.raises(MdtoError, match="Archiefvormer"):
        build_informatieobject(io)
    io = minimal_io()
    io.waardering = "X"
    with pytest.raises(MdtoError, match="waardering"):
        build_informatieobject(io)
    io = minimal_io()
    io.woo_categorie = "https://example.org/geen-categorie"
    with pytest.raises(MdtoError, match="Woo-informatiecategorie"):
        build_informatieobject(io)
    io = minimal_io()
    io.beperkingen = []
    with pytest.raises(MdtoError, match="beperking"):
        build_informatieobject(io)
    b = bestand(minimal_io())
    b.checksum_algoritme = "MD5"
    with pytest.raises(MdtoError, match="SHA-256"):
        build_bestand(b)
    with pytest.raises(MdtoError, match="openbaarheid"):
        beperking_woo("geheim")


def test_xsd_violations_surface_as_schema_errors():
    io = minimal_io()
    io.bewaartermijn = Termijn(looptijd="5 jaar")  # not an xsd:duration
    with pytest.raises(xsd.SchemaValidationError, match="termijnLooptijd"):
        build_informatieobject(io)
    b = bestand(minimal_io())
    el = build_bestand(b, validate=False)
    el.find(".//m:omvang", NS).text = "veel"
    with pytest.raises(xsd.SchemaValidationError, match="omvang"):
        xsd.validate_mdto(el)


@pytest.mark.skipif(not VOORBEELDEN.exists(), reason="../shared/standards is absent here")
def test_official_examples_validate_and_parse():
    files = sorted(VOORBEELDEN.glob("MDTO-XML1.0.1-*.xml"))
    assert len(files) == 4
    for path in files:
        xsd.validate_mdto(etree.parse(str(path)))
        root = etree.parse(str(path)).getroot()
        if root.find("m:informatieobject", NS) is not None:
            io = parse_informatieobject(path.read_bytes())
            label = root.findtext("m:informatieobject/m:waardering/m:begripLabel", namespaces=NS)
            assert io.naam and io.waardering == {"Blijvend te bewaren": "B", "Tijdelijk te bewaren": "V",
                                                 "Nader te bepalen": "N"}[label]
        else:
            b = parse_bestand(path.read_bytes())
            assert b.pronom_puid == "fmt/17" and b.omvang > 0


@pytest.mark.parametrize("code,waardering", [("6.1", "V"), ("20.1.1", "B")])
def test_retention_fills_waardering_bewaartermijn_and_selectielijst(code, waardering):
    res = retention.resultaat(code)
    ret = retention.retention_for(res, date(2025, 3, 10), retention.OVERBRENGINGSTERMIJN_ARCHIEFWET_NIEUW)
    io = apply_retention(minimal_io(), res, ret, "afgehandeld")
    el = build_informatieobject(io)
    o = el.find("m:informatieobject", NS)
    assert o.findtext("m:waardering/m:begripCode", namespaces=NS) == waardering
    assert o.findtext("m:informatiecategorie/m:begripCode", namespaces=NS) == code
    if waardering == "B":
        # kept for ever: no bewaartermijn (the overbrengingstermijn is not one; an end date would read as an
        # expired retention period in an e-Depot)
        assert o.find("m:bewaartermijn", NS) is None
    else:
        assert o.findtext("m:bewaartermijn/m:termijnStartdatumLooptijd", namespaces=NS) == "2025-03-10"
        assert o.findtext("m:bewaartermijn/m:termijnEinddatum", namespaces=NS) == ret.archiefactiedatum.isoformat()
        assert o.findtext("m:bewaartermijn/m:termijnLooptijd", namespaces=NS) == ret.termijn == ret.bewaartermijn
    assert parse_informatieobject(to_bytes(el)) == io
