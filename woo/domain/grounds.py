"""The Woo's own grounds for withholding information (hoofdstuk 5 Woo), kept in one place.

The privacy gate (a redaction's ground), the per-document judgement of a dossier and the inventory import
all validate against ``WOO_GROUNDS``. Keys are the short article notation used in Woo decisions and in
the VWS inventories: ``5.1.1e`` = art. 5.1 lid 1 sub e, ``5.2`` = art. 5.2 lid 1 (persoonlijke
beleidsopvattingen), ``5.1.5`` = art. 5.1 lid 5 (onevenredige benadeling).
"""
from __future__ import annotations

import re

WOO_GROUNDS: dict[str, str] = {
    "5.1.1a": "eenheid van de Kroon",
    "5.1.1b": "veiligheid van de Staat",
    "5.1.1c": "bedrijfs- en fabricagegegevens (vertrouwelijk verstrekt)",
    "5.1.1d": "bijzondere persoonsgegevens",
    "5.1.1e": "nationale identificatienummers",
    "5.1.2a": "internationale betrekkingen",
    "5.1.2b": "economische of financiële belangen van de Staat",
    "5.1.2c": "opsporing en vervolging van strafbare feiten",
    "5.1.2d": "inspectie, controle en toezicht",
    "5.1.2e": "eerbiediging van de persoonlijke levenssfeer",
    "5.1.2f": "concurrentiegevoelige bedrijfs- en fabricagegegevens",
    "5.1.2g": "bescherming van het milieu",
    "5.1.2h": "beveiliging van personen of bedrijven en voorkomen van sabotage",
    "5.1.2i": "goed functioneren van de Staat",
    "5.1.5": "onevenredige benadeling",
    "5.2": "persoonlijke beleidsopvattingen",
}

# Other ways the same article is written in inventories: "5.2.1" (lid 1), "5.1.2.e", "art. 5.1 lid 2 sub e".
_ALIASES = {"5.2.1": "5.2", "5.1.5": "5.1.5"}
_LID = re.compile(r"^5\.([12])(?:,?lid|\.)(\d)(?:,?(?:sub|onder|aanhefenonder))?\.?([a-i])?$")


def normalise_ground(value: str) -> str | None:
    """The ground key for ``value`` (loosely written), None when it is not a ground of the Woo."""
    t = re.sub(r"\s+", "", (value or "").strip().lower())
    t = re.sub(r"^(artikel|art\.?)", "", t)
    t = re.sub(r"(woo)$", "", t).rstrip(".")
    if t in WOO_GROUNDS:
        return t
    m = _LID.match(t)
    if m:
        key = f"5.{m.group(1)}.{m.group(2)}{m.group(3) or ''}"
        key = _ALIASES.get(key, key)
        if key in WOO_GROUNDS:
            return key
    return None


def split_grounds(value: str | None) -> tuple[list[str], list[str]]:
    """A cell such as "5.1.2e; 5.2" -> (known keys in order, unknown parts as written)."""
    known, unknown = [], []
    for part in re.split(r"[;\n|/]+|,(?!\s*(?:aanhef|lid|sub|onder))", value or ""):
        part = part.strip()
        if not part:
            continue
        key = normalise_ground(part)
        if key is None:
            unknown.append(part)
        elif key not in known:
            known.append(key)
    return known, unknown


def ground_label(key: str) -> str:
    return f"{key} Woo ({WOO_GROUNDS[key]})" if key in WOO_GROUNDS else key


__all__ = ["WOO_GROUNDS", "normalise_ground", "split_grounds", "ground_label"]
