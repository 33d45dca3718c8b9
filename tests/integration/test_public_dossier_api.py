"""The public side of dossiers beyond the landing page: the open JSON API (anonymous, CORS, rate limit),
facets per dossier kind and onderwerp on the public search, and dossiers in the Atom feed."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree
from sqlalchemy import select

from tests.integration.retention_helpers import make_record
from woo.adapters.models import Document, Dossier, Event
from woo.app import create_app
from woo.services import accounts, dossiers
from woo.services.context import SYSTEM

WHEN = datetime(2024, 3, 25, 12, tzinfo=timezone.utc)


def _published_dossier(ctx, title, kind, topics, judgements=("openbaar",), withdrawn=False) -> tuple[str, list]:
    """A dossier as publishing leaves it (status openbaar, its publishable documents published)."""
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    for t in topics:
        dossiers.add_topic(ctx, SYSTEM, org, t)
    did = dossiers.create(ctx, SYSTEM, org, {"title": title, "kind": kind, "topics": topics,
                                             "summary": f"Samenvatting {title}", "reference": f"REF-{title[:4]}",
                                             **({"category": "2a"} if kind == "publicatie" else {})})
    docs = [make_record(ctx, f"{title} stuk {n}") for n in range(len(judgements))]
    dossiers.add_documents(ctx, SYSTEM, did, docs)
    for doc_id, j in zip(docs, judgements):
        dossiers.judge(ctx, SYSTEM, did, doc_id, j, grounds="5.1.2e" if j == "niet openbaar" else None)
    with ctx.unit_of_work() as s:
        d = s.get(Dossier, did)
        d.status = "ingetrokken" if withdrawn else "openbaar"
        d.published_at = WHEN
        for doc_id, j in zip(docs, judgements):
            if j == "openbaar":
                doc = s.get(Document, doc_id)
                doc.status, doc.published_at = "published", WHEN
    return did, docs


def test_open_api_facets_and_feed(woo_ctx):
    besluit, besluit_docs = _published_dossier(woo_ctx, "Woo-besluit haven", "woo-besluit", ["Haven"],
                                               ("openbaar", "niet openbaar"))
    meeting, _ = _published_dossier(woo_ctx, "Raad maart", "vergadering", ["Haven", "Begroting"])
    generic, _ = _published_dossier(woo_ctx, "Publicatie begroting", "publicatie", ["Begroting"])
    gone, _ = _published_dossier(woo_ctx, "Ingetrokken besluit haven", "publicatie", ["Haven"], withdrawn=True)
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    concept = dossiers.create(woo_ctx, SYSTEM, org, {"title": "Concept haven", "kind": "publicatie",
                                                   "category": "2a"})
    app = create_app(ctx=woo_ctx)
    client = app.test_client()

    # anonymous, no cookie, no token: the list with facets per kind and onderwerp
    r = client.get("/api/v1/openbaar/dossiers", headers={"Origin": "https://portaal.example"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    assert int(r.headers["RateLimit-Limit"]) == 120 and int(r.headers["RateLimit-Remaining"]) == 119
    body = r.get_json()
    assert body["total"] == 3 and {i["id"] for i in body["items"]} == {besluit, meeting, generic}
    assert {f["value"]: f["count"] for f in body["facets"]["soort"]} == {"woo-besluit": 1, "vergadering": 1,
                                                                          "publicatie": 1}
    assert {f["value"]: f["count"] for f in body["facets"]["onderwerp"]} == {"Haven": 2, "Begroting": 2}
    assert {i["id"] for i in client.get("/api/v1/openbaar/dossiers?onderwerp=haven").get_json()["items"]} == \
        {besluit, meeting}
    haven_meetings = client.get("/api/v1/openbaar/dossiers?onderwerp=Haven&soort=vergadering").get_json()
    assert [i["id"] for i in haven_meetings["items"]] == [meeting]
    # each facet counts with the other filter applied
    assert {f["value"]: f["count"] for f in haven_meetings["facets"]["soort"]} == {"woo-besluit": 1, "vergadering": 1}
    assert {f["value"]: f["count"] for f in haven_meetings["facets"]["onderwerp"]} == {"Haven": 1, "Begroting": 1}
    assert client.get("/api/v1/openbaar/dossiers?q=begroting").get_json()["total"] == 2
    paged = client.get("/api/v1/openbaar/dossiers?per_pagina=2&pagina=2").get_json()
    assert paged["total"] == 3 and len(paged["items"]) == 1
    assert client.get("/api/v1/openbaar/dossiers?soort=onzin").status_code == 400
    assert client.get("/api/v1/openbaar/dossiers?per_pagina=1000").status_code == 400

    # one dossier: judgement and grounds for every document, a file URL only for what is published
    one = client.get(f"/api/v1/openbaar/dossiers/{besluit}").get_json()
    assert one["kind"] == "woo-besluit" and one["topics"] == ["Haven"] and one["reference"] == "REF-Woo-"
    docs = {d["id"]: d for d in one["documents"]}
    open_doc, closed_doc = besluit_docs
    assert docs[open_doc]["judgement"] == "openbaar" and docs[open_doc]["file"].endswith(f"/publicaties/{open_doc}/bestand")
    assert docs[closed_doc]["judgement"] == "niet-openbaar" and docs[closed_doc]["grounds"] == ["5.1.2e"]
    assert docs[closed_doc]["file"] is None and docs[closed_doc]["page"] is None
    assert client.get(f"/api/v1/openbaar/dossiers/{gone}").status_code == 410
    assert client.get(f"/api/v1/openbaar/dossiers/{concept}").status_code == 404

    # CORS preflight
    pre = client.options("/api/v1/openbaar/dossiers", headers={"Origin": "https://portaal.example",
                                                               "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200 and "GET" in pre.headers["Access-Control-Allow-Methods"]

    # in the OpenAPI document, without security
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["paths"]["/openbaar/dossiers"]["get"]["security"] == []
    assert "429" in spec["paths"]["/openbaar/dossiers/{dossier_id}"]["get"]["responses"]

    # the public search: dossier facets per kind and onderwerp, and the filter applied
    html = client.get("/publicaties?q=haven").get_data(as_text=True)
    assert "Soort dossier" in html and "Onderwerp" in html and f"/dossiers/{besluit}" in html
    html = client.get("/publicaties?q=haven&soort=vergadering").get_data(as_text=True)
    assert f"/dossiers/{meeting}" in html and f"/dossiers/{besluit}" not in html

    # the Atom feed carries the published dossiers as entries of their own
    feed = etree.fromstring(client.get("/publicaties/feed.atom").data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    ids = [e.findtext("a:id", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert any(i.endswith(f"/dossiers/{besluit}") for i in ids)
    assert not any(i.endswith(f"/dossiers/{gone}") for i in ids)
    assert any(i.endswith(f"/publicaties/{open_doc}") for i in ids)


def test_open_api_rate_limit(woo_ctx):
    woo_ctx.settings = woo_ctx.settings.replace(public_api_per_minute=3)
    client = create_app(ctx=woo_ctx).test_client()
    answers = [client.get("/api/v1/openbaar/dossiers") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) >= 1 and refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "Te veel verzoeken" in refused.get_json()["detail"]
    # another address has its own count
    other = client.get("/api/v1/openbaar/dossiers", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Dossier)).first() is None


def test_officer_manages_onderwerpen(woo_ctx):
    """Add, rename (the dossiers that carry it follow), retire (no longer offered, kept where it is), restore."""
    from tests.integration.retention_helpers import logged_in_client
    from woo.domain.roles import Role
    from woo.services.context import Actor

    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
        user = accounts.create_user(s, SYSTEM, "beheerder-o", None, [(Role.OFFICER, None)])
        officer = Actor("user", user.id, "beheerder-o")
    client = logged_in_client(create_app(ctx=woo_ctx), woo_ctx, officer, "csrf-test")

    def post(**form):
        return client.post("/dossiers/onderwerpen", data={"csrf_token": "csrf-test", "organisation_id": org, **form},
                           follow_redirects=True)

    assert "Nog geen onderwerpen" in client.get("/dossiers/onderwerpen").get_data(as_text=True)
    assert post(op="add", topic="  Haven  ").status_code == 200
    did = dossiers.create(woo_ctx, SYSTEM, org, {"title": "Over de haven", "kind": "publicatie", "category": "2a",
                                                 "topics": ["haven"]})
    page = post(op="rename", topic="Haven", new_name="Haven en scheepvaart").get_data(as_text=True)
    assert "1 dossier(s) aangepast" in page
    with woo_ctx.unit_of_work() as s:
        assert s.get(Dossier, did).topics == ["Haven en scheepvaart"]
    post(op="add", topic="Begroting")
    assert "bestaat al" in post(op="rename", topic="Begroting", new_name="haven en scheepvaart").get_data(as_text=True)

    page = post(op="retire", topic="Haven en scheepvaart").get_data(as_text=True)
    assert "Vervallen" in page
    with woo_ctx.unit_of_work() as s:
        assert dossiers.topics(s, org) == ["Begroting"]  # no longer offered
    with pytest.raises(dossiers.DossierError, match="Onbekend onderwerp"):
        dossiers.create(woo_ctx, SYSTEM, org, {"title": "Nieuw", "kind": "publicatie", "category": "2a",
                                               "topics": ["Haven en scheepvaart"]})
    dossiers.edit(woo_ctx, SYSTEM, did, {"summary": "Nog steeds over de haven."})  # keeps its retired onderwerp
    with woo_ctx.unit_of_work() as s:
        assert s.get(Dossier, did).topics == ["Haven en scheepvaart"]
    post(op="add", topic="haven en scheepvaart")  # back in use
    with woo_ctx.unit_of_work() as s:
        assert dossiers.topics(s, org) == ["Begroting", "Haven en scheepvaart"]
        actions = {e.action for e in s.execute(select(Event)).scalars()}
    assert {"dossier.topic_added", "dossier.topic_renamed", "dossier.topic_retired", "dossier.topic_restored"} <= actions
    assert "Onbekende actie" in post(op="wis", topic="Begroting").get_data(as_text=True)
