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
from functools import lru_cache
from zoneinfo import ZoneInfo

from lxml import etree

from woo.domain import tooi
from woo.domain.text import xml_text
from woo.metadata.xsd import DIWOO_NS, SITEMAP_NS

__all__ = ["DocRef", "Handeling", "Relatie", "DiwooRecord", "DiwooError", "build_diwoo_document",
           "build_sitemap_url", "diwoo_document_xml", "sitemap_url_xml", "parse_diwoo_document", "as_datetime", "w3c_datetime", "TZ"]

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


def w3c_datetime(value: datetime | date) -> str:
    """W3C datetime to the second (sitemaps.org ``<lastmod>``): no fraction, always an offset."""
    return as_datetime(value).replace(microsecond=0).isoformat()


_RESOLVED: dict[tuple, object] = {}  # (lookup, value) -> concept: the TOOI lists do not change while running


def _resolved(lookup, value: str, refusal: str):
    found = _RESOLVED.get((lookup, value))
    if found is None:
        found = lookup(value)
        if found is None:
            raise DiwooError(refusal.format(value=value))
        if len(_RESOLVED) < 10_000:
            _RESOLVED[(lookup, value)] = found
    return found


def _org(value: str, what: str) -> tooi.Organisation:
    return _resolved(tooi.organisation, value, what + ": '{value}' is geen organisatie uit de TOOI-registers.")


def _concept(lookup, value: str, what: str):
    return _resolved(lookup, value, what + ": '{value}' staat niet in de TOOI-waardelijst.")


# --------------------------------------------------------------------------- writing
# The record is written as text, not built as an lxml tree: a national sitemap build writes a million of
# these, and string writing is several times faster. The element API (build_*) parses that text, so there
# is one writer; the XSD tests validate what it produces.

def _esc(value: str) -> str:
    # Characters XML 1.0 cannot carry at all (a control character pasted into a title, a lone surrogate):
    # dropped, not escaped (woo.domain.text is the one rule for every XML writer).
    value = xml_text(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=8192)
def _coded_xml(name: str, uri: str, label: str) -> str:
    # Mostly TOOI concepts, the same few hundred over and over: written once each.
    return f'<diwoo:{name} resource="{_esc(uri).replace(chr(34), "&quot;")}">{_esc(label)}</diwoo:{name}>'


def _coded(out: list, name: str, uri: str, label: str) -> None:
    out.append(_coded_xml(name, uri, label))


def _text(out: list, name: str, text: str) -> None:
    out.append(f"<diwoo:{name}>{_esc(text)}</diwoo:{name}>")


def _list(out: list, outer: str, inner: str, values: list[str]) -> None:
    if values:
        out.append(f"<diwoo:{outer}>")
        for v in values:
            _text(out, inner, v)
        out.append(f"</diwoo:{outer}>")


def _write_document(out: list, rec: DiwooRecord, declare_ns: bool) -> None:
    """Append ``<diwoo:Document>…</diwoo:Document>`` to ``out``. Raises ``DiwooError`` (Dutch message) for
    unknown TOOI values or missing required fields."""
    if not rec.officiele_titel or not rec.officiele_titel.strip():
        raise DiwooError("Een officiële titel is verplicht.")
    if not rec.informatiecategorieen:
        raise DiwooError("Minstens één Woo-informatiecategorie is verplicht.")
    if not rec.documenthandelingen:
        raise DiwooError("Minstens één documenthandeling (bijv. vaststelling) is verplicht.")

    out.append(f'<diwoo:Document xmlns:diwoo="{DIWOO_NS}">' if declare_ns else "<diwoo:Document>")
    out.append("<diwoo:DiWoo>")
    _list(out, "identifiers", "identifier", rec.identifiers)
    pub = _org(rec.publisher, "Publicerende organisatie")
    _coded(out, "publisher", pub.uri, pub.label)
    if rec.verantwoordelijke:
        o = _org(rec.verantwoordelijke, "Verantwoordelijke")
        _coded(out, "verantwoordelijke", o.uri, o.label)
    if rec.medeverantwoordelijken:
        out.append("<diwoo:medeverantwoordelijken>")
        for value in rec.medeverantwoordelijken:
            o = _org(value, "Medeverantwoordelijke")
            _coded(out, "medeverantwoordelijke", o.uri, o.label)
        out.append("</diwoo:medeverantwoordelijken>")
    if rec.opsteller:
        o = _org(rec.opsteller, "Opsteller")
        _coded(out, "opsteller", o.uri, o.label)
    if rec.naam_opsteller:
        _text(out, "naamOpsteller", rec.naam_opsteller)

    out.append("<diwoo:titelcollectie>")
    _text(out, "officieleTitel", rec.officiele_titel.strip())
    _list(out, "verkorteTitels", "verkorteTitel", rec.verkorte_titels)
    _list(out, "alternatieveTitels", "alternatieveTitel", rec.alternatieve_titels)
    out.append("</diwoo:titelcollectie>")
    _list(out, "omschrijvingen", "omschrijving", rec.omschrijvingen)

    out.append(_classificatie_xml(tuple(rec.informatiecategorieen), tuple(rec.documentsoorten), tuple(rec.themas),
                                  tuple(rec.trefwoorden)))

    if rec.creatiedatum:
        _text(out, "creatiedatum", rec.creatiedatum.isoformat()[:10])
    if rec.geldig_van or rec.geldig_tot:
        out.append("<diwoo:geldigheid>")
        if rec.geldig_van:
            _text(out, "begindatum", _iso(rec.geldig_van))
        if rec.geldig_tot:
            _text(out, "einddatum", _iso(rec.geldig_tot))
        out.append("</diwoo:geldigheid>")
    if rec.language:
        c = _concept(tooi.taal, rec.language, "Taal")
        _coded(out, "language", c.uri, c.label)
    if rec.format:
        f = _concept(tooi.bestandsformaat, rec.format, "Bestandsformaat")
        _coded(out, "format", f.uri, f.label)
    if rec.aggregatiekenmerk:
        _text(out, "aggregatiekenmerk", rec.aggregatiekenmerk)
    if rec.is_part_of:
        _coded(out, "isPartOf", rec.is_part_of.url, rec.is_part_of.title)
    if rec.has_parts:
        out.append("<diwoo:hasParts>")
        for ref in rec.has_parts:
            _coded(out, "hasPart", ref.url, ref.title)
        out.append("</diwoo:hasParts>")

    out.append("<diwoo:documenthandelingen>")
    for h in rec.documenthandelingen:
        c = _concept(tooi.documenthandeling, h.soort, "Documenthandeling")
        out.append("<diwoo:documenthandeling>")
        _coded(out, "soortHandeling", c.uri, c.label)
        _text(out, "atTime", _iso(h.at))
        if h.associated_with:
            o = _org(h.associated_with, "Documenthandeling door")
            _coded(out, "wasAssociatedWith", o.uri, o.label)
        out.append("</diwoo:documenthandeling>")
    out.append("</diwoo:documenthandelingen>")
    if rec.documentrelaties:
        out.append("<diwoo:documentrelaties>")
        for r in rec.documentrelaties:
            c = _concept(tooi.documentrelatie, r.role, "Documentrelatie")
            out.append("<diwoo:documentrelatie>")
            _coded(out, "role", c.uri, c.label)
            _coded(out, "relation", r.relation.url, r.relation.title)
            out.append("</diwoo:documentrelatie>")
        out.append("</diwoo:documentrelaties>")
    if rec.reden_verwijdering:
        c = _concept(tooi.reden_verwijdering, rec.reden_verwijdering, "Reden verwijdering/vervanging")
        _coded(out, "redenVerwijderingVervanging", c.uri, c.label)
    out.append("</diwoo:DiWoo>")

    if rec.size is not None:
        out.append("<diwoo:extraMetadata><diwoo:extraMetadatavelden><diwoo:extraMetadataveld>")
        _text(out, "key", SIZE_KEY)
        _list(out, "values", "value", [str(int(rec.size))])
        out.append("</diwoo:extraMetadataveld></diwoo:extraMetadatavelden></diwoo:extraMetadata>")
    out.append("</diwoo:Document>")


