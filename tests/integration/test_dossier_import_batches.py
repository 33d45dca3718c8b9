"""The dossier import writes its documents in chunks (WOO_IMPORT_BATCH) inside one transaction (issue 13,
speed and memory): the chunked import records the same rows and events as one written at once, the audit chain
verifies, and a failure in a later chunk (one the database raises, or an injected one) still leaves nothing
behind: no dossier, no documents, no events, no objects. What the database would refuse late is found up front."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.integration.dossier_helpers import woo_besluit_files
from woo.adapters.models import Document, DossierDocument, Event, Job, StoredFile
from woo.services import accounts, audit, dossier_import, dossiers
from woo.services.context import SYSTEM

ROWS = [(str(2000 + i), judgement, grounds, "18-03-2024", link)
        for i, (judgement, grounds, link) in enumerate(
            [("Openbaar", "", ""), ("Deels openbaar", "5.1.2e", ""), ("Niet openbaar", "5.1.2e; 5.2", ""),
             ("Reeds openbaar", "", "https://example.org/reeds"), ("Openbaar", "", ""),
             ("Niet openbaar", "5.2", ""), ("Openbaar", "", "")])]


def _import(ctx, files, title):
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    return dossier_import.import_dossier(ctx, SYSTEM, org, {"title": title, "kind": "woo-besluit",
                                                            "decision": "deels openbaar"},
                                         files["zip"], files["inventory"], "inventaris.xlsx", files["decision"],
                                         "besluit.pdf")


def _written(ctx, dossier_id, title):
    """What the import wrote, in a form that does not depend on generated ids."""
    with ctx.unit_of_work() as s:
        items = dossiers.items(s, dossier_id)
        docs = [(i.position, i.role, i.judgement, tuple(i.grounds or []), i.number, i.supplied_redacted,
                 i.document.status, i.document.category, i.document.title.replace(title, "<titel>"),
                 i.document.document_date, len(i.document.files), len([j for j in i.document.jobs
                                                                       if j.kind == "extract"]))
                for i in items]
        ids = {i.document_id for i in items}
        events = s.execute(select(Event).order_by(Event.id)).scalars().all()
        mine = [e for e in events if (e.detail or {}).get("dossier") == dossier_id]
        order = {i.document_id: i.position for i in items}
        seq = [(e.action, order.get(e.document_id)) for e in mine]
        assert all(e.document_id in ids for e in mine if e.document_id)
    return docs, seq


def _batch(monkeypatch, ctx, size: int) -> None:
    """WOO_IMPORT_BATCH for this test's instance."""
    monkeypatch.setattr(ctx, "settings", ctx.settings.replace(import_batch=size))


def _counts(ctx):
    from woo.adapters.models import Dossier

    with ctx.unit_of_work() as s:
        return {m.__name__: s.query(m).count() for m in (Dossier, Document, DossierDocument, StoredFile, Job, Event)}


def test_import_batch_is_read_from_the_environment(tmp_path):
    from woo.config import load_settings

    assert load_settings(tmp_path, env={"WOO_IMPORT_BATCH": "2"}).import_batch == 2
    assert load_settings(tmp_path, env={}).import_batch == 250


def test_chunked_import_writes_the_same_as_one_chunk_and_the_chain_verifies(woo_ctx, tmp_path, monkeypatch):
    files = woo_besluit_files(tmp_path / "in", rows=ROWS)
    _batch(monkeypatch, woo_ctx, 100000)
    whole = _import(woo_ctx, files, "Dossier in een keer")
    assert whole.ok, whole.problems
    _batch(monkeypatch, woo_ctx, 2)  # 7 rows: four chunks, the last one partly filled
    chunked = _import(woo_ctx, files, "Dossier in stukken")
    assert chunked.ok, chunked.problems
    assert chunked.documents == whole.documents == len(ROWS) + 2  # the decision letter, the inventarislijst

    docs_whole, events_whole = _written(woo_ctx, whole.dossier_id, "Dossier in een keer")
    docs_chunked, events_chunked = _written(woo_ctx, chunked.dossier_id, "Dossier in stukken")
    assert docs_chunked == docs_whole
    assert events_chunked == events_whole
    # created, the decision letter, every row in inventory order, then imported (then the inventarislijst)
    end = events_chunked.index(("dossier.imported", None))
    assert events_chunked[0] == ("dossier.created", None)
    assert [pos for _, pos in events_chunked[1:end]] == list(range(len(ROWS) + 1))
    assert {a for a, _ in events_chunked[1:end]} == {"document.ingested"}  # every row here has its file
    with woo_ctx.unit_of_work() as s:
        ids = [i.document_id for i in dossiers.items(s, chunked.dossier_id)]
        assert s.query(Job).filter(Job.document_id.in_(ids), Job.kind == "extract").count() == len(ids)
        report = audit.verify(s)
        assert report.ok, report.reason
        head = s.execute(select(audit._HEAD.c.last_event_id)).scalar()
        assert head == s.execute(select(Event.id).order_by(Event.id.desc()).limit(1)).scalar()


