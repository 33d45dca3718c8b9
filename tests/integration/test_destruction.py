"""Destruction lists end to end on real S3 + Redis: review, four eyes, window, rq execution, verklaring."""
from __future__ import annotations

import io
import csv
from datetime import timedelta

import pikepdf
import pytest
from sqlalchemy import func, select

from tests.conftest import drain
from tests.integration.retention_helpers import make_record, users, versions_left
from woo.adapters.models import DestructionList, Document, Event, StoredFile, utcnow
from woo.services import destruction as ds
from woo.services import retention as retsvc


def _approved_list(ctx, u, ids, name="Vernietigingslijst 2026-1"):
    list_id = ds.create_list(ctx, u["archivaris-a"], name, ids)
    for doc_id in ids:
        ds.review_item(ctx, u["beoordelaar-r"], list_id, doc_id, "akkoord")
    ds.finish_review(ctx, u["beoordelaar-r"], list_id)
    ds.approve(ctx, u["archivaris-b"], list_id)
    return list_id


def test_full_flow_destroys_every_version_and_keeps_a_verklaring(woo_ctx):
    u = users(woo_ctx)
    a = make_record(woo_ctx, "Besluit Woo-verzoek A", resultaat="6.1")
    b = make_record(woo_ctx, "Besluit Woo-verzoek B", resultaat="6.1", status="withdrawn")
    keep = make_record(woo_ctx, "Besluit Woo-verzoek C", resultaat="6.1")
    assert len(versions_left(woo_ctx, a)) == 3  # two versions of the original, one text

    list_id = ds.create_list(woo_ctx, u["archivaris-a"], "Lijst 1", [a, b, keep])
    with pytest.raises(ds.DestructionError, match="rol Beoordelaar niet"):
        ds.review_item(woo_ctx, u["archivaris-a"], list_id, a, "akkoord")
    ds.review_item(woo_ctx, u["beoordelaar-r"], list_id, a, "akkoord")
    ds.review_item(woo_ctx, u["beoordelaar-r"], list_id, b, "akkoord", "Termijn verstreken")
    with pytest.raises(ds.DestructionError, match="reden"):
        ds.review_item(woo_ctx, u["beoordelaar-r"], list_id, keep, "uitgezonderd", " ")
    with pytest.raises(ds.DestructionError, match="zonder oordeel"):
        ds.finish_review(woo_ctx, u["beoordelaar-r"], list_id)
    ds.review_item(woo_ctx, u["beoordelaar-r"], list_id, keep, "uitgezonderd", "Nodig voor bezwaarprocedure")
    ds.finish_review(woo_ctx, u["beoordelaar-r"], list_id)

    with pytest.raises(ds.DestructionError, match="eigen vernietigingslijst"):
        ds.approve(woo_ctx, u["archivaris-a"], list_id)
    with pytest.raises(ds.DestructionError, match="Archivaris"):
        ds.approve(woo_ctx, u["beoordelaar-r"], list_id)
    execute_after = ds.approve(woo_ctx, u["archivaris-b"], list_id)
    assert execute_after - utcnow() > timedelta(days=6)
    with pytest.raises(ds.DestructionError, match="bedenktijd"):
        ds.start(woo_ctx, u["archivaris-b"], list_id)
    with woo_ctx.unit_of_work() as s:  # nothing touched during the window
        assert s.get(Document, a).status == "concept" and len(versions_left(woo_ctx, a)) == 3

    later = utcnow() + timedelta(days=8)
    dry = ds.plan(woo_ctx, list_id, later)
    assert {i["document_id"] for i in dry.items} == {a, b} and not dry.refused
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=later)
    drain(woo_ctx)  # the rq job

    for doc_id in (a, b):
        assert versions_left(woo_ctx, doc_id) == []
    assert len(versions_left(woo_ctx, keep)) == 3
    with woo_ctx.unit_of_work() as s:
        lst = s.get(DestructionList, list_id)
        assert lst.status == "vernietigd"
        for doc_id in (a, b):
            doc = s.get(Document, doc_id)
            assert doc.status == "destroyed" and doc.title.startswith("Besluit")  # tombstone
            assert doc.retention_resultaat == "6.1" and doc.metadata_["vernietiging"]["goedgekeurd_door"] == \
                "user:archivaris-b"
            assert s.execute(select(func.count()).select_from(StoredFile)
                             .where(StoredFile.document_id == doc_id)).scalar_one() == 0
        assert s.get(Document, keep).status == "concept"
        verklaring = s.get(Document, lst.verklaring_document_id)
        assert verklaring.retention_waardering == "B" and verklaring.retention_resultaat == "19.1.18"
        pdf_file, csv_file = verklaring.file("original"), verklaring.file("verklaring_csv")
        pdf = woo_ctx.store.get_bytes(pdf_file.object_key)
        rows = list(csv.DictReader(io.StringIO(woo_ctx.store.get_bytes(csv_file.object_key).decode())))
        destroyed_events = s.execute(select(Event).where(Event.action == "document.destroyed")).scalars().all()
    assert pikepdf.pdfa.validate_written(io.BytesIO(pdf), "2b").passed
    assert {r["document_id"] for r in rows} == {a, b}
    assert all(r["resultaat"] == "6.1" and r["waardering"] == "V" and r["vernietigd_op"] for r in rows)
    assert sorted(e.document_id for e in destroyed_events) == sorted([a, b])
    assert sum(int(r["objectversies_verwijderd"]) for r in rows) == 6
    assert ds.run(woo_ctx, list_id) == "vernietigd"  # again: nothing more happens


