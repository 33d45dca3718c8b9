"""MDTO-XML 1.0.1 sidecars (Nationaal Archief) for archived records and their files.

``build_informatieobject`` and ``build_bestand`` write one complete ``<MDTO>`` document each, in the XSD's
sequence order, and validate it; ``parse_informatieobject``/``parse_bestand`` read them back into the same
records, so the database can be rebuilt from the bucket alone (``parse(build(x)) == x``).

Begrippenlijsten are named as in the official MDTO examples; where MDTO has no list for a Woo notion
(the Woo category, Woo openbaarheid) we use our own documented list names (MDTO-Conform allows open
begrippenlijsten when documented). Never confuse:
  * ``classificatie``       = the Woo information category (TOOI list), and
  * ``informatiecategorie`` = the Selectielijst resultaat that grounds the bewaartermijn.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

from woo.domain import tooi
from woo.domain.retention import SELECTIELIJST, Resultaat, Retention
from woo.domain.text import xml_text
from woo.metadata.xsd import MDTO_NS, validate_mdto

__all__ = [
    "Identificatie", "Verwijzing", "Begrip", "Termijn", "DekkingInTijd", "Event", "Gerelateerd", "Betrokkene",
    "BeperkingGebruik", "InformatieobjectRecord", "BestandRecord", "MdtoError",
    "build_informatieobject", "build_bestand", "parse_informatieobject", "parse_bestand", "to_bytes",
    "waardering_begrip", "woo_categorie_begrip", "beperking_woo", "archiefvormer_verwijzing",
    "selectielijst_begrip", "bewaartermijn_termijn", "apply_retention",
    "LIJST_AGGREGATIENIVEAU", "LIJST_WAARDERING", "LIJST_EVENTTYPE", "LIJST_BEPERKINGEN", "LIJST_CHECKSUM",
    "LIJST_PRONOM", "LIJST_WOO_CATEGORIE", "LIJST_WOO_OPENBAARHEID", "LIJST_SELECTIELIJST_2020",
    "WAARDERINGEN",
]

# Names of begrippenlijsten as the official MDTO 1.0.1 examples write them.
LIJST_AGGREGATIENIVEAU = "Begrippenlijst Aggregatieniveaus MDTO"
LIJST_WAARDERING = "Begrippenlijst Waarderingen MDTO"
LIJST_EVENTTYPE = "Begrippenlijst EventTypeLijst MDTO"
LIJST_BEPERKINGEN = "Begrippenlijst Beperkingen MDTO"
LIJST_CHECKSUM = "Begrippenlijst ChecksumAlgoritme MDTO"
LIJST_PRONOM = "PRONOM-register"
LIJST_SELECTIELIJST_2020 = SELECTIELIJST
# Our own, documented lists (MDTO has none for these Woo notions).
LIJST_WOO_CATEGORIE = "TOOI-waardelijst scw_woo_informatiecategorieen (Woo art. 3.3)"
LIJST_WOO_OPENBAARHEID = "Woo-openbaarheid (hoofdstuk 5 Woo)"
LIJST_RELATIE = "Woo-documentrelaties (TOOI scw_documentrelatie)"
DEKKING_TYPE = "Datum van het document"

WAARDERINGEN = {"B": "Blijvend te bewaren", "V": "Tijdelijk te bewaren", "N": "Nader te bepalen"}


class MdtoError(ValueError):
    """A record cannot be written as MDTO (Dutch message for records officers)."""


# --------------------------------------------------------------------------- value objects (MDTO types)


@dataclass(frozen=True)
class Identificatie:
    kenmerk: str
    bron: str


@dataclass(frozen=True)
class Verwijzing:
    naam: str
    identificatie: Identificatie | None = None


@dataclass(frozen=True)
class Begrip:
    label: str
    lijst: str  # begrippenlijst name
    code: str | None = None


@dataclass(frozen=True)
class Termijn:
    trigger: Begrip | None = None
    startdatum: date | None = None
    looptijd: str | None = None  # ISO-8601 duration, e.g. "P5Y"
    einddatum: date | str | None = None  # date, or "2030"/"2030-05" (gYear/gYearMonth)


@dataclass(frozen=True)
class DekkingInTijd:
    begin: date | str
    eind: date | str | None = None
    type: Begrip = Begrip(DEKKING_TYPE, "Begrippenlijst dekkingInTijd Woo")


@dataclass(frozen=True)
class Event:
    type: str  # label from the EventTypeLijst: Creatie, Ontvangst, Publicatie, Migratie, Vernietiging ...
    tijd: datetime | date | str | None = None
    actor: Verwijzing | None = None
    resultaat: str | None = None
    lijst: str = LIJST_EVENTTYPE


@dataclass(frozen=True)
class Gerelateerd:
    verwijzing: Verwijzing
    type_relatie: Begrip


@dataclass(frozen=True)
class Betrokkene:
    type_relatie: Begrip
    actor: Verwijzing


@dataclass(frozen=True)
class BeperkingGebruik:
    type: Begrip
    nadere_beschrijving: str | None = None
    documentatie: tuple[Verwijzing, ...] = ()
    termijn: Termijn | None = None


# --------------------------------------------------------------------------- records


@dataclass
class InformatieobjectRecord:
    id: str  # our identifier (document UUID)
    bron: str  # identificatieBron: the system that issued ``id``
    naam: str  # official title
    archiefvormer: str  # TOOI organisation code (gm0363) or URI
    beperkingen: list[BeperkingGebruik] = field(default_factory=lambda: [beperking_woo("openbaar")])
    waardering: str = "N"  # B / V / N (Nader te bepalen until a Selectielijst resultaat is chosen)
    extra_identificaties: list[Identificatie] = field(default_factory=list)  # zaak, DMS number ...
    aggregatieniveau: str = "Archiefstuk"
    woo_categorie: str | None = None  # TOOI category URI -> classificatie
    classificaties: list[Begrip] = field(default_factory=list)  # further classificatie begrippen
    trefwoorden: list[str] = field(default_factory=list)
    omschrijvingen: list[str] = field(default_factory=list)
    raadpleeglocaties_online: list[str] = field(default_factory=list)
    dekking_in_tijd: list[DekkingInTijd] = field(default_factory=list)
    talen: list[str] = field(default_factory=list)  # xsd:language ("nl")
    events: list[Event] = field(default_factory=list)
    bewaartermijn: Termijn | None = None
    selectielijst: Begrip | None = None  # -> informatiecategorie (Selectielijst resultaat)
    is_onderdeel_van: list[Verwijzing] = field(default_factory=list)
    bevat_onderdeel: list[Verwijzing] = field(default_factory=list)
    heeft_representatie: list[Verwijzing] = field(default_factory=list)  # the bestanden
    aanvullende_metagegevens: list[Verwijzing] = field(default_factory=list)  # e.g. the DiWoo XML bestand
    gerelateerd: list[Gerelateerd] = field(default_factory=list)
    betrokkenen: list[Betrokkene] = field(default_factory=list)
    activiteit: Verwijzing | None = None

    def verwijzing(self) -> Verwijzing:
        """How a bestand or another object points at this one."""
        return Verwijzing(self.naam, Identificatie(self.id, self.bron))


@dataclass
class BestandRecord:
    id: str
    bron: str
    naam: str  # file name
    omvang: int  # bytes
    pronom_puid: str  # "fmt/477"
    pronom_naam: str  # "PDF/A-2b"
    checksum: str  # hex digest
    checksum_datum: datetime
    representatie_van: Verwijzing  # the informatieobject
    checksum_algoritme: str = "SHA-256"
    url: str | None = None


# --------------------------------------------------------------------------- helpers for callers


def waardering_begrip(code: str) -> Begrip:
    code = (code or "N").upper()
    if code not in WAARDERINGEN:
        raise MdtoError(f"Onbekende waardering '{code}': kies B (blijvend), V (vernietigen) of N (nader te bepalen).")
    return Begrip(WAARDERINGEN[code], LIJST_WAARDERING, code)


def woo_categorie_begrip(uri: str) -> Begrip:
    cat = tooi.category_by_uri(uri)
    if cat is None:
        raise MdtoError(f"'{uri}' is geen Woo-informatiecategorie uit de TOOI-lijst.")
    return Begrip(cat.label, LIJST_WOO_CATEGORIE, cat.uri)


def beperking_woo(openbaarheid: str, gronden: list[str] | None = None,
                  toelichting: str | None = None) -> BeperkingGebruik:
    """Openbaarheid per Woo: ``openbaar`` (MDTO's own "Geen beperking"), ``deels_openbaar`` or
    ``niet_openbaar`` with the weigeringsgronden (e.g. "art. 5.1 lid 2 sub e Woo") as description."""
    key = openbaarheid.strip().lower().replace(" ", "_").replace("-", "_")
    if key == "openbaar":
        return BeperkingGebruik(Begrip("Geen beperking", LIJST_BEPERKINGEN), toelichting)
    labels = {"deels_openbaar": "Deels openbaar (Woo)", "niet_openbaar": "Niet openbaar (Woo)"}
    if key not in labels:
        raise MdtoError(f"Onbekende openbaarheid '{openbaarheid}': kies openbaar, deels_openbaar of niet_openbaar.")
    parts = []
    if gronden:
        parts.append("Weigeringsgronden: " + "; ".join(gronden))
    if toelichting:
        parts.append(toelichting)
    return BeperkingGebruik(Begrip(labels[key], LIJST_WOO_OPENBAARHEID, key), ". ".join(parts) or None)


def archiefvormer_verwijzing(code_or_uri: str) -> Verwijzing:
    org = tooi.organisation(code_or_uri)
    if org is None:
        raise MdtoError(f"Archiefvormer '{code_or_uri}' is geen organisatie uit de TOOI-registers.")
    return Verwijzing(org.label, Identificatie(org.code, org.register))


def selectielijst_begrip(res: Resultaat) -> Begrip:
    """The Selectielijst resultaat as MDTO ``informatiecategorie`` (code = volledig nummer)."""
    return Begrip(res.label, LIJST_SELECTIELIJST_2020, res.code)


TRIGGER_LIJST = "Afleidingswijzen brondatum archiefprocedure (ZGW)"


def bewaartermijn_termijn(ret: Retention, trigger: str | None = None) -> Termijn | None:
    """MDTO ``bewaartermijn`` of a V record: start = brondatum, looptijd = the Selectielijst bewaartermijn,
    einddatum = archiefactiedatum (the destruction date). None for a B record: MDTO 1.0.1 defines
    bewaartermijn as the term the selectielijst gives for keeping the record, and a B record is kept for
    ever; its overbrengingstermijn (20 years, Archiefwet 1995) is not a bewaartermijn, and MDTO has no
    element for it, so it is left out (an e-Depot would read an end date as an expired retention)."""
    if ret.waardering != "V":
        return None
    return Termijn(Begrip(trigger, TRIGGER_LIJST) if trigger else None, ret.brondatum, ret.bewaartermijn or ret.termijn,
                   ret.archiefactiedatum)


def apply_retention(io: InformatieobjectRecord, res: Resultaat, ret: Retention | None,
                    trigger: str | None = None) -> InformatieobjectRecord:
    """Fill waardering, informatiecategorie and (for V, when computed) bewaartermijn from the Selectielijst."""
    io.waardering = res.waardering or "N"
    io.selectielijst = selectielijst_begrip(res)
    io.bewaartermijn = bewaartermijn_termijn(ret, trigger) if ret else None
    return io


# --------------------------------------------------------------------------- writing


def _q(name: str) -> str:
    return f"{{{MDTO_NS}}}{name}"


def _sub(parent, name: str, text: str | None = None):
    el = etree.SubElement(parent, _q(name))
    if text is not None:
        el.text = xml_text(text)  # what XML 1.0 cannot carry is dropped, never a failed sidecar (domain.text)
    return el


def _w_ident(parent, name: str, i: Identificatie) -> None:
    el = _sub(parent, name)
    _sub(el, "identificatieKenmerk", i.kenmerk)
    _sub(el, "identificatieBron", i.bron)


def _w_verwijzing(parent, name: str, v: Verwijzing) -> None:
    el = _sub(parent, name)
    _sub(el, "verwijzingNaam", v.naam)
    if v.identificatie:
        _w_ident(el, "verwijzingIdentificatie", v.identificatie)


def _w_begrip(parent, name: str, b: Begrip) -> None:
    el = _sub(parent, name)
    _sub(el, "begripLabel", b.label)
    if b.code is not None:
        _sub(el, "begripCode", b.code)
    _w_verwijzing(el, "begripBegrippenlijst", Verwijzing(b.lijst))


def _when(value: date | datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _w_termijn(parent, name: str, t: Termijn) -> None:
    el = _sub(parent, name)
    if t.trigger:
        _w_begrip(el, "termijnTriggerStartLooptijd", t.trigger)
    if t.startdatum:
        _sub(el, "termijnStartdatumLooptijd", t.startdatum.isoformat())
    if t.looptijd:
        _sub(el, "termijnLooptijd", t.looptijd)
    if t.einddatum:
        _sub(el, "termijnEinddatum", _when(t.einddatum))


def _root() -> etree._Element:
    return etree.Element(_q("MDTO"), nsmap={None: MDTO_NS})


def build_informatieobject(io: InformatieobjectRecord, validate: bool = True) -> etree._Element:
    """The ``<MDTO><informatieobject>`` sidecar of a record; validated against MDTO 1.0.1."""
    if not xml_text(io.naam).strip():
        raise MdtoError("Een informatieobject heeft een naam (titel) nodig.")
    if not io.beperkingen:
        raise MdtoError("Minstens één beperking gebruik (openbaarheid) is verplicht in MDTO 1.0.1.")
    root = _root()
    o = _sub(root, "informatieobject")
    for ident in [Identificatie(io.id, io.bron), *io.extra_identificaties]:
        _w_ident(o, "identificatie", ident)
    _sub(o, "naam", io.naam)
    if io.aggregatieniveau:
        _w_begrip(o, "aggregatieniveau", Begrip(io.aggregatieniveau, LIJST_AGGREGATIENIVEAU))
    if io.woo_categorie:
        _w_begrip(o, "classificatie", woo_categorie_begrip(io.woo_categorie))
    for b in io.classificaties:
        _w_begrip(o, "classificatie", b)
    for t in io.trefwoorden:
        _sub(o, "trefwoord", t)
    for t in io.omschrijvingen:
        _sub(o, "omschrijving", t)
    for url in io.raadpleeglocaties_online:
        _sub(_sub(o, "raadpleeglocatie"), "raadpleeglocatieOnline", url)
    for d in io.dekking_in_tijd:
        el = _sub(o, "dekkingInTijd")
        _w_begrip(el, "dekkingInTijdType", d.type)
        _sub(el, "dekkingInTijdBegindatum", _when(d.begin))
        if d.eind:
            _sub(el, "dekkingInTijdEinddatum", _when(d.eind))
    for t in io.talen:
        _sub(o, "taal", t)
    for e in io.events:
        el = _sub(o, "event")
        _w_begrip(el, "eventType", Begrip(e.type, e.lijst))
        if e.tijd is not None:
            _sub(el, "eventTijd", _when(e.tijd))
        if e.actor:
            _w_verwijzing(el, "eventVerantwoordelijkeActor", e.actor)
        if e.resultaat:
            _sub(el, "eventResultaat", e.resultaat)
    _w_begrip(o, "waardering", waardering_begrip(io.waardering))
    if io.bewaartermijn:
        _w_termijn(o, "bewaartermijn", io.bewaartermijn)
    if io.selectielijst:
        _w_begrip(o, "informatiecategorie", io.selectielijst)
    for name, refs in (("isOnderdeelVan", io.is_onderdeel_van), ("bevatOnderdeel", io.bevat_onderdeel),
                       ("heeftRepresentatie", io.heeft_representatie),
                       ("aanvullendeMetagegevens", io.aanvullende_metagegevens)):
        for v in refs:
            _w_verwijzing(o, name, v)
    for g in io.gerelateerd:
        el = _sub(o, "gerelateerdInformatieobject")
        _w_verwijzing(el, "gerelateerdInformatieobjectVerwijzing", g.verwijzing)
        _w_begrip(el, "gerelateerdInformatieobjectTypeRelatie", g.type_relatie)
    _w_verwijzing(o, "archiefvormer", archiefvormer_verwijzing(io.archiefvormer))
    for b in io.betrokkenen:
        el = _sub(o, "betrokkene")
        _w_begrip(el, "betrokkeneTypeRelatie", b.type_relatie)
        _w_verwijzing(el, "betrokkeneActor", b.actor)
    if io.activiteit:
        _w_verwijzing(o, "activiteit", io.activiteit)
    for bg in io.beperkingen:
        el = _sub(o, "beperkingGebruik")
        _w_begrip(el, "beperkingGebruikType", bg.type)
        if bg.nadere_beschrijving:
            _sub(el, "beperkingGebruikNadereBeschrijving", bg.nadere_beschrijving)
        for v in bg.documentatie:
            _w_verwijzing(el, "beperkingGebruikDocumentatie", v)
        if bg.termijn:
            _w_termijn(el, "beperkingGebruikTermijn", bg.termijn)
    if validate:
        validate_mdto(root)
    return root


def build_bestand(b: BestandRecord, validate: bool = True) -> etree._Element:
    """The ``<MDTO><bestand>`` sidecar of one stored file; validated against MDTO 1.0.1."""
    if b.omvang is None or b.omvang < 0:
        raise MdtoError("De omvang van een bestand (in bytes) is verplicht.")
    if not b.checksum:
        raise MdtoError("Een checksum is verplicht in MDTO.")
    if b.checksum_algoritme.replace("-", "").upper() in ("MD5", "SHA1"):
        raise MdtoError("MD5 en SHA-1 worden door e-Depots niet geaccepteerd; gebruik SHA-256 of sterker.")
    root = _root()
    o = _sub(root, "bestand")
    _w_ident(o, "identificatie", Identificatie(b.id, b.bron))
    _sub(o, "naam", b.naam)
    _sub(o, "omvang", str(int(b.omvang)))
    _w_begrip(o, "bestandsformaat", Begrip(b.pronom_naam, LIJST_PRONOM, b.pronom_puid))
    c = _sub(o, "checksum")
    _w_begrip(c, "checksumAlgoritme", Begrip(b.checksum_algoritme, LIJST_CHECKSUM))
    _sub(c, "checksumWaarde", b.checksum)
    _sub(c, "checksumDatum", b.checksum_datum.isoformat())
    if b.url:
        _sub(o, "URLBestand", b.url)
    _w_verwijzing(o, "isRepresentatieVan", b.representatie_van)
    if validate:
        validate_mdto(root)
    return root


def to_bytes(element: etree._Element) -> bytes:
    """UTF-8 XML with declaration, indented (what goes into the bucket as ``*.mdto.xml``)."""
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --------------------------------------------------------------------------- reading


def _root_of(xml) -> etree._Element:
    if isinstance(xml, (bytes, str)):
        parser = etree.XMLParser(no_network=True, resolve_entities=False, remove_blank_text=True)
        xml = etree.fromstring(xml.encode() if isinstance(xml, str) else xml, parser)
    if isinstance(xml, etree._ElementTree):
        xml = xml.getroot()
    return xml


def _t(el, name: str) -> str | None:
    x = el.find(_q(name))
    return None if x is None else (x.text or "")


def _r_ident(el) -> Identificatie:
    return Identificatie(_t(el, "identificatieKenmerk"), _t(el, "identificatieBron"))


def _r_verwijzing(el) -> Verwijzing:
    ident = el.find(_q("verwijzingIdentificatie"))
    return Verwijzing(_t(el, "verwijzingNaam"), _r_ident(ident) if ident is not None else None)


def _r_begrip(el) -> Begrip:
    lijst = el.find(_q("begripBegrippenlijst"))
    return Begrip(_t(el, "begripLabel"), _t(lijst, "verwijzingNaam"), _t(el, "begripCode"))


def _r_date(text: str | None):
    """gYear / gYearMonth stay strings; a full date becomes ``date``; a dateTime ``datetime``."""
    if text is None:
        return None
    text = text.strip()
    if "T" in text:
        return datetime.fromisoformat(text)
    if len(text) == 10:
        return date.fromisoformat(text)
    return text


def _r_waardering(b: Begrip) -> str:
    if b.code and b.code.upper() in WAARDERINGEN:
        return b.code.upper()
    by_label = {label.lower(): code for code, label in WAARDERINGEN.items()}
    return by_label.get((b.label or "").strip().lower(), "N")


def _r_termijn(el) -> Termijn:
    trig = el.find(_q("termijnTriggerStartLooptijd"))
    start = _t(el, "termijnStartdatumLooptijd")
    return Termijn(_r_begrip(trig) if trig is not None else None,
                   date.fromisoformat(start) if start else None,
                   _t(el, "termijnLooptijd"), _r_date(_t(el, "termijnEinddatum")))


def _all(el, name: str):
    return el.findall(_q(name))


def parse_informatieobject(xml) -> InformatieobjectRecord:
    """Inverse of ``build_informatieobject`` (bytes, str, element or tree of an MDTO document)."""
    root = _root_of(xml)
    o = root.find(_q("informatieobject")) if root.tag == _q("MDTO") else root
    if o is None or o.tag != _q("informatieobject"):
        raise MdtoError("Dit MDTO-document bevat geen informatieobject.")
    idents = [_r_ident(x) for x in _all(o, "identificatie")]
    aggr = o.find(_q("aggregatieniveau"))
    woo_cat, classificaties = None, []
    for x in _all(o, "classificatie"):
        b = _r_begrip(x)
        if b.lijst == LIJST_WOO_CATEGORIE and woo_cat is None:
            woo_cat = b.code
        else:
            classificaties.append(b)
    events = []
    for x in _all(o, "event"):
        typ = _r_begrip(x.find(_q("eventType")))
        actor = x.find(_q("eventVerantwoordelijkeActor"))
        events.append(Event(typ.label, _r_date(_t(x, "eventTijd")),
                            _r_verwijzing(actor) if actor is not None else None,
                            _t(x, "eventResultaat"), typ.lijst))
    dekking = [DekkingInTijd(_r_date(_t(x, "dekkingInTijdBegindatum")), _r_date(_t(x, "dekkingInTijdEinddatum")),
                             _r_begrip(x.find(_q("dekkingInTijdType")))) for x in _all(o, "dekkingInTijd")]
    bew = o.find(_q("bewaartermijn"))
    sel = o.find(_q("informatiecategorie"))
    av = _r_verwijzing(o.find(_q("archiefvormer")))
    act = o.find(_q("activiteit"))
    beperkingen = []
    for x in _all(o, "beperkingGebruik"):
        term = x.find(_q("beperkingGebruikTermijn"))
        beperkingen.append(BeperkingGebruik(
            _r_begrip(x.find(_q("beperkingGebruikType"))), _t(x, "beperkingGebruikNadereBeschrijving"),
            tuple(_r_verwijzing(v) for v in _all(x, "beperkingGebruikDocumentatie")),
            _r_termijn(term) if term is not None else None))
    return InformatieobjectRecord(
        id=idents[0].kenmerk, bron=idents[0].bron, naam=_t(o, "naam"),
        archiefvormer=av.identificatie.kenmerk if av.identificatie else av.naam,
        beperkingen=beperkingen,
        waardering=_r_waardering(_r_begrip(o.find(_q("waardering")))),
        extra_identificaties=idents[1:],
        aggregatieniveau=_r_begrip(aggr).label if aggr is not None else "",
        woo_categorie=woo_cat, classificaties=classificaties,
        trefwoorden=[x.text or "" for x in _all(o, "trefwoord")],
        omschrijvingen=[x.text or "" for x in _all(o, "omschrijving")],
        raadpleeglocaties_online=[x.text or "" for x in o.iter(_q("raadpleeglocatieOnline"))],
        dekking_in_tijd=dekking,
        talen=[x.text or "" for x in _all(o, "taal")],
        events=events,
        bewaartermijn=_r_termijn(bew) if bew is not None else None,
        selectielijst=_r_begrip(sel) if sel is not None else None,
        is_onderdeel_van=[_r_verwijzing(x) for x in _all(o, "isOnderdeelVan")],
        bevat_onderdeel=[_r_verwijzing(x) for x in _all(o, "bevatOnderdeel")],
        heeft_representatie=[_r_verwijzing(x) for x in _all(o, "heeftRepresentatie")],
        aanvullende_metagegevens=[_r_verwijzing(x) for x in _all(o, "aanvullendeMetagegevens")],
        gerelateerd=[Gerelateerd(_r_verwijzing(x.find(_q("gerelateerdInformatieobjectVerwijzing"))),
                                 _r_begrip(x.find(_q("gerelateerdInformatieobjectTypeRelatie"))))
                     for x in _all(o, "gerelateerdInformatieobject")],
        betrokkenen=[Betrokkene(_r_begrip(x.find(_q("betrokkeneTypeRelatie"))),
                                _r_verwijzing(x.find(_q("betrokkeneActor")))) for x in _all(o, "betrokkene")],
        activiteit=_r_verwijzing(act) if act is not None else None,
    )


def parse_bestand(xml) -> BestandRecord:
    """Inverse of ``build_bestand``."""
    root = _root_of(xml)
    o = root.find(_q("bestand")) if root.tag == _q("MDTO") else root
    if o is None or o.tag != _q("bestand"):
        raise MdtoError("Dit MDTO-document bevat geen bestand.")
    ident = _r_ident(o.find(_q("identificatie")))
    fmt = _r_begrip(o.find(_q("bestandsformaat")))
    c = o.find(_q("checksum"))
    return BestandRecord(
        id=ident.kenmerk, bron=ident.bron, naam=_t(o, "naam"), omvang=int(_t(o, "omvang")),
        pronom_puid=fmt.code, pronom_naam=fmt.label,
        checksum=_t(c, "checksumWaarde"), checksum_datum=datetime.fromisoformat(_t(c, "checksumDatum")),
        representatie_van=_r_verwijzing(o.find(_q("isRepresentatieVan"))),
        checksum_algoritme=_r_begrip(c.find(_q("checksumAlgoritme"))).label,
        url=_t(o, "URLBestand"),
    )
