"""Web hardening: CSRF on every state change, security headers on every answer, safe download names."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from tests.integration.security_world import build_world
from tests.integration.test_routes_acl import _routes, _sample_args
from woo.adapters.models import Document, Event, StoredFile
from woo.web import acl
from woo.web.downloads import content_disposition

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _counts(ctx):
    with ctx.unit_of_work() as s:
        return (s.execute(select(func.count()).select_from(Event)).scalar_one(),
                s.execute(select(func.count()).select_from(Document)).scalar_one())


def test_every_state_changing_route_refuses_a_cookie_request_without_the_csrf_token(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    app = world.app
    routes = [(r, m) for r, m in _routes(app) if m in STATE_CHANGING]
    assert len(routes) >= 8
    before = _counts(woo_ctx)
    failures = []
    for rule, method in routes:
        with app.test_request_context():
            url = url_for(rule.endpoint, **_sample_args(world, rule))
        for who in ("admin", None):  # a logged-in admin, and an anonymous visitor with a session cookie
            for headers in ({}, {"X-CSRF-Token": "vervalst"}):
                resp = world.client(who).open(url, method=method, headers=headers,
                                              data={"organisation_id": str(world.org_a), "reden": "x",
                                                    "decision": "accept", "username": "admin",
                                                    "password": woo_ctx.admin_password})
                if rule.endpoint in acl.CSRF_EXEMPT:
                    continue  # read-only by design: the unchanged counts below prove it
                if who is None and rule.rule.startswith("/api/") and resp.status_code == 401:
                    continue  # no logged-in cookie to ride on: the API wants a token
                if resp.status_code != 400 or "CSRF" not in resp.get_data(as_text=True):
                    failures.append(f"{method} {url} as {who} with {headers}: {resp.status_code}")
    assert not failures, "\n".join(failures)
    assert _counts(woo_ctx) == before, "a refused request still changed something"


BOGUS_BEARER = {"Authorization": "Bearer waardeloos"}


def _publish_directly(ctx, document_id):
    from woo.adapters.models import utcnow

    with ctx.unit_of_work() as s:
        doc = s.get(Document, document_id)
        doc.status, doc.published_at = "published", utcnow()


def test_a_bearer_header_does_not_switch_off_csrf_on_cookie_routes(woo_ctx, tmp_path):
    """The issue-12 probe: with a worthless Bearer header and no CSRF token, a logged-in admin created an
    admin and a publisher withdrew a document. Both must be refused; with the token they go through."""
    from tests.integration.security_world import CSRF
    from tests.integration.test_publish import PRIVACY
    from woo.adapters.models import User

    world = build_world(woo_ctx, tmp_path)
    _publish_directly(woo_ctx, world.document_id)
    admin, publisher = world.client("admin"), world.client("publisher")
    before = _counts(woo_ctx)

    def users_named(name):
        with woo_ctx.unit_of_work() as s:
            return s.execute(select(func.count()).select_from(User).where(User.username == name)).scalar_one()

    def status():
        with woo_ctx.unit_of_work() as s:
            return s.get(Document, world.document_id).status

    made = admin.post("/beheer/gebruikers", headers=BOGUS_BEARER, data={"username": "indringer", "role": "admin"})
    assert made.status_code == 400 and "CSRF" in made.get_data(as_text=True)
    pulled = publisher.post(f"/documenten/{world.document_id}/intrekken", headers=BOGUS_BEARER,
                            data={"reden": PRIVACY, "bevestig": "1"})
    assert pulled.status_code == 400 and "CSRF" in pulled.get_data(as_text=True)
    assert users_named("indringer") == 0 and status() == "published" and _counts(woo_ctx) == before

    with_token = {**BOGUS_BEARER, "X-CSRF-Token": CSRF}  # the header alone changes nothing either way
    assert admin.post("/beheer/gebruikers", headers=with_token,
                      data={"username": "nieuwe-beheerder", "role": "admin"}).status_code == 200
    assert users_named("nieuwe-beheerder") == 1
    assert publisher.post(f"/documenten/{world.document_id}/intrekken", headers=with_token,
                          data={"reden": PRIVACY, "bevestig": "1"}).status_code == 302  # withdrawal is confirmed
    assert status() == "withdrawn"


def test_the_api_never_falls_back_to_the_cookie_when_credentials_are_sent(woo_ctx, tmp_path):
    """Any Authorization header makes an API request token-authenticated: a bad one is 401, even for a
    logged-in publisher whose cookie (and CSRF token) would have been enough without it."""
    from tests.integration.security_world import CSRF
    from tests.integration.test_publish import PRIVACY

    world = build_world(woo_ctx, tmp_path)
    _publish_directly(woo_ctx, world.document_id)
    publisher = world.client("publisher")
    url = f"/api/v1/documents/{world.document_id}"
    for header in ("Bearer waardeloos", "Bearer", "bearer ", "Basic cHVibGlzaGVyOnh4eA==", "Token abc"):
        auth = {"Authorization": header, "X-CSRF-Token": CSRF}
        assert publisher.get(url, headers=auth).status_code == 401, header
        resp = publisher.post(url + "/withdraw", headers=auth, json={"reason": PRIVACY})
        assert resp.status_code == 401, (header, resp.status_code)
        resp = publisher.patch(url + "/metadata", headers=auth, json={"title": "Overgenomen"})  # another blueprint
        assert resp.status_code == 401, (header, resp.status_code)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, world.document_id).status == "published"
    # without an Authorization header the logged-in browser session still reads the API
    assert publisher.get(url).status_code == 200


def _check_headers(resp, label, failures):
    h = resp.headers
    csp = h.get("Content-Security-Policy", "")
    problems = []
    if "default-src 'self'" not in csp or "frame-ancestors" not in csp or "object-src 'none'" not in csp:
        problems.append(f"CSP {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append("CSP allows inline/eval")
    if h.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if not h.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if problems:
        failures.append(f"{label}: {', '.join(problems)}")


def test_security_headers_on_every_response_and_no_inline_code(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    app = world.app
    failures, seen = [], 0
    for rule, method in _routes(app):
        if method != "GET":
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **_sample_args(world, rule))
        for who in ("admin", None):
            resp = world.client(who).get(url)
            body = resp.get_data()
            seen += 1
            _check_headers(resp, f"GET {url} as {who}", failures)
            if resp.mimetype == "text/html":
                html = body.decode("utf-8", "replace")
                # the CSP forbids inline code: a page relying on it would silently break
                if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) or re.search(r"\son[a-z]+\s*=", html) \
                        or re.search(r"\sstyle\s*=", html):
                    failures.append(f"GET {url} as {who}: inline script/handler/style in the page")
    for url in ("/bestaat-niet", "/api/v1/documents/onbekend", "/publicaties/onbekend"):
        _check_headers(world.client(None).get(url), f"GET {url}", failures)
    assert not failures, "\n".join(failures)
    assert seen >= 20
    assert "Strict-Transport-Security" not in world.client(None).get("/login").headers  # plain http


def test_hsts_over_https(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    resp = world.app.test_client().get("/login", base_url="https://woo.example")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    world.app.config["SESSION_COOKIE_SECURE"] = True  # https base URL behind a TLS-terminating proxy
    assert "Strict-Transport-Security" in world.app.test_client().get("/login").headers


NASTY = ['rap"port;\r\nSet-Cookie: x=1 \u2013 \u20ac\u00f6.pdf', "\\\\server\\share.pdf", 'a"; filename="evil.exe',
         "\u202eexe.pdf", "", "besluit openbaar.pdf"]


@pytest.mark.parametrize("name", NASTY)
def test_content_disposition_is_one_safe_latin1_line(name, backend):
    header = content_disposition("attachment", name)
    header.encode("latin-1")  # WSGI headers must be Latin-1
    assert "\r" not in header and "\n" not in header
    kind, params = parse_options_header(header)
    assert kind == "attachment" and set(params) == {"filename"}  # werkzeug folds filename* into filename
    fallback = re.fullmatch(r'attachment; filename="([^"\\]*)"; filename\*=UTF-8\'\'([^;\s"]+)', header)
    assert fallback, header  # exactly two parameters: nothing injected
    decoded = unquote(fallback.group(2))
    assert decoded == params["filename"]
    assert not any(ch in decoded for ch in "\r\n\u202e\x00")
    if name == "besluit openbaar.pdf":
        assert fallback.group(1) == decoded == name


def test_download_of_a_hostile_name_is_served_safely(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    with woo_ctx.unit_of_work() as s:
        stored = s.execute(select(StoredFile).where(StoredFile.document_id == world.document_id)).scalars().first()
        stored.filename = NASTY[0]  # as if a name slipped past intake (or came from a migration)
    for url in (f"/documenten/{world.document_id}/bestand/original",
                f"/api/v1/documents/{world.document_id}/files/original"):
        resp = world.client("admin").get(url)
        resp.get_data()
        resp.close()
        assert resp.status_code == 200
        cd = resp.headers["Content-Disposition"]
        assert cd.startswith("attachment;") and "\n" not in cd and "Set-Cookie" not in resp.headers
        assert unquote(re.search(r"filename\*=UTF-8''(\S+)", cd).group(1)).endswith("\u20ac\u00f6.pdf")
