"""Dossiers on the web: the public landing page with its inventarislijst (CSV/XLSX), the requester's secret
link, and a minimal officer UI (create, add documents, judge, publish, withdraw). All through
woo.services.dossiers, the same functions the API and the CLI call."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from sqlalchemy import select

from woo.adapters.models import Document, Dossier, Organisation
from woo.app import context
from woo.domain import dossiers as rules
from woo.domain import tooi
from woo.domain.lifecycle import Status as DocStatus
from woo.publish import inventarislijst
from woo.publish.records import as_utc, file_url
from woo.services import dossiers as svc
from woo.services import organisations as orgsvc
from woo.services import sources as sourcesvc
from woo.services.context import Actor
from woo.web.auth import login_required, may, require

public_bp = Blueprint("dossierpages", __name__)
bp = Blueprint("dossiers", __name__)


# --------------------------------------------------------------------------- shared view data

def dossier_view(session, d: Dossier, base_url: str, public: bool = True) -> dict:
    """What the landing page shows; file links only for documents that are published (or, for the requester's
    view, publishable)."""
    rows = []
    for item in svc.items(session, d.id):
        j = rules.parse_judgement(item.judgement) if item.judgement else None
        doc = item.document
        link = None
        if j in rules.PUBLISHED_AS_FILE and (doc.status == DocStatus.PUBLISHED or not public):
            link = file_url(base_url, doc.id)
        rows.append({"id": doc.id, "title": doc.title, "role": rules.ROLE_LABELS_NL[rules.Role(item.role)],
                     "role_key": item.role, "number": item.number or "",
                     "judgement": rules.JUDGEMENT_LABELS_NL.get(j, "Nog niet beoordeeld") if j else "Nog niet beoordeeld",
                     "judgement_key": j.value if j else "", "grounds": rules.grounds_text(item.grounds),
                     "ground_keys": list(item.grounds or []), "remark": item.remark or "",
                     "public_link": item.public_link if j == rules.Judgement.REEDS_OPENBAAR else None,
                     "link": link, "date": doc.document_date, "status": doc.status})
    term = rules.decision_term(d.received_date, d.decision_date, d.extended, d.suspension_days) \
        if d.kind == rules.Kind.WOO_BESLUIT else None
    decision = rules.parse_judgement(d.decision) if d.decision else None
    return {"d": d, "rows": rows, "term": term, "category": tooi.category_by_uri(d.category),
            "kind": rules.KIND_LABELS_NL[rules.Kind(d.kind)], "status": rules.STATUS_LABELS_NL[rules.Status(d.status)],
            "decision": rules.JUDGEMENT_LABELS_NL[decision] if decision else None,
            "besluit": next((r for r in rows if r["role_key"] == "besluit"), None),
            "inventaris": next((r for r in rows if r["role_key"] == "inventarislijst"), None),
            "documents": [r for r in rows if r["role_key"] not in ("besluit", "inventarislijst")],
            "published": as_utc(d.published_at)}


# --------------------------------------------------------------------------- public

def _site():
    from woo.web.public import current_site

    return current_site()


def _public_dossier(session, dossier_id: str) -> tuple[Dossier, object]:
    site = _site()
    d = session.get(Dossier, dossier_id)
    if d is None or d.published_at is None or d.organisation_id not in site.organisation_ids:
        abort(404, description="Dit dossier is niet gepubliceerd.")
    if d.status != rules.Status.OPENBAAR:
        abort(410, description="Dit dossier is ingetrokken en niet langer openbaar.")
    return d, site


@public_bp.route("/dossiers/<dossier_id>")
def page(dossier_id: str):
    with context().unit_of_work() as s:
        d, site = _public_dossier(s, dossier_id)
        view = dossier_view(s, d, site.base_url)
        return render_template("dossiers/public.html", **view, requester=False)


def _inventory(dossier_id: str, fmt: str) -> Response:
    with context().unit_of_work() as s:  # the rows are read page by page while the file is written
        d, site = _public_dossier(s, dossier_id)
        rows = svc.iter_inventory_rows(s, d, site.base_url)
        data = inventarislijst.build_csv(rows) if fmt == "csv" else inventarislijst.build_xlsx(rows)
    if fmt == "csv":
        return Response(data, mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="inventarislijst.csv"'})
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="inventarislijst.xlsx"'})


@public_bp.route("/dossiers/<dossier_id>/inventarislijst.csv")
def inventory_csv(dossier_id: str):
    return _inventory(dossier_id, "csv")


@public_bp.route("/dossiers/<dossier_id>/inventarislijst.xlsx")
def inventory_xlsx(dossier_id: str):
    return _inventory(dossier_id, "xlsx")


@public_bp.route("/dossiers/<dossier_id>/verzoeker/<token>")
def requester(dossier_id: str, token: str):
    """Online voor verzoeker: only whoever holds the secret link sees the dossier, until it expires."""
    with context().unit_of_work() as s:
        d = svc.requester_dossier(s, dossier_id, token)
        if d is None:
            abort(404, description="Deze link is onbekend of verlopen.")
        view = dossier_view(s, d, _site().base_url, public=False)
        for r in view["rows"]:
            if r["link"]:
                r["link"] = url_for("dossierpages.requester_file", dossier_id=d.id, token=token, document_id=r["id"])
        resp = Response(render_template("dossiers/public.html", **view, requester=True))
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


@public_bp.route("/dossiers/<dossier_id>/verzoeker/<token>/<document_id>")
def requester_file(dossier_id: str, token: str, document_id: str):
    from woo.services.dossiers import items
    from woo.services.publication import public_file
    from woo.web.downloads import send_stored_file

    with context().unit_of_work() as s:
        d = svc.requester_dossier(s, dossier_id, token)
        if d is None:
            abort(404, description="Deze link is onbekend of verlopen.")
        item = next((i for i in items(s, d.id) if i.document_id == document_id), None)
        if item is None or rules.parse_judgement(item.judgement) not in rules.PUBLISHED_AS_FILE:
            abort(404, description="Bestand niet gevonden.")
        stored = public_file(item.document)
        if stored is None or (stored.role == "original" and item.document.file("redacted") is None
                              and item.document.format_kind == "pdf"):
            abort(404, description="Bestand niet gevonden.")
        s.expunge(stored)
    resp = send_stored_file(context().store, stored, inline=True)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def search_dossiers(session, organisation_ids, q: str, limit: int = 10, kind: str | None = None,
                    topic: str | None = None) -> tuple[list[dict], dict]:
    """Published dossiers whose title, summary, reference or onderwerpen match ``q`` (public search), and the
    facets per dossier kind and onderwerp (woo.services.dossiers.public_dossiers)."""
    result = svc.public_dossiers(session, organisation_ids, q, kind=kind, topic=topic, limit=limit)
    out = [{"id": d.id, "title": d.title, "kind": rules.KIND_LABELS_NL[rules.Kind(d.kind)],
            "published": as_utc(d.published_at), "topics": d.topics or []} for d in result.dossiers]
    facets = {"soort": [(k, rules.KIND_LABELS_NL[rules.Kind(k)], n) for k, n in result.facets["soort"]],
              "onderwerp": [(t, t, n) for t, n in result.facets["onderwerp"]]}
    return out, facets


# --------------------------------------------------------------------------- officer UI

def _actor() -> Actor:
    return g.principal.actor


def _own(s, dossier_id: str, action: str) -> Dossier:
    d = s.get(Dossier, dossier_id)
    if d is None or not may("document.read", d.organisation_id):
        abort(404, description="Dossier niet gevonden.")
    require(action, d.organisation_id)  # units: the dossier services (UnitRefused)
    return d


@bp.route("/dossiers")
@login_required
def index():
    return _index()


def _index(create_form=None, create_error: str | None = None, code: int = 200):
    """The dossier list; after a refused "Nieuw dossier" with the officer's input kept and the Dutch reason."""
    with context().unit_of_work() as s:
        from woo.services.documents import visible_organisations

        orgs = [o for o in s.execute(select(Organisation).order_by(Organisation.name)).scalars()
                if may("document.ingest", o.id)]
        visible = visible_organisations(g.principal)
        kind, term, year, org_ids = _dashboard_filter(s, visible)
        ids = None
        if term:
            from woo.adapters.models import utcnow
            from woo.services import dashboard

            scope = org_ids if org_ids is not None else [o.id for o in dashboard.organisations_for(s, visible)]
            ids = dashboard.besluit_ids_in_state(s, scope, year, term, utcnow().date())
        from woo.web.organisations import unit_scope

        units = unit_scope()  # their units' dossiers by default (issue 14)
        items = svc.list_dossiers(s, set(org_ids) if org_ids is not None else visible, kind=kind, ids=ids,
                                  limit=200 if ids is None else max(len(ids), 1),
                                  unit_ids=None if ids is not None else units.unit_ids)
        return render_template("dossiers/index.html", dossiers=items, orgs=orgs, kinds=rules.KIND_LABELS_NL,
                               statuses=rules.STATUS_LABELS_NL, categories=tooi.woo_categories(),
                               term_label=_term_label(term), year=year, units=units if ids is None else None,
                               unit_names=orgsvc.unit_names(s, (d.unit_id for d in items)),
                               cf=create_form or {}, create_error=create_error), code