def test_refusals_leave_nothing_behind(woo_ctx):
    u = users(woo_ctx)
    v = make_record(woo_ctx, "Klachtoordeel", resultaat="13.1")
    blijvend = make_record(woo_ctx, "Verordening", category="wetten_en_algemeen_verbindende_voorschriften",
                           resultaat="2.1.1")
    hold = make_record(woo_ctx, "Besluit onder legal hold", resultaat="6.1", legal_hold=True)
    public = make_record(woo_ctx, "Gepubliceerd besluit", resultaat="6.1", status="published")
    young = make_record(woo_ctx, "Recent besluit", resultaat="6.1", document_date=utcnow())

    for ids, expected in (([v, blijvend], "blijvend te bewaren"), ([v, hold], "juridische bewaarplicht"),
                          ([public], "gepubliceerd en niet ingetrokken"), ([young], "nog niet verstreken")):
        with pytest.raises(ds.DestructionError, match=expected):
            ds.create_list(woo_ctx, u["archivaris-a"], "Lijst", ids)
    with pytest.raises(ds.DestructionError, match="Archivaris"):
        ds.create_list(woo_ctx, u["beoordelaar-r"], "Lijst", [v])
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(func.count()).select_from(DestructionList)).scalar_one() == 0

    ds.create_list(woo_ctx, u["archivaris-a"], "Eerste lijst", [v])
    with pytest.raises(ds.DestructionError, match="staat al op open vernietigingslijst"):
        ds.create_list(woo_ctx, u["archivaris-b"], "Tweede lijst", [v])
    with pytest.raises(retsvc.RetentionError, match="komt niet voor"):
        retsvc.override(woo_ctx, u["archivaris-a"], v, "99.9.9", "Andere zaak")
    with pytest.raises(retsvc.RetentionError, match="vervallen"):
        retsvc.override(woo_ctx, u["archivaris-a"], v, "7.1.20", "Andere zaak")
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, v).retention_resultaat == "13.1"
        assert s.execute(select(func.count()).select_from(DestructionList)).scalar_one() == 1
    assert all(len(versions_left(woo_ctx, d)) == 3 for d in (v, blijvend, hold, public, young))


class Killed(BaseException):
    """The worker process dies (not an Exception: nothing in the job may swallow it)."""


