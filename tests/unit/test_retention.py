"""Selectielijst 2020 loading, the Woo-category default mapping and action-date arithmetic."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from woo.domain import retention as rt
from woo.domain import tooi

API_RESULTATEN = (Path(__file__).resolve().parents[3] / "shared" / "standards" / "selectielijst"
                  / "referentielijsten-api" / "resultaten.json")
FIXTURE = Path(__file__).resolve().parents[2] / "schemas" / "selectielijst" / "selectielijst_2020.json"


def test_resultaten_loaded_with_vervallen_hidden():
    raw = json.loads(FIXTURE.read_text(encoding="utf-8"))
    n_raw = sum(1 for r in raw if r["model"] == "selectielijst.resultaat")
    n_empty = sum(1 for r in raw if r["model"] == "selectielijst.resultaat" and not r["fields"]["waardering"])
    everything = rt.resultaten(include_vervallen=True)
    assert len(everything) == n_raw and n_empty == 2
    offered = rt.resultaten()
    assert len(offered) == n_raw - n_empty
    assert all(r.waardering in ("B", "V") for r in offered)
    assert len({r.code for r in everything}) == len(everything)
    for r in offered:
        assert (r.bewaartermijn is None) == (r.waardering == "B"), r.code
    vervallen = [r for r in everything if r.vervallen]
    for r in vervallen:
        assert r not in offered
        with pytest.raises(rt.RetentionError, match="vervallen"):
            rt.resultaat(r.code)
        with pytest.raises(rt.RetentionError, match="vervallen"):
            rt.retention_for(r, date(2025, 1, 1))


@pytest.mark.skipif(not API_RESULTATEN.exists(), reason="../shared/standards is absent here")
def test_volledig_nummer_agrees_with_the_selectielijst_api_dump():
    api = {r["url"]: r for r in json.loads(API_RESULTATEN.read_text(encoding="utf-8"))}
    for r in rt.resultaten(include_vervallen=True):
        other = api[r.uuid]
        assert other["volledigNummer"] == r.code
        if other.get("bewaartermijn"):  # the API dump omits zero durations (P0D); compare where present
            assert other["bewaartermijn"] == r.bewaartermijn


def test_lookup_and_readable_forms():
    woo = rt.resultaat("6.1")
    assert woo.waardering == "V" and woo.bewaartermijn == "P5Y"
    assert "WOB-verzoek" in woo.toelichting  # the Selectielijst's own example for this row
    assert woo.weergave == "V 5 jaar"
    assert woo.label == "Verzoeken behandelen - Ingewilligd"
    assert rt.resultaat(woo.uuid) is woo and rt.resultaat_by_uuid(woo.uuid) is woo
    hist = rt.resultaat("20.1.1")
    assert hist.waardering == "B" and hist.weergave == "B" and "historisch" in hist.omschrijving
    assert "  " not in rt.resultaat("19.1.6").label
    with pytest.raises(rt.RetentionError, match="komt niet voor"):
        rt.resultaat("99.9")


def test_mapping_covers_every_category_with_real_resultaten():
    rows = rt.mapping()
    assert [m.category.uri for m in rows] == [c.uri for c in tooi.woo_categories()]
    for m in rows:
        assert not m.resultaat.vervallen and m.toelichting
        assert m.resultaat not in m.alternatieven
        assert rt.suggest_for_category(m.category.uri) is m.resultaat
        assert rt.suggest_for_category(m.category.slug) is m.resultaat
        assert rt.alternatives_for_category(m.category.uri) == list(m.alternatieven)
    # keyed by readable label, never by URI
    text = (FIXTURE.parents[1] / "retention-mapping.csv").read_text(encoding="utf-8")
    assert "http" not in text
    woo = rt.suggest_for_category(tooi.category_by_label("Woo-verzoeken en -besluiten").uri)
    assert woo.procestype_naam == "Verzoeken behandelen" and woo.waardering == "V"
    convenant = rt.suggest_for_category("convenanten")
    assert convenant.procestype_naam == "Overeenkomsten aangaan"
    with pytest.raises(rt.RetentionError, match="geen Woo-informatiecategorie"):
        rt.suggest_for_category("https://example.org/onbekend")


@pytest.mark.parametrize("text,expected", [
    ("P5Y", rt.Duration(5, 0, 0)), ("P1Y6M", rt.Duration(1, 6, 0)), ("P42D", rt.Duration(0, 0, 42)),
    ("P0D", rt.Duration(0, 0, 0)), ("P2W", rt.Duration(0, 0, 14)), ("p10y", rt.Duration(10, 0, 0)),
])
def test_parse_duration(text, expected):
    assert rt.parse_duration(text) == expected


@pytest.mark.parametrize("bad", ["", "P", "5Y", "P5", "PT1H", "P1.5Y", "vijf jaar"])
def test_bad_durations_are_refused_in_dutch(bad):
    with pytest.raises(rt.RetentionError, match="geen geldige bewaartermijn"):
        rt.parse_duration(bad)


@pytest.mark.parametrize("start,duration,expected", [
    (date(2024, 2, 29), "P5Y", date(2029, 2, 28)),  # leap day clamps to the month's end
    (date(2024, 2, 29), "P4Y", date(2028, 2, 29)),
    (date(2020, 1, 31), "P1M", date(2020, 2, 29)),
    (date(2025, 8, 31), "P1Y6M", date(2027, 2, 28)),
    (date(2025, 12, 20), "P42D", date(2026, 1, 31)),
    (date(2025, 3, 10), "P0D", date(2025, 3, 10)),
    (date(2025, 11, 15), "P2M", date(2026, 1, 15)),
])
def test_add_duration(start, duration, expected):
    assert rt.add_duration(start, duration) == expected


def test_describe_duration():
    assert rt.describe_duration("P1Y6M") == "1 jaar en 6 maanden"
    assert rt.describe_duration("P42D") == "42 dagen"
    assert rt.describe_duration("P0D") == "0 dagen"


def test_retention_destroy_and_transfer():
    brondatum = date(2025, 3, 10)
    v = rt.retention_for("6.1", brondatum)
    assert (v.waardering, v.archiefactie, v.bewaartermijn) == ("V", "vernietigen", "P5Y")
    assert v.archiefactiedatum == date(2030, 3, 10)
    b = rt.retention_for(rt.resultaat("20.1.1"), brondatum)
    assert (b.waardering, b.archiefactie, b.bewaartermijn) == ("B", "overbrengen", None)
    assert b.archiefactiedatum == date(2045, 3, 10) and b.termijn == "P20Y"
    nieuw = rt.retention_for("20.1.1", brondatum, rt.OVERBRENGINGSTERMIJN_ARCHIEFWET_NIEUW)
    assert nieuw.archiefactiedatum == date(2035, 3, 10)
    # the transfer term does not change when a V record is destroyed
    assert rt.retention_for("6.1", brondatum, 10).archiefactiedatum == v.archiefactiedatum
    with pytest.raises(rt.RetentionError, match="Overbrengingstermijn"):
        rt.retention_for("6.1", brondatum, 0)
    with pytest.raises(rt.RetentionError, match="brondatum"):
        rt.retention_for("6.1", "2025-03-10")


def test_strictest_keeps_b_else_longest_v():
    v1, v5, v7, b = (rt.resultaat(c) for c in ("6.2", "6.1", "6.1.1", "20.1.1"))
    assert rt.strictest([v1, v5, b]) is b
    assert rt.strictest([v1, v7, v5]) is v7
    assert rt.strictest([v5, rt.resultaat("13.1")]) is v5  # tie: first given
    with pytest.raises(rt.RetentionError):
        rt.strictest([])
