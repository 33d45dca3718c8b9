"""The records officer's UI (Dutch): document list, upload, detail with files, jobs and history."""
from __future__ import annotations

from datetime import date

from flask import (Blueprint, abort, flash, g, jsonify, redirect, render_template, request,
                   url_for)
from sqlalchemy import select

from woo.adapters.models import Job, Organisation
from woo.app import context
from woo.domain import lifecycle
from woo.services import audit
from woo.services import documents as docsvc
from woo.services import ingest as ingestsvc
from woo.services import jobs as jobsvc
from woo.services import organisations as orgsvc
from woo.web.auth import document_for, login_required, may, may_on, require
from woo.web.downloads import send_stored_file
from woo.web.params import DB_INT_MAX, PAGE_MAX, int_arg

bp = Blueprint("officer", __name__)

# Files larger than this are sent in chunks of this size that resume after a dropped connection.
UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024
FORMAT_KINDS = ["pdf", "docx", "doc", "odt", "xlsx", "ods", "pptx", "odp", "txt", "csv", "html", "xml",
                "eml", "msg", "jpeg", "png", "tiff"]


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def upload_organisations(session) -> list[Organisation]:
    """Organisations this user may upload for (installation-wide roles: all of them)."""
    orgs = session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    return [o for o in orgs if may("document.ingest", o.id)]


@bp.route("/")
def index():
    return redirect(url_for("work.mine"))


@bp.route("/documenten")
@login_required
def documents():
    require_any_read()
    flt = docsvc.DocumentFilter(status=request.args.get("status") or None,
                                category=request.args.get("categorie") or None,
                                format_kind=request.args.get("formaat") or None,
                                date_from=_parse_date(request.args.get("van")),
                                date_to=_parse_date(request.args.get("tot")),
                                q=(request.args.get("q") or "").strip() or None)
    dashboard_filters(flt)
    page_no = int_arg("pagina", 1, minimum=1, maximum=PAGE_MAX)
    from woo.domain import worklist
    from woo.services import worklist as wlsvc

    from woo.web.organisations import unit_scope

    work = request.args.get("werk") or None
    work = work if work in worklist.WORKLISTS else None
    units = unit_scope()  # their units' work by default (issue 14)
    flt.unit_ids = units.unit_ids
    with context().unit_of_work() as s:
        if work:
            flt.document_ids = wlsvc.on_list(s, docsvc.visible_organisations(g.principal), work, flt.unit_ids)
        page = docsvc.list_documents(s, g.principal, flt, page_no)
        from woo.domain import tooi
        assessed = wlsvc.assess_documents(s, page.items)
        bulk = BULK.get(work)  # (endpoint, action, button) on the lists a bulk action works off
        choosable = {d.id for d in page.items if bulk and work in assessed[d.id].lists
                     and may_on(s, bulk[1], d.organisation_id, d.unit_id)}
        return render_template("documents.html", page=page, flt=flt, statuses=lifecycle.LABELS_NL,
                               categories=tooi.woo_categories(), formats=FORMAT_KINDS,
                               job_labels=jobsvc.LABELS_NL, job_kinds=jobsvc.KIND_LABELS_NL, work=work,
                               worklists=worklist.WORKLISTS, dashboard_args=DASHBOARD_ARGS,
                               assessed=assessed, units=units, bulk=bulk if choosable else None,
                               choosable=choosable,
                               unit_names=orgsvc.unit_names(s, (d.unit_id for d in page.items)))


DASHBOARD_ARGS = ("organisatie", "gepubliceerd", "ingetrokken", "reden", "lakgrond")
# work list -> (endpoint, permission, button text) of its bulk action (woo.services.bulk)
BULK = {"klaar": ("officer.bulk_publish", "document.publish", "Geselecteerde documenten publiceren"),
        "beoordelen": ("officer.bulk_accept", "document.review", "Voorgestelde categorie van de geselecteerde "
                                                                  "documenten vaststellen")}