@lru_cache(maxsize=2048)
def _classificatie_xml(categorieen: tuple, soorten: tuple, themas: tuple, trefwoorden: tuple) -> str:
    """The classificatiecollectie: a handful of combinations across a whole collection, written once each."""
    out = ["<diwoo:classificatiecollectie><diwoo:informatiecategorieen>"]
    for value in categorieen:
        c = _concept(tooi.resolve_category, value, "Informatiecategorie")
        _coded(out, "informatiecategorie", c.uri, c.label)
    out.append("</diwoo:informatiecategorieen>")
    for outer, inner, lookup, what, values in (
            ("documentsoorten", "documentsoort", tooi.documentsoort, "Documentsoort", soorten),
            ("themas", "thema", tooi.thema, "Thema", themas)):
        if values:
            out.append(f"<diwoo:{outer}>")
            for value in values:
                c = _concept(lookup, value, what)
                _coded(out, inner, c.uri, c.label)
            out.append(f"</diwoo:{outer}>")
    _list(out, "trefwoorden", "trefwoord", list(trefwoorden))
    out.append("</diwoo:classificatiecollectie>")
    return "".join(out)


def diwoo_document_xml(rec: DiwooRecord) -> str:
    """``<diwoo:Document><diwoo:DiWoo>…</diwoo:DiWoo>[extraMetadata]</diwoo:Document>`` as text."""
    out: list[str] = []
    _write_document(out, rec, declare_ns=True)
    return "".join(out)


def sitemap_url_xml(rec: DiwooRecord, declare_ns: bool = False) -> str:
    """A sitemaps.org ``<url>`` as text: ``<loc>`` (the file itself), ``<lastmod>``, the ``diwoo:Document``.

    Without ``declare_ns`` it belongs inside a ``<urlset>`` that declares the sitemap namespace as default
    and ``diwoo`` as prefix (woo.publish.sitemaps writes that root once per file)."""
    if not rec.file_url:
        raise DiwooError("De URL van het bestand (loc) ontbreekt.")
    out = [f'<url xmlns="{SITEMAP_NS}" xmlns:diwoo="{DIWOO_NS}">' if declare_ns else "<url>",
           f"<loc>{_esc(rec.file_url)}</loc>"]
    if rec.lastmod:
        out.append(f"<lastmod>{w3c_datetime(rec.lastmod)}</lastmod>")
    _write_document(out, rec, declare_ns=False)
    out.append("</url>")
    return "".join(out)


def build_diwoo_document(rec: DiwooRecord) -> etree._Element:
    """The ``diwoo:Document`` as an element (OAI-PMH embeds it; tests inspect it)."""
    return etree.fromstring(diwoo_document_xml(rec))


def build_sitemap_url(rec: DiwooRecord) -> etree._Element:
    """The sitemaps.org ``<url>`` as an element, namespaces declared on it."""
    return etree.fromstring(sitemap_url_xml(rec, declare_ns=True))


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
