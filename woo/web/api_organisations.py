"""REST API for organisations and units (issue 14): the organisations a token may see with their units, and
the hand-over of a document or a dossier to another unit. The same service (woo.services.organisations) as
the admin page and `woo organisation ...`; routes sit on the API blueprint (woo.web.api)."""
from __future__ import annotations

from dataclasses import asdict

from flask import g, jsonify, request

from woo.adapters.models import Document, Dossier
from woo.app import context
from woo.domain.roles import allowed
from woo.services import organisations as orgsvc
from woo.services.documents import visible_organisations
from woo.web.api import bp, token_required
from woo.web.errors import problem


@bp.route("/organisations")
@token_required("read")
def list_organisations():
    """The organisations this principal holds roles in (all of them for installation-wide roles)."""
    visible = visible_organisations(g.principal)
    with context().unit_of_work() as s:
        views = [v for v in orgsvc.list_organisations(s) if visible is None or v.id in visible]
    return jsonify({"items": [asdict(v) for v in views]})


def _unit_id():
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else request.form
    try:
        return int(body.get("unit_id")), None
    except (TypeError, ValueError):
        return None, problem(400, "Geef unit_id: het nummer van de afdeling die het overneemt.")


def _check(model, object_id: str, what: str):
    with context().unit_of_work() as s:
        obj = s.get(model, object_id)
        if obj is None or not allowed(g.principal.roles_for(obj.organisation_id), "document.read"):
            return problem(404, f"{what} niet gevonden.")
        if not allowed(g.principal.roles_for(obj.organisation_id), "document.edit"):
            return problem(403, "Dit account mag dit niet voor deze organisatie.")
        return None  # units: the hand-over service (UnitRefused, a 403 by woo.web.errors)


@bp.route("/documents/<document_id>/unit", methods=["POST"])
@token_required("edit")
def hand_over_document(document_id: str):
    error = _check(Document, document_id, "Document")
    unit_id, bad = _unit_id() if error is None else (None, None)
    if error or bad:
        return error or bad
    try:
        changed = orgsvc.hand_over_document(context(), g.principal.actor, document_id, unit_id)
    except orgsvc.OrganisationError as exc:
        return problem(422, str(exc))
    return jsonify({"document_id": document_id, "unit_id": unit_id, "changed": changed})


@bp.route("/dossiers/<dossier_id>/unit", methods=["POST"])
@token_required("edit")
def hand_over_dossier(dossier_id: str):
    error = _check(Dossier, dossier_id, "Dossier")
    unit_id, bad = _unit_id() if error is None else (None, None)
    if error or bad:
        return error or bad
    try:
        moved = orgsvc.hand_over_dossier(context(), g.principal.actor, dossier_id, unit_id)
    except orgsvc.OrganisationError as exc:
        return problem(422, str(exc))
    return jsonify({"dossier_id": dossier_id, "unit_id": unit_id, "documents": moved})


def openapi_paths(p: dict) -> dict:
    """The OpenAPI description of the routes above (merged into woo.web.openapi.spec)."""
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["unit_id"], "properties": {"unit_id": {"type": "integer"}}}}}}
    unit = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                             "members": {"type": "array", "items": {"type": "string"}},
                                             "documents": {"type": "integer"}}}
    org = {"type": "object", "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "tooi_uri": {"type": "string"},
        "tooi_label": {"type": "string"}, "name": {"type": "string"},
        "public_base_url": {"type": ["string", "null"]}, "theme_css_url": {"type": ["string", "null"]},
        "logo_url": {"type": ["string", "null"]}, "contact": {"type": "object"},
        "units": {"type": "array", "items": unit}}}

    def path_param(name):
        return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]

    return {
        "/organisations": {"get": {
            "summary": "Organisaties van dit account met hun afdelingen; scope 'read'",
            "responses": {"200": {"description": "Lijst", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"items": {"type": "array", "items": org}}}}}}, "401": p}}},
        "/documents/{document_id}/unit": {"post": {
            "summary": "Document overdragen aan een andere afdeling van de organisatie; scope 'edit'",
            "parameters": path_param("document_id"), "requestBody": body,
            "responses": {"200": {"description": "Overgedragen (changed: false als het er al hoorde)"},
                          "400": p, "401": p, "403": p, "404": p, "422": p}}},
        "/dossiers/{dossier_id}/unit": {"post": {
            "summary": "Dossier met zijn documenten overdragen aan een andere afdeling; scope 'edit'",
            "parameters": path_param("dossier_id"), "requestBody": body,
            "responses": {"200": {"description": "Overgedragen; documents: hoeveel documenten meegingen"},
                          "400": p, "401": p, "403": p, "404": p, "422": p}}},
    }
