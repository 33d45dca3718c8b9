"""Contact details: e-mail addresses and telephone numbers (Dutch numbering plan, +31/0031)."""
from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

Span = tuple[int, int]

_EMAIL = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w\-])"
)


def find_email(text: str) -> Iterator[Span]:
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


def find_phone(text: str) -> Iterator[Span]:
    if not _MAYBE_PHONE.search(text):
        return
    # Leniency VALID: the number must exist in the numbering plan, which rules out dates, amounts
    # and most reference numbers.
    for m in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID,
                                             max_tries=1_000_000):
        if len(re.findall(r"(?<!\d)\d(?!\d)", m.raw_string)) >= 4:
            continue  # "(0) 3 3 3 3 7 15 34": single-digit table cells, not a dialled number
        before = text[max(0, m.start - 30):m.start]
        if _REFERENCE_BEFORE.search(before) and not _PHONE_BEFORE.search(before):
            continue
        yield m.start, m.end
