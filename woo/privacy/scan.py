"""Run every detector over a text (or the pages of a document) and resolve overlaps."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from woo.privacy.address import find_address
from woo.privacy.contact import find_email, find_phone
from woo.privacy.dates import find_birthdate
from woo.privacy.finding import Finding
from woo.privacy.identifiers import find_bsn, find_iban, find_licence_plate
from woo.privacy.names import find_person_name, public_role

# Most specific first: when two findings overlap, the earlier type wins (an e-mail address is not
# also a name, an IBAN's digits are not also a phone number).
DETECTORS: list[tuple[str, Callable[[str], Iterable[tuple[int, int]]]]] = [
    ("email", find_email),
    ("iban", find_iban),
    ("bsn", find_bsn),
    ("phone", find_phone),
    ("licence_plate", find_licence_plate),
    ("birthdate", find_birthdate),
    ("address", find_address),
    ("person_name", find_person_name),
]


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e in taken)


def scan_text(text: str, page: int | None = None) -> list[Finding]:
    """Personal data in `text`; offsets index into `text`. `page` (1-based) is copied into findings."""
    taken: list[tuple[int, int]] = []
    found: list[Finding] = []
    for kind, detect in DETECTORS:
        own: list[tuple[int, int]] = []
        for start, end in _merge(detect(text)):
            if _overlaps(taken, start, end):
                continue
            own.append((start, end))
            role = public_role(text, start, end) if kind == "person_name" else None
            found.append(Finding(kind, page, text[start:end], start, end, role=role))
        taken.extend(own)
    return sorted(found, key=lambda f: (f.start, f.end))


def _merge(spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """One detector may report the same stretch twice (title rule and list rule): keep the union."""
    current: tuple[int, int] | None = None
    for start, end in sorted(set(spans)):
        if current and start < current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current:
            yield current
        current = (start, end)
    if current:
        yield current


def scan_pages(pages: list[str]) -> list[Finding]:
    """Findings per page (page numbers 1-based; offsets into that page's text)."""
    out: list[Finding] = []
    for number, text in enumerate(pages, start=1):
        out.extend(scan_text(text, page=number))
    return out
