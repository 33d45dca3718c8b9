"""The review queue: confirm or correct suggested categories, lowest confidence first, by keyboard."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from woo.app import context
from woo.domain import tooi
from woo.services import classification
from woo.services import documents as docsvc
from woo.web.auth import document_for, login_required, may_on

bp = Blueprint("review", __name__)


@bp.route("/beoordelen")
@login_required
def queue():
    with context().unit_of_work() as s:
        # only what they may decide: their roles, and their units (another unit's work is not offered)
        docs = [d for d in classification.review_queue(s, docsvc.visible_organisations(g.principal))
                if may_on(s, "document.review", d.organisation_id, d.unit_id)]
        return render_template("review.html", docs=docs, categories=tooi.woo_categories(),
                               category=tooi.category_by_uri)


@bp.route("/beoordelen/<document_id>", methods=["POST"])
@login_required
def decide(document_id: str):
    with context().unit_of_work() as s:
        document_for(s, document_id, "document.review")
    category = request.form.get("category")
    try:
        if category:
            classification.set_category(context(), g.principal.actor, document_id, category)
        else:
            classification.accept(context(), g.principal.actor, [document_id])
    except classification.ReviewError as exc:
        flash(str(exc), "error")
    else:
        flash("Categorie vastgesteld.", "info")
    return redirect(url_for("review.queue"))
