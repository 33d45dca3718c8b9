"""The Woo ground a redaction of each kind of personal data gets unless the officer chooses another.

Art. 5.1 lid 1 sub e Woo (absolute): national identification numbers (BSN and the like). Art. 5.1 lid 2
sub e (relative): the respect for private life, for names, contact data, addresses, dates of birth,
licence plates and bank account numbers. Hidden content (comments, authors, earlier revisions) is removed,
not redacted; its default is privacy too. The officer changes the ground per finding on the document page.
"""
from __future__ import annotations

NATIONAL_NUMBER = "5.1.1e"
PRIVATE_LIFE = "5.1.2e"

DEFAULT_GROUND: dict[str, str] = {
    "bsn": NATIONAL_NUMBER,
    "iban": PRIVATE_LIFE,
    "email": PRIVATE_LIFE,
    "phone": PRIVATE_LIFE,
    "address": PRIVATE_LIFE,
    "birthdate": PRIVATE_LIFE,
    "licence_plate": PRIVATE_LIFE,
    "person_name": PRIVATE_LIFE,
    "hidden": PRIVATE_LIFE,
}


def default_ground(kind: str) -> str:
    """The ground proposed for a finding of ``kind`` (a detector type, or ``hidden``)."""
    return DEFAULT_GROUND.get(kind, PRIVATE_LIFE)
