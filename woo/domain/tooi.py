"""TOOI value lists (KOOP) loaded from ``schemas/tooi/*.csv``.

Every TOOI URI the service writes comes from these files, never from code: the CSVs are the
re-serialised enumerations of the DiWoo 0.9.8 XSD (see schemas/tooi/SOURCES.md), so a value found
here is also a value the XSD and the Woo-index harvester accept.

The schemas folder is ``<repo>/schemas`` unless the environment variable ``WOO_SCHEMAS_DIR`` points
elsewhere (read once per process; call ``clear_cache()`` after changing it in tests).
"""
from __future__ import annotations

import csv
import mimetypes
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

__all__ = [
    "Category", "Organisation", "Concept", "Bestandsformaat",
    "schemas_dir", "clear_cache", "slugify", "normalise_label",
    "woo_categories", "category_by_uri", "category_by_label", "category_by_code", "resolve_category",
    "organisations", "organisation",
    "documentsoorten", "documentsoort", "bestandsformaten", "bestandsformaat",
    "bestandsformaat_by_mime", "bestandsformaat_by_extension", "bestandsformaat_for",
    "talen", "taal", "documenthandelingen", "documenthandeling",
    "documentrelaties", "documentrelatie", "themas", "thema",
    "redenen_verwijdering", "reden_verwijdering",
]


def schemas_dir() -> Path:
    env = os.environ.get("WOO_SCHEMAS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "schemas"


def _rows(name: str) -> list[dict[str, str]]:
    path = schemas_dir() / "tooi" / name
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def slugify(label: str) -> str:
    """TOOI label -> snake_case slug as used by the corpus folders.

    "agenda’s en besluitenlijsten bestuurscolleges" -> "agendas_en_besluitenlijsten_bestuurscolleges",
    "Woo-verzoeken en -besluiten" -> "woo_verzoeken_en_besluiten".
    """
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"['’`]", "", text.lower())  # apostrophes join ("agenda's" -> "agendas")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def normalise_label(value: str) -> str:
    """Case, space, hyphen and underscore insensitive key for label lookups."""
    return slugify(value.replace("’", "'"))


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Category:
    """A Woo information category (TOOI ``scw_woo_informatiecategorieen``), in the law's order."""

    uri: str
    label: str  # TOOI prefLabel (plural form, as the XSD and the harvester show it)
    woo_article: str  # "3.3 lid 2 sub i"
    description: str
    sort_order: int
    label_singular: str
    label_plural: str
    sitemapindex_code: str  # "infocat014"; empty for the art. 3.1 category
    sitemapindex_filename: str

    @property
    def slug(self) -> str:
        return slugify(self.label)


@lru_cache(maxsize=1)
def _categories() -> tuple[Category, ...]:
    extra = {r["uri"]: r for r in _rows("woo-informatiecategorieen-extra.csv")}
    out = []
    for index, row in enumerate(_rows("woo-informatiecategorieen.csv"), start=1):
        ex = extra.get(row["uri"], {})
        out.append(Category(
            uri=row["uri"], label=row["label"], woo_article=row["woo_article"],
            description=row["description"],
            sort_order=int(ex.get("sort_order") or index),
            label_singular=ex.get("label_singular") or row["label"],
            label_plural=ex.get("label_plural") or row["label"],
            sitemapindex_code=ex.get("sitemapindex_code") or "",
            sitemapindex_filename=ex.get("sitemapindex_filename") or "",
        ))
    return tuple(sorted(out, key=lambda c: c.sort_order))


def woo_categories() -> list[Category]:
    """All 18 categories (17 of art. 3.3 + the art. 3.1 catch-all), in the law's order."""
    return list(_categories())


def category_by_uri(uri: str | None) -> Category | None:
    if not uri:
        return None
    uri = uri.strip()
    return next((c for c in _categories() if c.uri == uri), None)