def test_failure_in_a_later_chunk_leaves_nothing(woo_ctx, tmp_path, monkeypatch):
    files = woo_besluit_files(tmp_path / "in", rows=ROWS)
    _batch(monkeypatch, woo_ctx, 2)
    real_attach, calls = dossiers.attach, []

    def failing_attach(*args, **kwargs):
        calls.append(1)
        if len(calls) == 6:  # the third chunk: two chunks are already flushed with their events
            raise RuntimeError("schijf vol")
        return real_attach(*args, **kwargs)

    with woo_ctx.unit_of_work() as s:
        before = (s.query(Document).count(), s.query(Event).count(), s.query(StoredFile).count(),
                  s.query(DossierDocument).count())
    keys_before = {o.key for o in woo_ctx.store.list("documents/")}
    monkeypatch.setattr(dossiers, "attach", failing_attach)
    with pytest.raises(RuntimeError):
        _import(woo_ctx, files, "Mislukt dossier")
    with woo_ctx.unit_of_work() as s:
        assert (s.query(Document).count(), s.query(Event).count(), s.query(StoredFile).count(),
                s.query(DossierDocument).count()) == before
        assert dossiers.list_dossiers(s, None) == []
        assert audit.verify(s).ok
    assert {o.key for o in woo_ctx.store.list("documents/")} == keys_before
    monkeypatch.setattr(dossiers, "attach", real_attach)
    again = _import(woo_ctx, files, "Tweede poging")  # the chain head was not moved by the failed import
    assert again.ok, again.problems
    with woo_ctx.unit_of_work() as s:
        assert audit.verify(s).ok