def _bulk(action: str, run, done_nl: str):
    """A bulk action from a work list: 403 without the right anywhere; the report (done, and each refused
    document with its reason) as messages; back to the same list with its filters."""
    from woo.services import bulk as bulksvc
    from woo.web.workbench import can_any

    if not can_any(action):
        abort(403, description="U heeft geen rechten voor deze handeling.")
    try:
        result = run(context(), g.principal, request.form.getlist("document_id"))
    except bulksvc.BulkError as exc:
        flash(str(exc), "error")
    else:
        if result.done:
            n = len(result.done)
            flash(f"{n} document{'' if n == 1 else 'en'} {done_nl}.", "ok")
        if result.refused:
            n = len(result.refused)
            flash(f"{n} document{'' if n == 1 else 'en'} niet {done_nl}:", "error")
            for doc_id, reasons in result.refused.items():
                flash(f"{result.titles.get(doc_id, doc_id)}: {' '.join(reasons)}", "error")
    back = {k: v for k, v in ((k, request.form.get(k)) for k in ("werk", "afdelingen", "q", "status")) if v}
    return redirect(url_for("officer.documents", **back))


@bp.route("/documenten/bulk/publiceren", methods=["POST"])
@login_required
def bulk_publish():
    from woo.services import bulk as bulksvc

    return _bulk("document.publish", bulksvc.publish, "gepubliceerd")


@bp.route("/documenten/bulk/vaststellen", methods=["POST"])
@login_required
def bulk_accept():
    from woo.services import bulk as bulksvc

    return _bulk("document.review", bulksvc.accept, "vastgesteld")


def dashboard_filters(flt) -> None:
    """The filters the compliance dashboard links with (organisation, publication and withdrawal year,
    withdrawal reason, redaction ground); a value that cannot mean anything is a 400, not an empty list."""
    args = request.args
    code = (args.get("organisatie") or "").strip()
    if code:
        with context().unit_of_work() as s:
            org = s.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
        if org is None:
            abort(400, description=f"Onbekende organisatie ‘{code[:40]}’.")
        flt.organisation_id = org.id
    published = (args.get("gepubliceerd") or "").strip()
    if published:
        flt.published_in = "ja" if published == "ja" else int_arg("gepubliceerd", minimum=2000, maximum=2100)
    flt.withdrawn_in = int_arg("ingetrokken", minimum=2000, maximum=2100)
    flt.withdraw_reason = (args.get("reden") or "").strip()[:200] or None
    if "lakgrond" in args:
        flt.redaction_ground = (args.get("lakgrond") or "").strip()[:20]


def require_any_read() -> None:
    if not (g.principal.roles_for(None) or any(g.principal.roles.values())):
        abort(403, description="U heeft geen rechten voor deze handeling.")


