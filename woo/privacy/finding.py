"""What a detector reports: one piece of personal data at a place in a text."""
from __future__ import annotations

from dataclasses import dataclass, field

TYPES = ("bsn", "iban", "email", "phone", "address", "birthdate", "licence_plate", "person_name")


def mask(text: str) -> str:
    """Keep a short prefix so a log line can be matched to the document, hide the rest."""
    keep = max(1, min(4, len(text) // 3))
    return text[:keep] + "*" * (len(text) - keep)


@dataclass(frozen=True)
class Finding:
    type: str
    page: int | None
    text: str
    start: int
    end: int
    masked: str = field(default="", compare=False)
    role: str | None = field(default=None, compare=False)  # person_name in a public office: "minister" ...

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown finding type {self.type!r}")
        if not self.masked:
            object.__setattr__(self, "masked", mask(self.text))

    def to_dict(self) -> dict:
        out = {"type": self.type, "page": self.page, "text": self.text, "start": self.start, "end": self.end}
        if self.role:  # proposed for publication: an official named in that office
            out["proposal"] = PUBLIC_OFFICIAL
            out["role"] = self.role
        return out


PUBLIC_OFFICIAL = "publiek_ambtsdrager"
