"""Describing a document: the Metadata section of the document page (form posts here) and the API's
``PATCH /api/v1/documents/<id>/metadata``. Both call woo.services.describe.set_metadata."""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, request, url_for

from woo.app import context
from woo.domain import tooi
from woo.domain.roles import allowed
from woo.metadata import suggest
from woo.services import describe
from woo.services import documents as docsvc
from woo.web.auth import document_for, login_required, may_on
from woo.web.errors import problem

bp = Blueprint("metadata", __name__)


@bp.app_context_processor
def _template_helpers():
    # detail.html renders the Metadata section with these (no change to the officer view needed)
    return {"metadata_rows": describe.view, "documentsoorten": tooi.documentsoorten, "talen": tooi.talen,
            "language_code": tooi.language_code,
            "metadata_editable": _editable}


def _editable(doc) -> bool:
    with context().unit_of_work() as s:
        return may_on(s, "document.edit", doc.organisation_id, doc.unit_id)


@bp.route("/documenten/<document_id>/metadata", methods=["POST"])
@login_required
def set_field(document_id: str):
    """One field from the page: its value (empty clears the confirmed value)."""
    with context().unit_of_work() as s:
        document_for(s, document_id, "document.edit")
    field = request.form.get("field", "")
    try:
        describe.set_metadata(context(), g.principal.actor, document_id, {field: request.form.get("value", "")})
    except describe.DescribeError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{suggest.FIELD_LABELS.get(field, field)} vastgelegd.", "info")
    return redirect(url_for("officer.detail", document_id=document_id) + "#metadata")


@bp.route("/api/v1/documents/<document_id>/metadata", methods=["PATCH"])
def api_set_metadata(document_id: str):
    """JSON object of fields -> values (null clears); answers with the confirmed values and suggestions."""
    from woo.web.api import token_required

    return token_required("edit")(_api_set_metadata)(document_id)


def _api_set_metadata(document_id: str):
    with context().unit_of_work() as s:
        doc = docsvc.get_document(s, g.principal, document_id)
        if doc is None:
            return problem(404, "Document niet gevonden.")
        if not allowed(g.principal.roles_for(doc.organisation_id), "document.edit"):
            return problem(403, "Dit account mag de metadata van dit document niet wijzigen.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        return problem(422, "Stuur een JSON-object met metadatavelden, bijvoorbeeld "
                            '{"title": "…", "date.vaststelling": "2025-03-12"}.', fields=list(suggest.FIELDS))
    try:
        confirmed = describe.set_metadata(context(), g.principal.actor, document_id, body)
    except describe.DescribeError as exc:
        return problem(422, str(exc))
    with context().unit_of_work() as s:
        doc = docsvc.get_document(s, g.principal, document_id)
        return jsonify({"id": doc.id, "title": doc.title, "confirmed": confirmed,
                        "suggested": (doc.metadata_ or {}).get("suggested") or []})
