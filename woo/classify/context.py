"""What is known about a document besides its text: its dossier and the connector it came in through.

A document inside a Woo-besluit dossier is part of that decision (art. 3.3 lid 2 i) whatever it looks
like; a document on a meeting's agenda is a vergaderstuk or an ingekomen stuk of that meeting. Such
context enters the classifier as a prior (logit offsets, each with a Dutch reason for the officer).
Without context the model stands on its own: ``prior(None)`` is all zeros and gives no reasons.

Pure: no I/O. The dossier and connector vocabularies are the keys below; unknown values are ignored
(the helper that builds dossiers passes what it knows).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import categories as cats

IS = "bij_vertegenwoordigende_organen_ingekomen_stukken"
DO = "vergaderstukken_decentrale_overheden"
SG = "vergaderstukken_staten_generaal"
AB = "agendas_en_besluitenlijsten_bestuurscolleges"
WV = "woo_verzoeken_en_besluiten"
W = "wetten_en_algemeen_verbindende_voorschriften"
OB = "overige_besluiten_van_algemene_strekking"

STRONG = 6.0  # the dossier decides (a Woo-besluit dossier): outweighs any text cue
MEDIUM = 2.5  # a meeting narrows the choice, the text still picks within it
WEAK = 1.0  # a connector says where documents usually come from

# dossier kind -> {category slug: logit offset}, reason (Dutch)
DOSSIER_PRIORS: dict[str, tuple[dict[str, float], str]] = {
    "woo-besluit": ({WV: STRONG}, "Het document hoort bij een Woo-besluit (dossier); de stukken van een "
                                  "Woo-besluit vallen onder 'Woo-verzoeken en -besluiten'."),
    "vergadering": ({DO: MEDIUM, IS: MEDIUM}, "Het document staat bij een vergadering van een vertegenwoordigend "
                                              "orgaan: een vergaderstuk of een ingekomen stuk."),
    "raadsvergadering": ({DO: MEDIUM, IS: MEDIUM}, "Het document staat bij een raads- of statenvergadering: een "
                                                   "vergaderstuk of een ingekomen stuk."),
    "collegevergadering": ({AB: MEDIUM}, "Het document staat bij een vergadering van het college (B&W, GS of "
                                         "dagelijks bestuur)."),
    "kamervergadering": ({SG: MEDIUM}, "Het document staat bij een vergadering van de Staten-Generaal."),
}
ALIASES = {"woo_besluit": "woo-besluit", "woobesluit": "woo-besluit", "wob-besluit": "woo-besluit",
           "woo-verzoek": "woo-besluit", "meeting": "vergadering", "raad": "raadsvergadering",
           "college": "collegevergadering"}

# connector -> priors, reason: only where a source carries one kind of document
CONNECTOR_PRIORS: dict[str, tuple[dict[str, float], str]] = {
    "ibabs": ({DO: WEAK, IS: WEAK}, "Aangeleverd via het raadsinformatiesysteem (iBabs)."),
    "notubiz": ({DO: WEAK, IS: WEAK}, "Aangeleverd via het raadsinformatiesysteem (Notubiz)."),
    "gemeenteoplossingen": ({DO: WEAK, IS: WEAK}, "Aangeleverd via het raadsinformatiesysteem (GemeenteOplossingen)."),
    "parlisweb": ({SG: WEAK}, "Aangeleverd vanuit de parlementaire informatie (Staten-Generaal)."),
    "officielebekendmakingen": ({W: WEAK, OB: WEAK}, "Aangeleverd vanuit officiële bekendmakingen (Staatsblad, "
                                                     "Staatscourant, gemeenteblad)."),
}


# role of the document in a meeting dossier -> priors, reason: the role narrows the meeting's choice
ROLE_PRIORS: dict[str, tuple[dict[str, float], str]] = {
    "ingekomen-stuk": ({IS: MEDIUM}, "Het document is in de vergadering een ingekomen stuk."),
    "vergaderstuk": ({DO: MEDIUM}, "Het document is een vergaderstuk van de vergadering."),
    "agenda": ({DO: MEDIUM}, "Het document is de agenda van de vergadering."),
    "besluitenlijst": ({DO: MEDIUM}, "Het document is de besluitenlijst van de vergadering."),
    "verslag": ({DO: MEDIUM}, "Het document is het verslag van de vergadering."),
}
MEETING_KINDS = ("vergadering", "raadsvergadering")


@dataclass(frozen=True)
class DocumentContext:
    dossier_kind: str | None = None  # e.g. "woo-besluit", "vergadering"
    connector: str | None = None  # e.g. "ibabs", "notubiz"
    dossier_role: str | None = None  # the document's role in a meeting dossier (woo.domain.dossiers.Role)


def _key(value: str | None) -> str:
    key = (value or "").strip().lower().replace(" ", "-")
    return ALIASES.get(key, key)


def prior(context: DocumentContext | None, uris: list[str]) -> tuple[list[float], list[str]]:
    """Logit offsets over ``uris`` (in that order) and the Dutch reasons for them."""
    offsets = [0.0] * len(uris)
    reasons: list[str] = []
    if context is None:
        return offsets, reasons
    index = {u: i for i, u in enumerate(uris)}
    role = context.dossier_role if _key(context.dossier_kind) in MEETING_KINDS else None
    for table, value in ((DOSSIER_PRIORS, context.dossier_kind), (ROLE_PRIORS, role),
                         (CONNECTOR_PRIORS, context.connector)):
        entry = table.get(_key(value))
        if entry is None:
            continue
        weights, reason = entry
        for slug, w in weights.items():
            offsets[index[cats.resolve(slug).uri]] += w
        reasons.append("Context: " + reason)
    return offsets, reasons