@bp.route("/documenten/nieuw")
@login_required
def upload_page():
    with context().unit_of_work() as s:
        orgs = upload_organisations(s)
        if not orgs:
            abort(403, description="U mag geen documenten opnemen.")
        # per organisation: the units the uploader may choose and the default (issue 14)
        units = [(o, *orgsvc.upload_units(s, g.principal, o.id)) for o in orgs]
        return render_template("upload.html", organisations=orgs, chunk_bytes=UPLOAD_CHUNK_BYTES,
                               units=[u for u in units if u[1]], no_unit=orgsvc.NO_UNIT,
                               max_mb=context().settings.max_upload_bytes // (1024 * 1024))


def _unit_choice(org_id: int):
    """The upload form's unit field (woo.services.organisations.unit_choice); 400/403/422 with the reason."""
    try:
        with context().unit_of_work() as s:
            return orgsvc.unit_choice(s, g.principal, org_id, request.form.get("unit_id"))
    except orgsvc.UnitChoiceError as exc:
        abort(exc.status, description=str(exc))


@bp.route("/documenten/upload", methods=["POST"])
@login_required
def upload():
    """One file per request (the page sends them in parallel and shows progress per file)."""
    org_id = int_arg("organisation_id", minimum=1, maximum=DB_INT_MAX, source=request.form)
    require("document.ingest", org_id)
    unit = _unit_choice(org_id)
    files = request.files.getlist("file")
    if not files or not any(f.filename for f in files):
        if not _wants_json():
            flash("Kies eerst een bestand.", "error")
            return redirect(url_for("officer.upload_page"))
        return jsonify({"status": "rejected", "reason": "Geen bestand ontvangen."}), 400
    results = []
    for f in files:
        result = ingestsvc.ingest(context(), g.principal.actor, org_id, f.filename or "", stream=f.stream,
                                  source="ui", unit=unit)
        results.append(result.as_dict())
    status = 200 if all(r["status"] != "rejected" for r in results) else 422
    if not _wants_json():  # the form without JavaScript: say what happened and show the document
        for r in results:
            if r["status"] == "rejected":
                flash(f"{r.get('filename') or 'Bestand'} geweigerd: {r.get('reason')}", "error")
            else:
                flash(f"{r.get('filename') or 'Bestand'} opgenomen; de verwerking loopt.", "ok")
        done = [r for r in results if r.get("document_id")]
        if len(done) == 1:
            return redirect(url_for("officer.detail", document_id=done[0]["document_id"]))
        return redirect(url_for("officer.documents") if done else url_for("officer.upload_page"))
    return jsonify(results[0] if len(results) == 1 else {"results": results}), status


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or request.accept_mimetypes.best == "application/json"


@bp.route("/documenten/<document_id>/voortgang")
@login_required
def progress(document_id: str):
    """The document's processing steps as JSON, polled by static/progress.js (the page works without it)."""
    from woo.services import worklist as wlsvc

    with context().unit_of_work() as s:
        doc = document_for(s, document_id, "document.read")
        body = wlsvc.progress(s, doc)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/documenten/<document_id>")
@login_required
def detail(document_id: str):
    with context().unit_of_work() as s:
        doc = document_for(s, document_id, "document.read")
        audit.record_access(s, g.principal.actor.label, doc, "viewed")
        text_preview = None
        text_file = doc.file("text")
        if text_file is not None:
            text_preview = context().store.get_bytes(text_file.object_key, text_file.version_id)[:8000] \
                .decode("utf-8", "replace")
        from woo.domain import tooi
        from woo.privacy.grounds import default_ground
        from woo.services import correction, privacy, publication
        from woo.services import worklist as wlsvc
        from woo.web.labels import READ_ACTIONS

        assessment = wlsvc.assess_document(s, doc)
        history = docsvc.history(s, doc.id)
        suggested_title = next((x.get("value") for x in (doc.metadata_ or {}).get("suggested") or []
                                if x.get("field") == "title"), None)
        # a date below the sure threshold is still the best proposal to prefill; the officer confirms it
        dated = sorted((x for x in (doc.metadata_ or {}).get("suggested") or []
                        if str(x.get("field", "")).startswith("date.")),
                       key=lambda x: (x.get("field") == "date.creatie", -(x.get("confidence") or 0)))
        suggested_date = dated[0].get("value") if dated else None
        return render_template("detail.html", doc=doc, history=[e for e in history if e.action not in READ_ACTIONS],
                               reads=[e for e in history if e.action in READ_ACTIONS],
                               assessment=assessment, suggested_title=suggested_title,
                               suggested_date=suggested_date, handelingen=publication.HANDELINGEN,
                               may=lambda action: may_on(s, action, doc.organisation_id, doc.unit_id),
                               findings=privacy.findings(s, doc.id), grounds=privacy.WOO_GROUNDS,
                               finding_types=privacy.TYPE_LABELS_NL, default_ground=default_ground,
                               privacy_blockers=assessment.privacy_blockers,
                               can_review=may_on(s, "document.review", doc.organisation_id, doc.unit_id),
                               can_retention=may("retention.manage", doc.organisation_id),
                               correction_pending=correction.pending(doc),
                               correction_blockers=correction.blockers(s, doc),
                               text_preview=text_preview, statuses=lifecycle.LABELS_NL,
                               job_labels=jobsvc.LABELS_NL, job_kinds=jobsvc.KIND_LABELS_NL,
                               job_running_for=jobsvc.running_for,
                               category=tooi.category_by_uri(doc.category) if doc.category else None,
                               can_retry=may("job.retry", doc.organisation_id),
                               can_publish=may_on(s, "document.publish", doc.organisation_id, doc.unit_id),
                               other_unit=orgsvc.unit_refusal(s, g.principal, "document.edit",
                                                              doc.organisation_id, doc.unit_id),
                               withdraw_reasons=tooi.redenen_verwijdering())


@bp.route("/documenten/<document_id>/bestand/<role>")
@login_required
def download(document_id: str, role: str):
    with context().unit_of_work() as s:
        doc = docsvc.get_document(s, g.principal, document_id)
        if doc is None or doc.file(role) is None:
            abort(404, description="Bestand niet gevonden.")
        require("document.read", doc.organisation_id)
        stored = doc.file(role)
        audit.record_access(s, g.principal.actor.label, doc, "downloaded", role=role, sha256=stored.sha256)
    return send_stored_file(context().store, stored, inline=request.args.get("inline") == "1")


@bp.route("/documenten/<document_id>/privacy", methods=["POST"])
@login_required
def privacy_decision(document_id: str):
    from woo.services import privacy

    with context().unit_of_work() as s:
        document_for(s, document_id, "document.review")
    try:
        if request.form.get("decision") == "override":
            privacy.override_failed_scan(context(), g.principal.actor, document_id, request.form.get("reason", ""))
        elif request.form.get("decision") == "allow_officials":
            privacy.allow_officials(context(), g.principal.actor, document_id)
        else:
            ids = [int(i) for i in request.form.getlist("finding") if i.isdigit() and len(i) <= 9]
            if not ids:
                raise privacy.PrivacyError("Selecteer minstens één bevinding.")
            grounds = {i: request.form.get(f"ground-{i}") for i in ids}  # each finding's own ground
            decision = request.form.get("decision", "")
            privacy.decide(context(), g.principal.actor, document_id, ids, decision,
                           ground=request.form.get("ground") or None, reason=request.form.get("reason"),
                           grounds=grounds)
            what = "gelakt" if decision == privacy.REDACT else "openbaar gemaakt"
            flash(f"Beslissing vastgelegd: {len(ids)} bevinding{'' if len(ids) == 1 else 'en'} {what}. "
                  "U kunt dit tot de publicatie wijzigen.", "info")
            return redirect(url_for("officer.detail", document_id=document_id) + "#privacy")
        flash("Beslissing vastgelegd.", "info")
    except privacy.PrivacyError as exc:
        flash(str(exc), "error")
    return redirect(url_for("officer.detail", document_id=document_id) + "#privacy")


@bp.route("/taken/<int:job_id>/opnieuw", methods=["POST"])
@login_required
def retry_job(job_id: int):
    with context().unit_of_work() as s:
        job = s.get(Job, job_id)
        if job is None or docsvc.get_document(s, g.principal, job.document_id) is None:
            abort(404, description="Taak niet gevonden.")
        require("job.retry", job.document.organisation_id)
        document_id = job.document_id
    try:
        jobsvc.retry(context(), g.principal.actor, job_id)
        flash("De taak is opnieuw in de wachtrij gezet.", "info")
    except ValueError as exc:
        flash(str(exc), "error")
    return redirect(url_for("officer.detail", document_id=document_id))


@bp.route("/documenten/<document_id>/publiceren", methods=["POST"])
@login_required
def publish(document_id: str):
    from woo.services import publication

    with context().unit_of_work() as s:
        document_for(s, document_id, "document.publish")
    try:
        fields = publication.publish_fields(request.form.get("title"), request.form.get("date"),
                                            request.form.get("handeling"), request.form.get("language"))
    except publication.PublicationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("officer.detail", document_id=document_id))
    result = publication.publish(context(), g.principal.actor, [document_id], metadata={document_id: fields})
    if result.refused:
        flash("Niet gepubliceerd: " + " ".join(result.refused[document_id]), "error")
    else:
        flash("Het document is gepubliceerd.", "info")
    return redirect(url_for("officer.detail", document_id=document_id))


