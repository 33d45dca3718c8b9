"""Text longer than its column is refused by the dossier service with a Dutch message, at every door (web form,
API, CLI), before anything is stored: PostgreSQL would refuse it late (a 500), SQLite would store it silently."""
from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env
from tests.integration.test_dossier_interfaces import _token
from tests.integration.test_web_api import _csrf, login
from woo.adapters.models import Document, Dossier, DossierDocument
from woo.app import create_app
from woo.domain import tooi
from woo.services import accounts, dossiers
from woo.services.context import SYSTEM

LONG_LINK = "https://example.org/" + "a" * 1000  # 1,020 characters: a valid web address, too long for the column


def _dossier_with_document(ctx) -> tuple[str, str]:
    with ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    did = dossiers.create(ctx, SYSTEM, org_id, {"title": "Adviezen haven", "kind": "publicatie",
                                                "category": "adviezen"})
    with ctx.unit_of_work() as s:
        doc = Document(organisation_id=org_id, title="Advies over de haven", status="concept")
        s.add(doc)
        s.flush()
        doc_id = doc.id
    dossiers.add_documents(ctx, SYSTEM, did, [doc_id])
    return did, doc_id


def _stored(ctx, doc_id):
    with ctx.unit_of_work() as s:
        item = s.get(DossierDocument, doc_id)
        return item.judgement, item.number, item.public_link


def test_service_refuses_too_long_number_and_link(woo_ctx):
    did, doc_id = _dossier_with_document(woo_ctx)
    before = _stored(woo_ctx, doc_id)
    for kwargs, word in (({"number": "N" * 101}, "documentnummer is langer dan 100 tekens"),
                         ({"public_link": LONG_LINK}, "publieke link is langer dan 1000 tekens")):
        try:
            dossiers.judge(woo_ctx, SYSTEM, did, doc_id, "reeds openbaar",
                           **{"public_link": "https://example.org/x", **kwargs})
        except dossiers.DossierError as exc:
            assert word in str(exc) and str(exc)[0].isupper()
        else:
            raise AssertionError("too long a value was accepted")
        assert _stored(woo_ctx, doc_id) == before
    # at the limit it is stored
    dossiers.judge(woo_ctx, SYSTEM, did, doc_id, "reeds openbaar", number="N" * 100,
                   public_link="https://example.org/" + "a" * 980)
    assert _stored(woo_ctx, doc_id) == ("reeds-openbaar", "N" * 100, "https://example.org/" + "a" * 980)


def test_web_form_shows_refusal_with_input_kept(woo_ctx):
    did, doc_id = _dossier_with_document(woo_ctx)
    before = _stored(woo_ctx, doc_id)
    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    client = app.test_client()
    login(client, woo_ctx=woo_ctx)
    detail = f"/dossiers/{did}/beheer"
    r = client.post(f"/dossiers/{did}/beoordelen", data={
        "csrf_token": _csrf(client, detail), "document_id": doc_id, "judgement": "reeds-openbaar",
        "remark": "Staat al op de site", "public_link": LONG_LINK})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert re.search(r'id="judge-error">De publieke link is langer dan 1000 tekens\.<', html)
    assert f'value="{LONG_LINK}"' in html and 'value="Staat al op de site"' in html
    assert re.search(rf'value="{doc_id}"[^>]* checked', html)
    assert re.search(r'<option value="reeds-openbaar" selected>', html)
    assert _stored(woo_ctx, doc_id) == before


def test_api_refuses_too_long_link_in_problem_shape(woo_ctx):
    did, doc_id = _dossier_with_document(woo_ctx)
    before = _stored(woo_ctx, doc_id)
    client = create_app(ctx=woo_ctx).test_client()
    auth = {"Authorization": f"Bearer {_token(woo_ctx)}"}
    r = client.post(f"/api/v1/dossiers/{did}/judgements", headers=auth,
                    json={"documents": [doc_id], "judgement": "reeds openbaar", "public_link": LONG_LINK})
    assert r.status_code == 422 and r.mimetype == "application/problem+json"
    assert r.get_json()["detail"] == "De publieke link is langer dan 1000 tekens."
    assert _stored(woo_ctx, doc_id) == before
    r = client.post("/api/v1/dossiers", headers=auth, json={"title": "Adviezen", "kind": "publicatie",
                                                           "category": "adviezen", "reference": "K" * 201})
    assert r.status_code == 422 and r.get_json()["detail"] == "Het kenmerk is langer dan 200 tekens."
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Dossier.title).where(Dossier.title == "Adviezen")).first() is None


def test_cli_refuses_too_long_reference(woo_ctx, tmp_path):
    from woo.cli import main

    env, data = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")]
    r = CliRunner().invoke(main, ["dossier", "create", "--title", "Losse publicatie", "--kind", "publicatie",
                                  "--category", "adviezen", "--reference", "K" * 201, *data], env=env)
    assert r.exit_code == 1 and "Het kenmerk is langer dan 200 tekens." in r.output
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Dossier.id).where(Dossier.title == "Losse publicatie")).first() is None


def test_web_new_dossier_form_shows_refusal_with_input_kept(woo_ctx):
    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    client = app.test_client()
    login(client, woo_ctx=woo_ctx)
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    category = tooi.category_by_code("2g").uri
    r = client.post("/dossiers", data={"csrf_token": _csrf(client, "/dossiers"), "title": "Adviezen haven",
                                       "kind": "publicatie", "category": category, "organisation_id": org_id,
                                       "reference": "K" * 201, "summary": "Alle adviezen"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert re.search(r'id="create-error">Het kenmerk is langer dan 200 tekens\.<', html)
    assert 'value="Adviezen haven"' in html and f'value="{"K" * 201}"' in html and ">Alle adviezen</textarea>" in html
    assert f'<option value="{category}" selected>' in html and '<option value="publicatie" selected>' in html
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Dossier.id)).first() is None
