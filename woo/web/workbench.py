"""The start page per role ("Mijn werk": counts that link to filtered lists) and the audit log page.

Counts come from woo.services.worklist (the one decision of what a document still needs); a list is
shown to whoever holds the permission that works it off (woo.domain.worklist.ACTION_OF).
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask import Blueprint, abort, g, render_template, request, url_for
from sqlalchemy import func, select

from woo.adapters.models import Event
from woo.app import context
from woo.domain import worklist
from woo.domain.roles import allowed
from woo.services import documents as docsvc
from woo.web import labels
from woo.web.auth import login_required

bp = Blueprint("work", __name__)
AUDIT_PAGE = 100
DUE_CAP = 1000  # the start page counts due records up to this many ("1000+")


def can_any(action: str) -> bool:
    """The user may do ``action`` for some organisation (menus and start page; each object checks again)."""
    p = g.get("principal")
    return p is not None and any(allowed(p.roles_for(o), action) for o in p.organisation_ids() | {None})


@bp.app_context_processor
def _helpers() -> dict:
    return {"can_any": can_any, "worklist_labels": worklist.LABELS_NL}


@bp.route("/werk")
@login_required
def mine():
    """Per role: what waits for this user, as counts linking to the filtered document list."""
    from woo.services import destruction as ds
    from woo.services import retention as retsvc
    from woo.services import worklist as wlsvc

    from woo.web.organisations import unit_scope

    from woo.services import organisations as orgsvc

    units = unit_scope()  # their units' work by default, ?afdelingen=alle for the whole organisation
    with context().unit_of_work() as s:
        orgs = docsvc.visible_organisations(g.principal)
        today = datetime.now(timezone.utc).date()
        # "Hele organisatie" counts only what the user may act on; other units' work is a separate figure
        reach = units.unit_ids
        if reach is None and units.member_of:
            reach = orgsvc.actionable_unit_ids(s, g.principal, orgs)
        lists = wlsvc.waiting(s, orgs, today, reach)  # indexed counts, as the dashboard's
        elsewhere = {}
        if reach is not None and units.unit_ids is None:
            everything = wlsvc.waiting(s, orgs, today, None)
            elsewhere = {key: everything[key].n - lists[key].n for key in everything}
        tiles = [{"key": key, "label": worklist.LABELS_NL[key], "count": lists[key].n,
                  "elsewhere": elsewhere.get(key, 0),
                  "url": url_for("officer.documents", werk=key, **units.args())}
                 for key in worklist.WORKLISTS
                 if (worklist.ACTION_OF[key] is None and can_any("document.read"))
                 or (worklist.ACTION_OF[key] and can_any(worklist.ACTION_OF[key]))]
        if units.has_units and not units.unassigned and can_any("document.edit"):
            tiles.append({"key": "niet-toegewezen", "label": "Nog niet toegewezen",
                          "count": orgsvc.unassigned_count(s, orgs), "elsewhere": 0,
                          "url": url_for("officer.documents", afdelingen="geen")})
        blocked_ids = wlsvc.on_list(s, orgs, worklist.BLOCKED, reach, limit=10)
        docs = wlsvc.documents_by_id(s, blocked_ids)
        assessed = wlsvc.assess_documents(s, docs)
        blocked = [(d, assessed[d.id]) for d in docs]
        archive = []
        if can_any("retention.manage"):
            from itertools import islice

            due = sum(1 for _ in islice(retsvc.due_rows(s, retsvc.DueFilter(), batch=DUE_CAP + 1), DUE_CAP + 1))
            archive.append({"label": "Archiefactie verstreken", "count": f"{DUE_CAP}+" if due > DUE_CAP else due,
                            "url": url_for("retention.due")})
        if can_any("retention.read"):
            me = g.principal.actor.label
            waiting = [lst for lst in ds.lists(s) if lst.status == ds.TER_BEOORDELING and lst.created_by != me]
            if can_any("retention.review"):
                archive.append({"label": "Vernietigingslijsten te beoordelen", "count": len(waiting),
                                "url": url_for("retention.lists")})
            if can_any("retention.manage"):
                approvable = [lst for lst in ds.lists(s) if lst.status == ds.BEOORDEELD
                              and me not in (lst.created_by, lst.reviewer)]
                archive.append({"label": "Vernietigingslijsten goed te keuren", "count": len(approvable),
                                "url": url_for("retention.lists")})
        return render_template("work.html", tiles=tiles, blocked=blocked, archive=archive, units=units)


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/audit")
@login_required
def audit_log():
    """Every event, filtered by document, actor, action (or its group) and date; the chain can be verified."""
    from woo.services import audit

    if not can_any("audit.read"):
        abort(403, description="U heeft geen rechten voor deze handeling.")
    args = request.args
    document = (args.get("document") or "").strip()[:32]
    actor = (args.get("actor") or "").strip()[:200]
    action = (args.get("action") or "").strip()[:60]
    start, end = _parse_day(args.get("van")), _parse_day(args.get("tot"))
    before = args.get("voor", type=int)
    stmt = select(Event)
    if document:
        stmt = stmt.where(Event.document_id == document)
    if actor:
        stmt = stmt.where(Event.actor.in_([actor, f"user:{actor}"]))
    if action.endswith(".*"):
        stmt = stmt.where(Event.action.like(action[:-1] + "%"))
    elif action:
        stmt = stmt.where(Event.action == action)
    if start:
        stmt = stmt.where(Event.at >= datetime.combine(start, time.min, timezone.utc))
    if end:
        stmt = stmt.where(Event.at <= datetime.combine(end, time.max, timezone.utc))
    with context().unit_of_work() as s:
        total = s.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
        page_stmt = stmt.where(Event.id < before) if before else stmt
        events = s.execute(page_stmt.order_by(Event.id.desc()).limit(AUDIT_PAGE + 1)).scalars().all()
        more = len(events) > AUDIT_PAGE
        events = events[:AUDIT_PAGE]
        report = audit.verify(s) if args.get("controleer") else None
        s.expunge_all()
    older = None
    if more:
        older = url_for("work.audit_log", **{**args.to_dict(), "voor": events[-1].id})
    groups = sorted({a.split(".")[0] for a in labels.ACTIONS_NL})
    return render_template("audit.html", events=events, total=total, older=older, report=report,
                           flt={"document": document, "actor": actor, "action": action,
                                "van": start.isoformat() if start else "", "tot": end.isoformat() if end else ""},
                           actions=labels.ACTIONS_NL, groups=[(g_ + ".*", labels.GROUPS_NL.get(g_, g_))
                                                              for g_ in groups])
