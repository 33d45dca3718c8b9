"""Bulk publish and bulk accept on the work lists (issue 14 items 3/4): the documents that may be acted on
are, the others are reported with their Dutch reason; none skipped silently, none half-done."""
from __future__ import annotations

import re

import pytest

from tests.conftest import drain
from tests.integration.retention_helpers import logged_in_client
from tests.integration.test_publish import WOO_VERZOEK, make_documents, make_pdf
from woo.adapters.models import Document, User
from woo.app import create_app
from woo.domain.roles import Role
from woo.services import accounts, bulk, classification, organisations
from woo.services.context import SYSTEM, Actor
from woo.services.ingest import ingest

PASSWORD = "bulk-wachtwoord-lang-1"


def _user(ctx, name: str, role: Role, unit: int | None = None):
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
        accounts.create_user(s, SYSTEM, name, PASSWORD, [(role, org)], name)
    if unit:
        organisations.add_member(ctx, SYSTEM, unit, name)
    with ctx.unit_of_work() as s:
        user = s.query(User).filter_by(username=name).one()
        return accounts.principal_for(user)


def _private(ctx, tmp_path) -> str:
    """A document waiting for its privacy decision (a person's e-mail and phone)."""
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "brief.pdf", ["Brief aan de heer J. de Vries, j.devries@gmail.com, 06-12345678."])
    doc_id = ingest(ctx, SYSTEM, org, "brief.pdf", path=pdf, title="Brief bezwaar").document_id
    drain(ctx)
    classification.set_category(ctx, SYSTEM, doc_id, WOO_VERZOEK)
    return doc_id


def _status(ctx, ids) -> dict:
    with ctx.unit_of_work() as s:
        return {i: s.get(Document, i).status for i in ids}


def test_bulk_publish_acts_on_what_may_and_reports_the_rest(woo_ctx, tmp_path):
    a, b, other = make_documents(woo_ctx, tmp_path, [("Besluit een", WOO_VERZOEK), ("Besluit twee", WOO_VERZOEK),
                                                      ("Besluit andere afdeling", WOO_VERZOEK)])
    private = _private(woo_ctx, tmp_path)
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    mine = organisations.add_unit(woo_ctx, SYSTEM, org, "Vergunningen")
    theirs = organisations.add_unit(woo_ctx, SYSTEM, org, "Financiën")
    organisations.hand_over_document(woo_ctx, SYSTEM, other, theirs)
    publisher = _user(woo_ctx, "bulk-publicist", Role.PUBLISHER, mine)

    result = bulk.publish(woo_ctx, publisher, [a, private, b, other, "0" * 32, a])
    assert sorted(result.done) == sorted([a, b])
    assert set(result.refused) == {private, other, "0" * 32}            # every other one, with its reason
    assert any("persoonsgegevens" in r for r in result.refused[private]), result.refused[private]
    assert "Financiën" in " ".join(result.refused[other])
    assert result.refused["0" * 32] == [bulk.NOT_FOUND]
    assert _status(woo_ctx, [a, b, private, other]) == {a: "published", b: "published", private: "ready",
                                                        other: "ready"}
    officer = _user(woo_ctx, "bulk-officer", Role.OFFICER)
    c, = make_documents(woo_ctx, tmp_path, [("Besluit drie", WOO_VERZOEK)])
    refused = bulk.publish(woo_ctx, officer, [c])                       # no publisher role: refused, not raised
    assert refused.done == [] and refused.refused == {c: [bulk.NO_RIGHT]} and _status(woo_ctx, [c])[c] == "ready"
    with pytest.raises(bulk.BulkError, match="Kies eerst"):
        bulk.publish(woo_ctx, publisher, [])
    with pytest.raises(bulk.BulkError, match="ten hoogste"):
        bulk.publish(woo_ctx, publisher, [f"{i:032x}" for i in range(bulk.MAX_DOCUMENTS + 1)])


def test_bulk_accept_confirms_suggestions_and_reports_the_rest(woo_ctx, tmp_path):
    waiting, other_wait, decided = make_documents(woo_ctx, tmp_path, [("Besluit op Woo-verzoek A", None),
                                                                      ("Besluit op Woo-verzoek B", None),
                                                                      ("Besluit al beoordeeld", WOO_VERZOEK)])
    with woo_ctx.unit_of_work() as s:
        for i in (waiting, other_wait):
            doc = s.get(Document, i)
            assert doc.category is None and doc.suggestion and doc.suggestion.get("category")
        s.get(Document, other_wait).suggestion = None  # a suggestion not (yet) there
        suggested = s.get(Document, waiting).suggestion["category"]
    officer = _user(woo_ctx, "bulk-beoordelaar", Role.OFFICER)
    result = bulk.accept(woo_ctx, officer, [waiting, other_wait, decided])
    assert result.done == [waiting]
    assert result.refused[decided] == ["De categorie is al vastgesteld."]
    assert "geen voorgestelde categorie" in result.refused[other_wait][0]
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, waiting).category == suggested and s.get(Document, waiting).status == "ready"
        assert s.get(Document, other_wait).category is None


def test_bulk_publish_from_the_work_list_page(woo_ctx, tmp_path):
    a, b = make_documents(woo_ctx, tmp_path, [("Besluit lijst een", WOO_VERZOEK), ("Besluit lijst twee", WOO_VERZOEK)])
    private = _private(woo_ctx, tmp_path)
    publisher = _user(woo_ctx, "bulk-pagina", Role.PUBLISHER)
    app = create_app(ctx=woo_ctx)
    client = logged_in_client(app, woo_ctx, Actor("user", publisher.actor.id, "bulk-pagina"), "csrf-bulk")
    page = client.get("/documenten?werk=klaar").get_data(as_text=True)
    assert f'value="{a}"' in page and f'value="{b}"' in page and f'value="{private}"' not in page  # only its list
    assert 'action="/documenten/bulk/publiceren"' in page and "Geselecteerde documenten publiceren" in page
    resp = client.post("/documenten/bulk/publiceren", data={"document_id": [a, private], "werk": "klaar"},
                       headers={"X-CSRF-Token": "csrf-bulk"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/documenten?werk=klaar")
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1 document gepubliceerd." in shown and "1 document niet gepubliceerd:" in shown
    assert re.search(r"Brief bezwaar: [^<]*persoonsgegevens", shown)
    assert _status(woo_ctx, [a, b, private]) == {a: "published", b: "ready", private: "ready"}
    # the officer's review list offers the bulk accept, the publisher's does not
    assert client.post("/documenten/bulk/vaststellen", data={"document_id": [b]},
                       headers={"X-CSRF-Token": "csrf-bulk"}).status_code == 403
