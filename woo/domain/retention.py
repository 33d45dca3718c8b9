"""Retention rules: the VNG Selectielijst 2020 and the action date of a record (pure functions).

Data: ``schemas/selectielijst/selectielijst_2020.json`` (Django fixture of open-zaak/vng-selectielijst) and
``schemas/retention-mapping.csv`` (our documented default resultaat per Woo category).

    archiefactiedatum = brondatum + bewaartermijn           (waardering V: destroy on that date)
    archiefactiedatum = brondatum + overbrengingstermijn    (waardering B: transfer to the archive)

The overbrengingstermijn is 20 years under the Archiefwet 1995 (art. 12) and 10 under the new Archiefwet;
callers pass the tenant's setting. The brondatum is the caller's: for resultaten whose procestermijn is
not ``nihil`` (e.g. ``bestaansduur_procesobject``) it is the end of the process object, not the document date.
"""
from __future__ import annotations

import calendar
import csv
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from woo.domain import tooi

__all__ = [
    "RetentionError", "Resultaat", "Duration", "Retention", "MappingRow",
    "SELECTIELIJST", "OVERBRENGINGSTERMIJN_ARCHIEFWET_1995", "OVERBRENGINGSTERMIJN_ARCHIEFWET_NIEUW",
    "resultaten", "resultaat", "resultaat_by_uuid", "mapping", "suggest_for_category",
    "alternatives_for_category", "parse_duration", "add_duration", "describe_duration", "retention_for", "strictest",
    "clear_cache",
]

SELECTIELIJST = "Selectielijst gemeenten en intergemeentelijke organen 2020"
OVERBRENGINGSTERMIJN_ARCHIEFWET_1995 = 20
OVERBRENGINGSTERMIJN_ARCHIEFWET_NIEUW = 10

_WAARDERING = {"blijvend_bewaren": "B", "vernietigen": "V"}


class RetentionError(ValueError):
    """Unknown or unusable retention input; the message is meant for records officers (Dutch)."""


@dataclass(frozen=True)
class Resultaat:
    code: str  # volledig nummer, e.g. "6.1" or "11.1.2"
    uuid: str  # same UUID as the public Selectielijst API (selectielijstklasse)
    procestype_nummer: int
    procestype_naam: str
    procesobject: str
    naam: str  # "Ingewilligd"
    omschrijving: str  # specific resultaten: "Informatieverzoek"
    toelichting: str
    herkomst: str
    waardering: str | None  # "B", "V"; None only for the two "Vervallen" rows
    bewaartermijn: str | None  # ISO-8601 duration for V, None for B
    procestermijn: str  # nihil | bestaansduur_procesobject | vast_te_leggen_datum | ...
    generiek: bool

    @property
    def vervallen(self) -> bool:
        return self.waardering is None

    @property
    def label(self) -> str:
        """Readable name for pick lists and MDTO begripLabel: "Verzoeken behandelen - Ingewilligd - ..."."""
        parts = [self.procestype_naam, self.naam, self.omschrijving]
        return " - ".join(" ".join(p.split()) for p in parts if p.strip())

    @property
    def weergave(self) -> str:
        """As printed in the Selectielijst: "B" or "V 5 jaar"."""
        if self.waardering != "V":
            return self.waardering or "vervallen"
        return f"V {describe_duration(self.bewaartermijn)}"


