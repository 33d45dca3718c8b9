"""Connector kinds -> modules, imported lazily: a kind whose module is not installed (yet) says so in Dutch.

Every connector module exposes ``KIND: str`` and ``from_config(config, secret, http=None) -> Connector``.
"""
from __future__ import annotations

import importlib

MODULES = {
    "openbesluitvorming": "woo.intake.connectors.openbesluitvorming",
    "zgw-drc": "woo.intake.connectors.zgw_drc",
}
LABELS_NL = {"openbesluitvorming": "OpenBesluitvorming (raadsinformatie)",
             "zgw-drc": "ZGW Documenten API (zaaksysteem)"}


class UnknownKind(ValueError):
    pass


def kinds() -> list[str]:
    return list(MODULES)


def module(kind: str):
    path = MODULES.get(kind)
    if path is None:
        raise UnknownKind(f"Onbekend soort bron '{kind}'. Kies uit: {', '.join(MODULES)}.")
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name == path:
            raise UnknownKind(f"Het soort bron '{kind}' is in deze installatie nog niet beschikbaar.") from exc
        raise


def build(kind: str, config: dict, secret: str | None = None, http=None):
    return module(kind).from_config(config, secret, http=http)
