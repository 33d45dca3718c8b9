"""OAI-PMH 2.0 endpoint (/oai), public and read-only; the protocol lives in woo.publish.oai."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, request

from woo.app import context
from woo.publish.oai import Repository
from woo.web.public import current_site

bp = Blueprint("oai", __name__)


@bp.route("/oai", methods=["GET"])
def endpoint():
    # POST (also allowed by OAI-PMH) needs an exemption from the app's CSRF check first.
    args = request.args.to_dict(flat=False)
    body = Repository(context().sessions, current_site()).handle(args, datetime.now(timezone.utc))
    return Response(body, mimetype="text/xml")
