"""DiWoo 0.9.8 metadata for one published file, as the Woo-index harvester reads it from a sitemap.

``build_diwoo_document`` turns a plain ``DiwooRecord`` into the ``<diwoo:Document>`` that goes inside a
sitemaps.org ``<url>`` (``build_sitemap_url`` wraps it with ``<loc>``/``<lastmod>``). Coded values are
given as TOOI URIs (or codes/labels the TOOI loader knows); the labels written next to them always come
from the TOOI lists, so what we emit is exactly what the XSD enumerations allow.
``parse_diwoo_document`` is the inverse (used to rebuild state from published XML).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from lxml import etree

from woo.domain import tooi
from woo.metadata.xsd import DIWOO_NS, SITEMAP_NS

__all__ = ["DocRef", "Handeling", "Relatie", "DiwooRecord", "DiwooError", "build_diwoo_document",
           "build_sitemap_url", "parse_diwoo_document", "as_datetime", "TZ"]

TZ = ZoneInfo("Europe/Amsterdam")
NSMAP = {"diwoo": DIWOO_NS}
# extraMetadata key for the file size (DiWoo 0.9.8 has no element for it; portals show extra fields).
SIZE_KEY = "bestandsomvang"


class DiwooError(ValueError):
    """A record cannot be expressed in DiWoo (unknown TOOI value, missing required field)."""


@dataclass(frozen=True)
class DocRef:
    """A reference to another published document (``documentverwijzing``): its URL and title."""

    url: str
    title: str


@dataclass(frozen=True)
class Handeling:
    """A ``documenthandeling``: what happened (ondertekening/ontvangst/vaststelling) and when."""

    soort: str  # TOOI URI (or label/code) from documenthandelingen.csv
    at: datetime | date
    associated_with: str | None = None  # organisation URI or code


@dataclass(frozen=True)
class Relatie:
    role: str  # TOOI documentrelatie URI (or label)
    relation: DocRef


@dataclass
class DiwooRecord:
    publisher: str  # TOOI organisation URI or code (gm0363)
    officiele_titel: str
    informatiecategorieen: list[str]  # TOOI category URIs (at least one)
    documenthandelingen: list[Handeling]  # at least one
    identifiers: list[str] = field(default_factory=list)
    verantwoordelijke: str | None = None
    medeverantwoordelijken: list[str] = field(default_factory=list)
    opsteller: str | None = None
    naam_opsteller: str | None = None  # author without a TOOI URI
    verkorte_titels: list[str] = field(default_factory=list)
    alternatieve_titels: list[str] = field(default_factory=list)
    omschrijvingen: list[str] = field(default_factory=list)
    documentsoorten: list[str] = field(default_factory=list)
    themas: list[str] = field(default_factory=list)
    trefwoorden: list[str] = field(default_factory=list)
    creatiedatum: date | None = None
    geldig_van: datetime | None = None
    geldig_tot: datetime | None = None
    language: str | None = None  # TOOI language URI (or "NLD"/"Nederlands")
    format: str | None = None  # TOOI file-type URI (or "PDF")
    aggregatiekenmerk: str | None = None
    is_part_of: DocRef | None = None
    has_parts: list[DocRef] = field(default_factory=list)
    documentrelaties: list[Relatie] = field(default_factory=list)
    reden_verwijdering: str | None = None  # TOOI URI or CLI code (correctie_procedurele_fout)
    # Sitemap level (not inside diwoo:DiWoo): the file's stable URL and last change.
    file_url: str | None = None
    lastmod: datetime | None = None
    size: int | None = None  # bytes; emitted as extraMetadata "bestandsomvang"


def _q(name: str) -> str:
    return f"{{{DIWOO_NS}}}{name}"


def as_datetime(value: datetime | date) -> datetime:
    """xs:dateTime with an offset; a bare date is midnight in Amsterdam (as GPP-Woo does), a naive
    datetime is taken as Amsterdam time."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def _iso(value: datetime | date) -> str:
    return as_datetime(value).isoformat()


def _org(value: str, what: str) -> tooi.Organisation:
    org = tooi.organisation(value)
    if org is None:
        raise DiwooError(f"{what}: '{value}' is geen organisatie uit de TOOI-registers.")
    return org


