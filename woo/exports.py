"""Spreadsheet-safe exports: the one rule every CSV and XLSX that woo writes goes through.

A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a
leading tab or carriage return can hide such a start (OWASP "CSV injection"). Titles, user names and
reasons come from outside, so a title like ``=HYPERLINK("https://evil.example", "klik")`` would become a
live link, or worse, in the archivist's due list. Therefore:

* :func:`safe_cell` puts an apostrophe before any text that starts with one of those characters, the
  convention Excel and LibreOffice use for "this is text". Other text, numbers, dates and None are
  left alone. Readers that want the original back strip that one apostrophe (only when the character
  after it is one of the six).
* :class:`CsvWriter` / :class:`CsvDictWriter` are ``csv.writer`` / ``csv.DictWriter`` that apply it to
  every cell.
* :func:`xlsx_row` makes the cells of a write-only openpyxl row: the same neutralised text, always as a
  string cell (``t="inlineStr"``), never a formula; characters XML cannot carry become U+FFFD instead of
  failing the export.

Used by the retention due list (``woo retention due --csv/--xlsx``), the audit export
(``woo audit export --format csv``) and the CSV of the verklaring van vernietiging; an inventarislijst
export should use it too. No I/O of its own and no imports from the service or web layers, so any
layer (archive/, publish/, services/) may use it.
"""
from __future__ import annotations

import csv
import re
from typing import Any, Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet may show it: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class CsvWriter:
    """csv.writer with every cell passed through safe_cell."""

    def __init__(self, fh, **kwargs):
        self._w = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._w.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class CsvDictWriter(csv.DictWriter):
    """csv.DictWriter with every cell passed through safe_cell (the header row is woo's own)."""

    def writerow(self, rowdict):
        return super().writerow({k: safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def xlsx_row(worksheet, values: Iterable[Any]) -> list:
    """Cells for ``worksheet.append`` on a write-only openpyxl sheet; text is never a formula."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        value = safe_cell(value)
        if isinstance(value, str):
            cell = WriteOnlyCell(worksheet, value=_XML_ILLEGAL.sub("\ufffd", value))
            cell.data_type = "s"  # openpyxl would take a leading "=" for a formula; this is text, always
        else:
            cell = WriteOnlyCell(worksheet, value=value)
        cells.append(cell)
    return cells
