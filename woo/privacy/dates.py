"""Dates of birth: a date shortly after "geboren", "geboortedatum", "geb." and the like."""
from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int]

_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|"
    r"jan\.?|feb\.?|febr\.?|mrt\.?|apr\.?|jun\.?|jul\.?|aug\.?|sep\.?|sept\.?|okt\.?|nov\.?|dec\.?"
)
_DATE = (
    r"(?:\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)"
    rf"|\d{{1,2}}[ ](?:{_MONTHS})[ ]\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})"
)
_BIRTHDATE = re.compile(
    r"(?i)(?=[gd])\b(?:geboren|geboortedatum|geboorte[ -]datum|geb\.|geb\b|d\.o\.b\.|date of birth)"
    rf"[^\n\d]{{0,25}}?(?P<date>{_DATE})"
)


def find_birthdate(text: str) -> Iterator[Span]:
    for m in _BIRTHDATE.finditer(text):
        yield m.start("date"), m.end("date")