def _term_label(term: str | None) -> str | None:
    from woo.domain import dashboard as figures

    return figures.TERM_LABELS_NL.get(term) if term else None


def _dashboard_filter(s, visible):
    """soort / termijn / jaar / organisatie: the Woo-besluiten behind a dashboard figure."""
    from woo.domain import dashboard as figures
    from woo.web.params import int_arg

    kind = (request.args.get("soort") or "").strip() or None
    if kind and kind not in {k.value for k in rules.Kind}:
        abort(400, description=f"Onbekend soort dossier ‘{kind[:40]}’.")
    term = (request.args.get("termijn") or "").strip() or None
    if term and term not in figures.TERM_LABELS_NL:
        abort(400, description=f"Onbekende termijn ‘{term[:40]}’.")
    year = int_arg("jaar", minimum=2000, maximum=2100)
    code = (request.args.get("organisatie") or "").strip()
    org_ids = None
    if code:
        org = s.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
        if org is None or (visible is not None and org.id not in visible):
            abort(400, description=f"Onbekende organisatie ‘{code[:40]}’.")
        org_ids = [org.id]
    return kind, term, year, org_ids


@bp.route("/dossiers", methods=["POST"])
@login_required
def create():
    f = request.form
    org_id = f.get("organisation_id", type=int)
    require("document.ingest", org_id)
    values = {k: f.get(k) for k in ("title", "kind", "category", "reference", "summary", "received_date",
                                    "decision_date", "decision") if f.get(k)}
    values["extended"] = bool(f.get("extended"))
    values["suspension_days"] = f.get("suspension_days") or 0
    values["topics"] = [t for t in (f.get("topics") or "").split(",") if t.strip()]
    try:
        dossier_id = svc.create(context(), _actor(), org_id, values)
    except rules.DossierError as exc:  # shown on the form, the officer's input kept
        return _index(create_form=f, create_error=str(exc), code=422)
    flash("Dossier aangemaakt.", "ok")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))