def _concept(lookup, value: str, what: str):
    found = lookup(value)
    if found is None:
        raise DiwooError(f"{what}: '{value}' staat niet in de TOOI-waardelijst.")
    return found


def _coded(parent, name: str, uri: str, label: str):
    el = etree.SubElement(parent, _q(name), resource=uri)
    el.text = label
    return el


def _text(parent, name: str, text: str):
    el = etree.SubElement(parent, _q(name))
    el.text = text
    return el


def _list(parent, outer: str, inner: str, values: list[str]) -> None:
    if values:
        box = etree.SubElement(parent, _q(outer))
        for v in values:
            _text(box, inner, v)


def _docref(parent, name: str, ref: DocRef):
    return _coded(parent, name, ref.url, ref.title)


def build_diwoo_document(rec: DiwooRecord) -> etree._Element:
    """``<diwoo:Document><diwoo:DiWoo>…</diwoo:DiWoo>[extraMetadata]</diwoo:Document>``.

    Raises ``DiwooError`` (Dutch message) for unknown TOOI values or missing required fields.
    """
    if not rec.officiele_titel or not rec.officiele_titel.strip():
        raise DiwooError("Een officiële titel is verplicht.")
    if not rec.informatiecategorieen:
        raise DiwooError("Minstens één Woo-informatiecategorie is verplicht.")
    if not rec.documenthandelingen:
        raise DiwooError("Minstens één documenthandeling (bijv. vaststelling) is verplicht.")

    doc = etree.Element(_q("Document"), nsmap=NSMAP)
    d = etree.SubElement(doc, _q("DiWoo"))
    _list(d, "identifiers", "identifier", rec.identifiers)
    pub = _org(rec.publisher, "Publicerende organisatie")
    _coded(d, "publisher", pub.uri, pub.label)
    if rec.verantwoordelijke:
        o = _org(rec.verantwoordelijke, "Verantwoordelijke")
        _coded(d, "verantwoordelijke", o.uri, o.label)
    if rec.medeverantwoordelijken:
        box = etree.SubElement(d, _q("medeverantwoordelijken"))
        for value in rec.medeverantwoordelijken:
            o = _org(value, "Medeverantwoordelijke")
            _coded(box, "medeverantwoordelijke", o.uri, o.label)
    if rec.opsteller:
        o = _org(rec.opsteller, "Opsteller")
        _coded(d, "opsteller", o.uri, o.label)
    if rec.naam_opsteller:
        _text(d, "naamOpsteller", rec.naam_opsteller)

    titels = etree.SubElement(d, _q("titelcollectie"))
    _text(titels, "officieleTitel", rec.officiele_titel.strip())
    _list(titels, "verkorteTitels", "verkorteTitel", rec.verkorte_titels)
    _list(titels, "alternatieveTitels", "alternatieveTitel", rec.alternatieve_titels)
    _list(d, "omschrijvingen", "omschrijving", rec.omschrijvingen)

    cls = etree.SubElement(d, _q("classificatiecollectie"))
    box = etree.SubElement(cls, _q("informatiecategorieen"))
    for value in rec.informatiecategorieen:
        c = _concept(tooi.resolve_category, value, "Informatiecategorie")
        _coded(box, "informatiecategorie", c.uri, c.label)
    if rec.documentsoorten:
        box = etree.SubElement(cls, _q("documentsoorten"))
        for value in rec.documentsoorten:
            c = _concept(tooi.documentsoort, value, "Documentsoort")
            _coded(box, "documentsoort", c.uri, c.label)
    if rec.themas:
        box = etree.SubElement(cls, _q("themas"))
        for value in rec.themas:
            c = _concept(tooi.thema, value, "Thema")
            _coded(box, "thema", c.uri, c.label)
    _list(cls, "trefwoorden", "trefwoord", rec.trefwoorden)

    if rec.creatiedatum:
        _text(d, "creatiedatum", rec.creatiedatum.isoformat()[:10])
    if rec.geldig_van or rec.geldig_tot:
        g = etree.SubElement(d, _q("geldigheid"))
        if rec.geldig_van:
            _text(g, "begindatum", _iso(rec.geldig_van))
        if rec.geldig_tot:
            _text(g, "einddatum", _iso(rec.geldig_tot))
    if rec.language:
        c = _concept(tooi.taal, rec.language, "Taal")
        _coded(d, "language", c.uri, c.label)
    if rec.format:
        f = _concept(tooi.bestandsformaat, rec.format, "Bestandsformaat")
        _coded(d, "format", f.uri, f.label)
    if rec.aggregatiekenmerk:
        _text(d, "aggregatiekenmerk", rec.aggregatiekenmerk)
    if rec.is_part_of:
        _docref(d, "isPartOf", rec.is_part_of)
    if rec.has_parts:
        box = etree.SubElement(d, _q("hasParts"))
        for ref in rec.has_parts:
            _docref(box, "hasPart", ref)

    box = etree.SubElement(d, _q("documenthandelingen"))
    for h in rec.documenthandelingen:
        c = _concept(tooi.documenthandeling, h.soort, "Documenthandeling")
        dh = etree.SubElement(box, _q("documenthandeling"))
        _coded(dh, "soortHandeling", c.uri, c.label)
        _text(dh, "atTime", _iso(h.at))
        if h.associated_with:
            o = _org(h.associated_with, "Documenthandeling door")
            _coded(dh, "wasAssociatedWith", o.uri, o.label)
    if rec.documentrelaties:
        box = etree.SubElement(d, _q("documentrelaties"))
        for r in rec.documentrelaties:
            c = _concept(tooi.documentrelatie, r.role, "Documentrelatie")
            dr = etree.SubElement(box, _q("documentrelatie"))
            _coded(dr, "role", c.uri, c.label)
            _docref(dr, "relation", r.relation)
    if rec.reden_verwijdering:
        c = _concept(tooi.reden_verwijdering, rec.reden_verwijdering, "Reden verwijdering/vervanging")
        _coded(d, "redenVerwijderingVervanging", c.uri, c.label)

    if rec.size is not None:
        extra = etree.SubElement(doc, _q("extraMetadata"))
        velden = etree.SubElement(extra, _q("extraMetadatavelden"))
        veld = etree.SubElement(velden, _q("extraMetadataveld"))
        _text(veld, "key", SIZE_KEY)
        _list(veld, "values", "value", [str(int(rec.size))])
    return doc


