"""REST API for source systems (/api/v1), token authenticated, described by OpenAPI 3.1."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request, url_for

from woo.app import context
from woo.domain.roles import allowed
from woo.services import accounts, audit, ingest as ingestsvc
from woo.services import documents as docsvc
from woo.services import organisations as orgsvc
from woo.web.downloads import send_stored_file
from woo.web.errors import problem
from woo.web.openapi import spec
from woo.web.security import token_request
from woo.web.params import DB_INT_MAX, PAGE_MAX, int_arg

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def token_required(scope: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if token_request():  # credentials sent: only they count, never the cookie (see security.py)
                scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
                if scheme.lower() != "bearer" or not secret.strip():
                    return problem(401, "Ongeldige Authorization-header: gebruik Authorization: Bearer <token>.")
                with context().unit_of_work() as s:
                    principal = accounts.principal_for_token(s, secret.strip())
                if principal is None:
                    return problem(401, "Ongeldig of ingetrokken API-token.")
                if scope not in principal.scopes:
                    return problem(403, f"Dit token heeft de scope '{scope}' niet.")
                g.principal = principal
            elif g.get("principal") is None:  # a logged-in browser session may read
                return problem(401, "Authenticatie vereist: Authorization: Bearer <token>.")
            return view(*args, **kwargs)
        return wrapped
    return decorator


def document_json(doc) -> dict:
    return {
        "id": doc.id, "title": doc.title, "status": doc.status, "organisation": doc.organisation.tooi_uri,
        "category": doc.category, "suggestion": doc.suggestion, "format": doc.format_kind,
        "created_at": doc.created_at.isoformat(), "updated_at": doc.updated_at.isoformat(),
        "published_at": doc.published_at.isoformat() if doc.published_at else None,
        "files": [{"role": f.role, "filename": f.filename, "size": f.size, "sha256": f.sha256,
                   "mime_type": f.mime_type, "puid": f.puid,
                   "url": url_for("api.document_file", document_id=doc.id, role=f.role)} for f in doc.files],
        "jobs": [{"id": j.id, "kind": j.kind, "status": j.status, "error": j.error, "attempts": j.attempts}
                 for j in doc.jobs],
    }


@bp.route("/openapi.json")
def openapi():
    return jsonify(spec())


@bp.route("/documents", methods=["POST"])
@token_required("ingest")
def create_document():
    organisation = request.form.get("organisation")
    with context().unit_of_work() as s:
        from woo.adapters.models import Organisation
        from sqlalchemy import select
        if organisation:
            org = s.execute(select(Organisation).where(
                (Organisation.code == organisation) | (Organisation.tooi_uri == organisation))).scalar_one_or_none()
        else:
            org = accounts.default_organisation(s)
        if org is None:
            return problem(422, f"Onbekende organisatie: {organisation}")
        org_id = org.id
    if not allowed(g.principal.roles_for(org_id), "document.ingest"):
        return problem(403, "Dit account mag geen documenten opnemen voor deze organisatie.")
    upload = request.files.get("file")
    if upload is None:
        return problem(400, "Stuur het bestand als multipart-veld 'file'.")
    try:  # optional unit_id: a unit of the organisation the caller works for, or "geen" (default: as ever)
        with context().unit_of_work() as s:
            unit = orgsvc.unit_choice(s, g.principal, org_id, request.form.get("unit_id"))
    except orgsvc.UnitChoiceError as exc:
        return problem(exc.status, str(exc))
    result = ingestsvc.ingest(context(), g.principal.actor, org_id, upload.filename or "", stream=upload.stream,
                              source="api", title=request.form.get("title") or None, unit=unit)
    if result.status == "rejected":
        return problem(422, result.reason or "Bestand geweigerd.", code=result.code, filename=result.filename)
    body = result.as_dict()
    body["url"] = url_for("api.get_document", document_id=result.document_id)
    return jsonify(body), 201 if result.status == "accepted" else 200


@bp.route("/documents")
@token_required("read")
def list_documents():
    flt = docsvc.DocumentFilter(status=request.args.get("status"), category=request.args.get("category"),
                                format_kind=request.args.get("format"))
    page = int_arg("page", 1, minimum=1, maximum=PAGE_MAX)
    per_page = int_arg("per_page", 50, minimum=1, maximum=500, clamp=True)
    with context().unit_of_work() as s:
        result = docsvc.list_documents(s, g.principal, flt, page, per_page)
        return jsonify({"items": [document_json(d) for d in result.items], "total": result.total,
                        "page": result.page, "per_page": result.per_page})


@bp.route("/documents/<document_id>")
@token_required("read")
def get_document(document_id: str):
    with context().unit_of_work() as s:
        doc = docsvc.get_document(s, g.principal, document_id)
        if doc is None:
            return problem(404, "Document niet gevonden.")
        audit.record_access(s, g.principal.actor.label, doc, "viewed", via="api")
        return jsonify(document_json(doc))


@bp.route("/documents/<document_id>/files/<role>")
@token_required("read")
def document_file(document_id: str, role: str):
    with context().unit_of_work() as s:
        doc = docsvc.get_document(s, g.principal, document_id)
        stored = doc.file(role) if doc else None
        if stored is None:
            return problem(404, "Bestand niet gevonden.")
        audit.record_access(s, g.principal.actor.label, doc, "downloaded", role=role, sha256=stored.sha256,
                            via="api")
    return send_stored_file(context().store, stored)


def _target(document_id: str, action: str, refusal: str):
    """The document if this principal may do `action` on it, else a problem response."""
    with context().unit_of_work() as s:
        doc = docsvc.get_document(s, g.principal, document_id)
        if doc is None:
            return None, problem(404, "Document niet gevonden.")
        if not allowed(g.principal.roles_for(doc.organisation_id), action):
            return None, problem(403, refusal)
    return document_id, None  # units: the action service (UnitRefused, a 403 by woo.web.errors)


def _publish_target(document_id: str):
    return _target(document_id, "document.publish", "Dit account mag niet publiceren voor deze organisatie.")


def privacy_json(session, doc) -> dict:
    from woo.services import privacy

    return {"blockers": privacy.blockers(session, doc), "findings": [
        {"id": f.id, "type": f.type, "page": f.page, "text": f.text, "start": f.start, "end": f.end,
         "decision": f.decision, "ground": f.ground, "default_ground": privacy.default_ground(f.type),
         "reason": f.reason, "decided_by": f.decided_by,
         "decided_at": f.decided_at.isoformat() if f.decided_at else None}
        for f in privacy.findings(session, doc.id)]}


@bp.route("/documents/<document_id>/privacy")
@token_required("review")
def get_privacy(document_id: str):
    doc_id, error = _target(document_id, "document.review", "Dit account mag geen persoonsgegevens beoordelen.")
    if error:
        return error
    with context().unit_of_work() as s:
        return jsonify(privacy_json(s, docsvc.get_document(s, g.principal, doc_id)))


@bp.route("/documents/<document_id>/privacy", methods=["POST"])
@token_required("review")
def decide_privacy(document_id: str):
    """{"findings": [ids], "open" or "officials", "decision": "redact"|"allow"|"allow_official", "ground": "5.1.2e",
    "reason": "..."}; redact without a ground uses each kind's default ground."""
    from woo.services import privacy

    doc_id, error = _target(document_id, "document.review", "Dit account mag geen persoonsgegevens beoordelen.")
    if error:
        return error
    body = request.get_json(silent=True) or {}
    ids = body.get("findings")
    if ids in ("open", "officials"):
        wanted = privacy.OPEN if ids == "open" else privacy.PROPOSED_OFFICIAL
        with context().unit_of_work() as s:
            ids = [f.id for f in privacy.findings(s, doc_id) if f.decision == wanted]
    if not isinstance(ids, list) or not ids or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i <= DB_INT_MAX for i in ids):
        return problem(400, "Geef 'findings' als lijst van nummers, \"open\" voor alle open bevindingen of "
                            "\"officials\" voor de voorgestelde ambtsdragers.")
    try:
        privacy.decide(context(), g.principal.actor, doc_id, ids, body.get("decision", ""),
                       ground=body.get("ground"), reason=body.get("reason"))
    except privacy.PrivacyError as exc:
        return problem(422, str(exc))
    with context().unit_of_work() as s:
        return jsonify(privacy_json(s, docsvc.get_document(s, g.principal, doc_id)))


