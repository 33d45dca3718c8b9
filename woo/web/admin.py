"""Administrators' pages (Dutch): users, API tokens and the processing overview.

Thin: every button calls the same service function as `woo user ...` (woo.services.accounts).
A new password or token secret is shown once, in the answer to the POST that made it, and never
stored anywhere readable (not in the session cookie, not in a flash message); that answer is no-store.
"""
from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from woo.adapters.models import Organisation, User
from woo.app import context
from woo.domain.roles import LABELS_NL, Role, allowed
from woo.services import accounts
from woo.web import acl
from woo.web.auth import login_required

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def token_scopes() -> list[str]:
    """The scopes the API checks, taken from the route table so a new scope shows up here by itself."""
    return sorted({r.scope for r in acl.RULES.values() if r.scope})


def _require_admin() -> None:
    p = g.get("principal")
    if p is None or not any(allowed(p.roles_for(o), "admin") for o in p.organisation_ids() | {None}):
        abort(403, description="U heeft geen rechten voor deze handeling.")


def _secret_page(**kwargs):
    resp = make_response(render_template("admin/secret.html", **kwargs))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/gebruikers")
@login_required
def users():
    _require_admin()
    with context().unit_of_work() as s:
        rows = list(s.execute(select(User).order_by(User.username)).scalars())
        orgs = list(s.execute(select(Organisation).order_by(Organisation.name)).scalars())
        names = {o.id: o.name for o in orgs}
        table = [{"id": u.id, "username": u.username, "display_name": u.display_name, "active": u.active,
                  "sso": not u.password_hash, "created_at": u.created_at,
                  "roles": sorted(f"{LABELS_NL.get(Role(ra.role), ra.role)} "
                                  f"({names.get(ra.organisation_id, 'alle organisaties')})" for ra in u.roles)}
                 for u in rows]
        organisations = [(o.id, o.name) for o in orgs]
    return render_template("admin/users.html", users=table, organisations=organisations,
                           roles=[(r.value, LABELS_NL[r]) for r in Role], me=g.principal.actor.id)


@bp.route("/gebruikers", methods=["POST"])
@login_required
def create_user():
    _require_admin()
    username = request.form.get("username", "").strip()
    display_name = request.form.get("display_name", "").strip()
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        flash("Kies een geldige rol.", "error")
        return redirect(url_for("admin.users"))
    org_raw = request.form.get("organisation_id", "")
    if not username:
        flash("Vul een gebruikersnaam in.", "error")
        return redirect(url_for("admin.users"))
    password = secrets.token_urlsafe(18)  # 24 characters, well over the service's minimum of 12
    try:
        with context().unit_of_work() as s:
            org_id = None
            if org_raw:
                org = s.get(Organisation, int(org_raw)) if org_raw.isdigit() and len(org_raw) <= 9 else None
                if org is None:
                    raise accounts.AccountError("Kies een bestaande organisatie.")
                org_id = org.id
            accounts.create_user(s, g.principal.actor, username, password, [(role, org_id)], display_name)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.users"))
    return _secret_page(kind="password", username=username, secret=password)


def _user_action(user_id: int, fn, ok: str):
    _require_admin()
    try:
        with context().unit_of_work() as s:
            user = s.get(User, user_id)
            if user is None:
                abort(404, description="Gebruiker niet gevonden.")
            fn(s, user)
            name = user.username
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(ok.format(name=name), "info")
    return redirect(url_for("admin.users"))


@bp.route("/gebruikers/<int:user_id>/actief", methods=["POST"])
@login_required
def set_active(user_id: int):
    active = request.form.get("active") == "1"

    def go(s, user):
        if not active and user.id == g.principal.actor.id:
            raise accounts.AccountError("U kunt uw eigen account niet deactiveren.")
        accounts.set_active(s, g.principal.actor, user, active)

    return _user_action(user_id, go, "Gebruiker {name} is " + ("geactiveerd." if active else "gedeactiveerd."))


@bp.route("/gebruikers/<int:user_id>/overal-uitloggen", methods=["POST"])
@login_required
def logout_everywhere(user_id: int):
    return _user_action(user_id, lambda s, user: accounts.logout_everywhere(s, g.principal.actor, user),
                        "Gebruiker {name} is overal uitgelogd.")


@bp.route("/tokens")
@login_required
def tokens():
    _require_admin()
    with context().unit_of_work() as s:
        table = [{"id": t.id, "prefix": t.prefix, "user": t.user.username, "name": t.name, "scopes": t.scopes,
                  "created_at": t.created_at, "last_used_at": t.last_used_at, "revoked_at": t.revoked_at}
                 for t in accounts.list_tokens(s)]
        usernames = list(s.execute(select(User.username).where(User.active.is_(True))
                                   .order_by(User.username)).scalars())
    return render_template("admin/tokens.html", tokens=table, usernames=usernames, scopes=token_scopes())


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    _require_admin()
    username = request.form.get("username", "")
    name = request.form.get("name", "").strip()
    chosen = request.form.getlist("scopes")
    unknown = set(chosen) - set(token_scopes())
    if not name:
        flash("Geef het token een naam.", "error")
    elif not chosen or unknown:
        flash("Kies een of meer geldige scopes.", "error")
    else:
        try:
            with context().unit_of_work() as s:
                user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
                if user is None:
                    raise accounts.AccountError(f"Gebruiker '{username}' bestaat niet.")
                secret = accounts.create_token(s, g.principal.actor, user, name,
                                               " ".join(sc for sc in token_scopes() if sc in chosen))
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            return _secret_page(kind="token", username=username, name=name, secret=secret)
    return redirect(url_for("admin.tokens"))