@bp.route("/dossiers/<dossier_id>/beheer")
@login_required
def detail(dossier_id: str):
    return _detail(dossier_id)


def _detail(dossier_id: str, judge_form=None, judge_error: str | None = None, code: int = 200):
    """The dossier page; after a refused judgement with the officer's input kept and the Dutch reason."""
    ctx = context()
    with ctx.unit_of_work() as s:
        d = _own(s, dossier_id, "document.read")
        view = dossier_view(s, d, ctx.settings.base_url, public=False)
        late = d.status == rules.Status.OPENBAAR
        found = svc.late_state(s, d.id) if late else svc.blockers(s, d.id)
        from woo.domain.grounds import WOO_GROUNDS
        # another unit's dossier: shown, but its forms are not offered (they would answer 403)
        other_unit = orgsvc.unit_refusal(s, g.principal, "document.edit", d.organisation_id, d.unit_id)
        return render_template("dossiers/detail.html", **view, blockers=found, grounds=WOO_GROUNDS,
                               judgements=rules.JUDGEMENT_LABELS_NL, roles=rules.ROLE_LABELS_NL,
                               editable=rules.is_editable(d.status) and not other_unit, late=late,
                               accepts=rules.accepts_documents(d.status) and not other_unit,
                               other_unit=other_unit, reasons=tooi.redenen_verwijdering(),
                               motions=sourcesvc.motions_of(s, d.id) if d.kind == "vergadering" else [],
                               judge_form=judge_form, judge_error=judge_error), code


