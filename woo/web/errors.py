"""Errors: problem+json (RFC 9457) under /api, a Dutch page elsewhere."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

TITLES_NL = {400: "Ongeldig verzoek", 401: "Niet ingelogd", 403: "Geen toegang", 404: "Niet gevonden",
             405: "Methode niet toegestaan", 409: "Conflict", 410: "Verwijderd", 413: "Bestand te groot",
             422: "Niet verwerkbaar", 500: "Interne fout"}


def problem(status: int, detail: str, **extra):
    body = {"type": "about:blank", "title": TITLES_NL.get(status, "Fout"), "status": status, "detail": detail}
    body.update(extra)
    resp = jsonify(body)
    resp.status_code = status
    resp.mimetype = "application/problem+json"
    return resp


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json" \
        or request.headers.get("X-Requested-With") == "fetch"


PUBLIC_PREFIXES = ("/publicaties", "/robots.txt", "/sitemaps/", "/oai")


def _template() -> str:
    """The public side gets its own page: no officer menu, no link into the officer login."""
    return "public/error.html" if request.path.startswith(PUBLIC_PREFIXES) else "error.html"


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        detail = exc.description or ""
        if isinstance(exc, RequestEntityTooLarge):
            detail = "Het bestand is groter dan de toegestane omvang."
        if _wants_json():
            return problem(exc.code or 500, detail)
        return render_template(_template(), status=exc.code, title=TITLES_NL.get(exc.code, "Fout"),
                               detail=detail), exc.code

    from woo.services.organisations import UnitRefused

    @app.errorhandler(UnitRefused)
    def unit_refused(exc: UnitRefused):  # an action service refused another unit's work (one path for all)
        if _wants_json():
            return problem(403, str(exc))
        return render_template(_template(), status=403, title=TITLES_NL[403], detail=str(exc)), 403

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        if _wants_json():
            return problem(500, "Er ging iets mis aan onze kant. Probeer het later opnieuw.")
        return render_template(_template(), status=500, title=TITLES_NL[500],
                               detail="Er ging iets mis aan onze kant. Probeer het later opnieuw."), 500
