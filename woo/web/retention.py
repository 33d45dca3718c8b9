"""Archivists' pages (Dutch): the due list, destruction lists with review and approval buttons.

Thin: every button calls the same service function as the CLI (woo.services.destruction/retention).
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from woo.app import context
from woo.domain.roles import allowed
from woo.services import destruction as ds
from woo.services import retention as retsvc
from woo.services import transfer as tr
from woo.web.params import int_arg
from woo.web.auth import login_required

bp = Blueprint("retention", __name__, url_prefix="/archief")
PAGE = 200


def _require_any(action: str) -> None:
    """Archival work spans organisations: a role for any organisation suffices here."""
    p = g.get("principal")
    if p is None or not any(allowed(p.roles_for(o), action) for o in p.organisation_ids() | {None}):
        abort(403, description="U heeft geen rechten voor deze handeling.")


def _may_any(action: str) -> bool:
    p = g.get("principal")
    return p is not None and any(allowed(p.roles_for(o), action) for o in p.organisation_ids() | {None})


@bp.route("/termijnen")
@login_required
def due():
    _require_any("retention.manage")
    within = int_arg("binnen", 0, minimum=0, maximum=36_500)  # days ahead: a century at most
    waardering = request.args.get("waardering") or None
    flt = retsvc.DueFilter(within_days=within, waardering=waardering if waardering in ("B", "V") else None)
    rows, more = [], False
    with context().unit_of_work() as s:
        for row in retsvc.due_rows(s, flt, batch=PAGE + 1):
            if len(rows) == PAGE:
                more = True
                break
            rows.append(row)
        # only what can be done: a row that create_list would refuse says why instead of offering a box
        on_list = ds._open_list_of(s, [r.id for r in rows])
    refused = {}
    for r in rows:
        if r.waardering != "V":
            refused[r.id] = "blijvend te bewaren: overbrengen" if r.waardering == "B" else "waardering onbekend"
        elif r.legal_hold:
            refused[r.id] = "juridische bewaarplicht"
        elif r.status == "published":
            refused[r.id] = "gepubliceerd: eerst intrekken"
        elif r.id in on_list:
            refused[r.id] = f"staat al op vernietigingslijst {on_list[r.id]}"
    return render_template("retention/due.html", rows=rows, more=more, within=within, waardering=waardering,
                           today=date.today(), refused=refused)


@bp.route("/vernietigingslijsten")
@login_required
def lists():
    _require_any("retention.read")
    with context().unit_of_work() as s:
        items = [(lst, ds.counts(s, lst.id)) for lst in ds.lists(s)]
    return render_template("retention/lists.html", lists=items, labels=ds.LIST_LABELS,
                           may_manage=_may_any("retention.manage"))


@bp.route("/vernietigingslijsten/<int:list_id>")
@login_required
def list_detail(list_id: int):
    _require_any("retention.read")
    with context().unit_of_work() as s:
        try:
            lst = ds._get_list(s, list_id)
        except ds.DestructionError:
            abort(404, description="Vernietigingslijst niet gevonden.")
        items = ds.items(s, list_id)
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    me = g.principal.actor.label
    after = lst.execute_after.replace(tzinfo=lst.execute_after.tzinfo or timezone.utc) if lst.execute_after else None
    # buttons the services would always refuse are shown disabled, with the reason
    refusals = {
        "review": "U heeft deze lijst opgesteld; een ander beoordeelt haar." if lst.created_by == me else None,
        "approve": ("U heeft deze lijst opgesteld; een andere archivaris keurt haar goed." if lst.created_by == me
                    else "U heeft deze lijst beoordeeld; een andere archivaris keurt haar goed."
                    if lst.reviewer == me else None),
        "start": (f"De bedenktijd loopt nog tot {after:%d-%m-%Y %H:%M} (UTC)."
                  if after and after > now and lst.status == ds.GOEDGEKEURD else None),
    }
    return render_template("retention/list.html", lst=lst, items=items, labels=ds.LIST_LABELS,
                           may_manage=_may_any("retention.manage"), may_review=_may_any("retention.review"),
                           me=me, refusals=refusals)


def _act(fn, ok: str, list_id: int | None = None):
    try:
        fn()
    except (ds.DestructionError, retsvc.RetentionError) as exc:
        flash(str(exc), "error")
    else:
        flash(ok, "info")
    if list_id is None:
        return redirect(url_for("retention.lists"))
    return redirect(url_for("retention.list_detail", list_id=list_id))


@bp.route("/vernietigingslijsten", methods=["POST"])
@login_required
def create_list():
    _require_any("retention.manage")
    ids = request.form.getlist("document_id")
    name = request.form.get("name", "")
    holder: dict = {}

    def go():
        holder["id"] = ds.create_list(context(), g.principal.actor, name, ids)

    _act(go, "Vernietigingslijst aangemaakt en ter beoordeling aangeboden.")
    # after a refusal the due list comes back with the filter the archivist had chosen
    keep = {k: request.form.get(k) for k in ("binnen", "waardering") if request.form.get(k)}
    return redirect(url_for("retention.list_detail", list_id=holder["id"])) if "id" in holder else \
        redirect(url_for("retention.due", **keep))


@bp.route("/vernietigingslijsten/<int:list_id>/items/<document_id>", methods=["POST"])
@login_required
def review_item(list_id: int, document_id: str):
    _require_any("retention.review")
    decision = request.form.get("decision", "")
    return _act(lambda: ds.review_item(context(), g.principal.actor, list_id, document_id, decision,
                                       request.form.get("reason", "")), "Oordeel vastgelegd.", list_id)


@bp.route("/vernietigingslijsten/<int:list_id>/beoordeeld", methods=["POST"])
@login_required
def finish_review(list_id: int):
    _require_any("retention.review")
    return _act(lambda: ds.finish_review(context(), g.principal.actor, list_id), "Beoordeling afgerond.", list_id)


@bp.route("/vernietigingslijsten/<int:list_id>/goedkeuren", methods=["POST"])
@login_required
def approve(list_id: int):
    _require_any("retention.manage")
    return _act(lambda: ds.approve(context(), g.principal.actor, list_id),
                "Goedgekeurd; de bedenktijd is ingegaan.", list_id)


@bp.route("/vernietigingslijsten/<int:list_id>/annuleren", methods=["POST"])
@login_required
def cancel(list_id: int):
    _require_any("retention.read")
    return _act(lambda: ds.cancel(context(), g.principal.actor, list_id, request.form.get("reason", "")),
                "Vernietigingslijst geannuleerd.", list_id)


@bp.route("/vernietigingslijsten/<int:list_id>/vernietigen", methods=["POST"])
@login_required
def start(list_id: int):
    _require_any("retention.manage")
    if request.form.get("confirm_name", "").strip() == "":
        flash("Typ de naam van de lijst om de vernietiging te bevestigen.", "error")
        return redirect(url_for("retention.list_detail", list_id=list_id))

    def go():
        with context().unit_of_work() as s:
            lst = ds._get_list(s, list_id)
            if request.form.get("confirm_name", "").strip() != lst.name:
                raise ds.DestructionError("De getypte naam komt niet overeen met de naam van de lijst.")
        ds.start(context(), g.principal.actor, list_id)

    return _act(go, "Vernietiging gestart; de voortgang staat op deze pagina.", list_id)


@bp.route("/documenten/<document_id>")
@login_required
def document(document_id: str):
    """A record's retention: class, dates and their ground; the archivist may choose another class."""
    from woo.adapters.models import Document
    from woo.web.auth import require

    with context().unit_of_work() as s:
        doc = s.get(Document, document_id)
        if doc is None:
            abort(404, description="Document niet gevonden.")
        require("retention.manage", doc.organisation_id)
        return render_template("retention/document.html", doc=doc, v=retsvc.view(doc))


