"""Single sign-on against a real OpenID Connect provider started here.

The provider is a small Flask app on 127.0.0.1 (discovery, JWKS with an RSA key generated per test,
/authorize that approves the configured user at once, /token that checks the client secret and PKCE and
issues an RS256-signed ID token, via joserfc: the JOSE library Authlib itself builds on). woo's side is
driven with its Flask test client; the browser's hops to the provider are made with requests, following
the redirects by hand.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from werkzeug.serving import make_server

from woo.adapters.models import Event, User
from woo.app import create_app
from woo.services import accounts

CLIENT_ID, CLIENT_SECRET = "woo-test", "provider-secret-" + secrets.token_hex(8)
ROLE_MAP = "woo-officer=officer,woo-publisher=publisher,woo-admin=admin"


@dataclass
class Provider:
    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1", "use": "sig"}))
    signing_key: RSAKey | None = None      # None: the published key; else a foreign key (same kid)
    claims: dict = field(default_factory=dict)
    tamper = None                           # callable(id_token) -> id_token, applied after signing
    codes: dict = field(default_factory=dict)
    token_requests: int = 0


def _provider_app(p: Provider) -> Flask:
    app = Flask("test-oidc-provider")

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify(issuer=p.url, authorization_endpoint=p.url + "/authorize",
                       token_endpoint=p.url + "/token", jwks_uri=p.url + "/jwks",
                       response_types_supported=["code"], subject_types_supported=["public"],
                       id_token_signing_alg_values_supported=["RS256"],
                       code_challenge_methods_supported=["S256"],
                       token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"])

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([p.key]).as_dict(private=False))

    @app.get("/authorize")
    def authorize():
        a = request.args
        if a.get("client_id") != CLIENT_ID or a.get("response_type") != "code" \
                or "openid" not in a.get("scope", "").split() or a.get("code_challenge_method") != "S256" \
                or not a.get("code_challenge") or not a.get("nonce") or not a.get("state"):
            abort(400)
        code = secrets.token_urlsafe(16)
        p.codes[code] = {"nonce": a["nonce"], "challenge": a["code_challenge"], "redirect_uri": a["redirect_uri"]}
        return redirect(a["redirect_uri"] + "?" + urlencode({"code": code, "state": a["state"]}))

    @app.post("/token")
    def token():
        p.token_requests += 1
        auth = request.authorization
        client_id, secret = (auth.username, auth.password) if auth else \
            (request.form.get("client_id"), request.form.get("client_secret"))
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return jsonify(error="invalid_client"), 401
        grant = p.codes.pop(request.form.get("code", ""), None)
        verifier = request.form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri") \
                or challenge != grant["challenge"]:
            return jsonify(error="invalid_grant"), 400
        now = int(time.time())
        claims = {"iss": p.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                  **p.claims}
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, p.signing_key or p.key)
        if p.tamper:
            id_token = p.tamper(id_token)
        return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer", expires_in=300,
                       id_token=id_token)

    return app


@pytest.fixture
def provider():
    p = Provider(claims={"sub": "f3a9-2271", "name": "Fatima de Vries", "preferred_username": "fdevries",
                         "roles": ["woo-officer", "medewerkers"]})
    server = make_server("127.0.0.1", 0, _provider_app(p), threaded=True)
    p.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield p
    server.shutdown()


@pytest.fixture
def sso_app(woo_ctx, provider):
    settings = woo_ctx.settings.replace(oidc_issuer=provider.url, oidc_client_id=CLIENT_ID,
                                        oidc_client_secret=CLIENT_SECRET, oidc_role_map=ROLE_MAP)
    app = create_app(settings=settings, ctx=woo_ctx)
    app.config["TESTING"] = True
    return app


def _to_provider(client, provider):
    """woo's /login/oidc -> the provider's /authorize URL; checks the request carries state, nonce, PKCE."""
    resp = client.get("/login/oidc")
    assert resp.status_code == 302
    assert resp.location.startswith(provider.url + "/authorize?")
    q = parse_qs(urlparse(resp.location).query)
    assert q["client_id"] == [CLIENT_ID] and q["code_challenge_method"] == ["S256"]
    assert q["state"][0] and q["nonce"][0] and q["code_challenge"][0]
    return resp.location


def _back_from_provider(authorize_url) -> str:
    """The provider approves and sends the browser back: the callback path + query on woo."""
    resp = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert resp.status_code == 302, resp.text
    back = urlparse(resp.headers["Location"])
    assert back.path == "/login/oidc/callback"
    return f"{back.path}?{back.query}"


def sso_login(client, provider):
    return client.get(_back_from_provider(_to_provider(client, provider)))


def _user(ctx, username):
    with ctx.unit_of_work() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            return None
        return user.password_hash, user.display_name, {(ra.role, ra.organisation_id) for ra in user.roles}


def _events(ctx, action):
    with ctx.unit_of_work() as s:
        return [(e.actor, e.detail) for e in s.execute(select(Event).where(Event.action == action)).scalars()]


def _logged_in(client) -> bool:
    resp = client.get("/documenten")
    return resp.status_code == 200


def test_sso_login_creates_user_with_exactly_the_mapped_roles(sso_app, woo_ctx, provider):
    client = sso_app.test_client()
    assert b"Inloggen met single sign-on" in client.get("/login").data
    resp = sso_login(client, provider)
    assert resp.status_code == 302 and resp.location.endswith("/werk")
    assert _logged_in(client)
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    password_hash, display, roles = _user(woo_ctx, "oidc:f3a9-2271")
    assert password_hash is None and display == "Fatima de Vries"
    assert roles == {("officer", org)}  # "medewerkers" maps to nothing and is ignored
    assert ("user:oidc:f3a9-2271", {"method": "oidc"}) in _events(woo_ctx, "auth.login")

    # The provider now grants another role: the next login replaces the earlier one.
    provider.claims["roles"] = ["woo-publisher"]
    other = sso_app.test_client()
    assert sso_login(other, provider).status_code == 302
    assert _user(woo_ctx, "oidc:f3a9-2271")[2] == {("publisher", org)}
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(User).where(User.username.like("oidc:%"))).scalars().all().__len__() == 1

    # The session is a normal woo session (user id + epoch): logging out everywhere ends both.
    assert _logged_in(other)
    with other.session_transaction() as sess:
        csrf = sess["csrf"]  # set by the page's logout form
    assert other.post("/logout/overal", data={"csrf_token": csrf}).status_code == 302
    assert not _logged_in(client) and not _logged_in(other)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_no_mapped_role_is_refused(sso_app, woo_ctx, provider):
    provider.claims["roles"] = ["medewerkers", "woo-officer-typo"]
    client = sso_app.test_client()
    resp = sso_login(client, provider)
    assert resp.status_code == 403
    assert "geen rol in woo" in resp.get_data(as_text=True)
    assert not _logged_in(client)
    assert _user(woo_ctx, "oidc:f3a9-2271") is None
    refused = _events(woo_ctx, "auth.login_refused")
    assert refused and refused[-1][1]["reason"] == "no_role" and refused[-1][1]["method"] == "oidc"


def _forge_payload(id_token: str) -> str:
    """Keep header and signature, swap the payload for one granting admin to someone else."""
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(sub="indringer", roles=["woo-admin"])
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("attack", ["foreign-key", "tampered-payload", "other-audience", "wrong-issuer"])
def test_forged_id_tokens_are_refused(sso_app, woo_ctx, provider, attack):
    provider.claims["roles"] = ["woo-admin"]
    if attack == "foreign-key":
        provider.signing_key = RSAKey.generate_key(2048, {"kid": "k1", "use": "sig"})
    elif attack == "tampered-payload":
        provider.tamper = _forge_payload
    elif attack == "other-audience":
        provider.claims["aud"] = "een-andere-applicatie"
    else:
        provider.claims["iss"] = "https://idp.elders.example"
    client = sso_app.test_client()
    resp = sso_login(client, provider)
    assert provider.token_requests == 1  # the exchange itself happened; the token was refused after it
    assert resp.status_code == 403 and "single sign-on is mislukt" in resp.get_data(as_text=True)
    assert not _logged_in(client)
    with woo_ctx.unit_of_work() as s:
        assert not s.execute(select(User).where(User.username.like("oidc:%"))).scalars().all()
    # refused by the check meant, not by some unrelated failure on the way
    reason = _events(woo_ctx, "auth.login_refused")[-1][1]["reason"]
    assert reason in {"foreign-key": {"BadSignatureError"}, "tampered-payload": {"BadSignatureError"},
                      "other-audience": {"InvalidClaimError", "MissingClaimError"},
                      "wrong-issuer": {"InvalidClaimError"}}[attack]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_state_mismatch_is_refused(sso_app, woo_ctx, provider):
    client = sso_app.test_client()
    callback = _back_from_provider(_to_provider(client, provider))
    path, query = callback.split("?", 1)
    q = parse_qs(query)
    forged = f"{path}?{urlencode({'code': q['code'][0], 'state': 'aangepast-' + q['state'][0]})}"
    resp = client.get(forged)
    assert resp.status_code == 403
    assert provider.token_requests == 0  # refused before the code was redeemed
    assert _events(woo_ctx, "auth.login_refused")[-1][1]["reason"] == "MismatchingStateError"
    assert not _logged_in(client)

    # Login CSRF: a callback that lands in another browser (no state in its session) is refused too.
    stranger = sso_app.test_client()
    resp = stranger.get(_back_from_provider(_to_provider(client, provider)))
    assert resp.status_code == 403 and not _logged_in(stranger)
    assert provider.token_requests == 0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sso_is_off_without_an_issuer(woo_ctx):
    app = create_app(ctx=woo_ctx)
    client = app.test_client()
    assert b"single sign-on" not in client.get("/login").data
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


@pytest.mark.parametrize("backend", ["sqlite"])
def test_local_accounts_are_never_taken_over(woo_ctx):
    from woo.domain.roles import Role
    from woo.services.context import SYSTEM

    with woo_ctx.unit_of_work() as s:
        accounts.create_user(s, SYSTEM, "oidc:admin", "een-lang-wachtwoord", [(Role.OFFICER, None)])
    with woo_ctx.unit_of_work() as s, pytest.raises(accounts.AccountError):
        accounts.sync_oidc_user(s, SYSTEM, "admin", "oidc:admin", "X", [(Role.ADMIN, None)])
