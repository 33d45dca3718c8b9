"""The archivist works in the browser without the CLI: a confirmed category gives the Selectielijst class,
the retention page is linked, the due list offers only what can be done and keeps its filter, and buttons
that are always refused are shown disabled with the reason."""
from __future__ import annotations

import pytest
from lxml import html

from tests.integration.retention_helpers import logged_in_client, make_record, users
from woo.adapters.models import DestructionList, Document
from woo.app import create_app
from woo.domain import tooi
from woo.services import classification
from woo.services.context import SYSTEM

CSRF = "csrf-archivist-test"


def _client(app, ctx, actor):
    return logged_in_client(app, ctx, actor, CSRF)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_confirming_a_category_sets_the_selectielijst_class(woo_ctx):
    doc_id = make_record(woo_ctx, "Besluit zonder klasse")
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        doc.category, doc.suggestion = None, {"category": tooi.category_by_label("woo_verzoeken_en_besluiten").uri,
                                              "confidence": 0.9, "alternatives": []}
        assert doc.retention_resultaat is None
    classification.accept(woo_ctx, SYSTEM, [doc_id])
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.retention_resultaat and doc.retention_waardering in ("V", "B")
        assert doc.archiefactiedatum is not None and doc.retention_source == "standaard"
    # a correction of the category moves a default class with it
    other = next(c for c in tooi.woo_categories() if c.uri != doc.category)
    classification.set_category(woo_ctx, SYSTEM, doc_id, other.uri)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).category == other.uri


@pytest.mark.parametrize("backend", ["sqlite"])
def test_due_list_and_destruction_list_offer_only_what_can_be_done(woo_ctx):
    u = users(woo_ctx)
    app = create_app(ctx=woo_ctx)
    due = make_record(woo_ctx, "Besluit 2014", resultaat="6.1", versions=1)
    public = make_record(woo_ctx, "Gepubliceerd besluit 2014", resultaat="6.1", versions=1, status="published")
    a, b, r = (_client(app, woo_ctx, u[n]) for n in ("archivaris-a", "archivaris-b", "beoordelaar-r"))
    h = {"X-CSRF-Token": CSRF}

    page = html.fromstring(a.get("/archief/termijnen?binnen=30").data)
    offered = page.xpath("//input[@name='document_id']/@value")
    assert offered == [due]  # the published one is listed with its reason, not offered
    assert "eerst intrekken" in page.text_content()
    assert f"/archief/documenten/{due}" in page.xpath("//a/@href")  # the retention page is linked

    # the document page links the retention page too (for the archivist)
    assert f"/archief/documenten/{due}" in a.get(f"/documenten/{due}").get_data(as_text=True)

    # an error keeps the filter
    resp = a.post("/archief/vernietigingslijsten", data={"name": "", "document_id": [due], "binnen": "30"},
                  headers=h)
    assert resp.status_code == 302 and "binnen=30" in resp.location

    a.post("/archief/vernietigingslijsten", data={"name": "Lijst", "document_id": [due]}, headers=h)
    with woo_ctx.unit_of_work() as s:
        list_id = s.query(DestructionList.id).scalar()
    own = html.fromstring(a.get(f"/archief/vernietigingslijsten/{list_id}").data)
    r.post(f"/archief/vernietigingslijsten/{list_id}/items/{due}", data={"decision": "akkoord"}, headers=h)
    r.post(f"/archief/vernietigingslijsten/{list_id}/beoordeeld", headers=h)
    own = html.fromstring(a.get(f"/archief/vernietigingslijsten/{list_id}").data)
    approve = own.xpath("//button[contains(., 'Goedkeuren')]")[0]
    assert approve.get("disabled") is not None and "opgesteld" in own.text_content()
    assert b.post(f"/archief/vernietigingslijsten/{list_id}/goedkeuren", headers=h).status_code == 302
    cooling = html.fromstring(b.get(f"/archief/vernietigingslijsten/{list_id}").data)
    destroy = cooling.xpath("//button[contains(., 'Vernietigen')]")[0]
    assert destroy.get("disabled") is not None and "bedenktijd loopt nog" in cooling.text_content()
