"""The compliance dashboard (issue 20) for publishers and administrators: per organisation, or across the
organisations of a shared service centre, every figure of woo.services.dashboard with a link to the list
behind it, and the annual figures as a download (CSV, XLSX, PDF/A kept as a record)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from woo.app import context
from woo.domain import dashboard as rules
from woo.domain.roles import allowed
from woo.services import dashboard as svc
from woo.services import documents as docsvc
from woo.web.auth import login_required
from woo.web.params import int_arg

bp = Blueprint("dashboard", __name__)
PERMISSION = "dashboard.read"


def _allowed_orgs(session) -> list:
    """The organisations whose figures this user may see (an installation-wide role: all of them)."""
    p = g.principal
    orgs = svc.organisations_for(session, docsvc.visible_organisations(p))
    return [o for o in orgs if allowed(p.roles_for(o.id), PERMISSION)]


def _selection(session):
    orgs = _allowed_orgs(session)
    if not orgs:
        abort(403, description="U heeft geen rechten voor deze handeling.")
    code = (request.values.get("organisatie") or "").strip()
    if code and code != "alle":
        chosen = [o for o in orgs if o.code == code]
        if not chosen:
            abort(400, description=f"Onbekende organisatie ‘{code[:40]}’.")
        return orgs, chosen
    return orgs, orgs


@bp.route("/dashboard")
@login_required
def page():
    year = int_arg("jaar", minimum=2000, maximum=2100)
    with context().unit_of_work() as s:
        orgs, chosen = _selection(s)
        fig = svc.figures(s, {o.id for o in chosen}, year, base_url=context().settings.base_url,
                          snapshot=year is None)
        per_org = None
        if len(chosen) > 1:  # a shared service centre: one line per organisation
            per_org = [(o, svc.figures(s, {o.id}, year, snapshot=False)) for o in chosen]
        s.expunge_all()
    code = chosen[0].code if len(chosen) == 1 else None
    return render_template("dashboard.html", fig=fig, orgs=orgs, code=code, year=year, per_org=per_org,
                           term_labels=rules.TERM_LABELS_NL, this_year=fig.today.year)


@bp.route("/dashboard/jaarcijfers", methods=["POST"])
@login_required
def annual():
    """The annual figures of one organisation as a download; the PDF is also kept as a record."""
    fmt = (request.form.get("formaat") or "pdf").strip()
    with context().unit_of_work() as s:
        orgs, chosen = _selection(s)
        org_id, code = chosen[0].id, chosen[0].code
    if len(chosen) != 1:
        flash("Kies één organisatie voor de jaarcijfers.", "error")
        return redirect(url_for("dashboard.page"))
    try:
        report = svc.annual_report(context(), g.principal.actor, org_id,
                                   request.form.get("jaar"), fmt)
    except svc.ReportError as exc:
        flash(str(exc), "error")
        return redirect(url_for("dashboard.page", organisatie=code))
    return Response(report.data, mimetype=report.mime_type, headers={
        "Content-Disposition": f'attachment; filename="{report.filename}"', "Cache-Control": "no-store",
        **({"X-Woo-Document": report.document_id} if report.document_id else {})})
