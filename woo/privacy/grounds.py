"""The Woo grounds for withholding and the default ground per kind of finding: one table for CLI, API and UI.

A BSN (and any other national identification number) falls under the absolute ground of art. 5.1
lid 1 sub e; names, contact data, addresses, birth dates, bank numbers and hidden authors under
the relative ground of the personal sphere (art. 5.1 lid 2 sub e). The officer can always choose
another ground; the default is what "Lakken" uses when no ground is chosen. Pure: no I/O.
"""
from __future__ import annotations

# The Woo grounds for withholding: one list for the whole service (dossiers, inventories, redactions).
from woo.domain.grounds import WOO_GROUNDS  # noqa: E402,F401
TYPE_LABELS_NL = {"bsn": "BSN", "iban": "IBAN", "email": "e-mailadres", "phone": "telefoonnummer",
                  "address": "adres", "birthdate": "geboortedatum", "licence_plate": "kenteken",
                  "person_name": "persoonsnaam", "hidden": "verborgen inhoud"}
PERSONAL_SPHERE = "5.1.2e"
DEFAULT_GROUND = {
    "bsn": "5.1.1e",  # national identification numbers: absolute ground
    "iban": PERSONAL_SPHERE, "email": PERSONAL_SPHERE, "phone": PERSONAL_SPHERE, "address": PERSONAL_SPHERE,
    "birthdate": PERSONAL_SPHERE, "licence_plate": PERSONAL_SPHERE, "person_name": PERSONAL_SPHERE,
    "hidden": PERSONAL_SPHERE,
}


def default_ground(kind: str) -> str:
    """The ground a redaction of this kind of finding gets unless the officer picks another."""
    return DEFAULT_GROUND.get(kind, PERSONAL_SPHERE)