def category_by_label(value: str | None) -> Category | None:
    """Lookup by TOOI label (plural or singular) or corpus slug, ignoring case/spaces/underscores."""
    if not value:
        return None
    key = normalise_label(value)
    for c in _categories():
        if key in (c.slug, normalise_label(c.label_singular), normalise_label(c.label_plural)):
            return c
    return None


def category_by_code(code: str | None) -> Category | None:
    """Lookup by sitemap code ("infocat014") or by article ("3.3 lid 2 sub i", "3.3.2i", "2i")."""
    if not code:
        return None
    key = code.strip().lower()
    for c in _categories():
        if key == c.sitemapindex_code.lower() and key:
            return c
        if _article_key(key) and _article_key(key) == _article_key(c.woo_article):
            return c
    return None


def _article_key(text: str) -> str | None:
    """'3.3 lid 2 sub i' / '3.3.2i' / '2i' -> '2i'; '3.1' -> '3.1'."""
    t = text.lower().replace(" ", "")
    if t in ("3.1", "art3.1"):
        return "3.1"
    m = re.fullmatch(r"(?:art\.?)?(?:3\.3)?(?:lid|\.)?([12])(?:sub)?([a-l])", t)
    return f"{m.group(1)}{m.group(2)}" if m else None


def resolve_category(value: str | None) -> Category | None:
    """URI, label, slug, sitemap code or article: whatever a CLI user or an import file gives."""
    return category_by_uri(value) or category_by_label(value) or category_by_code(value)


# --------------------------------------------------------------------------- organisations


@dataclass(frozen=True)
class Organisation:
    uri: str
    code: str  # last URI segment: gm0363, mnre1025, pv27, ws0636 ...
    label: str  # "gemeente Amsterdam"
    tooi_list: str  # rwc_gemeenten_compleet, ...
    naam: str | None = None  # municipalities only: "Amsterdam"
    gemeentecode: str | None = None  # CBS code "0363"
    begindatum: date | None = None
    einddatum: date | None = None

    @property
    def active(self) -> bool:
        return self.einddatum is None or self.einddatum >= date.today()

    @property
    def register(self) -> str:
        """Human name of the TOOI register, used as MDTO ``identificatieBron``."""
        words = self.tooi_list.removeprefix("rwc_").removesuffix("_compleet").replace("_", " ")
        return f"TOOI register {words} compleet"


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@lru_cache(maxsize=1)
def _organisations() -> tuple[tuple[Organisation, ...], dict[str, Organisation]]:
    gemeenten = {r["uri"]: r for r in _rows("gemeenten.csv")}
    orgs: list[Organisation] = []
    for row in _rows("organisaties.csv"):
        g = gemeenten.pop(row["uri"], None)
        orgs.append(_organisation(row["uri"], row["label"], row["tooi_list"], g))
    for uri, g in gemeenten.items():  # in gemeenten.csv only
        orgs.append(_organisation(uri, g["label"], "rwc_gemeenten_compleet", g))
    index: dict[str, Organisation] = {}
    for o in orgs:
        index[o.uri] = o
        index.setdefault(o.code.lower(), o)
        if o.gemeentecode:
            index.setdefault(o.gemeentecode, o)
    return tuple(orgs), index


def _organisation(uri: str, label: str, tooi_list: str, g: dict[str, str] | None) -> Organisation:
    code = uri.rstrip("/").rsplit("/", 1)[-1]
    if g is None:
        return Organisation(uri, code, label, tooi_list)
    return Organisation(uri, g.get("organisatiecode") or code, label, tooi_list, naam=g.get("naam") or None,
                        gemeentecode=g.get("gemeentecode") or None, begindatum=_date(g.get("begindatum")),
                        einddatum=_date(g.get("einddatum")))


def organisations() -> list[Organisation]:
    """Every organisation the DiWoo XSD accepts as publisher/verantwoordelijke/opsteller."""
    return list(_organisations()[0])


def organisation(uri_or_code: str | None) -> Organisation | None:
    """By TOOI URI, organisation code ("gm0363", case-insensitive) or 4-digit CBS code ("0363")."""
    if not uri_or_code:
        return None
    key = uri_or_code.strip()
    index = _organisations()[1]
    return index.get(key) or index.get(key.lower())


