"""The work lists as rows (woo.services.worklist.waiting / on_list, issue 20 and 14): after every kind of
change the indexed counts equal an assessment of every working document in Python, which is what the
"Mijn werk" page and the dashboard's waiting figures computed before.

The backlog goes through the real services (ingest, extraction, privacy scan, category, decisions,
publication, withdrawal); job failures and upload times are changed through the ORM as the worker would.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, select, update

from tests.conftest import drain
from tests.factories import make_pdf
from tests.integration.test_publish import answered, make_documents
from woo.adapters.models import Document, Job, WorklistEntry
from woo.domain import tooi
from woo.domain import worklist as rules
from woo.domain.dashboard import median
from woo.services import accounts, classification, dashboard, privacy, publication
from woo.services import worklist as wlsvc
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

WOO_VERZOEK = tooi.category_by_code("infocat014").uri
TODAY = datetime.now(timezone.utc).date()


def _reference(ctx, org_ids, today: date) -> dict:
    """Per work list (n, oldest days, median days, ids newest first): every working document assessed."""
    with ctx.unit_of_work() as s:
        docs = wlsvc.working_documents(s, org_ids)
        assessed = wlsvc.assess_documents(s, docs)
        out = {}
        for key in rules.WORKLISTS:
            on = [d for d in docs if key in assessed[d.id].lists]
            ages = [max((today - wlsvc._aware(d.created_at).date()).days, 0) for d in on]
            out[key] = (len(on), max(ages) if ages else None, median(ages), [d.id for d in on])
    return out


def _indexed(ctx, org_ids, today: date) -> dict:
    with ctx.unit_of_work() as s:
        lists = wlsvc.waiting(s, org_ids, today)
        return {k: (lists[k].n, lists[k].oldest_days, lists[k].median_days, wlsvc.on_list(s, org_ids, k))
                for k in rules.WORKLISTS}


def _same(ctx, org_ids=None) -> dict:
    ref = _reference(ctx, org_ids, TODAY)
    assert _indexed(ctx, org_ids, TODAY) == ref
    return ref


def _uploaded_days_ago(ctx, doc_ids, days):
    with ctx.unit_of_work() as s:
        for doc_id, n in zip(doc_ids, days):
            s.get(Document, doc_id).created_at = datetime.now(timezone.utc) - timedelta(days=n, hours=1)


def test_indexed_work_lists_equal_the_assessment_of_every_document(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    ids = make_documents(woo_ctx, tmp_path, [("Besluit een", WOO_VERZOEK), ("Besluit twee", None),
                                             ("Besluit drie", WOO_VERZOEK), ("Besluit vier", None),
                                             ("Besluit vijf", WOO_VERZOEK)])
    pdf = make_pdf(tmp_path / "lak.pdf", ["Besluit op het verzoek om informatie.",
                                          "Verzoeker heeft BSN 111222333 en mailt via j.jansen@example.nl."])
    private = ingest(woo_ctx, SYSTEM, org_id, "lak.pdf", path=pdf, title="Besluit met persoonsgegevens").document_id
    queued = ingest(woo_ctx, SYSTEM, org_id, "wacht.pdf", title="Nog in verwerking",
                    path=make_pdf(tmp_path / "wacht.pdf", ["Een besluit dat nog wacht op verwerking."])).document_id
    _uploaded_days_ago(woo_ctx, ids + [private, queued], [3, 10, 10, 40, 7, 1, 0])
    ref = _same(woo_ctx)
    assert ref[rules.PROCESSING][0] >= 1 and queued in ref[rules.PROCESSING][3]  # its jobs are still queued
    drain(woo_ctx)
    ref = _same(woo_ctx, {org_id})
    assert ref[rules.REVIEW][0] >= 3  # no category yet: the two without, and the one with personal data
    assert private in ref[rules.PRIVACY][3]

    # a category confirmed, findings decided, a job failed, a publication and a withdrawal
    classification.set_category(woo_ctx, SYSTEM, ids[1], WOO_VERZOEK)
    _same(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        found = [f.id for f in privacy.findings(s, private)]
    privacy.decide(woo_ctx, SYSTEM, private, found, "redact", ground="5.1.2e")
    _same(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        job = s.execute(select(Job).where(Job.document_id == ids[2], Job.kind == "extract")).scalar_one()
        job.status, job.error = "failed", "kapot"
    ref = _same(woo_ctx)
    assert ids[2] in ref[rules.FAILED][3]
    result = publication.publish(woo_ctx, SYSTEM, [ids[0]], metadata=answered([ids[0]]))
    assert result.published == [ids[0]], result.refused
    ref = _same(woo_ctx)
    assert all(ids[0] not in v[3] for v in ref.values())
    assert publication.withdraw(woo_ctx, SYSTEM, [ids[0]], "correctie_privacygevoelige_gegevens") == [ids[0]]
    _same(woo_ctx)

    # the dashboard's waiting figures are the same counts
    with woo_ctx.unit_of_work() as s:
        fig = dashboard.figures(s, {org_id}, None, today=TODAY)
    ref = _reference(woo_ctx, {org_id}, TODAY)
    assert [(w.key, w.n, w.oldest_days, w.median_days) for w in fig.waiting] == \
        [(k, *ref[k][:3]) for k in dashboard.WAITING_LISTS]
    assert sum(w.n for w in fig.waiting) > 0

    # rows missing (the state right after the migration) are assessed when first counted
    with woo_ctx.unit_of_work() as s:
        s.execute(delete(WorklistEntry))
    _same(woo_ctx)
    # a change written around the ORM (a bulk load) is not seen until `woo report recount`
    with woo_ctx.unit_of_work() as s:
        s.execute(update(Document).where(Document.id == ids[3]).values(category=WOO_VERZOEK, status="ready"))
    assert _indexed(woo_ctx, None, TODAY) != _reference(woo_ctx, None, TODAY)
    with woo_ctx.unit_of_work() as s:
        dashboard.recount(s)
    _same(woo_ctx)
    # a deleted document leaves its lists
    with woo_ctx.unit_of_work() as s:
        s.delete(s.get(Document, ids[4]))
    ref = _same(woo_ctx)
    assert all(ids[4] not in v[3] for v in ref.values())