def _act(dossier_id: str, action: str, fn, ok: str):
    with context().unit_of_work() as s:
        _own(s, dossier_id, action)
    try:
        message = fn()
        flash(message or ok, "ok")
    except rules.DossierError as exc:
        flash(str(exc), "error")
    except ValueError as exc:  # PublicationError and the like: Dutch already
        flash(str(exc), "error")
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))


@bp.route("/dossiers/<dossier_id>/documenten", methods=["POST"])
@login_required
def add_document(dossier_id: str):
    upload = request.files.get("file")
    role = request.form.get("role") or "document"

    def run():
        if upload is None or not upload.filename:
            raise rules.DossierError("Kies een bestand.")
        with tempfile.TemporaryDirectory(prefix="woo-dossier-") as tmp:
            path = Path(tmp) / "upload"
            upload.save(path)
            svc.ingest_document(context(), _actor(), dossier_id, path, upload.filename, role=role,
                                title=(request.form.get("title") or "").strip() or None)
        return "Document toegevoegd."
    return _act(dossier_id, "document.ingest", run, "Document toegevoegd.")


@bp.route("/dossiers/<dossier_id>/beoordelen", methods=["POST"])
@login_required
def judge(dossier_id: str):
    f = request.form
    ids = f.getlist("document_id")

    def run():
        if not ids:
            raise rules.DossierError("Kies minstens één document.")
        grounds = f.getlist("grounds") or f.get("grounds_text") or None
        n = svc.judge_bulk(context(), _actor(), dossier_id, ids, f.get("judgement"), grounds, f.get("remark"),
                           f.get("public_link"))
        return f"{n} document(en) beoordeeld."
    with context().unit_of_work() as s:
        _own(s, dossier_id, "document.edit")
    try:
        flash(run(), "ok")
    except rules.DossierError as exc:  # shown on the form, the officer's choices and text kept
        return _detail(dossier_id, judge_form=f, judge_error=str(exc), code=422)
    return redirect(url_for("dossiers.detail", dossier_id=dossier_id))


@bp.route("/dossiers/<dossier_id>/status", methods=["POST"])
@login_required
def status(dossier_id: str):
    return _act(dossier_id, "document.edit",
                lambda: svc.set_status(context(), _actor(), dossier_id, request.form.get("status", "")),
                "Status gewijzigd.")


@bp.route("/dossiers/<dossier_id>/publiceren", methods=["POST"])
@login_required
def publish(dossier_id: str):
    def run():
        with context().unit_of_work() as s:
            late = svc.get(s, dossier_id).status == rules.Status.OPENBAAR
        result = svc.publish(context(), _actor(), dossier_id)
        if late:
            return (f"{len(result.published)} nagekomen document(en) gepubliceerd"
                    + (f"; {len(result.blockers.documents)} wachten nog." if result.blockers.documents else "."))
        if not result.ok:
            raise rules.DossierError("Niet gepubliceerd; eerst oplossen: " + "; ".join(
                result.blockers.dossier + [f"{len(result.blockers.documents)} document(en) geblokkeerd"]))
        return f"Dossier gepubliceerd ({len(result.published)} bestanden openbaar)."
    return _act(dossier_id, "document.publish", run, "Gepubliceerd.")


@bp.route("/dossiers/<dossier_id>/intrekken", methods=["POST"])
@login_required
def withdraw(dossier_id: str):
    return _act(dossier_id, "document.publish",
                lambda: f"Ingetrokken ({len(svc.withdraw(context(), _actor(), dossier_id, request.form.get('reason', '')))}"
                        " documenten).", "Ingetrokken.")


@bp.route("/dossiers/<dossier_id>/verzoeker", methods=["POST"])
@login_required
def open_requester(dossier_id: str):
    def run():
        token = svc.open_for_requester(context(), _actor(), dossier_id, request.form.get("days", 14, type=int))
        link = current_app.config.get("WOO_BASE_URL") or context().settings.base_url
        return ("Online voor verzoeker. Geef de verzoeker deze link (wordt maar één keer getoond): "
                f"{link.rstrip('/')}/dossiers/{dossier_id}/verzoeker/{token}")
    return _act(dossier_id, "document.publish", run, "Online voor verzoeker.")


