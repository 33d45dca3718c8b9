"""Log in and out; who is asking (g.principal) and what they may do."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlparse

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from woo.adapters.models import User
from woo.app import context
from woo.domain.roles import allowed
from woo.services import accounts, audit

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: no open redirects."""
    if not target:
        return url_for("officer.documents")
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("officer.documents")
    return target


@bp.before_app_request
def load_principal() -> None:
    g.principal = None
    user_id = session.get("user_id")
    if user_id is None:
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        with context().unit_of_work() as s:
            user = accounts.authenticate(s, username, password)
            if user is None:
                audit.record(s, f"anonymous:{request.remote_addr}", "auth.login_failed", None, username=username)
            else:
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
