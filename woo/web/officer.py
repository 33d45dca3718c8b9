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
from woo.web.auth import document_for, login_required, may, require
from woo.web.downloads import send_stored_file

bp = Blueprint("officer", __name__)

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
    return redirect(url_for("officer.documents"))


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
    page_no = request.args.get("pagina", 1, type=int) or 1
    with context().unit_of_work() as s:
        page = docsvc.list_documents(s, g.principal, flt, page_no)
        from woo.domain import tooi
        return render_template("documents.html", page=page, flt=flt, statuses=lifecycle.LABELS_NL,
                               categories=tooi.woo_categories(), formats=FORMAT_KINDS,
                               job_labels=jobsvc.LABELS_NL)


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
    return render_template("upload.html", organisations=orgs,
                           max_mb=context().settings.max_upload_bytes // (1024 * 1024))


@bp.route("/documenten/upload", methods=["POST"])
@login_required
def upload():
    """One file per request (the page sends them in parallel and shows progress per file)."""
    org_id = request.form.get("organisation_id", type=int)
    require("document.ingest", org_id)
    files = request.files.getlist("file")
    if not files:
        return jsonify({"status": "rejected", "reason": "Geen bestand ontvangen."}), 400
    results = []
    for f in files:
        result = ingestsvc.ingest(context(), g.principal.actor, org_id, f.filename or "", stream=f.stream,
                                  source="ui")
        results.append(result.as_dict())
    status = 200 if all(r["status"] != "rejected" for r in results) else 422
    return jsonify(results[0] if len(results) == 1 else {"results": results}), status


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
        from woo.services import privacy
        return render_template("detail.html", doc=doc, history=docsvc.history(s, doc.id),
                               findings=privacy.findings(s, doc.id), grounds=privacy.WOO_GROUNDS,
                               finding_types=privacy.TYPE_LABELS_NL,
                               privacy_blockers=privacy.blockers(s, doc),
                               text_preview=text_preview, statuses=lifecycle.LABELS_NL,
                               job_labels=jobsvc.LABELS_NL, job_kinds=jobsvc.KIND_LABELS_NL,
                               job_running_for=jobsvc.running_for,
                               category=tooi.category_by_uri(doc.category) if doc.category else None,
                               can_retry=may("job.retry", doc.organisation_id),
                               can_publish=may("document.publish", doc.organisation_id),
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
        else:
            ids = [int(i) for i in request.form.getlist("finding") if i.isdigit()]
            if not ids:
                raise privacy.PrivacyError("Selecteer minstens één bevinding.")
            privacy.decide(context(), g.principal.actor, document_id, ids, request.form.get("decision", ""),
                           ground=request.form.get("ground") or None, reason=request.form.get("reason"))
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
    result = publication.publish(context(), g.principal.actor, [document_id])
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
            publication.correct(context(), g.principal.actor, document_id, local, upload.filename,
                                request.form.get("reden", ""))
            flash("De correctie is gepubliceerd.", "info")
        except publication.PublicationError as exc:
            flash(str(exc), "error")
    return redirect(url_for("officer.detail", document_id=document_id))