@bp.route("/documenten/<document_id>/intrekken", methods=["POST"])
@login_required
def withdraw(document_id: str):
    from woo.services import publication

    with context().unit_of_work() as s:
        document_for(s, document_id, "document.publish")
    if request.form.get("bevestig") != "1":
        flash("Bevestig dat u het document wilt intrekken: het verdwijnt dan van de openbare site.", "error")
        return redirect(url_for("officer.detail", document_id=document_id) + "#publicatie-kop")
    try:
        publication.withdraw(context(), g.principal.actor, [document_id], request.form.get("reden", ""))
        flash("Het document is ingetrokken.", "info")
    except publication.PublicationError as exc:
        flash(str(exc), "error")
    return redirect(url_for("officer.detail", document_id=document_id))


@bp.route("/documenten/<document_id>/corrigeren", methods=["POST"])
@login_required
def correct(document_id: str):
    """Replace the public file of a published document (same URL, later lastmod)."""
    import tempfile
    from pathlib import Path

    from woo.services import publication

    with context().unit_of_work() as s:
        document_for(s, document_id, "document.publish")
    upload = request.files.get("bestand")
    if upload is None or not upload.filename:
        flash("Kies het gecorrigeerde bestand.", "error")
        return redirect(url_for("officer.detail", document_id=document_id))
    with tempfile.TemporaryDirectory(prefix="woo-correct-") as tmp:
        local = Path(tmp) / "upload"
        upload.save(local)
        try:
            result = publication.correct(context(), g.principal.actor, document_id, local, upload.filename,
                                         request.form.get("reden", ""))
            flash("De correctie is gepubliceerd." if result.published else
                  "De correctie is ontvangen en wordt gecontroleerd (tekst, persoonsgegevens, verborgen inhoud); "
                  "het huidige bestand blijft openbaar tot de correctie is vrijgegeven.", "info")
        except publication.PublicationError as exc:
            flash(str(exc), "error")
    return redirect(url_for("officer.detail", document_id=document_id))