@bp.route("/documenten/<document_id>", methods=["POST"])
@login_required
def override(document_id: str):
    from woo.adapters.models import Document
    from woo.web.auth import require

    with context().unit_of_work() as s:
        doc = s.get(Document, document_id)
        if doc is None:
            abort(404, description="Document niet gevonden.")
        require("retention.manage", doc.organisation_id)
    try:
        ret = retsvc.override(context(), g.principal.actor, document_id, request.form.get("resultaat", ""),
                              request.form.get("reason", ""))
    except retsvc.RetentionError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Selectielijstklasse {ret.resultaat} vastgelegd; archiefactiedatum "
              f"{ret.archiefactiedatum:%d-%m-%Y}.", "info")
    return redirect(url_for("retention.document", document_id=document_id))


# --------------------------------------------------------------------------- per dossier (issue 13)
# A dossier is one archival unit: its Selectielijst class and brondatum are set for the whole dossier (the
# documents inherit them), and it goes on a destruction list whole. The same services as `woo retention dossier`
# and `woo retention list create --dossier`.

def _dossier_or_404(s, dossier_id: str):
    from woo.adapters.models import Publication
    from woo.web.auth import require

    d = s.get(Publication, dossier_id)
    if d is None:
        abort(404, description="Dossier niet gevonden.")
    require("retention.manage", d.organisation_id)
    return d