def _refuse_number(ctx, number: str):
    """A real database trigger that refuses the dossier row of one inventory number, as a constraint would:
    the problem shows only when that row is written, in a late chunk."""
    url = ctx.settings.database_url
    with ctx.unit_of_work() as s:
        if url.startswith("sqlite"):
            s.execute(text(f"CREATE TRIGGER refuse_number BEFORE INSERT ON dossier_documents "
                           f"WHEN NEW.number = '{number}' BEGIN SELECT RAISE(ABORT, 'geweigerd'); END"))
        else:
            s.execute(text(f"CREATE FUNCTION refuse_number() RETURNS trigger AS $$ BEGIN "
                           f"IF NEW.number = '{number}' THEN RAISE EXCEPTION 'geweigerd'; END IF; RETURN NEW; "
                           f"END $$ LANGUAGE plpgsql"))
            s.execute(text("CREATE TRIGGER refuse_number BEFORE INSERT ON dossier_documents "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_number()"))

    def drop():
        with ctx.unit_of_work() as s:
            if url.startswith("sqlite"):
                s.execute(text("DROP TRIGGER refuse_number"))
            else:
                s.execute(text("DROP TRIGGER refuse_number ON dossier_documents"))
                s.execute(text("DROP FUNCTION refuse_number()"))
    return drop


def test_database_refusing_a_row_in_the_last_chunk_leaves_nothing(woo_ctx, tmp_path, monkeypatch):
    files = woo_besluit_files(tmp_path / "in", rows=ROWS)
    _batch(monkeypatch, woo_ctx, 2)  # decision letter + 7 rows: the 7th row (2006) is in the fourth chunk
    before = _counts(woo_ctx)
    keys_before = {o.key for o in woo_ctx.store.list("documents/")}
    drop = _refuse_number(woo_ctx, ROWS[-1][0])
    try:
        with pytest.raises(DBAPIError):
            _import(woo_ctx, files, "Laat geweigerd dossier")
    finally:
        drop()
    assert _counts(woo_ctx) == before  # no dossier, document, row, file, job or event of it
    assert {o.key for o in woo_ctx.store.list("documents/")} == keys_before  # every object put is removed
    with woo_ctx.unit_of_work() as s:
        assert dossiers.list_dossiers(s, None) == []
        assert audit.verify(s).ok
    again = _import(woo_ctx, files, "Tweede poging")
    assert again.ok, again.problems
    assert _counts(woo_ctx)["Document"] == before["Document"] + len(ROWS) + 2


def test_what_the_database_would_refuse_late_is_reported_up_front(woo_ctx, tmp_path, monkeypatch):
    long_number = "9" * 101  # the last row: its Document nr. does not fit the column (100)
    long_link = "https://example.org/" + "x" * 1000
    rows = [*ROWS[:3], ("2003", "Reeds openbaar", "", "18-03-2024", long_link), *ROWS[4:],
            (long_number, "Openbaar", "", "18-03-2024", "")]
    files = woo_besluit_files(tmp_path / "in", rows=rows)
    _batch(monkeypatch, woo_ctx, 2)
    before = _counts(woo_ctx)
    keys_before = {o.key for o in woo_ctx.store.list("documents/")}
    report = _import(woo_ctx, files, "Te lange waarden")
    assert not report.ok
    assert report.problems == [
        "Inventaris rij 5 (ID 2003): de publieke link is langer dan 1000 tekens.",
        f"Inventaris rij 9 (ID {long_number}): het documentnummer is langer dan 100 tekens."]
    assert _counts(woo_ctx) == before
    assert {o.key for o in woo_ctx.store.list("documents/")} == keys_before


def test_dossier_publish_appends_one_event_per_document_in_order(woo_ctx, tmp_path):
    from tests.conftest import drain
    from tests.integration.test_dossiers import allow_open_findings

    files = woo_besluit_files(tmp_path / "in", rows=ROWS)
    report = _import(woo_ctx, files, "Dossier publiceren")
    assert report.ok, report.problems
    drain(woo_ctx)
    allow_open_findings(woo_ctx, report.dossier_id)
    with woo_ctx.unit_of_work() as s:
        last = s.execute(select(Event.id).order_by(Event.id.desc()).limit(1)).scalar()
    dossiers.set_status(woo_ctx, SYSTEM, report.dossier_id, "gereed")

    def counted():
        from woo.adapters.models import DashboardCount
        from woo.domain import dashboard as d
        with woo_ctx.unit_of_work() as s:
            return {m: sum(c.n for c in s.query(DashboardCount).filter(DashboardCount.metric == m,
                                                                        DashboardCount.year == d.ALL_YEARS))
                    for m in (d.PUBLISHED, d.PUBLIC)}

    counts_before = counted()
    result = dossiers.publish(woo_ctx, SYSTEM, report.dossier_id)
    assert result.ok, result.blockers.as_dict()
    with woo_ctx.unit_of_work() as s:
        new = s.execute(select(Event).where(Event.id > last).order_by(Event.id)).scalars().all()
        published = [e for e in new if e.action == "document.published"]
        assert [e.document_id for e in published] == result.published  # one each, in the dossier's order
        assert all(e.detail["dossier"] == report.dossier_id and e.detail["sha256"] for e in published)
        assert new.index(published[-1]) < [e.action for e in new].index("dossier.published")
        statuses = {d.id: d.status for d in s.query(Document).filter(Document.id.in_(result.published))}
        assert set(statuses.values()) == {"published"} and len(statuses) == len(result.published) >= 5
        assert audit.verify(s).ok
    n = len(result.published)
    assert counted() == {m: counts_before[m] + n for m in counts_before}  # the dashboard counts every document
    with woo_ctx.unit_of_work() as s:  # every published document is searchable, each once
        from woo.publish.search import search_documents
        rows = s.execute(select(search_documents.c.document_id)
                         .where(search_documents.c.document_id.in_(result.published))).scalars().all()
        assert sorted(rows) == sorted(result.published)