@bp.route("/documents/<document_id>/publish", methods=["POST"])
@token_required("publish")
def publish_document(document_id: str):
    from woo.services import publication

    doc_id, error = _publish_target(document_id)
    if error:
        return error
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else request.form
    # title, date + handeling and language are confirmed with the publication when no one confirmed them yet
    try:
        fields = publication.publish_fields(*(str(body.get(k) or "") for k in ("title", "date", "handeling",
                                                                                 "language")))
    except publication.PublicationError as exc:
        return problem(400, str(exc))
    result = publication.publish(context(), g.principal.actor, [doc_id], metadata={doc_id: fields})
    if result.refused:
        reasons = result.refused[doc_id]
        return problem(409, " ".join(reasons), reasons=reasons)
    return _document_response(doc_id)


@bp.route("/documents/<document_id>/withdraw", methods=["POST"])
@token_required("publish")
def withdraw_document(document_id: str):
    from woo.services import publication

    doc_id, error = _publish_target(document_id)
    if error:
        return error
    body = request.get_json(silent=True) or {}
    reason = body.get("reason") or request.form.get("reason")
    try:
        publication.resolve_reason(reason)
    except publication.PublicationError as exc:
        return problem(422, str(exc))
    try:
        publication.withdraw(context(), g.principal.actor, [doc_id], reason)
    except publication.PublicationError as exc:
        return problem(409, str(exc))
    return _document_response(doc_id)


