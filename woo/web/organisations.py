"""Administrators' page for organisations and their units (Dutch), and the hand-over of a document or a
dossier to another unit (officers, from the document and dossier pages).

Thin: every form calls woo.services.organisations, as `woo organisation ...` does.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from woo.adapters.models import Dossier
from woo.app import context
from woo.domain import organisations as rules
from woo.services import organisations as orgsvc
from woo.web.admin import _require_admin
from woo.web.auth import document_for, login_required, may, may_on, require

bp = Blueprint("organisations", __name__)
CONTACT_FIELDS = [(k, rules.CONTACT_LABELS_NL[k]) for k in rules.CONTACT_FIELDS]


def _contact_form() -> dict:
    return {k: request.form.get(f"contact_{k}", "") for k in rules.CONTACT_FIELDS}


def _try(fn, ok: str | None = None):
    try:
        result = fn()
    except orgsvc.OrganisationError as exc:
        flash(str(exc), "error")
        return None
    if ok:
        flash(ok, "ok")
    return result


@bp.route("/beheer/organisaties")
@login_required
def index():
    _require_admin()
    with context().unit_of_work() as s:
        views = orgsvc.list_organisations(s)
    return render_template("admin/organisations.html", organisations=views, contact_fields=CONTACT_FIELDS)


@bp.route("/beheer/organisaties", methods=["POST"])
@login_required
def create():
    _require_admin()
    f = request.form
    org_id = _try(lambda: orgsvc.add(context(), g.principal.actor, f.get("tooi", ""), name=f.get("name") or None,
                                     public_base_url=f.get("public_base_url", ""),
                                     theme_css_url=f.get("theme_css_url", ""), logo_url=f.get("logo_url", ""),
                                     contact=_contact_form()), "Organisatie toegevoegd.")
    if org_id is None:
        return redirect(url_for("organisations.index"))
    return redirect(url_for("organisations.detail", org_id=org_id))


def _view(org_id: int):
    with context().unit_of_work() as s:
        try:
            return orgsvc.get(s, org_id)
        except orgsvc.OrganisationError:
            abort(404, description="Organisatie niet gevonden.")


@bp.route("/beheer/organisaties/<int:org_id>")
@login_required
def detail(org_id: int):
    _require_admin()
    o = _view(org_id)
    return render_template("admin/organisation.html", o=o, contact_fields=CONTACT_FIELDS,
                           tokens=orgsvc.tokens_text(context(), o.theme_css_url), logo_max=rules.LOGO_MAX_BYTES)


@bp.route("/beheer/organisaties/<int:org_id>", methods=["POST"])
@login_required
def update(org_id: int):
    _require_admin()
    _view(org_id)
    f = request.form
    changed = _try(lambda: orgsvc.change(context(), g.principal.actor, org_id, name=f.get("name", ""),
                                         public_base_url=f.get("public_base_url", ""),
                                         theme_css_url=f.get("theme_css_url", ""), logo_url=f.get("logo_url", ""),
                                         contact=_contact_form()))
    if changed is not None:
        flash("Opgeslagen." if changed else "Niets gewijzigd.", "ok")
    return redirect(url_for("organisations.detail", org_id=org_id))


@bp.route("/beheer/organisaties/<int:org_id>/logo", methods=["POST"])
@login_required
def upload_logo(org_id: int):
    _require_admin()
    _view(org_id)
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        flash("Kies een PNG- of SVG-bestand als logo.", "error")
    else:
        data = upload.stream.read(rules.LOGO_MAX_BYTES + 1)
        _try(lambda: orgsvc.set_logo(context(), g.principal.actor, org_id, data), "Logo opgeslagen.")
    return redirect(url_for("organisations.detail", org_id=org_id) + "#thema")


@bp.route("/beheer/organisaties/<int:org_id>/thema", methods=["POST"])
@login_required
def set_tokens(org_id: int):
    _require_admin()
    _view(org_id)
    n = _try(lambda: orgsvc.set_tokens(context(), g.principal.actor, org_id, request.form.get("tokens", "")))
    if n is not None:
        flash(f"Thema opgeslagen: {n} ontwerptoken{'' if n == 1 else 's'}." if n
              else "Thema gewist: de pagina's gebruiken het standaardthema.", "ok")
    return redirect(url_for("organisations.detail", org_id=org_id) + "#thema")


@bp.route("/thema/<code>/<name>")
def theme_file(code: str, name: str):
    """An organisation's logo or token CSS from the object store: the name holds the content hash, so it may
    be cached for a year; nosniff, and an SVG cannot run anything even when opened on its own."""
    from flask import Response

    found = orgsvc.theme_file(context(), code, name)
    if found is None:
        abort(404, description="Dit themabestand bestaat niet.")
    data, mime = found
    resp = Response(data, mimetype=mime.split(";")[0])
    if "charset" in mime:
        resp.headers["Content-Type"] = mime
    resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    resp.headers["ETag"] = f'"{name.split("-", 1)[1].split(".")[0]}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    if mime == "image/svg+xml":
        resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return resp


@bp.route("/beheer/organisaties/<int:org_id>/afdelingen", methods=["POST"])
@login_required
def add_unit(org_id: int):
    _require_admin()
    _view(org_id)
    _try(lambda: orgsvc.add_unit(context(), g.principal.actor, org_id, request.form.get("name", "")),
         "Afdeling toegevoegd.")
    return redirect(url_for("organisations.detail", org_id=org_id))


def _unit_org(unit_id: int) -> int:
    from woo.adapters.models import Unit

    with context().unit_of_work() as s:
        unit = s.get(Unit, unit_id)
        if unit is None:
            abort(404, description="Afdeling niet gevonden.")
        return unit.organisation_id


@bp.route("/beheer/afdelingen/<int:unit_id>/naam", methods=["POST"])
@login_required
def rename_unit(unit_id: int):
    _require_admin()
    org_id = _unit_org(unit_id)
    _try(lambda: orgsvc.rename_unit(context(), g.principal.actor, unit_id, request.form.get("name", "")),
         "Afdeling hernoemd.")
    return redirect(url_for("organisations.detail", org_id=org_id))


@bp.route("/beheer/afdelingen/<int:unit_id>/leden", methods=["POST"])
@login_required
def members(unit_id: int):
    _require_admin()
    org_id = _unit_org(unit_id)
    username = request.form.get("username", "").strip()
    if request.form.get("remove") == "1":
        _try(lambda: orgsvc.remove_member(context(), g.principal.actor, unit_id, username),
             f"{username} is uit de afdeling gehaald.")
    else:
        _try(lambda: orgsvc.add_member(context(), g.principal.actor, unit_id, username),
             f"{username} is lid van de afdeling.")
    return redirect(url_for("organisations.detail", org_id=org_id))


@bp.route("/beheer/afdelingen/<int:unit_id>/verwijderen", methods=["POST"])
@login_required
def delete_unit(unit_id: int):
    _require_admin()
    org_id = _unit_org(unit_id)
    name = _try(lambda: orgsvc.delete_unit(context(), g.principal.actor, unit_id))
    if name is not None:
        flash(f"Afdeling ‘{name}’ verwijderd.", "ok")
    return redirect(url_for("organisations.detail", org_id=org_id))


# --------------------------------------------------------------------------- hand-over (officers)


def _unit_arg() -> int | None:
    return request.form.get("unit_id", type=int)


@bp.route("/documenten/<document_id>/afdeling", methods=["POST"])
@login_required
def hand_over_document(document_id: str):
    with context().unit_of_work() as s:
        document_for(s, document_id, "document.edit")
    unit_id = _unit_arg()
    if unit_id is None:
        flash("Kies de afdeling die het document overneemt.", "error")
    else:
        moved = _try(lambda: orgsvc.hand_over_document(context(), g.principal.actor, document_id, unit_id))
        if moved is not None:
            flash("Document overgedragen aan de andere afdeling." if moved
                  else "Het document hoort al bij die afdeling.", "ok")
    return redirect(url_for("officer.detail", document_id=document_id))


@bp.route("/dossiers/<dossier_id>/afdeling", methods=["POST"])
@login_required
def hand_over_dossier(dossier_id: str):
    with context().unit_of_work() as s:
        d = s.get(Dossier, dossier_id)
        if d is None or not may("document.read", d.organisation_id):
            abort(404, description="Dossier niet gevonden.")
        require("document.edit", d.organisation_id)
    unit_id = _unit_arg()
    if unit_id is None:
        flash("Kies de afdeling die het dossier overneemt.", "error")
    else:
        n = _try(lambda: orgsvc.hand_over_dossier(context(), g.principal.actor, dossier_id, unit_id))
        if n is not None:
            flash(f"Dossier overgedragen aan de andere afdeling, met {n} documenten.", "ok")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))


@bp.app_context_processor
def _helpers() -> dict:
    return {"unit_panel": unit_panel}


def unit_panel(organisation_id: int, unit_id: int | None) -> dict:
    """For the document and dossier pages: the object's unit and the units it can be handed to (only by
    those whose roles and units let them edit it)."""
    with context().unit_of_work() as s:
        choices = orgsvc.unit_choices(s, organisation_id)
        may_hand_over = may_on(s, "document.edit", organisation_id, unit_id)
    return {"current": dict(choices).get(unit_id) if unit_id else None, "unit_id": unit_id,
            "choices": [(i, n) for i, n in choices if i != unit_id], "may_hand_over": may_hand_over}


# --------------------------------------------------------------------------- the officer's unit filter

ALL_WORK_ARG, ALL_WORK, UNASSIGNED = "afdelingen", "alle", "geen"


@dataclass
class UnitScope:
    """The unit filter of the officer's lists: their units' work (and work of no unit) unless they ask for
    the whole organisation with ?afdelingen=alle. A user in no unit sees everything, as before units.
    ?afdelingen=geen: only the work that belongs to no unit yet ("Nog niet toegewezen"), for anyone."""
    member_of: dict[int, str]
    all_work: bool
    unassigned: bool = False
    has_units: bool = False  # the organisations they see have units (else the filter says nothing)

    @property
    def unit_ids(self) -> set[int] | None:
        if self.unassigned:
            return set()  # unit_clause(set()): work of no unit only
        return rules.visible_unit_ids(set(self.member_of), self.all_work)

    @property
    def label(self) -> str:
        return ", ".join(self.member_of.values())

    def args(self) -> dict:
        if self.unassigned:
            return {ALL_WORK_ARG: UNASSIGNED}
        return {ALL_WORK_ARG: ALL_WORK} if self.all_work and self.member_of else {}


def unit_scope() -> UnitScope:
    from woo.services.documents import visible_organisations

    actor = g.principal.actor
    with context().unit_of_work() as s:
        member_of = orgsvc.units_of_user(s, actor.id if actor.kind == "user" else None)
        any_units = bool(member_of) or orgsvc.has_units(s, visible_organisations(g.principal))
    choice = request.args.get(ALL_WORK_ARG)
    return UnitScope(member_of, choice == ALL_WORK, unassigned=choice == UNASSIGNED and any_units,
                     has_units=any_units)