class KillingStore:
    """The real store, but the process 'dies' during the n-th multi-delete (after it reached S3)."""

    def __init__(self, store, kill_on: int):
        import threading

        self._store, self.calls, self.kill_on, self.lock = store, 0, kill_on, threading.Lock()
        outer = self

        class Client:
            def __getattr__(self, name):
                return getattr(store.client, name)

            def remove_objects(self, bucket, objs):
                with outer.lock:  # the job deletes from several threads
                    outer.calls += 1
                    call = outer.calls
                errors = list(store.client.remove_objects(bucket, objs))
                if call == outer.kill_on:
                    raise Killed("worker killed")
                return iter(errors)
        self.client = Client()

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_killed_worker_resumes_without_deleting_twice_or_losing_the_verklaring(woo_ctx, monkeypatch):
    u = users(woo_ctx)
    ids = [make_record(woo_ctx, f"Besluit {i}", resultaat="6.1") for i in range(5)]
    list_id = _approved_list(woo_ctx, u, ids)
    monkeypatch.setattr(ds, "BATCH", 2)
    real = woo_ctx.store
    woo_ctx.store = KillingStore(real, kill_on=3)  # first batch done, second batch dies half way
    later = utcnow() + timedelta(days=8)
    with pytest.raises(Killed):
        ds.start(woo_ctx, u["archivaris-b"], list_id, now=later, inline=True)
    woo_ctx.store = real
    with woo_ctx.unit_of_work() as s:
        lst = s.get(DestructionList, list_id)
        assert lst.status == "mislukt" and lst.verklaring_document_id is None
        states = sorted(i.state for i in ds.items(s, list_id))
    assert states.count("vernietigd") == 2 and states.count("bezig") == 2 and states.count("wachtend") == 1

    ds.start(woo_ctx, u["archivaris-b"], list_id, now=later, inline=True)  # resume
    with woo_ctx.unit_of_work() as s:
        lst = s.get(DestructionList, list_id)
        assert lst.status == "vernietigd" and lst.verklaring_document_id
        items = ds.items(s, list_id)
        events = s.execute(select(Event.document_id).where(Event.action == "document.destroyed")).scalars().all()
        verklaringen = s.execute(select(func.count()).select_from(Document).where(
            Document.retention_resultaat == "19.1.18")).scalar_one()
    assert all(i.state == "vernietigd" for i in items)
    assert sorted(events) == sorted(ids)  # exactly one destruction per record
    assert sum(i.versions_deleted for i in items) == 15  # 3 versions each, none counted twice
    assert verklaringen == 1
    assert all(versions_left(woo_ctx, d) == [] for d in ids)


def test_s3_outage_mid_execution_fails_honestly_and_resumes(woo_ctx):
    from woo.adapters.objectstore import S3ObjectStore

    u = users(woo_ctx)
    ids = [make_record(woo_ctx, f"Besluit {i}", resultaat="6.1") for i in range(3)]
    list_id = _approved_list(woo_ctx, u, ids)
    real = woo_ctx.store
    woo_ctx.store = S3ObjectStore("127.0.0.1:9", "x", "y", real.bucket)  # nothing listens there
    later = utcnow() + timedelta(days=8)
    with pytest.raises(Exception):
        ds.start(woo_ctx, u["archivaris-b"], list_id, now=later, inline=True)
    woo_ctx.store = real
    with woo_ctx.unit_of_work() as s:
        lst = s.get(DestructionList, list_id)
        assert lst.status == "mislukt" and "niet bereikbaar" in lst.error
        assert all(s.get(Document, d).status == "concept" for d in ids)  # no tombstone without deletion
    assert all(len(versions_left(woo_ctx, d)) == 3 for d in ids)
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=later, inline=True)
    with woo_ctx.unit_of_work() as s:
        assert s.get(DestructionList, list_id).status == "vernietigd"
        assert all(s.get(Document, d).status == "destroyed" for d in ids)