@bp.route("/documents/<document_id>/correct", methods=["POST"])
@token_required("publish")
def correct_document(document_id: str):
    """Replace the public file of a published document (multipart 'file', form field 'reason')."""
    import tempfile
    from pathlib import Path

    from woo.services import publication

    doc_id, error = _publish_target(document_id)
    if error:
        return error
    upload = request.files.get("file")
    if upload is None:
        return problem(400, "Stuur het gecorrigeerde bestand als multipart-veld 'file'.")
    reason = request.form.get("reason") or "correctie_procedurele_fout"
    try:
        publication.resolve_reason(reason)
    except publication.PublicationError as exc:
        return problem(422, str(exc))
    with context().unit_of_work() as s:
        if docsvc.get_document(s, g.principal, doc_id).status != "published":
            return problem(409, "Alleen een gepubliceerd document kan worden gecorrigeerd.")
    with tempfile.TemporaryDirectory(prefix="woo-correct-") as tmp:
        local = Path(tmp) / "upload"
        with local.open("wb") as out:  # bounded by MAX_CONTENT_LENGTH; correct() checks the size again
            while chunk := upload.stream.read(1 << 20):
                out.write(chunk)
        try:
            result = publication.correct(context(), g.principal.actor, doc_id, local, upload.filename or "", reason)
        except publication.PublicationError as exc:
            return problem(422, str(exc))
    # 200 once public; 202 while the correction waits for its check or for privacy decisions (the old file
    # stays public meanwhile).
    with context().unit_of_work() as s:
        body = document_json(docsvc.get_document(s, g.principal, doc_id))
    body["correction"] = {"published": result.published, "blockers": result.blockers}
    return jsonify(body), 200 if result.published else 202


def _document_response(document_id: str):
    with context().unit_of_work() as s:
        return jsonify(document_json(docsvc.get_document(s, g.principal, document_id)))


from woo.web import api_dossiers  # noqa: E402,F401  (registers /api/v1/dossiers on this blueprint)
from woo.web import api_organisations  # noqa: E402,F401  (issue 14: organisations, hand-over to a unit)
