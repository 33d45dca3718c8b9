"""What a remote document's context says about it: its role in a meeting dossier and why (pure, no I/O).

A meeting of the council or a committee is a ``vergadering`` dossier of category 2c; a meeting of the
college (B&W, GS, dagelijks bestuur) one of category 2d. On it, a document on an "ingekomen stukken"
agenda item is an ingekomen stuk (2a, woo.domain.dossiers.document_category); a besluitenlijst, agenda or
verslag has that role; anything else is a vergaderstuk. Motions and amendments are vergaderstukken (2c).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from woo.domain.dossiers import Role

_COLLEGE = re.compile(r"\b(college|b\s*&\s*w|burgemeester en wethouders|gedeputeerde staten|dagelijks bestuur)\b",
                      re.IGNORECASE)
_INGEKOMEN = re.compile(r"ingekomen", re.IGNORECASE)
_MOTION = re.compile(r"\b(motie|moties|amendement|amendementen)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Placement:
    role: Role
    reason: str  # Dutch, for the officer


def is_college(*names: str | None) -> bool:
    return any(n and _COLLEGE.search(n) for n in names)


def meeting_category_code(committee: str | None, title: str | None) -> str:
    """Article code of the meeting dossier's category: 2d for the college, else 2c."""
    return "2d" if is_college(committee, title) else "2c"


def meeting_reason(committee: str | None, title: str | None) -> str:
    if is_college(committee, title):
        return ("Vergadering van het college (agenda's en besluitenlijsten van bestuurscolleges, "
                "art. 3.3 lid 2 sub d).")
    return "Vergadering van de raad of een commissie (vergaderstukken, art. 3.3 lid 2 sub c)."


def place(agenda_item: str | None, title: str | None, kind: str | None, meeting_title: str | None) -> Placement:
    """The role of a document in its meeting dossier, with the reason shown to the officer."""
    where = f"vergadering '{meeting_title}'" if meeting_title else "de vergadering"
    if agenda_item and _INGEKOMEN.search(agenda_item):
        return Placement(Role.INGEKOMEN_STUK, f"Staat bij agendapunt '{agenda_item}' van {where}: een ingekomen "
                                              "stuk (art. 3.3 lid 2 sub a).")
    words = " ".join(x for x in (kind, title) if x)
    if re.search(r"besluitenlijst", words, re.IGNORECASE):
        return Placement(Role.BESLUITENLIJST, f"Besluitenlijst van {where}.")
    if re.search(r"\b(verslag|notulen)\b", words, re.IGNORECASE):
        return Placement(Role.VERSLAG, f"Verslag van {where}.")
    if re.search(r"^\s*(agenda|concept-agenda)\b", title or "", re.IGNORECASE) or (kind or "").lower() == "agenda":
        return Placement(Role.AGENDA, f"Agenda van {where}.")
    if _MOTION.search(words):
        return Placement(Role.VERGADERSTUK, f"Motie of amendement bij {where}.")
    suffix = f" (agendapunt '{agenda_item}')" if agenda_item else ""
    return Placement(Role.VERGADERSTUK, f"Vergaderstuk bij {where}{suffix}.")


def loose_hint(title: str | None, kind: str | None, received: bool) -> tuple[str, str] | None:
    """A document on no meeting: (article code, reason) when its own remote type is clear, else None
    (then the classifier suggests and the officer reviews)."""
    words = " ".join(x for x in (kind, title) if x)
    if _INGEKOMEN.search(words) or received:
        return "2a", "De bron noemt het een ingekomen stuk (art. 3.3 lid 2 sub a)."
    if _MOTION.search(words):
        return "2c", "De bron noemt het een motie of amendement: een vergaderstuk (art. 3.3 lid 2 sub c)."
    return None