@bp.route("/dossiers/import", methods=["POST"])
@login_required
def start_import():
    """Upload archive (ZIP or 7z), inventory and decision letter; the import runs as a background job."""
    from woo.services import dossier_import

    f = request.form
    org_id = f.get("organisation_id", type=int)
    require("document.ingest", org_id)
    archive, inventory, decision = (request.files.get(k) for k in ("archive", "inventory", "decision_letter"))
    if not archive or not archive.filename or not inventory or not inventory.filename:
        flash("Kies een archief (ZIP of 7z) met de documenten en de inventaris (XLSX of CSV).", "error")
        return redirect(url_for("dossiers.index"))
    values = {k: f.get(k) for k in ("title", "kind", "category", "reference", "summary", "received_date",
                                    "decision_date", "decision") if f.get(k)}
    with tempfile.TemporaryDirectory(prefix="woo-dossier-upload-") as tmp:
        paths = {}
        for name, upload in (("archive", archive), ("inventory", inventory), ("decision", decision)):
            if upload and upload.filename:
                paths[name] = Path(tmp) / name
                upload.save(paths[name])  # streamed to disk by werkzeug
        try:
            import_id = dossier_import.start_import(
                context(), _actor(), org_id, values, paths["archive"], paths["inventory"], inventory.filename,
                paths.get("decision"), decision.filename if decision and decision.filename else None)
        except rules.DossierError as exc:
            flash(str(exc), "error")
            return redirect(url_for("dossiers.index"))
    return redirect(url_for("dossiers.import_page", import_id=import_id))


def _import_status(import_id: str) -> dict:
    from woo.services import dossier_import

    with context().unit_of_work() as s:
        status = dossier_import.import_status(s, import_id)
    if status is None or not may("document.read", status["organisation_id"]):
        abort(404, description="Deze import bestaat niet.")
    return status


@bp.route("/dossiers/import/<import_id>")
@login_required
def import_page(import_id: str):
    """Server-rendered progress (counts done/total, problems); refreshes itself while the job runs."""
    status = _import_status(import_id)
    resp = Response(render_template("dossiers/import.html", s=status))
    if not status["finished"]:
        resp.headers["Refresh"] = "2"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/dossiers/import/<import_id>/status.json")
@login_required
def import_status_json(import_id: str):
    from flask import jsonify

    status = _import_status(import_id)
    status.pop("organisation_id", None)
    resp = jsonify(status)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/dossiers/onderwerpen")
@login_required
def topics():
    """The managed list of onderwerpen per organisation: add, rename, retire."""
    with context().unit_of_work() as s:
        orgs = [o for o in s.execute(select(Organisation).order_by(Organisation.name)).scalars()
                if may("document.ingest", o.id)]
        lists = [(o, svc.topic_rows(s, o.id)) for o in orgs]
        return render_template("dossiers/topics.html", lists=lists)


@bp.route("/dossiers/onderwerpen", methods=["POST"])
@login_required
def manage_topic():
    f = request.form
    org_id = f.get("organisation_id", type=int)
    require("document.ingest", org_id)
    op, name = f.get("op") or "add", (f.get("topic") or "").strip()
    try:
        if op == "add":
            flash(f"Onderwerp '{svc.add_topic(context(), _actor(), org_id, name)}' staat in de lijst.", "ok")
        elif op == "rename":
            n = svc.rename_topic(context(), _actor(), org_id, name, f.get("new_name") or "")
            flash(f"Onderwerp hernoemd; {n} dossier(s) aangepast.", "ok")
        elif op == "retire":
            svc.retire_topic(context(), _actor(), org_id, name)
            flash(f"Onderwerp '{name}' vervallen: het wordt niet meer aangeboden; dossiers houden het.", "ok")
        else:
            flash("Onbekende actie.", "error")
    except rules.DossierError as exc:
        flash(str(exc), "error")
    return redirect(url_for("dossiers.topics"))


def init_app(app) -> None:
    app.register_blueprint(public_bp)
    app.register_blueprint(bp)


__all__ = ["public_bp", "bp", "init_app", "dossier_view", "search_dossiers"]