@bp.route("/tokens/<int:token_id>/intrekken", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    _require_admin()
    try:
        with context().unit_of_work() as s:
            accounts.revoke_token(s, g.principal.actor, token_id)
    except accounts.AccountError as exc:
        abort(404, description=str(exc))
    flash("Token ingetrokken; het werkt vanaf nu niet meer.", "info")
    return redirect(url_for("admin.tokens"))


@bp.app_context_processor
def _nav() -> dict:
    """base.html shows the admin link only to those who may use it."""
    p = g.get("principal")
    return {"is_admin": p is not None and any(allowed(p.roles_for(o), "admin")
                                              for o in p.organisation_ids() | {None})}


@bp.route("/taken")
@login_required
def jobs():
    """Jobs that wait, run or failed, longest running first: a stuck job is visible here."""
    from woo.services import jobs as jobsvc

    _require_admin()
    with context().unit_of_work() as s:
        table = jobsvc.overview(s)
    return render_template("admin/jobs.html", jobs=table, job_labels=jobsvc.LABELS_NL,
                           job_kinds=jobsvc.KIND_LABELS_NL)


# ------------------------------------------------------------------ harvest readiness and ROO registration

def _harvest_org() -> tuple[int, list[tuple[int, str]]]:
    """The organisation the page is about (?organisatie=ID, default the first) and all of them."""
    with context().unit_of_work() as s:
        orgs = [(o.id, o.name) for o in s.execute(select(Organisation).order_by(Organisation.name)).scalars()]
    raw = request.values.get("organisatie", "")
    chosen = int(raw) if raw.isdigit() and len(raw) <= 9 and int(raw) in {i for i, _ in orgs} else None
    if chosen is None and not orgs:
        abort(404, description="Er is nog geen organisatie.")
    return (chosen if chosen is not None else orgs[0][0]), orgs


def _harvest_page(readiness=None, status: int = 200):
    from woo.domain import tooi
    from woo.services import harvest

    org_id, orgs = _harvest_org()
    rows = harvest.registrations(context(), org_id)
    categories = [c for c in tooi.woo_categories() if c.sitemapindex_code]
    labels = {c.uri: c.label for c in categories}
    base = context().settings.base_url.rstrip("/")
    # what ROO must hold for each category: the index that robots.txt names (found by the check), or the
    # name woo gives it
    expected = {c.uri: f"{base}/sitemaps/{c.sitemapindex_filename or 'sitemapindex-diwoo-' + c.sitemapindex_code + '.xml'}"
                for c in categories}
    if readiness is not None:
        expected.update(readiness.report.index_urls)
    resp = make_response(render_template(
        "admin/harvest.html", organisation_id=org_id, organisations=orgs, registrations=rows, labels=labels,
        categories=categories, expected=expected, readiness=readiness, base_url=base,
        today=__import__("datetime").date.today().isoformat()), status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/woo-index")
@login_required
def harvest():
    """Registration in ROO (what the Woo-index harvests) and the outside-in readiness check."""
    _require_admin()
    return _harvest_page()


@bp.route("/woo-index/controle", methods=["POST"])
@login_required
def harvest_check():
    """Crawl the public host as the Woo-index does (woo harvest check) and show the Dutch report."""
    from flask import current_app

    from woo.services import harvest as harvestsvc

    _require_admin()
    org_id, _ = _harvest_org()
    # over HTTP(S) to WOO_BASE_URL, through whatever front server is there; tests plug in their own fetch
    return _harvest_page(harvestsvc.check(context(), org_id, fetch=current_app.config.get("WOO_HARVEST_FETCH")))


@bp.route("/woo-index/aanmeldingen", methods=["POST"])
@login_required
def harvest_register():
    from woo.services import harvest as harvestsvc

    _require_admin()
    org_id, _ = _harvest_org()
    try:
        harvestsvc.register(context(), g.principal.actor, org_id, request.form.get("category_uri", ""),
                            request.form.get("url", ""), request.form.get("registered_on", ""),
                            request.form.get("registered_by", ""))
    except harvestsvc.RegistrationError as exc:
        flash(str(exc), "error")
    else:
        flash("Aanmelding vastgelegd.", "info")
    return redirect(url_for("admin.harvest", organisatie=org_id))


@bp.route("/woo-index/aanmeldingen/<int:registration_id>/verwijderen", methods=["POST"])
@login_required
def harvest_unregister(registration_id: int):
    from woo.services import harvest as harvestsvc

    _require_admin()
    org_id, _ = _harvest_org()
    try:
        harvestsvc.unregister(context(), g.principal.actor, org_id, registration_id)
    except harvestsvc.RegistrationError as exc:
        flash(str(exc), "error")
    else:
        flash("Aanmelding verwijderd.", "info")
    return redirect(url_for("admin.harvest", organisatie=org_id))
