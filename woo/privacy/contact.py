"""Contact details: e-mail addresses and telephone numbers (Dutch numbering plan, +31/0031)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

Span = tuple[int, int]

_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w\-])"
)


def find_email(text: str) -> Iterator[Span]:
    if "@" not in text:  # most pages: skip the scan of every start position
        return
    for m in _EMAIL.finditer(text):
        yield m.start(), m.end()


# A number right after one of these words is a file reference, not a telephone number.
_REFERENCE_BEFORE = re.compile(
    r"(?i)(?:kenmerk|referentie|zaaknummer|zaak|dossiernummer|dossier|factuurnummer|relatienummer|"
    r"klantnummer|ordernummer|registratienummer|nr\.?|nummer|bsn|kvk|rsin|iban)\s*:?\s*$"
)
_PHONE_BEFORE = re.compile(r"(?i)(?:tel|telefoon|telefoonnummer|mobiel|gsm|fax|bel|phone)\b")

# Cheap pre-check so the (slower) matcher only runs on text that can hold a phone number.
_MAYBE_PHONE = re.compile(r"(?:\+|00)\d|\b0\d")


# Mobile numbers by shape, whether or not the block is in use yet (06-7x, 06-9x are not today):
# the numbering plan check above would miss them, and the shape alone is distinctive enough.
_MOBILE = re.compile(
    r"(?<![\w+\-/.,])(?:(?:\+31|0031)[ \-]?(?:\(0\)[ \-]?)?|0)6"
    r"(?:[ \-]?\d{8}|[ \-]\d{4}[ \-]\d{4}|(?:[ ]\d\d){4})(?![\w\-/]|[.,]\d)"
)


def find_phone(text: str) -> Iterator[Span]:
    if not _MAYBE_PHONE.search(text):
        return
    spans = list(_plan_phones(text))
    yield from spans
    for m in _MOBILE.finditer(text):
        if not any(m.start() < e and s < m.end() for s, e in spans):
            yield m.start(), m.end()


def _min_digits() -> int:
    """Fewest digits a valid number can show: an NL national number's significant part, or a
    country code plus the shortest significant part of any region (from the library's metadata)."""
    meta = phonenumbers.PhoneMetadata
    lengths = [min(m.general_desc.possible_length)
               for m in [meta.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS]
               + [meta.metadata_for_nongeo_region(c) for c in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
               if m is not None and m.general_desc.possible_length]
    return min(min(meta.metadata_for_region("NL").general_desc.possible_length), 1 + min(lengths))


_MIN_DIGITS = _min_digits()
_DIGIT = re.compile(r"\d")

# Stretches that could hold a dialled number: the matcher (slow, pure Python) only sees these.
_CANDIDATE = re.compile(r"(?<![\d/\w])(?:\+|00|\(0|0|14)[\d \t()\-–./]{2,24}\d")


@lru_cache(maxsize=8192)
def _dialled_numbers(window: str) -> tuple[Span, ...]:
    """Spans (in ``window``) of the numbers the numbering plan knows, single-digit table cells left out.
    A pure function of the window, kept per process: half the windows the corpus gives are repeats (a
    letterhead's or footer's number on every page), and the matcher is most of the privacy scan's time."""
    out = []
    # Leniency VALID: the number must exist in the numbering plan, which rules out dates, amounts
    # and most reference numbers.
    for m in phonenumbers.PhoneNumberMatcher(window, "NL", leniency=phonenumbers.Leniency.VALID):
        if len(re.findall(r"(?<!\d)\d(?!\d)", m.raw_string)) >= 4:
            continue  # "(0) 3 3 3 3 7 15 34": single-digit table cells, not a dialled number
        out.append((m.start, m.end))
    return tuple(out)


def _plan_phones(text: str) -> Iterator[Span]:
    for cand in _CANDIDATE.finditer(text):
        lo = max(0, cand.start() - 1)
        window = text[lo:cand.end() + 1]
        if len(_DIGIT.findall(window)) < _MIN_DIGITS:
            continue  # "0.25", "0-3", "14-3": too few digits for any valid number; the matcher is slow
        for m_start, m_end in _dialled_numbers(window):
            start, end = lo + m_start, lo + m_end
            before = text[max(0, start - 30):start]
            if _REFERENCE_BEFORE.search(before) and not _PHONE_BEFORE.search(before):
                continue
            yield start, end
