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


def _table_birthdates(text: str) -> Iterator[Span]:
    if not _HEADER.search(text):
        return
    lines = [(m.start(), m.group()) for m in _LINE.finditer(text)]
    i = 0
    while i < len(lines):
        offset, line = lines[i]
        header = _HEADER.search(line)
        if not header:
            i += 1
            continue
        # a row headed by the word: every date after it on the same line
        for m in _DATE_RX.finditer(line, header.end()):
            yield offset + m.start(), offset + m.end()
        cells = _cells(line)
        col = next((k for k, c in enumerate(cells) if _HEADER.search(c)), None)
        # which of the date-like headings on the line it is ("Naam Geboortedatum Datum aanvraag": the 1st)
        rank = sum(1 for m in _DATE_HEADER.finditer(line, 0, header.start()))
        alone = line.strip() == header.group().strip() or len(cells) == 1
        j, blank = i + 1, 0
        while j < len(lines) and j - i <= _MAX_ROWS:
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
            dates = list(_DATE_RX.finditer(row))
            row_cells = _cells(row)
            if dates:
                chosen = None
                if col is not None and len(row_cells) == len(cells) and len(cells) > 1:
                    target = row_cells[col]
                    chosen = next((d for d in dates if d.group() in target), None)
                if chosen is None and (len(dates) == 1 or alone):
                    chosen = dates[0]
                if chosen is None:
                    chosen = dates[min(rank, len(dates) - 1)]
                yield row_offset + chosen.start(), row_offset + chosen.end()
            j += 1
        i = j if j > i + 1 else i + 1


_find_inline = find_birthdate


def find_birthdate(text: str) -> Iterator[Span]:  # noqa: F811 - extends the inline finder with tables
    seen: set[Span] = set()
    for span in (*_find_inline(text), *_table_birthdates(text)):
        if span not in seen:
            seen.add(span)
            yield span
