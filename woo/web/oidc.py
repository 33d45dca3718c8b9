"""OpenID Connect single sign-on (optional): log in at the organisation's identity provider.

On when WOO_OIDC_ISSUER is set. Authlib's Flask client does the protocol: discovery, state, nonce and
PKCE (S256) kept in the signed session, the code exchange, and the ID token check (signature against
the issuer's JWKS, issuer, audience, nonce, expiry). Here: which woo roles the token's claim grants,
and the same session keys as the password login.
"""
from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from sqlalchemy import or_, select

from woo.adapters.models import Organisation
from woo.app import context
from woo.config import Settings
from woo.domain.roles import Role
from woo.services import accounts, audit
from woo.services.context import Actor
from woo.web.auth import _safe_next

bp = Blueprint("oidc", __name__)
log = logging.getLogger(__name__)

REFUSED = "Inloggen via single sign-on is mislukt. Probeer het opnieuw of neem contact op met uw beheerder."


def parse_role_map(text: str) -> dict[str, Role]:
    """'woo-officer=officer, woo-admin=admin' -> {claim value: woo role}; an unknown woo role is an error."""
    mapping: dict[str, Role] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        value, sep, role = item.rpartition("=")
        if not sep or not value.strip():
            raise ValueError(f"WOO_OIDC_ROLE_MAP: '{item}' is not of the form claim-value=role")
        try:
            mapping[value.strip()] = Role(role.strip())
        except ValueError:
            raise ValueError(f"WOO_OIDC_ROLE_MAP: unknown woo role '{role.strip()}' "
                             f"(one of {', '.join(r.value for r in Role)})") from None
    return mapping


def claim(claims: dict, path: str):
    """A claim by name, or by dotted path into nested objects (Keycloak: realm_access.roles)."""
    if path in claims:
        return claims[path]
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def map_roles(value, role_map: dict[str, Role]) -> set[Role]:
    """Claim value(s) -> woo roles; a string may hold several values separated by spaces or commas."""
    if value is None:
        return set()
    values = value.replace(",", " ").split() if isinstance(value, str) else \
        [v for v in value if isinstance(v, str)] if isinstance(value, (list, tuple)) else []
    return {role_map[v] for v in values if v in role_map}


def username_for(subject: str) -> str:
    """The local user name: the stable subject, never the changeable (and collidable) preferred_username."""
    name = "oidc:" + subject
    return name if len(name) <= 150 else "oidc:sha256:" + hashlib.sha256(subject.encode()).hexdigest()


def _settings() -> Settings:
    return current_app.config["WOO_SETTINGS"]


def enabled() -> bool:
    return bool(_settings().oidc_issuer)


def _client():
    """The Authlib client of this app (one per app, so metadata and JWKS are fetched once)."""
    app = current_app._get_current_object()
    client = app.extensions.get("woo.oidc")
    if client is None:
        from authlib.integrations.flask_client import OAuth

        s = _settings()
        parse_role_map(s.oidc_role_map)  # a typo in the map fails here, loudly, not as silent refusals
        oauth = OAuth(app)
        client = app.extensions["woo.oidc"] = oauth.register(
            "oidc", client_id=s.oidc_client_id, client_secret=s.oidc_client_secret,
            server_metadata_url=f"{s.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256", "timeout": 10})
    return client


@bp.app_context_processor
def _template_globals() -> dict:
    return {"oidc_enabled": enabled()}


@bp.route("/login/oidc")
def login():
    if not enabled():
        abort(404)
    session["oidc_next"] = _safe_next(request.args.get("next"))
    redirect_uri = _settings().base_url + url_for("oidc.callback")
    return _client().authorize_redirect(redirect_uri)


def _refuse(reason: str, message: str = REFUSED, **detail):
    with context().unit_of_work() as s:
        audit.record(s, f"anonymous:{request.remote_addr}", "auth.login_refused", None, method="oidc",
                     reason=reason, **detail)
    session.pop("oidc_next", None)
    flash(message, "error")
    return render_template("login.html"), 403


@bp.route("/login/oidc/callback")
def callback():
    if not enabled():
        abort(404)
    s = _settings()
    try:
        token = _client().authorize_access_token()
    except Exception as exc:  # noqa: BLE001 - any failed exchange or check (state, signature, nonce, aud) is a refusal
        log.warning("OIDC login refused: %s: %s", type(exc).__name__, exc)
        return _refuse(type(exc).__name__)
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        return _refuse("no_id_token")
    subject = str(claims["sub"])
    roles = map_roles(claim(claims, s.oidc_role_claim), parse_role_map(s.oidc_role_map))
    if not roles:
        return _refuse("no_role", "U heeft via single sign-on geen rol in woo gekregen. "
                       "Vraag uw beheerder om u een woo-rol te geven.", subject=subject)
    with context().unit_of_work() as db:
        if s.oidc_organisation_claim:
            ref = claim(claims, s.oidc_organisation_claim)
            org = db.execute(select(Organisation).where(or_(Organisation.code == str(ref),
                                                            Organisation.tooi_uri == str(ref)))
                             ).scalar_one_or_none() if isinstance(ref, str) and ref else None
        else:
            org = accounts.default_organisation(db)
    if org is None:
        return _refuse("unknown_organisation", "Uw organisatie is in woo niet bekend. Neem contact op met "
                       "uw beheerder.", subject=subject)
    display = claims.get("name") or claims.get("preferred_username") or claims.get("email") or subject
    username = username_for(subject)
    try:
        with context().unit_of_work() as db:
            user = accounts.sync_oidc_user(db, Actor("oidc", None, s.oidc_issuer), subject, username,
                                           str(display)[:200], [(r, org.id) for r in sorted(roles)])
            audit.record(db, f"user:{user.username}", "auth.login", None, method="oidc")
            user_id, epoch = user.id, user.session_epoch
    except accounts.AccountError as exc:
        return _refuse("account", str(exc), subject=subject)
    target = session.get("oidc_next") or url_for("work.mine")
    session.clear()
    session["user_id"], session["epoch"] = user_id, epoch
    session.permanent = False
    return redirect(target)
