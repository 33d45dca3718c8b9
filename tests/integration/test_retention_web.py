"""The archivists' pages: due list -> new list -> review buttons -> approval refused for the author."""
from __future__ import annotations

import pytest

from tests.integration.retention_helpers import logged_in_client, make_record, users
from woo.adapters.models import DestructionList
from woo.app import create_app

CSRF = "csrf-retention-test"


def _client(app, ctx, actor):
    return logged_in_client(app, ctx, actor, CSRF)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_pages_drive_the_workflow(woo_ctx):
    u = users(woo_ctx)
    app = create_app(ctx=woo_ctx)
    doc_id = make_record(woo_ctx, "Besluit op Woo-verzoek 2014", resultaat="6.1", versions=1)
    a, b, r = (_client(app, woo_ctx, u[n]) for n in ("archivaris-a", "archivaris-b", "beoordelaar-r"))
    h = {"X-CSRF-Token": CSRF}

    page = a.get("/archief/termijnen").get_data(as_text=True)
    assert "Besluit op Woo-verzoek 2014" in page and "Vernietigingslijst opstellen" in page
    assert r.get("/archief/termijnen").status_code == 403  # reviewers do not compose lists

    resp = a.post("/archief/vernietigingslijsten", data={"name": "Lijst web", "document_id": [doc_id]}, headers=h)
    assert resp.status_code == 302
    with woo_ctx.unit_of_work() as s:
        list_id = s.query(DestructionList.id).scalar()
    detail = r.get(f"/archief/vernietigingslijsten/{list_id}").get_data(as_text=True)
    assert "Akkoord" in detail and "Uitzonderen" in detail and "Ter beoordeling" in detail
    r.post(f"/archief/vernietigingslijsten/{list_id}/items/{doc_id}", data={"decision": "akkoord"}, headers=h)
    r.post(f"/archief/vernietigingslijsten/{list_id}/beoordeeld", headers=h)

    refused = a.post(f"/archief/vernietigingslijsten/{list_id}/goedkeuren", headers=h, follow_redirects=True)
    assert "eigen vernietigingslijst niet goedkeuren" in refused.get_data(as_text=True)
    ok = b.post(f"/archief/vernietigingslijsten/{list_id}/goedkeuren", headers=h, follow_redirects=True)
    text = ok.get_data(as_text=True)
    assert "bedenktijd is ingegaan" in text and "Goedgekeurd (bedenktijd)" in text
    early = b.post(f"/archief/vernietigingslijsten/{list_id}/vernietigen", data={"confirm_name": "Lijst web"},
                   headers=h, follow_redirects=True)
    assert "bedenktijd loopt nog" in early.get_data(as_text=True)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_archivist_overrides_a_class_with_a_reason(woo_ctx):
    u = users(woo_ctx)
    app = create_app(ctx=woo_ctx)
    doc_id = make_record(woo_ctx, "Besluit", resultaat="6.1", versions=1)
    a = _client(app, woo_ctx, u["archivaris-a"])
    h = {"X-CSRF-Token": CSRF}
    page = a.get(f"/archief/documenten/{doc_id}").get_data(as_text=True)
    assert "6.1" in page and "documentdatum" in page and "7.1.20" not in page  # vervallen never offered
    bad = a.post(f"/archief/documenten/{doc_id}", data={"resultaat": "99.1", "reason": "x"}, headers=h,
                 follow_redirects=True)
    assert "komt niet voor in de Selectielijst" in bad.get_data(as_text=True)
    ok = a.post(f"/archief/documenten/{doc_id}", data={"resultaat": "6.2", "reason": "Afgewezen"}, headers=h,
                follow_redirects=True)
    assert "Selectielijstklasse 6.2 vastgelegd" in ok.get_data(as_text=True)
    r = _client(app, woo_ctx, u["beoordelaar-r"])
    assert r.get(f"/archief/documenten/{doc_id}").status_code == 403
