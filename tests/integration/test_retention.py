"""Retention classes on documents: defaults from the Woo category, archivist overrides, the due list."""
from __future__ import annotations

import csv
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.integration.retention_helpers import make_record, users
from woo.adapters.models import Document, Event
from woo.services import retention as retsvc
from woo.services.context import SYSTEM


def test_defaults_brondatum_and_override(woo_ctx):
    u = users(woo_ctx)
    dated = make_record(woo_ctx, "Woo-besluit")  # document_date 2015-03-01, Woo-verzoeken -> 6.1 (V 5 jaar)
    undated = make_record(woo_ctx, "Verordening", category="wetten_en_algemeen_verbindende_voorschriften",
                          document_date=None)
    report = retsvc.classify_defaults(woo_ctx, SYSTEM)
    assert report.classified == 2
    with woo_ctx.unit_of_work() as s:
        d = s.get(Document, dated)
        assert (d.retention_resultaat, d.retention_waardering, d.retention_bewaartermijn) == ("6.1", "V", "P5Y")
        assert (d.retention_brondatum, d.retention_brondatum_bron) == (date(2015, 3, 1), "document_date")
        assert d.archiefactiedatum == date(2020, 3, 1) and d.retention_source == "standaard"
        v = s.get(Document, undated)
        assert v.retention_waardering == "B" and v.retention_brondatum_bron == "created_at"
        assert v.archiefactiedatum == date(v.created_at.year + 20, v.created_at.month, v.created_at.day)

    with pytest.raises(retsvc.RetentionError, match="reden"):
        retsvc.override(woo_ctx, u["archivaris-a"], dated, "6.2", "")
    with pytest.raises(retsvc.RetentionError, match="Archivaris"):
        retsvc.override(woo_ctx, u["beoordelaar-r"], dated, "6.2", "Verzoek geheel afgewezen")
    ret = retsvc.override(woo_ctx, u["archivaris-a"], dated, "6.2", "Verzoek geheel afgewezen")
    assert ret.archiefactiedatum == date(2016, 3, 1)  # V 1 jaar
    retsvc.classify_defaults(woo_ctx, SYSTEM, recompute=True)  # an override survives a recompute
    with woo_ctx.unit_of_work() as s:
        d = s.get(Document, dated)
        assert d.retention_resultaat == "6.2" and d.retention_source == "archivaris"
        ev = s.execute(select(Event).where(Event.action == "retention.overridden")).scalar_one()
    assert ev.detail["reden"] == "Verzoek geheel afgewezen" and ev.detail["vorige"] == "6.1"
    assert ev.actor == "user:archivaris-a"
    # the pick list never offers vervallen rows and starts with the category's suggestion
    offered = retsvc.offered_resultaten(d.category)
    assert offered[0].code == "6.1" and not any(r.vervallen for r in offered)


def test_due_list_filters_streams_and_exports(woo_ctx, tmp_path):
    ids = {}
    for i, (res, day) in enumerate([("6.1", datetime(2010, 1, 1, tzinfo=timezone.utc)),
                                    ("6.2", datetime(2012, 6, 1, tzinfo=timezone.utc)),
                                    ("13.1", datetime(2011, 1, 1, tzinfo=timezone.utc)),
                                    ("6.1", datetime.now(timezone.utc))]):
        ids[i] = make_record(woo_ctx, f"Record {i}", resultaat=res, document_date=day, versions=1)
    with woo_ctx.unit_of_work() as s:
        rows = list(retsvc.due_rows(s, retsvc.DueFilter(), batch=2))  # several keyset pages
        only_61 = [r.id for r in retsvc.due_rows(s, retsvc.DueFilter(resultaten=("6.1",)))]
        before = [r.id for r in retsvc.due_rows(s, retsvc.DueFilter(before=date(2014, 1, 1)))]
        ahead = [r.id for r in retsvc.due_rows(s, retsvc.DueFilter(within_days=365 * 6))]
        with pytest.raises(retsvc.RetentionError, match="Onbekende organisatie"):
            list(retsvc.due_rows(s, retsvc.DueFilter(organisations=("gm9999",))))
    assert [r.id for r in rows] == [ids[1], ids[0], ids[2]]  # archiefactiedatum 2013, 2015, 2016
    assert only_61 == [ids[0]]
    assert before == [ids[1]]
    assert ids[3] in ahead
    with woo_ctx.unit_of_work() as s:
        n = retsvc.write_csv(retsvc.due_rows(s, retsvc.DueFilter()), tmp_path / "due.csv")
        m = retsvc.write_xlsx(retsvc.due_rows(s, retsvc.DueFilter()), tmp_path / "due.xlsx")
    assert n == m == 3
    got = list(csv.DictReader(open(tmp_path / "due.csv", encoding="utf-8")))
    assert got[0]["resultaat"] == "6.2" and got[0]["archiefactie"] == "vernietigen"
    sheet = load_workbook(tmp_path / "due.xlsx", read_only=True).active
    assert [c.value for c in next(sheet.iter_rows())][:3] == ["id", "titel", "organisatie"]


def test_due_list_exports_never_carry_a_formula(woo_ctx, tmp_path):
    """`woo retention due --csv/--xlsx`: a title that starts a formula is text in both (issue 12)."""
    import zipfile

    from click.testing import CliRunner

    from tests.conftest import cli_env
    from woo.cli import main

    hostile = ['=HYPERLINK("https://evil.example","klik")', "+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1"]
    for i, title in enumerate(hostile):
        make_record(woo_ctx, title, resultaat="6.1", document_date=datetime(2010, 1, 1 + i, tzinfo=timezone.utc),
                    versions=1)
    env = cli_env(woo_ctx.settings)
    for flag in ("--csv", "--xlsx"):
        out = tmp_path / f"due.{flag[2:]}"
        res = CliRunner().invoke(main, ["retention", "due", flag, str(out), "--data-dir", str(tmp_path / "d")],
                                 env=env)
        assert res.exit_code == 0, res.output
    got = [r["titel"] for r in csv.DictReader(open(tmp_path / "due.csv", encoding="utf-8", newline=""))]
    assert sorted(got) == sorted("'" + t for t in hostile)
    with zipfile.ZipFile(tmp_path / "due.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml, "a title became a live formula"
    sheet = load_workbook(tmp_path / "due.xlsx").active
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted("'" + t for t in hostile)
