"""OAI-PMH 2.0 endpoint (/oai), public and read-only; the protocol lives in woo.publish.oai."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, request

from woo.app import context
from woo.publish.oai import Repository
from woo.services import preservation
from woo.web import harvest
from woo.web.public import current_site

bp = Blueprint("oai", __name__)


@bp.after_request
def _gzip(resp):
    return harvest.gzip_response(request, resp)  # OAI-PMH lists are large XML: gzip for clients that accept it


@bp.route("/oai", methods=["GET", "POST"])
def endpoint():
    # OAI-PMH allows POST (form-encoded) as well as GET; it is read-only either way (CSRF-exempt).
    args = (request.form if request.method == "POST" else request.args).to_dict(flat=False)
    repo = Repository(context().sessions, current_site(), context().settings.oai_admin_email,
                      document_facts=preservation.document_facts)
    body = repo.handle(args, datetime.now(timezone.utc))
    return Response(body, mimetype="text/xml")