# --------------------------------------------------------------------------- simple concept lists


@dataclass(frozen=True)
class Concept:
    uri: str
    label: str
    code: str  # short, CLI-friendly: slug of the label ("correctie_procedurele_fout")


@dataclass(frozen=True)
class Bestandsformaat:
    uri: str
    label: str  # "Word DOCX"
    description: str
    code: str  # last URI segment ("DOCX")


def _concepts(name: str, code_from_uri: bool = False) -> tuple[Concept, ...]:
    out = []
    for r in _rows(name):
        code = r["uri"].rstrip("/").rsplit("/", 1)[-1] if code_from_uri else slugify(r["label"])
        out.append(Concept(r["uri"], r["label"], code))
    return tuple(out)


def _find(items, value: str | None):
    """The first of ``items`` whose URI is ``value`` or whose label or code normalises like it."""
    if not value:
        return None
    value = value.strip()
    by_uri, by_key = _lookup(items)
    found = [i for i in (by_uri.get(value), by_key.get(_key(value))) if i is not None]
    return items[min(found)] if found else None


_LOOKUPS: dict[int, tuple] = {}


@lru_cache(maxsize=4096)
def _key(value: str) -> str:
    return normalise_label(value)


def _lookup(items) -> tuple[dict[str, int], dict[str, int]]:
    """Index of a (cached, immutable) list: sitemaps look values up per document, a million times."""
    hit = _LOOKUPS.get(id(items))
    if hit is not None and hit[0] is items:
        return hit[1], hit[2]
    by_uri: dict[str, int] = {}
    by_key: dict[str, int] = {}
    for i, c in enumerate(items):  # first match wins, as in a scan
        by_uri.setdefault(c.uri, i)
        by_key.setdefault(normalise_label(c.label), i)
        by_key.setdefault(normalise_label(c.code), i)
    if isinstance(items, tuple):
        _LOOKUPS[id(items)] = (items, by_uri, by_key)  # holds the tuple, so its id stays its own
    return by_uri, by_key


@lru_cache(maxsize=None)
def _list(name: str, code_from_uri: bool = False) -> tuple[Concept, ...]:
    return _concepts(name, code_from_uri)


def documentsoorten() -> list[Concept]:
    return list(_list("documentsoorten.csv"))


def documentsoort(value: str | None) -> Concept | None:
    return _find(_list("documentsoorten.csv"), value)


def talen() -> list[Concept]:
    """Languages; ``code`` is the URI's last segment (ISO 639-3 upper case "NLD", or "PAP-AW")."""
    return list(_list("talen.csv", True))


def taal(value: str | None) -> Concept | None:
    """The TOOI language for a URI, label ("Nederlands"), ISO 639-3 code ("NLD") or ISO 639-1 code ("nl")."""
    if value and value.strip().lower() in ISO639_1:
        value = ISO639_1[value.strip().lower()]
    return _find(_list("talen.csv", True), value)


# ISO 639-1 (what language detection and xsd:language give) -> ISO 639-3 as TOOI's talen list codes it
ISO639_1 = {"nl": "NLD", "en": "ENG", "fy": "FRY", "de": "DEU", "fr": "FRA"}


def language_code(value: str | None) -> str | None:
    """How woo stores a language (``Document.language``, MDTO talen): ISO 639-1 where it has one
    ("nl"), else the lower-case TOOI code; None when the value is no TOOI language."""
    concept = taal(value)
    if concept is None:
        return None
    back = {v: k for k, v in ISO639_1.items() if len(k) == 2}
    return back.get(concept.code, concept.code.lower())


def documenthandelingen() -> list[Concept]:
    return list(_list("documenthandelingen.csv"))


def documenthandeling(value: str | None) -> Concept | None:
    return _find(_list("documenthandelingen.csv"), value)


