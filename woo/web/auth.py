"""Log in and out; who is asking (g.principal) and what they may do."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)

from woo.adapters.models import User
from woo.app import context
from woo.domain.roles import allowed
from woo.services import accounts, audit
from woo.web.security import token_request

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: no open redirects. Browsers read a backslash as a slash (/\\evil = //evil) and
    drop tabs/newlines inside URLs, so any of those, or anything that parses with a host, is refused."""
    fallback = url_for("work.mine")
    if not target or not target.startswith("/") or any(c in target for c in "\\\t\r\n") \
            or any(ord(c) < 0x20 or ord(c) == 0x7f for c in target):
        return fallback
    cleaned = target.lstrip("/")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or target.startswith("//") or len(target) - len(cleaned) > 1:
        return fallback
    return target


def _throttle() -> accounts.LoginThrottle:
    app = current_app._get_current_object()
    throttle = app.extensions.get("woo.login_throttle")
    if throttle is None:
        queue = context().queue
        redis = getattr(queue, "redis", None)
        if redis is None:
            from redis import Redis
            redis = Redis.from_url(context().settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        throttle = app.extensions["woo.login_throttle"] = accounts.LoginThrottle(redis)
    return throttle


@bp.before_app_request
def load_principal() -> None:
    g.principal = None
    user_id = session.get("user_id")
    if user_id is None or token_request():  # an API request with credentials never falls back to the cookie
        return
    with context().unit_of_work() as s:
        user = s.get(User, user_id)
        if user is None or not user.active or user.session_epoch != session.get("epoch"):
            session.clear()
            return
        g.principal = accounts.principal_for(user)
        g.user_display = user.display_name


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.principal is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def may(action: str, organisation_id: int | None = None) -> bool:
    p = g.get("principal")
    return p is not None and allowed(p.roles_for(organisation_id), action)


def require(action: str, organisation_id: int | None = None) -> None:
    if not may(action, organisation_id):
        abort(403, description="U heeft geen rechten voor deze handeling.")


def document_for(session, document_id: str, action: str):
    """The document in the URL, for the logged-in user: 404 when it is not theirs to see (as if absent),
    403 when their roles do not let them do ``action`` to it. Units are checked by the action services
    themselves (woo.services.organisations.check_unit: UnitRefused, a 403 by woo.web.errors)."""
    from woo.services import documents

    doc = documents.get_document(session, g.principal, document_id)
    if doc is None:
        abort(404, description="Document niet gevonden.")
    require(action, doc.organisation_id)
    return doc


def may_on(session, action: str, organisation_id: int, unit_id: int | None) -> bool:
    """``may`` for one document or dossier: roles and the user's units (what a page shows as a button)."""
    from woo.services import organisations

    p = g.get("principal")
    return p is not None and organisations.may_act(session, p, action, organisation_id, unit_id)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:150]
        password = request.form.get("password", "")
        throttle, address = _throttle(), request.remote_addr
        wait = throttle.attempt(username, address)  # counted before the password hash, atomically
        if wait:
            with context().unit_of_work() as s:
                audit.record(s, f"anonymous:{address}", "auth.login_blocked", None, username=username)
            flash(accounts.blocked_message(wait), "error")
            resp = current_app.make_response((render_template("login.html"), 429))
            resp.headers["Retry-After"] = str(wait)
            return resp
        with context().unit_of_work() as s:
            user = accounts.authenticate(s, username, password)
            if user is None:
                audit.record(s, f"anonymous:{address}", "auth.login_failed", None, username=username)
            else:
                throttle.reset(username, address)
                audit.record(s, f"user:{user.username}", "auth.login", None)
                session.clear()
                session["user_id"], session["epoch"] = user.id, user.session_epoch
                session.permanent = False
        if user is not None:
            return redirect(_safe_next(request.args.get("next")))
        flash("Onjuiste gebruikersnaam of wachtwoord.", "error")
        return render_template("login.html"), 401
    return render_template("login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    flash("U bent uitgelogd.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/logout/overal", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of this user, on every device (the epoch is checked on each request)."""
    with context().unit_of_work() as s:
        user = s.get(User, g.principal.actor.id)
        accounts.logout_everywhere(s, g.principal.actor, user)
    session.clear()
    flash("U bent op alle apparaten uitgelogd.", "info")
    return redirect(url_for("auth.login"))
