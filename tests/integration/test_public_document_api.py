"""The open JSON API for published documents (/api/v1/openbaar/documenten): anonymous, CORS and the same rate
limit as the dossier half, search with filters (category, documentsoort, onderwerp, dates) and paging, the
fields of the DiWoo record, and never a concept, ready, withdrawn or destroyed document."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from tests.integration.test_publish import ONDERZOEK, PRIVACY, WOO_VERZOEK
from tests.integration.test_search import _documents
from woo.adapters.models import Document, Dossier
from woo.app import create_app
from woo.domain import tooi
from woo.services import accounts, describe, dossiers, publication
from woo.services.context import SYSTEM

BRIEF = tooi.documentsoort("brief").uri
RAPPORT = tooi.documentsoort("rapport").uri


def test_open_document_api(woo_ctx, tmp_path):
    haven, parkeren, verslag, concept, ready, withdrawn, destroyed = _documents(woo_ctx, tmp_path, [
        ("Brief over de haven", ["De vergunningen voor de kade worden verleend."], WOO_VERZOEK),
        ("Rapport parkeerdruk", ["Uit het onderzoek blijkt dat bewoners een vergunning nodig hebben."], ONDERZOEK),
        ("Rapport havenverkeer", ["Het verkeer in de haven is onderzocht door de gemeente."], ONDERZOEK),
        ("Concept haven geheim", ["Interne notitie over de haven."], None),
        ("Gereed haven", ["Haven, nog niet openbaar."], ONDERZOEK),
        ("Ingetrokken brief haven", ["Deze brief over de haven is ingetrokken."], WOO_VERZOEK),
        ("Vernietigde brief haven", ["Deze brief over de haven is vernietigd."], WOO_VERZOEK),
    ])
    for doc_id, soort, day in ((haven, BRIEF, "2024-02-01"), (parkeren, RAPPORT, "2024-03-10"),
                               (verslag, RAPPORT, "2024-05-20"), (withdrawn, BRIEF, "2024-02-02"),
                               (destroyed, BRIEF, "2024-02-03")):
        describe.set_metadata(woo_ctx, SYSTEM, doc_id, {"documentsoort": soort, "date.creatie": day})
    published = publication.publish(woo_ctx, SYSTEM, [haven, parkeren, verslag, withdrawn, destroyed])
    assert set(published.published) == {haven, parkeren, verslag, withdrawn, destroyed}, published.refused
    publication.withdraw(woo_ctx, SYSTEM, [withdrawn], PRIVACY)
    with woo_ctx.unit_of_work() as s:
        s.get(Document, destroyed).status = "destroyed"  # the search joins on status: a stale index row never shows
    # the rapport on the haven sits in a published dossier with the onderwerp "Haven"
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    dossiers.add_topic(woo_ctx, SYSTEM, org, "Haven")
    did = dossiers.create(woo_ctx, SYSTEM, org, {"title": "Havendossier", "kind": "publicatie", "category": "2a",
                                                 "topics": ["Haven"]})
    with woo_ctx.unit_of_work() as s:
        s.get(Document, verslag).publication_id = did
        d = s.get(Dossier, did)
        d.status, d.published_at = "openbaar", datetime(2024, 6, 1, tzinfo=timezone.utc)

    client = create_app(ctx=woo_ctx).test_client()

    def ids(query: str = "", status: int = 200) -> list[str]:
        r = client.get(f"/api/v1/openbaar/documenten{query}")
        assert r.status_code == status, r.get_data(as_text=True)
        return [i["id"] for i in r.get_json()["items"]]

    # anonymous: only what is published, never the concept, ready, withdrawn or destroyed one
    r = client.get("/api/v1/openbaar/documenten", headers={"Origin": "https://portaal.example"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    assert int(r.headers["RateLimit-Limit"]) == 120
    body = r.get_json()
    assert body["total"] == 3 and set(ids()) == {haven, parkeren, verslag}
    assert set(ids("?q=haven")) == {haven, verslag}
    assert {f["value"]: f["count"] for f in body["facets"]["documentsoort"]} == {RAPPORT: 2, BRIEF: 1}
    assert {f["value"]: f["count"] for f in body["facets"]["categorie"]} == {ONDERZOEK: 2, WOO_VERZOEK: 1}

    # filters: category (article or URI), documentsoort (label or URI), onderwerp of the dossier, dates
    assert set(ids("?categorie=2i")) == {haven}
    assert set(ids(f"?categorie={ONDERZOEK}")) == {parkeren, verslag}
    assert set(ids("?documentsoort=rapport")) == {parkeren, verslag}
    assert ids(f"?documentsoort={BRIEF}&q=haven") == [haven]
    assert ids("?onderwerp=haven") == [verslag]
    assert ids("?onderwerp=Begroting") == []
    assert set(ids("?datum_van=2024-03-10")) == {parkeren, verslag}
    assert ids("?datum_van=2024-03-01&datum_tot=2024-03-10") == [parkeren]
    today = datetime.now(timezone.utc).date().isoformat()
    assert set(ids(f"?gepubliceerd_van={today}")) == {haven, parkeren, verslag}
    assert ids("?gepubliceerd_tot=2020-01-01") == []
    # paging
    first, second = (client.get(f"/api/v1/openbaar/documenten?per_pagina=2&pagina={n}").get_json() for n in (1, 2))
    assert first["total"] == second["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["id"] for i in first["items"] + second["items"]} == {haven, parkeren, verslag}
    # bad input: a clear Dutch 400
    for bad, words in (("?datum_van=gisteren", "geen datum"), ("?documentsoort=onzin", "geen documentsoort"),
                       ("?categorie=onzin", "geen Woo-informatiecategorie"),
                       ("?datum_van=2024-05-01&datum_tot=2024-01-01", "ligt na")):
        r = client.get(f"/api/v1/openbaar/documenten{bad}")
        assert r.status_code == 400 and words in r.get_json()["detail"], bad
    assert client.get("/api/v1/openbaar/documenten?per_pagina=1000").status_code == 400

    # the fields of the DiWoo record
    one = client.get(f"/api/v1/openbaar/documenten/{verslag}").get_json()
    assert one["officieleTitel"] == "Rapport havenverkeer" and one["identifiers"][0] == verslag
    assert one["informatiecategorieen"] == [{"uri": ONDERZOEK, "label": tooi.category_by_uri(ONDERZOEK).label}]
    assert one["documentsoorten"][0]["uri"] == RAPPORT and one["documentsoorten"][0]["label"]
    assert one["creatiedatum"] == "2024-05-20" and one["publisher"]["uri"].startswith("https://identifier.overheid.nl")
    assert one["documenthandelingen"] and one["documenthandelingen"][0]["soortHandeling"]["uri"]
    assert one["language"]["uri"].endswith("NLD") and one["format"]["label"]
    assert one["file"].endswith(f"/publicaties/{verslag}/bestand") and one["size"] > 0
    assert one["isPartOf"]["resource"].endswith(f"/dossiers/{did}") and one["isPartOf"]["label"] == "Havendossier"
    assert client.get(f"/api/v1/openbaar/documenten/{haven}").get_json()["isPartOf"] is None
    # a list item carries the same record as the single document
    listed = next(i for i in client.get("/api/v1/openbaar/documenten?q=havenverkeer").get_json()["items"])
    assert listed == one
    # never published: 404; published once and no longer: 410
    assert client.get(f"/api/v1/openbaar/documenten/{concept}").status_code == 404
    assert client.get(f"/api/v1/openbaar/documenten/{ready}").status_code == 404
    assert client.get(f"/api/v1/openbaar/documenten/{withdrawn}").status_code == 410
    assert client.get(f"/api/v1/openbaar/documenten/{destroyed}").status_code == 410
    assert client.get("/api/v1/openbaar/documenten/bestaat-niet").status_code == 404

    # CORS preflight, and in the OpenAPI document without security
    pre = client.options("/api/v1/openbaar/documenten", headers={"Origin": "https://portaal.example",
                                                                 "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200 and "GET" in pre.headers["Access-Control-Allow-Methods"]
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/openbaar/documenten"]["get"]
    assert op["security"] == [] and {"categorie", "documentsoort", "onderwerp", "datum_van", "datum_tot"} <= \
        {p["name"] for p in op["parameters"]}
    assert "OpenbaarDocument" in spec["components"]["schemas"]
    assert "410" in spec["paths"]["/openbaar/documenten/{document_id}"]["get"]["responses"]


def test_open_document_api_shares_the_rate_limit(woo_ctx):
    """One count per address over the whole open API: documents and dossiers draw from the same limit."""
    woo_ctx.settings = woo_ctx.settings.replace(public_api_per_minute=3)
    client = create_app(ctx=woo_ctx).test_client()
    answers = [client.get(p) for p in ("/api/v1/openbaar/documenten", "/api/v1/openbaar/dossiers",
                                       "/api/v1/openbaar/documenten", "/api/v1/openbaar/documenten/x")]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1 and "Te veel verzoeken" in answers[-1].get_json()["detail"]
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Document)).first() is None
