"""Probes for load balancers and Kubernetes: /healthz (the process answers) and /readyz (and reaches its
database and Redis). Plain text, never cached, no detail beyond a Dutch line per missing dependency."""
from __future__ import annotations

from flask import Blueprint, Response

from woo.app import context
from woo.services import health

bp = Blueprint("health", __name__)


def _plain(body: str, status: int) -> Response:
    resp = Response(body, status=status, mimetype="text/plain")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/healthz")
def live():
    return _plain("ok\n", 200)


@bp.route("/readyz")
def ready():
    missing = health.problems(context())
    return _plain("".join(f"{line}\n" for line in missing), 503) if missing else _plain("ok\n", 200)