@bp.route("/dossiers/<dossier_id>")
@login_required
def dossier(dossier_id: str):
    from woo.domain import retention as rules
    from woo.web.auth import may

    ctx = context()
    with ctx.unit_of_work() as s:
        d = _dossier_or_404(s, dossier_id)
        ret = retsvc.dossier_retention(s, d, retsvc.transfer_years(ctx.settings))
        docs = retsvc.dossier_documents(s, d.id)
        brondatum, bron = retsvc.dossier_brondatum(s, d)
        packages = tr.dossier_packages(s, d.id)
        job = tr.latest_job(s, d.id)
        making = job is not None and job.status in tr.JOB_OPEN
        made = next((p for p in packages if job and p.id == job.package_id and p.status == tr.MADE), None)
        me = g.principal.actor.label
        html = render_template("retention/dossier.html", d=d, ret=ret, packages=packages, job=job, making=making,
                               made=made,
                               # a failure is news until a package is made after it (by the page or the CLI)
                               job_failed=job is not None and job.status == tr.FAILED
                               and not any(p.created_at >= job.created_at for p in packages),
                               may_cancel=may("retention.manage", d.organisation_id),
                               package_status=tr.STATUS_NL, transfer_refusal=tr.dossier_refusal(s, d.id),
                               confirm_refusal={p.id: "U heeft dit pakket gemaakt; een andere archivaris bevestigt de "
                                                      "ontvangst (vier ogen)." for p in packages
                                                if p.created_by == me},
                               resultaat=rules.resultaat(ret.resultaat) if ret else None,
                               offered=retsvc.offered_resultaten(d.category), docs=docs, brondatum=brondatum,
                               bron=d.retention_brondatum_bron or bron,
                               inherited=sum(1 for doc in docs if ret and doc.retention_resultaat == ret.resultaat))
    resp = Response(html)
    resp.headers["Cache-Control"] = "no-store"
    if making:  # the page follows the worker, as the dossier import's page does; the URL without the
        # fragment (#overbrenging after the button), else the browser only scrolls instead of reloading
        resp.headers["Refresh"] = f"2; url={url_for('retention.dossier', dossier_id=dossier_id)}"
    return resp


@bp.route("/dossiers/<dossier_id>", methods=["POST"])
@login_required
def dossier_class(dossier_id: str):
    with context().unit_of_work() as s:
        _dossier_or_404(s, dossier_id)
    try:
        raw = (request.form.get("brondatum") or "").strip()
        try:
            brondatum = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise retsvc.RetentionError(f"'{raw}' is geen datum: gebruik JJJJ-MM-DD.") from None
        ret = retsvc.set_dossier_class(context(), g.principal.actor, dossier_id, request.form.get("resultaat", ""),
                                       request.form.get("reason", ""), brondatum)
    except (retsvc.RetentionError, ValueError) as exc:
        flash(str(exc), "error")
    else:
        flash(f"Selectielijstklasse {ret.resultaat} vastgelegd voor het hele dossier; archiefactiedatum "
              f"{ret.archiefactiedatum:%d-%m-%Y}.", "info")
    return redirect(url_for("retention.dossier", dossier_id=dossier_id))


