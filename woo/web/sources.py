"""Administrators' page for sources (Dutch): register, switch on/off, sync now, and their true state.

Thin: every button calls woo.services.sources, as `woo source ...` does. A secret is accepted in the form and
never shown back (the page only says whether one is stored).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from woo.adapters.models import Organisation
from woo.app import context
from woo.domain import tooi
from woo.domain.roles import allowed
from woo.services import sources
from woo.web.acl import rule_for
from woo.web.admin import _require_admin
from woo.web.auth import login_required

bp = Blueprint("sources", __name__, url_prefix="/beheer/bronnen")


@bp.route("")
@login_required
def index():
    _require_admin()
    with context().unit_of_work() as s:
        rows = sources.list_sources(s)
        orgs = [(o.code, o.name) for o in s.execute(select(Organisation).order_by(Organisation.name)).scalars()]
    return render_template("admin/sources.html", sources=rows, organisations=orgs,
                           categories=[(c.uri, f"{c.woo_article}: {c.label}") for c in tooi.woo_categories()],
                           count_labels=sources.COUNT_LABELS_NL)


@bp.route("", methods=["POST"])
@login_required
def create():
    _require_admin()
    f = request.form
    kind = f.get("kind", "")
    if kind == "zgw-drc":
        config = {"base_url": f.get("base_url", "").strip(), "client_id": f.get("client_id", "").strip(),
                  "informatieobjecttypen": [t.strip() for t in f.get("types", "").splitlines() if t.strip()]}
    else:
        config = {"source_key": f.get("source_key", "").strip(), "base_url": f.get("base_url", "").strip()}
    try:
        interval = int(f.get("interval") or sources.DEFAULT_INTERVAL)
    except ValueError:
        flash("Het interval moet een geheel aantal minuten zijn.", "error")
        return redirect(url_for("sources.index"))
    try:
        sources.add(context(), g.principal.actor, f.get("organisation", ""), kind, f.get("name", ""), config,
                    secret=f.get("secret") or None, interval_minutes=interval,
                    auto_publish=f.getlist("auto_publish"), enabled=f.get("enabled", "1") == "1")
    except sources.SourceError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Bron '{f.get('name', '')}' geregistreerd.", "info")
    return redirect(url_for("sources.index"))


@bp.route("/<int:source_id>")
@login_required
def detail(source_id: int):
    _require_admin()
    try:
        view = sources.status(context(), source_id)
    except sources.SourceError:
        abort(404, description="Bron niet gevonden.")
    return render_template("admin/source.html", s=view, count_labels=sources.COUNT_LABELS_NL,
                           may_force=_may_any(rule_for("sources.force_reconcile").action))


def _may_any(action: str) -> bool:
    """The logged-in user's roles allow ``action`` for some organisation (a button shown only to them)."""
    p = g.get("principal")
    return p is not None and any(allowed(p.roles_for(o), action) for o in p.organisation_ids() | {None})


def _act(source_id: int, fn, ok: str):
    _require_admin()
    try:
        fn()
    except sources.SourceError as exc:
        if "bestaat niet" in str(exc):
            abort(404, description=str(exc))
        flash(str(exc), "error")
    else:
        flash(ok, "info")
    return redirect(url_for("sources.detail", source_id=source_id))


@bp.route("/<int:source_id>/aan", methods=["POST"])
@login_required
def enable(source_id: int):
    return _act(source_id, lambda: sources.set_enabled(context(), g.principal.actor, source_id, True),
                "De bron staat aan.")


@bp.route("/<int:source_id>/uit", methods=["POST"])
@login_required
def disable(source_id: int):
    return _act(source_id, lambda: sources.set_enabled(context(), g.principal.actor, source_id, False),
                "De bron staat uit; een lopende synchronisatie stopt na de huidige pagina.")


@bp.route("/<int:source_id>/synchroniseren", methods=["POST"])
@login_required
def sync_now(source_id: int):
    full = request.form.get("full") == "1"
    return _act(source_id, lambda: sources.sync(context(), g.principal.actor, source_id, full=full),
                "Synchronisatie staat in de wachtrij.")


@bp.route("/<int:source_id>/afstemming-forceren", methods=["POST"])
@login_required
def force_reconcile(source_id: int):
    """The refused full listing (more than half would go) run anyway: ``woo source reconcile --force``."""
    _require_admin()
    if not _may_any(rule_for("sources.force_reconcile").action):
        abort(403, description="U heeft geen rechten voor deze handeling.")
    if request.form.get("confirm") != "1":
        flash("Bevestig eerst dat u de bron hebt gecontroleerd; er is niets ingetrokken.", "error")
        return redirect(url_for("sources.detail", source_id=source_id))
    try:
        out = sources.reconcile(context(), source_id, force=True, actor=g.principal.actor)
    except sources.SourceError as exc:
        if "bestaat niet" in str(exc):
            abort(404, description=str(exc))
        flash(str(exc), "error")
    else:
        if "refused" in out:
            flash(out["refused"], "error")
        else:
            flash(f"Afstemming geforceerd: {out['checked']} documenten vergeleken, {out['withdrawn']} ingetrokken.",
                  "info")
    return redirect(url_for("sources.detail", source_id=source_id))