@lru_cache(maxsize=1)
def _load() -> tuple[tuple[Resultaat, ...], dict[str, Resultaat]]:
    path = tooi.schemas_dir() / "selectielijst" / "selectielijst_2020.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    procestypen = {r["pk"]: r["fields"] for r in rows if r["model"] == "selectielijst.procestype"}
    raw = {r["pk"]: r["fields"] for r in rows if r["model"] == "selectielijst.resultaat"}

    def volledig(f) -> str:  # the fixture stores the tree, not the printed number
        if f["generiek_resultaat"]:
            return f"{volledig(raw[f['generiek_resultaat']])}.{f['nummer']}"
        return f"{procestypen[f['proces_type']]['nummer']}.{f['nummer']}"

    out = []
    for f in raw.values():
        pt = procestypen[f["proces_type"]]
        out.append(Resultaat(
            code=volledig(f), uuid=f["uuid"], procestype_nummer=pt["nummer"], procestype_naam=pt["naam"],
            procesobject=pt.get("procesobject") or "", naam=f["naam"], omschrijving=f.get("omschrijving") or "",
            toelichting=f.get("toelichting") or "", herkomst=f.get("herkomst") or "",
            waardering=_WAARDERING.get(f.get("waardering") or ""), bewaartermijn=f.get("bewaartermijn") or None,
            procestermijn=f.get("procestermijn") or "", generiek=f["generiek_resultaat"] is None,
        ))
    out.sort(key=lambda r: tuple(int(p) for p in r.code.split(".")))
    return tuple(out), {r.code: r for r in out} | {r.uuid: r for r in out}


def resultaten(include_vervallen: bool = False) -> list[Resultaat]:
    """All resultaten in Selectielijst order; the "Vervallen" rows only on request (never offer them)."""
    return [r for r in _load()[0] if include_vervallen or not r.vervallen]


def resultaat(code: str) -> Resultaat:
    """A usable resultaat by volledig nummer ("6.1") or UUID; RetentionError when unknown or vervallen."""
    key = (code or "").strip()
    found = _load()[1].get(key) or _load()[1].get(key.rstrip("."))
    if found is None:
        raise RetentionError(f"Resultaat '{code}' komt niet voor in de {SELECTIELIJST}.")
    if found.vervallen:
        hint = found.omschrijving if "vervallen" in found.omschrijving.lower() else found.naam
        extra = f" ({hint.strip()}; {found.toelichting.strip()})" if found.toelichting else f" ({hint.strip()})"
        raise RetentionError(f"Resultaat {found.code} is vervallen en mag niet meer worden gebruikt{extra}.")
    return found


def resultaat_by_uuid(uuid: str) -> Resultaat:
    return resultaat(uuid)


# --------------------------------------------------------------------------- default mapping


@dataclass(frozen=True)
class MappingRow:
    category: tooi.Category
    resultaat: Resultaat
    alternatieven: tuple[Resultaat, ...]
    toelichting: str


@lru_cache(maxsize=1)
def _mapping() -> tuple[MappingRow, ...]:
    path = tooi.schemas_dir() / "retention-mapping.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#")]
    out = []
    for row in csv.DictReader(lines):
        cat = tooi.category_by_label(row["categorie"])
        if cat is None:
            raise RetentionError(f"retention-mapping.csv: onbekende Woo-categorie '{row['categorie']}'.")
        alts = tuple(resultaat(c) for c in (row.get("alternatieven") or "").split())
        out.append(MappingRow(cat, resultaat(row["resultaat"]), alts, row["toelichting"].strip()))
    return tuple(out)


def mapping() -> list[MappingRow]:
    return list(_mapping())


def _row(category_uri: str) -> MappingRow | None:
    cat = tooi.resolve_category(category_uri)
    if cat is None:
        raise RetentionError(f"'{category_uri}' is geen Woo-informatiecategorie.")
    return next((m for m in _mapping() if m.category.uri == cat.uri), None)


def suggest_for_category(category_uri: str) -> Resultaat | None:
    """The documented default resultaat for a Woo category (URI, label or slug); None if not mapped."""
    row = _row(category_uri)
    return row.resultaat if row else None


def alternatives_for_category(category_uri: str) -> list[Resultaat]:
    row = _row(category_uri)
    return list(row.alternatieven) if row else []


# --------------------------------------------------------------------------- ISO-8601 durations


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    days: int = 0


_DURATION = re.compile(r"P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")