def documentrelaties() -> list[Concept]:
    return list(_list("documentrelaties.csv"))


def documentrelatie(value: str | None) -> Concept | None:
    return _find(_list("documentrelaties.csv"), value)


def themas() -> list[Concept]:
    return list(_list("themas-toplijst.csv"))


def thema(value: str | None) -> Concept | None:
    return _find(_list("themas-toplijst.csv"), value)


def redenen_verwijdering() -> list[Concept]:
    """Reasons for withdrawal/replacement (``redenVerwijderingVervanging``); ``code`` is CLI-friendly."""
    return list(_list("reden-verwijdering-vervanging.csv"))


def reden_verwijdering(value: str | None) -> Concept | None:
    return _find(_list("reden-verwijdering-vervanging.csv"), value)


# --------------------------------------------------------------------------- file formats


@lru_cache(maxsize=1)
def _bestandsformaten() -> tuple[Bestandsformaat, ...]:
    return tuple(Bestandsformaat(r["uri"], r["label"], r["description"], r["uri"].rstrip("/").rsplit("/", 1)[-1])
                 for r in _rows("bestandsformaten.csv"))


def bestandsformaten() -> list[Bestandsformaat]:
    """The 19 formats the Woo-index harvests (TOOI ``ccw_plooi_filetypes``)."""
    return list(_bestandsformaten())


def bestandsformaat(value: str | None) -> Bestandsformaat | None:
    """By URI, label ("Word DOCX") or code ("DOCX")."""
    return _find(_bestandsformaten(), value)


def _format_tokens(f: Bestandsformaat) -> set[str]:
    # The extension a format stands for is named in its label ("Word DOCX", "PowerPoint PPSX") or is
    # the URI's code; "Plain text" is the only label without it, its code is TXT.
    return {t.lower() for t in re.split(r"[^A-Za-z0-9]+", f.label) if t} | {f.code.lower()}


def bestandsformaat_by_extension(ext: str | None) -> Bestandsformaat | None:
    """".docx", "docx" or a file name -> TOOI format; None when the harvester does not take it."""
    if not ext:
        return None
    ext = ext.strip().lower()
    if "." in ext:
        ext = ext.rsplit(".", 1)[-1]
    return _format_for_extension(ext)


@lru_cache(maxsize=512)
def _format_for_extension(ext: str) -> Bestandsformaat | None:
    # Exact token first (label/code), then through the MIME type for aliases like .htm.
    for f in _bestandsformaten():
        if f.code.lower() == ext:
            return f
    for f in _bestandsformaten():
        if ext in _format_tokens(f):
            return f
    mime = mimetypes.guess_type(f"x.{ext}")[0]
    if mime:
        for alias in mimetypes.guess_all_extensions(mime):
            alias = alias.lstrip(".")
            if alias != ext:
                found = next((f for f in _bestandsformaten() if f.code.lower() == alias), None)
                if found:
                    return found
    return None


def bestandsformaat_by_mime(mime: str | None) -> Bestandsformaat | None:
    """"application/pdf" (parameters ignored) -> TOOI format, via the extensions the MIME type has."""
    if not mime:
        return None
    mime = mime.split(";", 1)[0].strip().lower()
    for ext in mimetypes.guess_all_extensions(mime, strict=False):
        found = next((f for f in _bestandsformaten() if f.code.lower() == ext.lstrip(".")), None)
        if found:
            return found
    return None


def bestandsformaat_for(mime: str | None = None, filename: str | None = None) -> Bestandsformaat | None:
    """Best guess from what is known about a file: the extension wins when both are given, since
    several Office formats share one MIME type (ppt/pps)."""
    by_name = bestandsformaat_by_extension(filename) if filename and "." in filename else None
    return by_name or bestandsformaat_by_mime(mime)


def clear_cache() -> None:
    """Forget loaded lists (after changing WOO_SCHEMAS_DIR)."""
    for fn in (_categories, _organisations, _list, _bestandsformaten, _format_for_extension):
        fn.cache_clear()