def build_sitemap_url(rec: DiwooRecord) -> etree._Element:
    """A sitemaps.org ``<url>``: ``<loc>`` (the file itself), ``<lastmod>``, then the ``diwoo:Document``."""
    if not rec.file_url:
        raise DiwooError("De URL van het bestand (loc) ontbreekt.")
    url = etree.Element(f"{{{SITEMAP_NS}}}url", nsmap={None: SITEMAP_NS, "diwoo": DIWOO_NS})
    etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = rec.file_url
    if rec.lastmod:
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = _iso(rec.lastmod)
    url.append(build_diwoo_document(rec))
    return url


# --------------------------------------------------------------------------- parsing


def _find(el, path: str):
    return el.find(path, NSMAP)


def _texts(el, path: str) -> list[str]:
    return [x.text or "" for x in el.findall(path, NSMAP)]


def _res(el, path: str) -> str | None:
    x = _find(el, path)
    return None if x is None else x.get("resource")


def _parse_dt(text: str) -> datetime:
    """W3C date or dateTime -> aware datetime (naive values are Amsterdam time, as we write them)."""
    return as_datetime(datetime.fromisoformat(text.strip()))


def _ref(x) -> DocRef:
    return DocRef(x.get("resource") or "", x.text or "")


def parse_diwoo_document(xml) -> DiwooRecord:
    """Inverse of ``build_diwoo_document`` (accepts the Document, a ``<url>`` around it, bytes or str).

    Coded values come back as URIs; ``file_url``/``lastmod`` are filled when a ``<url>`` is given.
    """
    if isinstance(xml, (bytes, str)):
        xml = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    url = xml if xml.tag == f"{{{SITEMAP_NS}}}url" else None
    doc = xml if xml.tag == _q("Document") else xml.find(f".//{_q('Document')}")
    if doc is None:
        raise DiwooError("Geen diwoo:Document gevonden.")
    d = _find(doc, "diwoo:DiWoo")
    if d is None:
        raise DiwooError("Het diwoo:Document bevat geen diwoo:DiWoo.")
    handelingen = []
    for dh in d.findall("diwoo:documenthandelingen/diwoo:documenthandeling", NSMAP):
        handelingen.append(Handeling(_res(dh, "diwoo:soortHandeling"),
                                     _parse_dt(_find(dh, "diwoo:atTime").text),
                                     _res(dh, "diwoo:wasAssociatedWith")))
    creatie = _find(d, "diwoo:creatiedatum")
    van, tot = _find(d, "diwoo:geldigheid/diwoo:begindatum"), _find(d, "diwoo:geldigheid/diwoo:einddatum")
    part_of = _find(d, "diwoo:isPartOf")
    size = None
    for veld in doc.findall("diwoo:extraMetadata/diwoo:extraMetadatavelden/diwoo:extraMetadataveld", NSMAP):
        if _find(veld, "diwoo:key").text == SIZE_KEY:
            size = int(_texts(veld, "diwoo:values/diwoo:value")[0])
    rec = DiwooRecord(
        publisher=_res(d, "diwoo:publisher"),
        officiele_titel=_find(d, "diwoo:titelcollectie/diwoo:officieleTitel").text or "",
        informatiecategorieen=[x.get("resource") for x in d.findall(
            "diwoo:classificatiecollectie/diwoo:informatiecategorieen/diwoo:informatiecategorie", NSMAP)],
        documenthandelingen=handelingen,
        identifiers=_texts(d, "diwoo:identifiers/diwoo:identifier"),
        verantwoordelijke=_res(d, "diwoo:verantwoordelijke"),
        medeverantwoordelijken=[x.get("resource") for x in d.findall(
            "diwoo:medeverantwoordelijken/diwoo:medeverantwoordelijke", NSMAP)],
        opsteller=_res(d, "diwoo:opsteller"),
        naam_opsteller=(_find(d, "diwoo:naamOpsteller").text if _find(d, "diwoo:naamOpsteller") is not None
                        else None),
        verkorte_titels=_texts(d, "diwoo:titelcollectie/diwoo:verkorteTitels/diwoo:verkorteTitel"),
        alternatieve_titels=_texts(d, "diwoo:titelcollectie/diwoo:alternatieveTitels/diwoo:alternatieveTitel"),
        omschrijvingen=_texts(d, "diwoo:omschrijvingen/diwoo:omschrijving"),
        documentsoorten=[x.get("resource") for x in d.findall(
            "diwoo:classificatiecollectie/diwoo:documentsoorten/diwoo:documentsoort", NSMAP)],
        themas=[x.get("resource") for x in d.findall(
            "diwoo:classificatiecollectie/diwoo:themas/diwoo:thema", NSMAP)],
        trefwoorden=_texts(d, "diwoo:classificatiecollectie/diwoo:trefwoorden/diwoo:trefwoord"),
        creatiedatum=date.fromisoformat(creatie.text) if creatie is not None else None,
        geldig_van=_parse_dt(van.text) if van is not None else None,
        geldig_tot=_parse_dt(tot.text) if tot is not None else None,
        language=_res(d, "diwoo:language"),
        format=_res(d, "diwoo:format"),
        aggregatiekenmerk=(_find(d, "diwoo:aggregatiekenmerk").text
                           if _find(d, "diwoo:aggregatiekenmerk") is not None else None),
        is_part_of=_ref(part_of) if part_of is not None else None,
        has_parts=[_ref(x) for x in d.findall("diwoo:hasParts/diwoo:hasPart", NSMAP)],
        documentrelaties=[Relatie(_res(r, "diwoo:role"), _ref(_find(r, "diwoo:relation")))
                          for r in d.findall("diwoo:documentrelaties/diwoo:documentrelatie", NSMAP)],
        reden_verwijdering=_res(d, "diwoo:redenVerwijderingVervanging"),
        size=size,
    )
    if url is not None:
        loc = url.find(f"{{{SITEMAP_NS}}}loc")
        lastmod = url.find(f"{{{SITEMAP_NS}}}lastmod")
        rec.file_url = loc.text if loc is not None else None
        rec.lastmod = _parse_dt(lastmod.text) if lastmod is not None else None
    return rec
