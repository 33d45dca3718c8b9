"""REST API for dossiers (/api/v1/dossiers): the same service (woo.services.dossiers) as the UI and the CLI.
Routes sit on the API blueprint (woo.web.api), so token handling and errors are the API's own."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import g, jsonify, request, url_for
from sqlalchemy import select

from woo.adapters.models import Dossier, Organisation
from woo.app import context
from woo.domain import dossiers as rules
from woo.domain.roles import allowed
from woo.services import accounts
from woo.services import dossiers as svc
from woo.services.documents import visible_organisations
from woo.web.api import bp, token_required
from woo.web.errors import problem


def dossier_json(session, d: Dossier, with_documents: bool = True) -> dict:
    term = rules.decision_term(d.received_date, d.decision_date, d.extended, d.suspension_days) \
        if d.kind == rules.Kind.WOO_BESLUIT else None
    out = {"id": d.id, "title": d.title, "kind": d.kind, "status": d.status, "category": d.category,
           "organisation": d.organisation.tooi_uri, "reference": d.reference, "summary": d.summary,
           "topics": d.topics or [], "decision": d.decision,
           "received_date": d.received_date.isoformat() if d.received_date else None,
           "decision_date": d.decision_date.isoformat() if d.decision_date else None,
           "extended": d.extended, "suspension_days": d.suspension_days,
           "term": {"deadline": term.deadline.isoformat(), "label": term.label} if term else None,
           "published_at": d.published_at.isoformat() if d.published_at else None,
           "url": url_for("api.get_dossier", dossier_id=d.id)}
    if with_documents:
        out["documents"] = [{"id": i.document_id, "role": i.role, "number": i.number, "judgement": i.judgement,
                             "grounds": i.grounds or [], "remark": i.remark, "public_link": i.public_link,
                             "status": i.document.status, "title": i.document.title}
                            for i in svc.items(session, d.id)]
        out["blockers"] = svc.blockers(session, d.id).as_dict()
    return out


def _org_from_request():
    organisation = request.form.get("organisation") or (request.get_json(silent=True) or {}).get("organisation")
    with context().unit_of_work() as s:
        if organisation:
            org = s.execute(select(Organisation).where((Organisation.code == organisation)
                                                       | (Organisation.tooi_uri == organisation))).scalar_one_or_none()
        else:
            org = accounts.default_organisation(s)
        return (org.id if org else None), organisation


def _target(dossier_id: str, action: str):
    with context().unit_of_work() as s:
        d = s.get(Dossier, dossier_id)
        if d is None or not allowed(g.principal.roles_for(d.organisation_id), "document.read"):
            return None, problem(404, "Dossier niet gevonden.")
        if not allowed(g.principal.roles_for(d.organisation_id), action):
            return None, problem(403, "Dit account mag dit niet voor deze organisatie.")
        return d.id, None  # units: the dossier services (UnitRefused, a 403 by woo.web.errors)


def _response(dossier_id: str, status: int = 200):
    with context().unit_of_work() as s:
        return jsonify(dossier_json(s, s.get(Dossier, dossier_id))), status


@bp.route("/dossiers")
@token_required("read")
def list_dossiers():
    with context().unit_of_work() as s:
        items = svc.list_dossiers(s, visible_organisations(g.principal), request.args.get("status"))
        return jsonify({"items": [dossier_json(s, d, with_documents=False) for d in items]})


@bp.route("/dossiers", methods=["POST"])
@token_required("ingest")
def create_dossier():
    org_id, name = _org_from_request()
    if org_id is None:
        return problem(422, f"Onbekende organisatie: {name}")
    if not allowed(g.principal.roles_for(org_id), "document.ingest"):
        return problem(403, "Dit account mag geen dossiers maken voor deze organisatie.")
    body = request.get_json(silent=True) or request.form.to_dict()
    body.pop("organisation", None)
    try:
        dossier_id = svc.create(context(), g.principal.actor, org_id, body)
    except rules.DossierError as exc:
        return problem(422, str(exc))
    return _response(dossier_id, 201)


@bp.route("/dossiers/import", methods=["POST"])
@token_required("ingest")
def import_dossier():
    """multipart: zip, inventory, decision_letter (files) and the dossier's fields as form fields. The import
    runs as a background job (the web import's own service path): 202 with the URL of its status."""
    from woo.services import dossier_import

    org_id, name = _org_from_request()
    if org_id is None:
        return problem(422, f"Onbekende organisatie: {name}")
    if not allowed(g.principal.roles_for(org_id), "document.ingest"):
        return problem(403, "Dit account mag geen dossiers maken voor deze organisatie.")
    files = {k: request.files.get(k) for k in ("zip", "inventory", "decision_letter")}
    if files["zip"] is None or files["inventory"] is None:
        return problem(400, "Stuur 'zip' en 'inventory' (en 'decision_letter') als multipart-velden.")
    values = {k: v for k, v in request.form.items() if k != "organisation"}
    with tempfile.TemporaryDirectory(prefix="woo-dossier-api-") as tmp:
        paths = {}
        for k, f in files.items():
            if f is not None:
                paths[k] = Path(tmp) / k
                f.save(paths[k])  # streamed to disk by werkzeug, never held whole
        try:
            import_id = dossier_import.start_import(
                context(), g.principal.actor, org_id, values, paths["zip"], paths["inventory"],
                files["inventory"].filename or "inventaris.xlsx", paths.get("decision_letter"),
                files["decision_letter"].filename if files["decision_letter"] else None)
        except rules.DossierError as exc:
            return problem(503, str(exc))
    resp, _ = _import_response(import_id)
    resp.status_code = 202
    resp.headers["Location"] = url_for("api.dossier_import_status", import_id=import_id)
    return resp


def _import_response(import_id: str):
    from woo.services import dossier_import

    with context().unit_of_work() as s:
        status = dossier_import.import_status(s, import_id)
    if status is None or not allowed(g.principal.roles_for(status["organisation_id"]), "document.read"):
        return None, problem(404, "Deze import bestaat niet.")
    org = status.pop("organisation_id")
    del org
    status["status_url"] = url_for("api.dossier_import_status", import_id=import_id)
    status["dossier_url"] = url_for("api.get_dossier", dossier_id=status["dossier_id"]) \
        if status["dossier_id"] else None
    return jsonify(status), None


@bp.route("/dossiers/imports/<import_id>")
@token_required("read")
def dossier_import_status(import_id: str):
    """How far a dossier import is: status (wachtend/bezig/klaar/mislukt), phase, done/total, problems."""
    resp, error = _import_response(import_id)
    return error or resp


@bp.route("/dossiers/<dossier_id>")
@token_required("read")
def get_dossier(dossier_id: str):
    target, error = _target(dossier_id, "document.read")
    return error or _response(target)


@bp.route("/dossiers/<dossier_id>/judgements", methods=["POST"])
@token_required("edit")
def judge_dossier(dossier_id: str):
    """{"documents": [ids], "judgement": "deels openbaar", "grounds": ["5.1.2e"], "remark": "...",
    "public_link": "..."}: the same judgement for every listed document."""
    target, error = _target(dossier_id, "document.edit")
    if error:
        return error
    body = request.get_json(silent=True) or {}
    try:
        svc.judge_bulk(context(), g.principal.actor, target, list(body.get("documents") or []),
                       body.get("judgement"), body.get("grounds"), body.get("remark"), body.get("public_link"))
    except rules.DossierError as exc:
        return problem(422, str(exc))
    return _response(target)


@bp.route("/dossiers/<dossier_id>/status", methods=["POST"])
@token_required("edit")
def dossier_status(dossier_id: str):
    target, error = _target(dossier_id, "document.edit")
    if error:
        return error
    try:
        svc.set_status(context(), g.principal.actor, target, (request.get_json(silent=True) or {}).get("status", ""))
    except (rules.DossierError, ValueError) as exc:
        return problem(409, str(exc))
    return _response(target)


@bp.route("/dossiers/<dossier_id>/publish", methods=["POST"])
@token_required("publish")
def publish_dossier(dossier_id: str):
    target, error = _target(dossier_id, "document.publish")
    if error:
        return error
    try:
        result = svc.publish(context(), g.principal.actor, target)
    except rules.DossierError as exc:
        return problem(409, str(exc))
    if not result.ok:
        return problem(409, "Niets gepubliceerd: er is nog iets dat publicatie tegenhoudt.",
                       blockers=result.blockers.as_dict())
    return _response(target)


@bp.route("/dossiers/<dossier_id>/withdraw", methods=["POST"])
@token_required("publish")
def withdraw_dossier(dossier_id: str):
    from woo.services import publication

    target, error = _target(dossier_id, "document.publish")
    if error:
        return error
    reason = (request.get_json(silent=True) or {}).get("reason") or request.form.get("reason")
    try:
        svc.withdraw(context(), g.principal.actor, target, reason)
    except publication.PublicationError as exc:
        return problem(422, str(exc))
    except rules.DossierError as exc:
        return problem(409, str(exc))
    return _response(target)


def openapi_paths(problem_response: dict) -> dict:
    """The OpenAPI description of the routes above (merged into woo.web.openapi.spec)."""
    p = problem_response
    ident = [{"name": "dossier_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    ref = {"$ref": "#/components/schemas/Dossier"}
    ok = {"description": "Het dossier", "content": {"application/json": {"schema": ref}}}
    fields = {"type": "object", "properties": {
        "organisation": {"type": "string", "description": "TOOI-code of -URI; standaard de eigen organisatie"},
        "title": {"type": "string"}, "kind": {"type": "string", "enum": ["woo-besluit", "vergadering", "publicatie"]},
        "category": {"type": "string", "description": "TOOI-URI, label of artikel; een Woo-besluit is altijd 2i"},
        "reference": {"type": "string"}, "summary": {"type": "string"},
        "topics": {"type": "array", "items": {"type": "string"}},
        "received_date": {"type": "string", "format": "date"}, "decision_date": {"type": "string", "format": "date"},
        "extended": {"type": "boolean"}, "suspension_days": {"type": "integer", "minimum": 0},
        "decision": {"type": "string", "enum": ["openbaar", "deels-openbaar", "niet-openbaar", "reeds-openbaar"]}},
        "required": ["title", "kind"]}
    return {
        "/dossiers": {
            "get": {"summary": "Dossiers van de eigen organisatie(s); scope 'read'",
                    "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "Lijst", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"items": {"type": "array", "items": ref}}}}}},
                        "401": p, "403": p}},
            "post": {"summary": "Leeg dossier aanmaken (status concept); scope 'ingest'",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": fields}}},
                     "responses": {"201": ok, "401": p, "403": p, "422": p}}},
        "/dossiers/import": {"post": {
            "summary": "Dossier importeren: ZIP + inventaris (XLSX/CSV, VWS-productierapport of woo-sjabloon) + "
                       "besluitbrief; alles of niets; scope 'ingest'",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "allOf": [fields, {"type": "object", "required": ["zip", "inventory"], "properties": {
                    "zip": {"type": "string", "format": "binary"}, "inventory": {"type": "string", "format": "binary"},
                    "decision_letter": {"type": "string", "format": "binary"}}}]}}}},
            "responses": {"202": {"description": "Import ingepland (achtergrondtaak); Location en 'status_url' "
                                                 "wijzen naar de voortgang", "content": {"application/json": {
                                                     "schema": {"$ref": "#/components/schemas/DossierImport"}}}},
                          "400": p, "401": p, "403": p, "422": p, "503": p}}},
        "/dossiers/imports/{import_id}": {"get": {
            "summary": "Voortgang van een dossierimport: status, fase, done/total; bij 'mislukt' de problemen "
                       "(niets opgeslagen), bij 'klaar' het dossier",
            "parameters": [{"name": "import_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "De import", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/DossierImport"}}}}, "401": p, "404": p}}},
        "/dossiers/{dossier_id}": {"get": {"summary": "Dossier met documenten, beoordelingen en blokkades",
                                           "parameters": ident, "responses": {"200": ok, "401": p, "404": p}}},
        "/dossiers/{dossier_id}/judgements": {"post": {
            "summary": "Documenten beoordelen (een of meer tegelijk); scope 'edit'", "parameters": ident,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["documents", "judgement"], "properties": {
                    "documents": {"type": "array", "items": {"type": "string"}},
                    "judgement": {"type": "string", "enum": ["openbaar", "deels-openbaar", "niet-openbaar",
                                                             "reeds-openbaar"]},
                    "grounds": {"type": "array", "items": {"type": "string"},
                                "description": "Woo-artikelen, bv. 5.1.2e, 5.2"},
                    "remark": {"type": "string"}, "public_link": {"type": "string", "format": "uri"}}}}}},
            "responses": {"200": ok, "401": p, "403": p, "404": p, "422": p}}},
        "/dossiers/{dossier_id}/status": {"post": {
            "summary": "Status: concept of gereed; scope 'edit'", "parameters": ident,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"status": {"type": "string", "enum": ["concept", "gereed"]}}}}}},
            "responses": {"200": ok, "401": p, "403": p, "404": p, "409": p}}},
        "/dossiers/{dossier_id}/publish": {"post": {
            "summary": "Het hele dossier publiceren, of niets (409 met de blokkades); scope 'publish'",
            "parameters": ident, "responses": {"200": ok, "401": p, "403": p, "404": p, "409": p}}},
        "/dossiers/{dossier_id}/withdraw": {"post": {
            "summary": "Dossier en al zijn documenten intrekken (410 op de bestands-URL's); scope 'publish'",
            "parameters": ident,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
            "responses": {"200": ok, "401": p, "403": p, "404": p, "409": p, "422": p}}},
    }
