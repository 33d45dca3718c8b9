"""Numbers that identify a person or an account: BSN (elfproef), IBAN (mod-97), licence plates.

Candidates come from loose patterns; the checksums (python-stdnum) decide. A 9-digit number passes
the elfproef by chance about one time in eleven, so money and reference contexts are excluded.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban as _iban
from stdnum.nl import bsn as _bsn

Span = tuple[int, int]

# 123456782, 1234.56.782, 1234 56 782, 123 456 782, 123.456.782 is left out: that is how amounts
# are written. Not glued to other digits, decimal commas or dotted number runs.
_BSN = re.compile(
    r"(?=\d)(?<![\d.,/\-])(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{4} \d{2} \d{3}|\d{3} \d{3} \d{3}|\d{3}-\d{3}-\d{3})"
    r"(?![\d]|[.,/\-]\d)"
)
# Money, organisation numbers (RSIN uses the same checksum) and telephone context are not BSNs.
_BSN_NOT_AFTER = re.compile(r"(?i)(?:€|eur|euro|rsin|kvk|fiscaal nummer|btw|tel\.?|telefoon)\s*:?\s*(?:nummer\s*:?\s*)?$")

_DIGIT_BEFORE = re.compile(r"\d[ \t]$")
_DIGIT_AFTER = re.compile(r"[ \t]\d")


def find_bsn(text: str) -> Iterator[Span]:
    for m in _BSN.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if digits == "0" * 9 or not _bsn.is_valid(digits):
            continue
        if _BSN_NOT_AFTER.search(text, max(0, m.start() - 25), m.start()):
            continue
        if " " in m.group() and (_DIGIT_BEFORE.search(text, max(0, m.start() - 3), m.start())
                                 or _DIGIT_AFTER.match(text, m.end())):
            continue  # a run of number columns in a table, not one spaced-out number
        yield m.start(), m.end()


# Country code, check digits, then the BBAN in groups (of four when spaced). Up to 34 characters.
_IBAN = re.compile(r"(?=[A-Z]{2}\d)(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}(?![A-Za-z0-9])", re.IGNORECASE)


def find_iban(text: str) -> Iterator[Span]:
    """Mod-97 and the country's length and BBAN format; not national bank check digits, so an
    account with a typo in them is still reported."""
    for m in _IBAN.finditer(text):
        cand = m.group()
        # The loose pattern may swallow a following word or number group: try the longest valid
        # prefix that ends on a group boundary.
        ends = [i for i in range(len(cand), 11, -1) if i == len(cand) or cand[i] == " "]
        for end in ends:
            piece = cand[:end].rstrip()
            compact = piece.replace(" ", "").upper()
            if _iban.is_valid(compact, check_country=False):
                yield m.start(), m.start() + len(piece)
                break


# Dutch licence plates, sidecodes 1-14, written with dashes (without them far too much matches).
_L = "[BDFGHJKLNPRSTVXZ]"
_SIDECODES = [
    "LL-99-99", "99-99-LL", "99-LL-99", "LL-99-LL", "LL-LL-99", "99-LL-LL", "99-LLL-9", "9-LLL-99",
    "LL-999-L", "L-999-LL", "LLL-99-L", "L-99-LLL", "9-LL-999", "999-LL-9",
]


def _sidecode_regex(code: str) -> str:
    return "".join(_L if c == "L" else r"\d" if c == "9" else "-" for c in code)


_PLATE = re.compile(
    r"(?=[\dBDFGHJKLNPRSTVXZ])(?<![\w\-])(?:" + "|".join(_sidecode_regex(c) for c in _SIDECODES) + r")(?![\w]|-\w)"
)


def find_licence_plate(text: str) -> Iterator[Span]:
    if "-" not in text:  # every sidecode has dashes
        return
    for m in _PLATE.finditer(text):
        yield m.start(), m.end()
