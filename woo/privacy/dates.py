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


# "geboren voor 1 januari 1921", "geboren na 1960": a condition in a rule (a cut-off date for a group of
# people), not the birth date of a person.
_CUTOFF = re.compile(r"(?i)(?<![\w])(?:voor|vóór|na|ná|vanaf|tussen|uiterlijk|sinds|eerder|later|niet)(?![\w])")


def find_birthdate(text: str) -> Iterator[Span]:
    for m in _BIRTHDATE.finditer(text):
        if _CUTOFF.search(text, m.start(), m.start("date")):
            continue
        yield m.start("date"), m.end("date")


# Tables: a column (or row) headed "Geboortedatum" / "geb.datum" / "geboren" holds birth dates in
# the rows below it (or the cells beside it), however far from the heading they are.
_HEADER = re.compile(r"(?i)(?<![\w])(?:geboortedatum|geboorte[ -]datum|geb\.? ?datum|geb\.|geboren(?: op)?|"
                     r"date of birth|birth ?date|d\.o\.b\.|dob)(?![\w])")
_DATE_HEADER = re.compile(r"(?i)(?<![\w])(?:geboortedatum|geboorte[ -]datum|geb\.? ?datum|geb\.|geboren(?: op)?|"
                          r"date of birth|birth ?date|d\.o\.b\.|dob|\w*datum|date|sinds|van|tot)(?![\w])")
_DATE_RX = re.compile(rf"(?<![\d])(?:{_DATE})")
_LINE = re.compile(r"[^\n]*")
_CELL_SPLIT = re.compile(r"\t|\s*[|;]\s*| {2,}")
_MAX_ROWS = 500


def _cells(line: str) -> list[str]:
    return [c for c in _CELL_SPLIT.split(line.strip()) if c is not None]


def _header_cell(cells: list[str]) -> int | None:
    """Index of the cell that is only the heading ("Geboortedatum", "Geb.datum:"), not prose mentioning it."""
    for k, cell in enumerate(cells):
        m = _HEADER.search(cell)
        if m and not cell[:m.start()].strip(" :*#") and not cell[m.end():].strip(" :*#"):
            return k
    return None


def _table_birthdates(text: str) -> Iterator[Span]:
    if not _HEADER.search(text):
        return
    lines = [(m.start(), m.group()) for m in _LINE.finditer(text) if m.group() or m.start() < len(text)]
    i = 0
    while i < len(lines):
        offset, line = lines[i]
        if not _HEADER.search(line):
            i += 1
            continue
        cells = _cells(line)
        first = _HEADER.search(line)
        if not line[:first.start()].strip(" :*#|\t"):
            # a row headed by the word: every date in the cells after it
            for m in _DATE_RX.finditer(line, first.end()):
                yield offset + m.start(), offset + m.end()
        col = _header_cell(cells)
        if col is None:
            i += 1
            continue  # prose ("hij, die geboren voor 1921"): the inline rule covers it
        alone = len(cells) == 1
        header = _HEADER.search(cells[col])
        # which of the date-like headings on the line it is ("Naam Geboortedatum Datum aanvraag": the 1st)
        start_of_cell = line.find(cells[col])
        rank = sum(1 for _ in _DATE_HEADER.finditer(line, 0, max(0, start_of_cell)))
        j, blank = i + 1, 0
        limit = 60 if alone else _MAX_ROWS
        while j < len(lines) and j - i <= limit:
            row_offset, row = lines[j]
            if not row.strip():
                blank += 1
                if blank > 1:
                    break
                j += 1
                continue
            blank = 0
            if _HEADER.search(row):
                break  # a new table (or a new row heading) starts here
            row_cells = _cells(row)
            if not alone and len(row_cells) < 2:
                break  # the table ended
            dates = list(_DATE_RX.finditer(row))
            if alone:
                # one cell per line (extracted PDF tables): a line that is only a date
                if dates and row.strip() == dates[0].group():
                    yield row_offset + dates[0].start(), row_offset + dates[0].end()
            elif dates:
                chosen = None
                if len(row_cells) == len(cells):
                    chosen = next((d for d in dates if d.group() in row_cells[col]), None)
                if chosen is None:
                    chosen = dates[min(rank, len(dates) - 1)] if len(dates) > 1 else dates[0]
                yield row_offset + chosen.start(), row_offset + chosen.end()
            j += 1
        i = j if j > i + 1 else i + 1
        del header


_find_inline = find_birthdate


def find_birthdate(text: str) -> Iterator[Span]:  # noqa: F811 - extends the inline finder with tables
    seen: set[Span] = set()
    for span in (*_find_inline(text), *_table_birthdates(text)):
        if span not in seen:
            seen.add(span)
            yield span
