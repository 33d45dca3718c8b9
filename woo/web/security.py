"""CSRF tokens for cookie-authenticated state changes, and security headers on every response."""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, current_app, request, session

from woo.web.acl import CSRF_EXEMPT

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def token_request() -> bool:
    """A request to the REST API (/api/) that brings its own credentials (any Authorization header). Such
    a request is authenticated by that header alone: the cookie session is not even read for it
    (woo.web.auth.load_principal), so it needs no CSRF token. Everywhere else an Authorization header
    changes nothing: a cookie-authenticated state change always needs the CSRF token, whatever other
    headers are present."""
    return request.path.startswith("/api/") and "Authorization" in request.headers


def _check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    if token_request():
        return  # authenticated by its token alone, never by the cookie: nothing for a forged request to ride on
    if request.endpoint in CSRF_EXEMPT:
        return  # read-only POST (OAI-PMH verbs); listed in woo/web/acl.py
    if request.path.startswith("/api/") and "user_id" not in session:
        return  # no cookie session to ride on; the API itself answers 401
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, description="Ongeldig of ontbrekend formuliertoken (CSRF). Laad de pagina opnieuw.")


def _headers(response):
    # Behind a TLS-terminating proxy the request looks like http; an https base URL says it is not.
    add_security_headers(response.headers, request.is_secure or bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def add_security_headers(h, https: bool) -> None:
    """The headers every response carries (also those answered before Flask, woo.web.harvest)."""
    h.setdefault("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                 "object-src 'none'; frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'")
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "same-origin")
    h.setdefault("X-Frame-Options", "SAMEORIGIN")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if https:
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def init_app(app: Flask) -> None:
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
