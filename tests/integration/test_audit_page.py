"""The audit page (admin, archivist): filters, Dutch labels for every event, the chain's verification."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html

from tests.integration.security_world import build_world
from woo.adapters.models import Event
from woo.services import audit
from woo.web import labels

SOURCE = Path(__file__).resolve().parents[2] / "woo"


def _recorded_actions() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"\brecord\(", text):
            literal = re.search(r'"([a-z_]+\.[a-z_]+)"', text[m.end():m.end() + 250])
            if literal:
                found.add(literal.group(1))
    return found


def test_every_recorded_action_has_a_dutch_label():
    actions = _recorded_actions()
    assert "document.published" in actions and len(actions) > 30
    missing = sorted(a for a in actions if a not in labels.ACTIONS_NL)
    assert not missing, f"events without a Dutch label in woo/web/labels.py: {missing}"
    assert labels.actor_nl("user:k.smit") == "k.smit" and labels.actor_nl("system") == "systeem"
    assert labels.period_nl("P1Y") == "1 jaar" and labels.period_nl("P10Y") == "10 jaar"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_audit_page_filters_labels_and_verifies(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    officer = world.client("officer")
    officer.get(f"/documenten/{world.document_id}")  # a read: audited as access.viewed

    assert officer.get("/audit").status_code == 403
    assert world.client("publisher").get("/audit").status_code == 403
    archivist = world.client("archivist")
    page = archivist.get(f"/audit?document={world.document_id}")
    assert page.status_code == 200
    tree = html.fromstring(page.data)
    cells = [td.text_content().strip() for td in tree.xpath("//table[contains(@class,'audit')]//tbody/tr/td[2]")]
    assert "Opgenomen" in cells and "Ingezien" in cells
    assert not any(re.fullmatch(r"[a-z_]+\.[a-z_]+", c) for c in cells)  # no internal codes
    actors = [td.text_content().strip() for td in tree.xpath("//table[contains(@class,'audit')]//tbody/tr/td[3]")]
    assert "officer" in actors and not any(a.startswith("user:") for a in actors)

    only_reads = html.fromstring(archivist.get(f"/audit?document={world.document_id}&action=access.*").data)
    assert {td.text_content().strip() for td in only_reads.xpath("//tbody/tr/td[2]")} == {"Ingezien"}
    by_actor = html.fromstring(archivist.get("/audit?actor=officer").data)
    assert {td.text_content().strip() for td in by_actor.xpath("//tbody/tr/td[3]")} == {"officer"}
    none_yet = html.fromstring(archivist.get("/audit?van=2999-01-01").data)
    assert "Geen gebeurtenissen gevonden." in none_yet.text_content()

    ok = html.fromstring(world.client("admin").get("/audit?controleer=1").data)
    assert "De keten is intact" in ok.get_element_by_id("chain-result").text_content()
    with woo_ctx.unit_of_work() as s:  # tamper with one event: the page says so
        ev = s.query(Event).order_by(Event.id).first()
        ev.detail = {**(ev.detail or {}), "stil": "gewijzigd"}
    broken = html.fromstring(world.client("admin").get("/audit?controleer=1").data)
    assert "De keten is verbroken" in broken.get_element_by_id("chain-result").text_content()
    with woo_ctx.unit_of_work() as s:
        assert not audit.verify(s).ok

    # the document page folds reads away and speaks Dutch
    detail = html.fromstring(officer.get(f"/documenten/{world.document_id}").data)
    history = [li.text_content() for li in detail.xpath("//h2[.='Geschiedenis']/following-sibling::ol[1]/li")]
    assert history and not any("access.viewed" in h or "Ingezien" in h or "document.ingested" in h for h in history)
    assert "keer ingezien of gedownload" in detail.xpath("//details[@class='reads']/summary")[0].text_content()