def test_hold_placed_during_the_window_skips_the_record(woo_ctx):
    u = users(woo_ctx)
    ids = [make_record(woo_ctx, f"Besluit {i}", resultaat="6.1") for i in range(2)]
    list_id = _approved_list(woo_ctx, u, ids)
    retsvc.set_legal_hold(woo_ctx, u["archivaris-a"], [ids[0]], True, "Inzageverzoek AVG")
    dry = ds.plan(woo_ctx, list_id, utcnow() + timedelta(days=8))  # the dry run says what execution will do
    assert [i["document_id"] for i in dry.items] == [ids[1]]
    assert [i["document_id"] for i in dry.skipped] == [ids[0]] and "Inzageverzoek AVG" in dry.skipped[0]["reden"]
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8), inline=True)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, ids[0]).status == "concept"
        assert s.get(Document, ids[1]).status == "destroyed"
        skipped = [i for i in ds.items(s, list_id) if i.state == "overgeslagen"]
        verklaring = s.get(Document, s.get(DestructionList, list_id).verklaring_document_id)
        pdf_key, csv_key = verklaring.file("original").object_key, verklaring.file("verklaring_csv").object_key
    assert [i.document_id for i in skipped] == [ids[0]] and "bewaarplicht" in skipped[0].error
    assert len(versions_left(woo_ctx, ids[0])) == 3
    # the verklaring names the skipped record and why, beside the destroyed one
    rows = {r["document_id"]: r for r in csv.DictReader(io.StringIO(woo_ctx.store.get_bytes(csv_key).decode()))}
    assert rows[ids[1]]["uitkomst"] == "vernietigd"
    assert rows[ids[0]]["uitkomst"] == "overgeslagen" and "Inzageverzoek AVG" in rows[ids[0]]["reden_overgeslagen"]
    import fitz

    with fitz.open(stream=woo_ctx.store.get_bytes(pdf_key), filetype="pdf") as pdf:
        text = " ".join(page.get_text() for page in pdf)
    assert "Niet vernietigd (overgeslagen" in text and ids[0][:20] in text and "overgeslagen) records: 1" in text


def test_public_page_of_a_destroyed_record_says_so(woo_ctx):
    from woo.app import create_app

    u = users(woo_ctx)
    doc_id = make_record(woo_ctx, "Besluit ooit gepubliceerd", resultaat="6.1", status="withdrawn")
    list_id = _approved_list(woo_ctx, u, [doc_id], name="Lijst openbaar 2026")
    client = create_app(ctx=woo_ctx).test_client()
    before = client.get(f"/publicaties/{doc_id}")
    assert before.status_code == 410 and "ingetrokken" in before.get_data(as_text=True)
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8), inline=True)
    for url in (f"/publicaties/{doc_id}", f"/publicaties/{doc_id}/bestand"):
        resp = client.get(url)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 410
        assert f"vernietigd op {utcnow():%d-%m-%Y} volgens vernietigingslijst {list_id} (Lijst openbaar 2026)" in body
        assert "ingetrokken" not in body


def test_cancel_in_window(woo_ctx):
    u = users(woo_ctx)
    ids = [make_record(woo_ctx, "Besluit", resultaat="6.1")]
    list_id = _approved_list(woo_ctx, u, ids)
    with pytest.raises(ds.DestructionError, match="reden"):
        ds.cancel(woo_ctx, u["archivaris-a"], list_id, "")
    ds.cancel(woo_ctx, u["archivaris-a"], list_id, "Zaak heropend")
    with pytest.raises(ds.DestructionError, match="niet goedgekeurd"):
        ds.start(woo_ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8))
    # the record is free for a new list again
    ds.create_list(woo_ctx, u["archivaris-a"], "Nieuwe lijst", ids)


def test_no_sidecar_rewrite_brings_a_destroyed_record_back(woo_ctx):
    """The preservation sweep rewrites MDTO sidecars of changed documents; a tombstone is not one."""
    from woo.services import preservation

    u = users(woo_ctx)
    doc_id = make_record(woo_ctx, "Besluit", resultaat="6.1")
    preservation.describe_pending(woo_ctx)
    assert any(i.key.endswith(".mdto.xml") for i in versions_left(woo_ctx, doc_id))  # sidecars exist
    list_id = _approved_list(woo_ctx, u, [doc_id])
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8), inline=True)
    preservation.describe_pending(woo_ctx)
    assert versions_left(woo_ctx, doc_id) == []