def parse_duration(text: str) -> Duration:
    """'P5Y', 'P1Y6M', 'P42D', 'P2W', 'P0D' -> Duration. Time parts are refused (retention is in days)."""
    m = _DURATION.fullmatch((text or "").strip().upper())
    if not m:
        raise RetentionError(f"'{text}' is geen geldige bewaartermijn (ISO 8601, bijv. P5Y, P1Y6M of P42D).")
    y, mo, w, d = (int(g) if g else 0 for g in m.groups())
    return Duration(y, mo, w * 7 + d)


def add_duration(start: date, duration: str | Duration) -> date:
    """Calendar arithmetic: years and months first (29 Feb -> 28 Feb when needed), then days."""
    d = parse_duration(duration) if isinstance(duration, str) else duration
    months = start.month - 1 + d.months + 12 * d.years
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=d.days)


def describe_duration(text: str | None) -> str:
    """'P5Y' -> '5 jaar', 'P1Y6M' -> '1 jaar en 6 maanden', 'P42D' -> '42 dagen'."""
    if not text:
        return ""
    d = parse_duration(text)
    parts = []
    if d.years:
        parts.append(f"{d.years} jaar")
    if d.months:
        parts.append(f"{d.months} {'maand' if d.months == 1 else 'maanden'}")
    if d.days or not parts:
        parts.append(f"{d.days} {'dag' if d.days == 1 else 'dagen'}")
    return " en ".join(parts)


# --------------------------------------------------------------------------- action date


@dataclass(frozen=True)
class Retention:
    resultaat: str  # volledig nummer
    waardering: str  # "B" or "V"
    bewaartermijn: str | None  # ISO duration for V; None for B
    brondatum: date
    archiefactiedatum: date
    archiefactie: str  # "vernietigen" or "overbrengen"
    termijn: str  # the duration that produced archiefactiedatum (bewaartermijn or overbrengingstermijn)


def retention_for(res: Resultaat | str, brondatum: date,
                  overbrengingstermijn_jaren: int = OVERBRENGINGSTERMIJN_ARCHIEFWET_1995) -> Retention:
    """What happens to a record, and when: destroy (V) after the bewaartermijn, or transfer (B) after the
    overbrengingstermijn (20 years by default, 10 under the new Archiefwet)."""
    if isinstance(res, str):
        res = resultaat(res)
    if res.vervallen:
        raise RetentionError(f"Resultaat {res.code} is vervallen en mag niet meer worden gebruikt.")
    if not isinstance(brondatum, date):
        raise RetentionError("Een brondatum (datum) is nodig om de archiefactiedatum te berekenen.")
    if overbrengingstermijn_jaren not in range(1, 101):
        raise RetentionError(f"Overbrengingstermijn {overbrengingstermijn_jaren} jaar is ongeldig (verwacht 10 of 20).")
    if res.waardering == "V":
        if not res.bewaartermijn:
            raise RetentionError(f"Resultaat {res.code} heeft waardering V maar geen bewaartermijn.")
        return Retention(res.code, "V", res.bewaartermijn, brondatum, add_duration(brondatum, res.bewaartermijn),
                         "vernietigen", res.bewaartermijn)
    termijn = f"P{overbrengingstermijn_jaren}Y"
    return Retention(res.code, "B", None, brondatum, add_duration(brondatum, termijn), "overbrengen", termijn)


def strictest(items: list[Resultaat]) -> Resultaat:
    """One resultaat for a record that falls under several: any B wins (keep it); else the longest V.

    Ties keep the first given (callers pass them in category order), as GPP-Woo does.
    """
    if not items:
        raise RetentionError("Geen resultaten om uit te kiezen.")
    usable = [r for r in items if not r.vervallen]
    if not usable:
        raise RetentionError("Alle opgegeven resultaten zijn vervallen.")
    keep = [r for r in usable if r.waardering == "B"]
    if keep:
        return keep[0]
    ref = date(2000, 1, 1)
    return max(usable, key=lambda r: (add_duration(ref, r.bewaartermijn), -usable.index(r)))


def clear_cache() -> None:
    _load.cache_clear()
    _mapping.cache_clear()
