"""The inventarislijst is read from the database page by page (issue 13: a 2,000-document dossier is never one
list of ORM objects): a list read in pages of two rows is the same as one read at once, every document once, in
the dossier's order, and the PDF counts them."""
from __future__ import annotations

import io

from tests.integration.dossier_helpers import woo_besluit_files
from tests.integration.test_dossier_import_batches import ROWS, _import
from woo.adapters.models import Dossier
from woo.publish import inventarislijst
from woo.services import dossiers


def _lists(ctx, dossier_id):
    from openpyxl import load_workbook

    with ctx.unit_of_work() as s:
        d = s.get(Dossier, dossier_id)
        csv_bytes = inventarislijst.build_csv(dossiers.iter_inventory_rows(s, d, "https://woo.example"))
        xlsx = inventarislijst.build_xlsx(dossiers.iter_inventory_rows(s, d, "https://woo.example"))
        count = dossiers.inventory_count(s, d)
    cells = [list(r) for r in load_workbook(io.BytesIO(xlsx)).worksheets[0].iter_rows(values_only=True)]
    return csv_bytes, cells, count


def test_inventory_read_in_pages_is_the_same_list(woo_ctx, tmp_path, monkeypatch):
    files = woo_besluit_files(tmp_path / "in", rows=ROWS)
    report = _import(woo_ctx, files, "Dossier in pagina's")
    assert report.ok, report.problems
    whole = _lists(woo_ctx, report.dossier_id)
    monkeypatch.setattr(dossiers, "INVENTORY_PAGE", 2)  # 7 rows: four pages, the last one partly filled
    paged = _lists(woo_ctx, report.dossier_id)
    assert paged == whole
    csv_bytes, cells, count = paged
    assert count == len(ROWS)
    lines = csv_bytes.decode("utf-8-sig").splitlines()
    assert lines[0].split(";") == [label for _, label in inventarislijst.COLUMNS]
    assert [line.split(";")[0] for line in lines[1:]] == [rid for rid, *_ in ROWS]  # each once, in order
    assert [c[0] for c in cells[1:]] == [rid for rid, *_ in ROWS]
    assert "Niet openbaar" in lines[3] and "/publicaties/" not in lines[3]
    assert "https://example.org/reeds" in lines[4]