# Resumable upload of large files (woo.services.uploads): create, ask the offset, append a chunk at it.
@bp.route("/documenten/upload/sessies", methods=["POST"])
@login_required
def upload_start():
    from woo.services import uploads

    org_id = int_arg("organisation_id", minimum=1, maximum=DB_INT_MAX, source=request.form)
    require("document.ingest", org_id)
    size = int_arg("size", 0, minimum=0, maximum=2**62, source=request.form)
    unit = _unit_choice(org_id)
    try:
        s = uploads.start(context(), g.principal.actor, org_id, request.form.get("filename", ""), size, unit)
    except uploads.UploadError as exc:
        return jsonify({"status": "rejected", "reason": str(exc)}), exc.status
    return jsonify({"id": s.id, "offset": 0, "size": s.size,
                    "url": url_for("officer.upload_chunk", upload_id=s.id)}), 201


@bp.route("/documenten/upload/sessies/<upload_id>", methods=["GET", "PATCH", "DELETE"])
@login_required
def upload_chunk(upload_id: str):
    from woo.services import uploads

    from woo.web.workbench import can_any

    if not can_any("document.ingest"):
        abort(403, description="U mag geen documenten opnemen.")
    actor = g.principal.actor
    try:
        if request.method == "GET":
            s, offset = uploads.get(context(), actor, upload_id)
            response = jsonify({"id": s.id, "offset": offset, "size": s.size})
            response.headers["Cache-Control"] = "no-store"
            return response
        s, _ = uploads.get(context(), actor, upload_id)
        require("document.ingest", s.organisation_id)  # roles can change between chunks
        if request.method == "DELETE":
            uploads.cancel(context(), actor, upload_id)
            return jsonify({"status": "cancelled"})
        raw = request.headers.get("Upload-Offset", "")
        if not raw.isdigit() or len(raw) > 18:
            return jsonify({"status": "rejected", "reason": "Upload-Offset ontbreekt of is geen getal."}), 400
        offset, result = uploads.append(context(), actor, upload_id, int(raw), request.stream)
    except uploads.UploadError as exc:
        body = {"status": "rejected", "reason": str(exc)}
        if exc.offset is not None:
            body["offset"] = exc.offset
        return jsonify(body), exc.status
    if result is None:
        return jsonify({"id": upload_id, "offset": offset, "status": "partial"})
    body = result.as_dict()
    body["offset"] = offset
    return jsonify(body), 200 if result.status != "rejected" else 422