@bp.route("/dossiers/<dossier_id>/vernietigingslijst", methods=["POST"])
@login_required
def dossier_destruction_list(dossier_id: str):
    with context().unit_of_work() as s:
        d = _dossier_or_404(s, dossier_id)
        default_name = f"Dossier {d.title}"[:200]
    holder: dict = {}

    def go():
        holder["id"] = ds.create_list(context(), g.principal.actor, request.form.get("name") or default_name, [],
                                      dossier_ids=[dossier_id])

    try:
        go()
    except (ds.DestructionError, retsvc.RetentionError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("retention.dossier", dossier_id=dossier_id))
    flash("Het dossier staat in zijn geheel op een vernietigingslijst, ter beoordeling.", "info")
    return redirect(url_for("retention.list_detail", list_id=holder["id"]))


# Transfer packages of a dossier (overbrenging): made, sent, receipt confirmed; the same services as
# `woo retention transfer --dossier`, `--sent`, `--confirm` and `--cancel`. Only what the state allows is offered.

def _check_package(dossier_id: str, package_id: str) -> None:
    """404 unless the dossier is the archivist's and the package holds its records."""
    with context().unit_of_work() as s:
        _dossier_or_404(s, dossier_id)
        if package_id not in {p.id for p in tr.dossier_packages(s, dossier_id)}:
            abort(404, description="Overbrengingspakket niet gevonden bij dit dossier.")


def _transfer_act(fn, ok, dossier_id: str, package_id: str | None = None):
    """Run one step (the service call ``fn``), flash ``ok(result)`` or the Dutch refusal, back to the page."""
    if package_id is not None:
        _check_package(dossier_id, package_id)
    try:
        result = fn()
    except (tr.TransferError, retsvc.RetentionError) as exc:
        flash(str(exc), "error")
    else:
        flash(ok(result), "info")
    return redirect(url_for("retention.dossier", dossier_id=dossier_id) + "#overbrenging")


@bp.route("/dossiers/<dossier_id>/overbrenging", methods=["POST"])
@login_required
def dossier_transfer(dossier_id: str):
    with context().unit_of_work() as s:
        _dossier_or_404(s, dossier_id)
    # a worker on the heavy queue writes it (thousands of files do not fit in a request); the page follows it
    return _transfer_act(lambda: tr.start(context(), g.principal.actor, dossier_id),
                         lambda _job: "Het overbrengingspakket wordt gemaakt; de voortgang staat op deze pagina.",
                         dossier_id)


@bp.route("/dossiers/<dossier_id>/overbrenging/<package_id>/verzonden", methods=["POST"])
@login_required
def dossier_transfer_sent(dossier_id: str, package_id: str):
    return _transfer_act(
        lambda: tr.mark_sent(context(), g.principal.actor, package_id, request.form.get("destination", "")),
        lambda p: f"Overbrengingspakket {p.id} is verzonden naar {p.destination}; het wacht op de "
                  "ontvangstbevestiging.", dossier_id, package_id)


@bp.route("/dossiers/<dossier_id>/overbrenging/<package_id>/ontvangst", methods=["POST"])
@login_required
def dossier_transfer_confirm(dossier_id: str, package_id: str):
    return _transfer_act(
        lambda: tr.confirm(context(), g.principal.actor, package_id, request.form.get("destination") or None),
        lambda r: f"Ontvangst bevestigd: {r.archived} records zijn overgebracht en hier alleen nog te lezen.",
        dossier_id, package_id)


@bp.route("/dossiers/<dossier_id>/overbrenging/<package_id>/annuleren", methods=["POST"])
@login_required
def dossier_transfer_cancel(dossier_id: str, package_id: str):
    return _transfer_act(
        lambda: tr.cancel(context(), g.principal.actor, package_id, request.form.get("reason", "")),
        lambda n: f"Overbrengingspakket {package_id} is geannuleerd; de {n} records kunnen in een nieuw pakket.",
        dossier_id, package_id)
