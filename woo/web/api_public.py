"""The open JSON API (/api/v1/openbaar): published dossiers and documents for portals and re-users, anonymous and read-only,
with CORS (any origin may read) and a rate limit per client address (WOO_PUBLIC_API_PER_MINUTE).

Only what the public site shows: dossiers with status openbaar of the site's organisations; per document
its judgement and grounds, a file URL only for a published openbaar / deels openbaar document. Documents
(/documenten) are described with the fields of their DiWoo record (woo.services.open_documents); the
rate limit and CORS headers of this blueprint apply to both."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from woo.adapters.ratelimit import RateLimit
from woo.app import context
from woo.domain import dossiers as rules
from woo.domain import tooi
from woo.publish.records import as_utc
from woo.services import dossiers as svc
from woo.web.errors import problem
from woo.web.params import PAGE_MAX, int_arg

bp = Blueprint("openbaar", __name__, url_prefix="/api/v1/openbaar")
PER_PAGE_MAX = 100


def _limiter() -> RateLimit:
    app = current_app
    limiter = app.extensions.get("woo.public_api_limit")
    if limiter is None:
        redis = getattr(context().queue, "redis", None)
        if redis is None:
            from redis import Redis

            redis = Redis.from_url(context().settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        limiter = app.extensions["woo.public_api_limit"] = RateLimit(
            redis, "public-api", int(getattr(context().settings, "public_api_per_minute", 120)), 60)
    return limiter


@bp.before_request
def _rate_limit():
    if request.method == "OPTIONS":
        return None  # a CORS preflight is no read
    verdict = _limiter().hit(request.remote_addr or "-")
    request.environ["woo.ratelimit"] = verdict
    if not verdict.allowed:
        resp = problem(429, f"Te veel verzoeken: maximaal {verdict.limit} per minuut per adres. "
                            f"Probeer het over {verdict.reset} seconden opnieuw.")
        resp.headers["Retry-After"] = str(verdict.reset)
        return resp
    return None


@bp.after_request
def _cors(resp):
    resp.headers["Access-Control-Allow-Origin"] = "*"  # public data: any site may read it, without cookies
    resp.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    resp.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    resp.headers["Access-Control-Expose-Headers"] = "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After"
    resp.headers["Access-Control-Max-Age"] = "86400"
    resp.headers.setdefault("Cache-Control", "public, max-age=60")
    verdict = request.environ.get("woo.ratelimit")
    if verdict is not None and verdict.limit:
        resp.headers["RateLimit-Limit"] = str(verdict.limit)
        resp.headers["RateLimit-Remaining"] = str(verdict.remaining)
        resp.headers["RateLimit-Reset"] = str(verdict.reset)
    return resp


def _site():
    from woo.web.public import current_site

    return current_site()


def public_dossier_json(d, base_url: str, documents: list | None = None) -> dict:
    cat = tooi.category_by_uri(d.category) if d.category else None
    term = rules.decision_term(d.received_date, d.decision_date, d.extended, d.suspension_days) \
        if d.kind == rules.Kind.WOO_BESLUIT else None
    page = svc.dossier_url(base_url, d.id)
    out = {"id": d.id, "title": d.title, "kind": d.kind, "kind_label": rules.KIND_LABELS_NL[rules.Kind(d.kind)],
           "category": {"uri": cat.uri, "label": cat.label} if cat else None,
           "organisation": {"uri": d.organisation.tooi_uri, "name": d.organisation.name},
           "reference": d.reference, "summary": d.summary, "topics": d.topics or [], "decision": d.decision,
           "received_date": d.received_date.isoformat() if d.received_date else None,
           "decision_date": d.decision_date.isoformat() if d.decision_date else None,
           "term": {"deadline": term.deadline.isoformat(), "label": term.label} if term else None,
           "published_at": as_utc(d.published_at).isoformat() if d.published_at else None,
           "page": page, "inventory": {"csv": f"{page}/inventarislijst.csv", "xlsx": f"{page}/inventarislijst.xlsx"},
           "url": f"{request.host_url.rstrip('/')}/api/v1/openbaar/dossiers/{d.id}"}
    if documents is not None:
        out["documents"] = documents
    return out


@bp.route("/dossiers")
def dossiers():
    site = _site()
    q = (request.args.get("q") or "").strip()[:200]
    kind = None
    if request.args.get("soort"):
        try:
            kind = rules.parse_kind(request.args["soort"]).value
        except rules.DossierError as exc:
            return problem(400, str(exc))
    category = None
    if request.args.get("categorie"):
        cat = tooi.resolve_category(request.args["categorie"])
        if cat is None:
            return problem(400, f"'{request.args['categorie']}' is geen Woo-informatiecategorie.")
        category = cat.uri
    page = int_arg("pagina", 1, minimum=1, maximum=PAGE_MAX)
    per_page = int_arg("per_pagina", 20, minimum=1, maximum=PER_PAGE_MAX)
    with context().unit_of_work() as s:
        result = svc.public_dossiers(s, site.organisation_ids, q, kind=kind, topic=request.args.get("onderwerp"),
                                     category=category, offset=(page - 1) * per_page, limit=per_page)
        items = [public_dossier_json(d, site.base_url) for d in result.dossiers]
    return jsonify({"total": result.total, "page": page, "per_page": per_page, "items": items,
                    "facets": {name: [{"value": v, "count": n} for v, n in values]
                               for name, values in result.facets.items()}})


@bp.route("/dossiers/<dossier_id>")
def dossier(dossier_id: str):
    site = _site()
    with context().unit_of_work() as s:
        d = svc.get(s, dossier_id)
        if d is None or d.published_at is None or d.organisation_id not in site.organisation_ids:
            return problem(404, "Dit dossier is niet gepubliceerd.")
        if d.status != rules.Status.OPENBAAR:
            return problem(410, "Dit dossier is ingetrokken en niet langer openbaar.")
        return jsonify(public_dossier_json(d, site.base_url, svc.public_documents(s, d, site.base_url)))


# --------------------------------------------------------------------------- documents

def _concept(uri: str | None, lookup) -> dict | None:
    if not uri:
        return None
    found = lookup(uri)
    return {"uri": uri, "label": getattr(found, "label", None)}


def _day(value) -> str | None:
    return value.isoformat() if value else None


def record_json(doc, rec, base_url: str) -> dict:
    """A published document as the open API gives it: the fields of its DiWoo record, by their DiWoo names."""
    from woo.publish.records import page_url

    return {
        "id": doc.id, "url": f"{request.host_url.rstrip('/')}/api/v1/openbaar/documenten/{doc.id}",
        "page": page_url(base_url, doc.id), "file": rec.file_url, "size": rec.size,
        "lastmod": as_utc(rec.lastmod).isoformat() if rec.lastmod else None,
        "published_at": as_utc(doc.published_at).isoformat() if doc.published_at else None,
        "identifiers": rec.identifiers,
        "publisher": _concept(rec.publisher, tooi.organisation),
        "verantwoordelijke": _concept(rec.verantwoordelijke, tooi.organisation),
        "opsteller": _concept(rec.opsteller, tooi.organisation),
        "officieleTitel": rec.officiele_titel,
        "informatiecategorieen": [_concept(c, tooi.category_by_uri) for c in rec.informatiecategorieen],
        "documentsoorten": [_concept(c, tooi.documentsoort) for c in rec.documentsoorten],
        "documenthandelingen": [{"soortHandeling": _concept(h.soort, tooi.documenthandeling),
                                 "atTime": h.at.isoformat()} for h in rec.documenthandelingen],
        "creatiedatum": _day(rec.creatiedatum),
        "language": _concept(rec.language, tooi.taal),
        "format": _concept(rec.format, tooi.bestandsformaat),
        "isPartOf": {"resource": rec.is_part_of.url, "label": rec.is_part_of.title} if rec.is_part_of else None,
        "redenVerwijderingVervanging": _concept(rec.reden_verwijdering, tooi.reden_verwijdering),
    }


def _date_arg(name: str):
    from datetime import date

    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{raw}' is geen datum voor {name}: gebruik JJJJ-MM-DD, bv. 2024-03-25.") from None


@bp.route("/documenten")
def documents():
    from woo.services import open_documents as opendocs

    site = _site()
    try:
        flt = opendocs.Filters(
            q=(request.args.get("q") or "").strip()[:200], category=request.args.get("categorie") or None,
            documentsoort=request.args.get("documentsoort") or None, topic=request.args.get("onderwerp") or None,
            date_from=_date_arg("datum_van"), date_to=_date_arg("datum_tot"),
            published_from=_date_arg("gepubliceerd_van"), published_to=_date_arg("gepubliceerd_tot"))
    except ValueError as exc:
        return problem(400, str(exc))
    page = int_arg("pagina", 1, minimum=1, maximum=PAGE_MAX)
    per_page = int_arg("per_pagina", 20, minimum=1, maximum=PER_PAGE_MAX)
    with context().unit_of_work() as s:
        try:
            result = opendocs.search(s, site.organisation_ids, site.base_url, flt,
                                     offset=(page - 1) * per_page, limit=per_page)
        except opendocs.OpenApiError as exc:
            return problem(400, str(exc))
        items = [record_json(o.document, o.record, site.base_url) for o in result.items]
    facets = {"categorie": [{"value": v, "label": getattr(tooi.category_by_uri(v), "label", None), "count": n}
                            for v, n in result.facets["categorie"]],
              "documentsoort": [{"value": v, "label": getattr(tooi.documentsoort(v), "label", None), "count": n}
                                for v, n in result.facets["documentsoort"]]}
    return jsonify({"total": result.total, "page": page, "per_page": per_page, "items": items, "facets": facets})


@bp.route("/documenten/<document_id>")
def document(document_id: str):
    from woo.services import open_documents as opendocs

    site = _site()
    with context().unit_of_work() as s:
        status, found = opendocs.get(s, site.organisation_ids, site.base_url, document_id)
        if status == 410:
            return problem(410, "Dit document is niet langer openbaar.")
        if found is None:
            return problem(404, "Dit document is niet gepubliceerd.")
        return jsonify(record_json(found.document, found.record, site.base_url))


def openapi_paths(problem_response: dict) -> dict:
    """The OpenAPI description of the open API (merged into woo.web.openapi.spec); no security."""
    p = problem_response
    limited = {"description": "Te veel verzoeken (limiet per minuut per adres); zie Retry-After", **{
        k: v for k, v in p.items() if k != "description"}}
    ref = {"$ref": "#/components/schemas/OpenbaarDossier"}
    query = [{"name": "q", "in": "query", "schema": {"type": "string"}, "description": "zoekterm"},
             {"name": "soort", "in": "query", "schema": {"type": "string",
                                                        "enum": ["woo-besluit", "vergadering", "publicatie"]}},
             {"name": "onderwerp", "in": "query", "schema": {"type": "string"}},
             {"name": "categorie", "in": "query", "schema": {"type": "string"},
              "description": "Woo-informatiecategorie: TOOI-URI, label of artikel (2i)"},
             {"name": "pagina", "in": "query", "schema": {"type": "integer", "minimum": 1}},
             {"name": "per_pagina", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                             "maximum": PER_PAGE_MAX}}]
    return {
        "/openbaar/dossiers": {"get": {
            "summary": "Gepubliceerde dossiers (anoniem, CORS, limiet per adres)", "security": [],
            "parameters": query,
            "responses": {"200": {"description": "Eén pagina dossiers met facetten per soort en onderwerp",
                                  "content": {"application/json": {"schema": {"type": "object", "properties": {
                                      "total": {"type": "integer"}, "page": {"type": "integer"},
                                      "per_page": {"type": "integer"}, "items": {"type": "array", "items": ref},
                                      "facets": {"type": "object"}}}}}},
                          "400": p, "429": limited}}},
        "/openbaar/dossiers/{dossier_id}": {"get": {
            "summary": "Eén gepubliceerd dossier met zijn documenten (beoordeling, gronden, bestand)",
            "security": [],
            "parameters": [{"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Het dossier", "content": {"application/json": {"schema": ref}}},
                          "404": p, "410": p, "429": limited}}},
        **_document_paths(p, limited),
    }


def _document_paths(p: dict, limited: dict) -> dict:
    ref = {"$ref": "#/components/schemas/OpenbaarDocument"}
    day = {"type": "string", "format": "date"}
    query = [{"name": "q", "in": "query", "schema": {"type": "string"}, "description": "zoekterm (titel en tekst)"},
             {"name": "categorie", "in": "query", "schema": {"type": "string"},
              "description": "Woo-informatiecategorie: TOOI-URI, label of artikel (2i)"},
             {"name": "documentsoort", "in": "query", "schema": {"type": "string"},
              "description": "TOOI-documentsoort: URI of label"},
             {"name": "onderwerp", "in": "query", "schema": {"type": "string"},
              "description": "onderwerp van het dossier waar het document bij hoort"},
             {"name": "datum_van", "in": "query", "schema": day, "description": "documentdatum vanaf (inclusief)"},
             {"name": "datum_tot", "in": "query", "schema": day, "description": "documentdatum tot en met"},
             {"name": "gepubliceerd_van", "in": "query", "schema": day},
             {"name": "gepubliceerd_tot", "in": "query", "schema": day},
             {"name": "pagina", "in": "query", "schema": {"type": "integer", "minimum": 1}},
             {"name": "per_pagina", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                             "maximum": PER_PAGE_MAX}}]
    return {
        "/openbaar/documenten": {"get": {
            "summary": "Gepubliceerde documenten met hun DiWoo-metadata (anoniem, CORS, limiet per adres)",
            "security": [], "parameters": query,
            "responses": {"200": {"description": "Eén pagina documenten met facetten per categorie en documentsoort",
                                  "content": {"application/json": {"schema": {"type": "object", "properties": {
                                      "total": {"type": "integer"}, "page": {"type": "integer"},
                                      "per_page": {"type": "integer"}, "items": {"type": "array", "items": ref},
                                      "facets": {"type": "object"}}}}}},
                          "400": p, "429": limited}}},
        "/openbaar/documenten/{document_id}": {"get": {
            "summary": "Eén gepubliceerd document met zijn DiWoo-metadata", "security": [],
            "parameters": [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Het document", "content": {"application/json": {"schema": ref}}},
                          "404": p, "410": p, "429": limited}}},
    }


def openapi_document_schema() -> dict:
    concept = {"type": ["object", "null"], "properties": {"uri": {"type": "string"},
                                                         "label": {"type": ["string", "null"]}}}
    return {"type": "object", "description": "De velden van het DiWoo-record (zoals in de sitemaps)", "properties": {
        "id": {"type": "string"}, "url": {"type": "string"}, "page": {"type": "string"},
        "file": {"type": "string"}, "size": {"type": ["integer", "null"]},
        "lastmod": {"type": "string", "format": "date-time"},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "identifiers": {"type": "array", "items": {"type": "string"}},
        "publisher": concept, "verantwoordelijke": concept, "opsteller": concept,
        "officieleTitel": {"type": "string"},
        "informatiecategorieen": {"type": "array", "items": concept},
        "documentsoorten": {"type": "array", "items": concept},
        "documenthandelingen": {"type": "array", "items": {"type": "object", "properties": {
            "soortHandeling": concept, "atTime": {"type": "string"}}}},
        "creatiedatum": {"type": ["string", "null"], "format": "date"},
        "language": concept, "format": concept,
        "isPartOf": {"type": ["object", "null"], "properties": {"resource": {"type": "string"},
                                                               "label": {"type": "string"}}},
        "redenVerwijderingVervanging": concept}}


def openapi_schema() -> dict:
    return {"type": "object", "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "kind": {"type": "string", "enum": ["woo-besluit", "vergadering", "publicatie"]},
        "category": {"type": ["object", "null"]}, "organisation": {"type": "object"},
        "reference": {"type": ["string", "null"]}, "summary": {"type": ["string", "null"]},
        "topics": {"type": "array", "items": {"type": "string"}}, "decision": {"type": ["string", "null"]},
        "published_at": {"type": ["string", "null"], "format": "date-time"}, "page": {"type": "string"},
        "documents": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "role": {"type": "string"},
            "judgement": {"type": ["string", "null"]}, "grounds": {"type": "array", "items": {"type": "string"}},
            "file": {"type": ["string", "null"]}, "public_link": {"type": ["string", "null"]}}}}}}
