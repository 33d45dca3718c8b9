"""A zaaksysteem as a source (issue 16): the ZGW Documenten API connector through woo's own sync service, against
the local DRC that validates every request and response against the published OpenAPI document."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.drc_server import DrcServer
from tests.factories import make_pdf
from woo.adapters.models import Document, SourceItem
from woo.services import sources
from woo.services.context import SYSTEM

SECRET = "drc-test-secret-with-enough-bytes-0123456789"
CLIENT_ID = "woo-gemeente-test"
TYPE_BESLUIT = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000001"
TYPE_INTERN = "https://catalogi.example.nl/api/v1/informatieobjecttypen/00000000-0000-4000-8000-000000000003"


@pytest.fixture
def drc():
    server = DrcServer(secret=SECRET, client_id=CLIENT_ID, page_size=2).start()
    yield server
    server.stop()


def test_a_documenten_api_source_imports_only_openbaar_objects_of_the_configured_types(woo_ctx, drain_jobs, drc,
                                                                                       tmp_path):
    files = {}
    for i, title in enumerate(["Besluit kapvergunning Dorpsstraat", "Besluit evenementenvergunning Markt"]):
        pdf = make_pdf(tmp_path / f"b{i}.pdf", [f"{title}. Het college heeft besloten de vergunning te verlenen "
                                                f"aan de aanvrager, onder de voorwaarden in dit besluit."]).read_bytes()
        obj = drc.add(pdf, informatieobjecttype=TYPE_BESLUIT, titel=title, creatiedatum="2026-10-0" + str(i + 1))
        files[obj["url"]] = pdf
    drc.add(make_pdf(tmp_path / "v.pdf", ["Vertrouwelijk advies"]).read_bytes(), informatieobjecttype=TYPE_BESLUIT,
            titel="Vertrouwelijk advies", vertrouwelijkheidaanduiding="vertrouwelijk")
    drc.add(make_pdf(tmp_path / "i.pdf", ["Interne notitie"]).read_bytes(), informatieobjecttype=TYPE_INTERN,
            titel="Openbaar maar van een ander type")

    source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "zgw-drc", "zaaksysteem",
                            {"base_url": drc.base_url, "client_id": CLIENT_ID, "informatieobjecttypen": [TYPE_BESLUIT]},
                            secret=SECRET)
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    view = sources.status(woo_ctx, source_id)
    assert view["last_error"] is None and view["counts"]["documents_created"] == 2, view
    assert SECRET not in repr(view)
    with woo_ctx.unit_of_work() as s:
        docs = [s.get(Document, i) for i in s.execute(select(SourceItem.document_id)
                                                      .where(SourceItem.source_id == source_id)).scalars()]
        assert sorted(d.title for d in docs) == ["Besluit evenementenvergunning Markt", "Besluit kapvergunning Dorpsstraat"]
        for d in docs:
            assert d.language == "nl"  # taal "dut" of the remote
            assert d.metadata_["confirmed"]["date.creatie"].startswith("2026-10-0")
            assert d.file("original").sha256 in {hashlib.sha256(b).hexdigest() for b in files.values()}
        titles = {d.title for d in s.execute(select(Document)).scalars()}
    assert "Vertrouwelijk advies" not in titles and "Openbaar maar van een ander type" not in titles
    assert not drc.contract_errors  # every request and answer followed the published contract

    # a second run changes nothing
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    again = sources.status(woo_ctx, source_id)
    assert again["last_error"] is None and again["counts"].get("documents_created", 0) == 0, again
    with woo_ctx.unit_of_work() as s:
        assert len(s.execute(select(SourceItem).where(SourceItem.source_id == source_id)).scalars().all()) == 2


def _published_source(woo_ctx, drain_jobs, drc, tmp_path, n: int = 3):
    """A Documenten API source with ``n`` objects synced in, each published by the officer."""
    from tests.integration.test_publish import answered
    from tests.integration.test_publish import make_pdf as dated_pdf
    from woo.domain import tooi
    from woo.services import classification, privacy, publication

    objs = []
    for i in range(n):
        title = ["Besluit kapvergunning Dorpsstraat", "Besluit evenementenvergunning Markt",
                 "Besluit standplaatsvergunning Plein", "Besluit terrasvergunning Haven",
                 "Besluit uitritvergunning Kerkweg"][i]
        pdf = dated_pdf(tmp_path / f"p{i}.pdf", [f"{title}. Dit stuk gaat over het onderwerp {title.lower()} in "
                                                 f"de gemeente. Nummer {i}."]).read_bytes()
        objs.append(drc.add(pdf, informatieobjecttype=TYPE_BESLUIT, titel=title, creatiedatum="2026-10-01"))
    source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "zgw-drc", "zaaksysteem",
                            {"base_url": drc.base_url, "client_id": CLIENT_ID, "informatieobjecttypen": [TYPE_BESLUIT]},
                            secret=SECRET)
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    with woo_ctx.unit_of_work() as s:
        ids = {i.remote_id: i.document_id for i in s.execute(select(SourceItem)
                                                             .where(SourceItem.source_id == source_id)).scalars()}
    assert len(ids) == n and all(ids.values())
    for doc_id in ids.values():
        classification.set_category(woo_ctx, SYSTEM, doc_id, tooi.category_by_code("2k").uri)
        with woo_ctx.unit_of_work() as s:  # the officer looks at what the privacy scan found and allows it
            found = [f.id for f in privacy.findings(s, doc_id)]
        if found:
            privacy.decide(woo_ctx, SYSTEM, doc_id, found, "allow", reason="Geen persoonsgegevens (test)")
    result = publication.publish(woo_ctx, SYSTEM, list(ids.values()), metadata=answered(list(ids.values())))
    assert sorted(result.published) == sorted(ids.values()), result.refused
    return source_id, objs, ids


def _statuses(woo_ctx, ids):
    with woo_ctx.unit_of_work() as s:
        return {r: s.get(Document, d).status for r, d in ids.items()}


def test_hard_deletion_found_by_the_periodic_full_listing_withdraws_and_keeps_the_archive(woo_ctx, drain_jobs,
                                                                                         drc, tmp_path):
    from datetime import timedelta

    from woo.adapters.models import Event, Source
    from woo.domain import tooi

    source_id, objs, ids = _published_source(woo_ctx, drain_jobs, drc, tmp_path)
    gone = objs[1]["url"].rsplit("/", 1)[-1]
    drc.delete(objs[1])
    # an ordinary change run does not see a hard deletion (the API has no feed for it) ...
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    assert set(_statuses(woo_ctx, ids).values()) == {"published"}
    # ... the maintenance tick's full listing does, once it is due (not at every tick)
    now = sources.utcnow()
    assert sources.tick(woo_ctx, now)["reconciled"] == 1
    drain_jobs()
    statuses = _statuses(woo_ctx, ids)
    assert statuses[gone] == "withdrawn" and [r for r, st in statuses.items() if st == "published"] == \
        [r for r in ids if r != gone]
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, ids[gone])
        assert doc.withdraw_reason == tooi.reden_verwijdering("correctie procedurele fout").uri
        assert doc.file("original") is not None  # kept in woo's archive
        assert doc.metadata_["intake"]["deleted_at_source"]
        assert "source.reconciled" in s.execute(select(Event.action)).scalars().all()
        assert s.get(Source, source_id).totals["withdrawn"] == 1
    assert sources.tick(woo_ctx, now + timedelta(minutes=5))["reconciled"] == 0  # done for today
    assert sources.reconcile(woo_ctx, source_id) == {"checked": 2, "deleted": 0, "withdrawn": 0}  # a repeat: no-op
    assert not drc.contract_errors


def test_a_full_listing_that_fails_half_way_or_is_empty_withdraws_nothing(woo_ctx, drain_jobs, drc, tmp_path):
    source_id, objs, ids = _published_source(woo_ctx, drain_jobs, drc, tmp_path, n=5)  # 3 pages of 2
    # page 2 of the listing fails (after page 1 answered): nothing is withdrawn, the status says why
    real_list = drc._list
    calls = []

    def failing_second_page(request):
        calls.append(request.args.get("page"))
        if request.args.get("page") == "2":
            return drc._problem(500, "error", "Serverfout.", request)
        return real_list(request)

    drc._list = failing_second_page
    out = sources.reconcile(woo_ctx, source_id)
    assert "refused" in out and "500" in out["refused"] and calls[:2] == ["1", "2"]
    # a listing that shrank while it was read (count changes between pages): partial, refused
    drc._list = real_list
    original = drc.page_size

    def shrinking(request):
        response = real_list(request)
        if request.args.get("page") == "1":
            drc.objects.pop()  # gone between page 1 and 2: the counts disagree
        return response

    drc._list = shrinking
    out = sources.reconcile(woo_ctx, source_id)
    assert "refused" in out, out
    drc._list = real_list
    assert drc.page_size == original
    # an empty listing: never read as "everything was deleted"
    drc.objects.clear()
    out = sources.reconcile(woo_ctx, source_id)
    assert out == {"refused": "De volledige documentenlijst was leeg; niets ingetrokken."}
    assert set(_statuses(woo_ctx, ids).values()) == {"published"}
    view = sources.status(woo_ctx, source_id)
    assert any("niets ingetrokken" in p["message"] for p in view["problems"])


def test_a_listing_that_would_withdraw_more_than_half_stops_until_an_admin_forces_it(woo_ctx, drain_jobs, drc,
                                                                                    tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import cli_env

    source_id, objs, ids = _published_source(woo_ctx, drain_jobs, drc, tmp_path, n=5)
    uuid = [o["url"].rsplit("/", 1)[-1] for o in objs]
    # fewer than half gone (2 of 5): withdrawn as before
    drc.delete(objs[0])
    drc.delete(objs[1])
    assert sources.reconcile(woo_ctx, source_id) == {"checked": 5, "deleted": 2, "withdrawn": 2}
    assert {r for r, st in _statuses(woo_ctx, ids).items() if st == "withdrawn"} == set(uuid[:2])
    # more than half of the live ones (2 of the 3 left): nothing withdrawn, the status says why
    drc.delete(objs[2])
    drc.delete(objs[3])
    out = sources.reconcile(woo_ctx, source_id)
    reason = ("Afstemming gestopt: 2 van 3 documenten zouden worden ingetrokken; controleer de bron of forceer met "
              "`woo source reconcile --force`.")
    assert out == {"refused": reason}
    assert {r for r, st in _statuses(woo_ctx, ids).items() if st == "published"} == set(uuid[2:])
    assert sources.status(woo_ctx, source_id)["problems"][0]["message"] == reason
    env = {**os.environ, **cli_env(woo_ctx.settings), "WOO_SECRET_KEY": woo_ctx.settings.secret_key}
    run = subprocess.run([sys.executable, "-m", "woo", "source", "reconcile", "zaaksysteem"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert run.returncode != 0 and "Afstemming gestopt: 2 van 3" in run.stderr
    assert {r for r, st in _statuses(woo_ctx, ids).items() if st == "published"} == set(uuid[2:])
    # the admin forces it: withdrawn
    run = subprocess.run([sys.executable, "-m", "woo", "source", "reconcile", "zaaksysteem", "--force"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "2 ingetrokken" in run.stdout
    assert {r for r, st in _statuses(woo_ctx, ids).items() if st == "published"} == {uuid[4]}
    assert not drc.contract_errors


def test_a_document_withdrawn_by_the_full_listing_asks_the_front_servers_to_refresh_its_file(woo_ctx, drain_jobs,
                                                                                            drc, tmp_path, caplog):
    """As a manual withdrawal does (woo.publish.front_refresh): the front servers hold the 410 at once."""
    import dataclasses
    import logging

    from tests.integration.test_front_refresh import _closed_port

    source_id, objs, ids = _published_source(woo_ctx, drain_jobs, drc, tmp_path)
    gone = objs[0]["url"].rsplit("/", 1)[-1]
    drc.delete(objs[0])
    woo_ctx.settings = dataclasses.replace(woo_ctx.settings, front_refresh_urls=(f"https://127.0.0.1:{_closed_port()}",),
                                           front_refresh_secret="s")
    with caplog.at_level(logging.WARNING, logger="woo.publish.front_refresh"):
        assert sources.reconcile(woo_ctx, source_id)["withdrawn"] == 1
    asked = " ".join(r.getMessage() for r in caplog.records if "front refresh" in r.getMessage())
    assert f"/publicaties/{ids[gone]}/bestand" in asked, asked[:500]
    for remote_id, doc_id in ids.items():
        if remote_id != gone:
            assert f"/publicaties/{doc_id}/bestand" not in asked


def test_one_sync_per_source_at_a_time_also_while_its_full_listing_runs(woo_ctx, drain_jobs, drc, tmp_path):
    """A second sync of a source that is syncing is refused (Dutch); a sync or a listing started while the listing
    runs is refused too, and the schedule skips the source; afterwards both work again."""
    import threading
    from datetime import timedelta

    from woo.adapters.models import Source, utcnow

    drc.add(make_pdf(tmp_path / "a.pdf", ["Besluit kapvergunning Dorpsstraat, verleend."]).read_bytes(),
            informatieobjecttype=TYPE_BESLUIT, titel="Besluit kapvergunning", creatiedatum="2026-10-01")
    source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "zgw-drc", "zaaksysteem",
                            {"base_url": drc.base_url, "client_id": CLIENT_ID, "informatieobjecttypen": [TYPE_BESLUIT]},
                            secret=SECRET)
    token = sources.sync(woo_ctx, SYSTEM, source_id)
    with pytest.raises(sources.SourceError, match="wordt al gesynchroniseerd"):
        sources.sync(woo_ctx, SYSTEM, source_id, full=True)
    assert sources.reconcile(woo_ctx, source_id)["refused"].startswith("Bron 'zaaksysteem' wordt al gesynchroniseerd")
    with woo_ctx.unit_of_work() as s:
        assert s.get(Source, source_id).run_token == token  # the running chain is kept, not replaced
    drain_jobs()
    assert sources.status(woo_ctx, source_id)["counts"]["documents_created"] == 1

    drc.list_gate = threading.Event()
    out: dict = {}
    listing = threading.Thread(target=lambda: out.update(sources.reconcile(woo_ctx, source_id)))
    listing.start()
    try:
        assert drc.list_entered.wait(30)
        assert sources.status(woo_ctx, source_id)["state_label"].startswith("Bezig met het vergelijken")
        with pytest.raises(sources.SourceError, match="vergelijkt nu de volledige documentenlijst"):
            sources.sync(woo_ctx, SYSTEM, source_id)
        assert "vergelijkt nu" in sources.reconcile(woo_ctx, source_id)["refused"]
        with woo_ctx.unit_of_work() as s:
            s.get(Source, source_id).next_run_at = utcnow() - timedelta(minutes=1)  # a sync is due
        assert sources.tick(woo_ctx)["started"] == 0
    finally:
        drc.list_gate.set()
        listing.join(60)
    assert out == {"checked": 1, "deleted": 0, "withdrawn": 0}
    assert sources.status(woo_ctx, source_id)["state"] == "idle"
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    assert sources.status(woo_ctx, source_id)["state"] == "idle"


def test_a_listing_whose_process_was_killed_does_not_hold_the_source(woo_ctx, drain_jobs, drc, tmp_path):
    """kill -9 of the process running the full listing: the source is not held for ever; a sync starts."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    from tests.conftest import cli_env
    from woo.adapters.models import Source

    drc.add(make_pdf(tmp_path / "a.pdf", ["Besluit kapvergunning Dorpsstraat, verleend."]).read_bytes(),
            informatieobjecttype=TYPE_BESLUIT, titel="Besluit kapvergunning", creatiedatum="2026-10-01")
    source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "zgw-drc", "zaaksysteem",
                            {"base_url": drc.base_url, "client_id": CLIENT_ID, "informatieobjecttypen": [TYPE_BESLUIT]},
                            secret=SECRET)
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    drc.list_gate = threading.Event()
    env = {**os.environ, **cli_env(woo_ctx.settings), "WOO_SECRET_KEY": woo_ctx.settings.secret_key}
    proc = subprocess.Popen([sys.executable, "-m", "woo", "source", "reconcile", "zaaksysteem"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert drc.list_entered.wait(60)
        deadline = time.monotonic() + 30
        while sources.status(woo_ctx, source_id)["state"] != "listing" and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(sources.SourceError, match="vergelijkt nu"):
            sources.sync(woo_ctx, SYSTEM, source_id)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        drc.list_gate.set()
        if proc.poll() is None:
            proc.kill()
    assert sources.status(woo_ctx, source_id)["state"] == "listing"  # left behind by the killed process
    sources.tick(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Source, source_id).state != "listing"  # the tick expired it: its holder is gone
    sources.sync(woo_ctx, SYSTEM, source_id)
    drain_jobs()
    assert sources.status(woo_ctx, source_id)["state"] == "idle"


def test_a_refused_listing_is_not_reconciled_and_the_admin_forces_it_on_the_source_page(woo_ctx, drain_jobs, drc,
                                                                                       tmp_path):
    """The more-than-half stop leaves reconciled_at where it was (the daily schedule still finds it due, retried
    after an hour, not every tick); the source page offers "Forceer afstemming" with a confirmation, which runs the
    same service as `woo source reconcile --force` and records who forced it."""
    import re
    from datetime import timedelta

    from woo.adapters.models import Event, Source
    from woo.app import create_app

    source_id, objs, ids = _published_source(woo_ctx, drain_jobs, drc, tmp_path, n=5)
    old = sources.utcnow() - timedelta(hours=25)
    with woo_ctx.unit_of_work() as s:
        s.get(Source, source_id).reconciled_at = old
    for obj in objs[:3]:
        drc.delete(obj)
    now = sources.utcnow()
    assert sources.tick(woo_ctx, now)["reconciled"] == 0
    with woo_ctx.unit_of_work() as s:
        assert sources._aware(s.get(Source, source_id).reconciled_at) == sources._aware(old)  # not reconciled
    assert sources.status(woo_ctx, source_id)["reconcile_refused"] is True
    lists = sum(1 for path, _, _ in drc.log if path.endswith("/enkelvoudiginformatieobjecten"))
    assert sources.tick(woo_ctx, now + timedelta(minutes=5))["reconciled"] == 0
    assert sum(1 for path, _, _ in drc.log if path.endswith("/enkelvoudiginformatieobjecten")) == lists  # not again
    assert set(_statuses(woo_ctx, ids).values()) == {"published"}

    client = create_app(ctx=woo_ctx).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                       "csrf_token": token}).status_code == 302
    page = client.get(f"/beheer/bronnen/{source_id}").get_data(as_text=True)
    assert "Forceer afstemming" in page and "3 van 5 documenten zouden worden ingetrokken" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    url = f"/beheer/bronnen/{source_id}/afstemming-forceren"
    resp = client.post(url, data={"csrf_token": token}, follow_redirects=True)  # not confirmed: nothing happens
    assert "Bevestig eerst" in resp.get_data(as_text=True)
    assert set(_statuses(woo_ctx, ids).values()) == {"published"}
    resp = client.post(url, data={"csrf_token": token, "confirm": "1"}, follow_redirects=True)
    assert "3 ingetrokken" in resp.get_data(as_text=True)
    assert sorted(_statuses(woo_ctx, ids).values()) == ["published", "published", "withdrawn", "withdrawn",
                                                         "withdrawn"]
    with woo_ctx.unit_of_work() as s:
        forced = [e for e in s.execute(select(Event).where(Event.action == "source.reconciled")).scalars()]
        assert [(e.detail["forced"], e.detail["withdrawn"]) for e in forced] == [(True, 3)]
        assert "admin" in forced[0].actor
        assert sources._aware(s.get(Source, source_id).reconciled_at) > now
    assert "Forceer afstemming" not in client.get(f"/beheer/bronnen/{source_id}").get_data(as_text=True)
    assert not drc.contract_errors


def test_a_refusal_survives_a_full_sync_request_and_a_forced_reconcile_clears_it(woo_ctx, drain_jobs, drc, tmp_path):
    """The refusal is kept apart from the source's note: a full-sync request (and the sync it starts) overwrites
    the note, yet the source page still offers "Forceer afstemming" with the refusal's reason until a forced
    reconcile withdraws the documents and clears it."""
    import re

    from woo.adapters.models import Source
    from woo.app import create_app

    source_id, objs, ids = _published_source(woo_ctx, drain_jobs, drc, tmp_path, n=5)
    for obj in objs[:3]:
        drc.delete(obj)
    refused = sources.reconcile(woo_ctx, source_id)["refused"]
    assert refused.startswith(sources.GUARD_REFUSED)
    client = create_app(ctx=woo_ctx).test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                       "csrf_token": token}).status_code == 302

    def force_reason():
        page = client.get(f"/beheer/bronnen/{source_id}").get_data(as_text=True)
        found = re.search(r'<p id="force-reason">([^<]*)</p>', page)
        return found and found.group(1), "Forceer afstemming" in page

    assert force_reason() == (refused, True)
    sources.sync(woo_ctx, SYSTEM, source_id, full=True)
    assert sources.status(woo_ctx, source_id)["note"] == "Volledige synchronisatie gevraagd."
    assert force_reason() == (refused, True)
    drain_jobs()  # the full sync runs
    assert sources.status(woo_ctx, source_id)["reconcile_refused"] is True
    assert force_reason() == (refused, True)
    assert set(_statuses(woo_ctx, ids).values()) == {"published"}
    assert sources.reconcile(woo_ctx, source_id, force=True)["withdrawn"] == 3
    view = sources.status(woo_ctx, source_id)
    assert view["reconcile_refused"] is False and view["reconcile_refusal"] is None
    assert force_reason() == (None, False)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Source, source_id).reconcile_refused is None


def test_the_guard_count_and_the_withdrawals_read_the_stored_ids_in_the_same_chunks(woo_ctx, drain_jobs, drc,
                                                                                   tmp_path, monkeypatch):
    """One chunk reader for both: deletions in different chunks are all found, the count covers every chunk."""
    source_id, objs, ids = _published_source(woo_ctx, drain_jobs, drc, tmp_path, n=5)
    monkeypatch.setattr(sources, "CHUNK", 2)
    assert [len(rows) for rows in sources._live_document_chunks(woo_ctx, source_id)] == [2, 2, 1]
    drc.delete(objs[0])  # the first chunk
    drc.delete(objs[4])  # the last one
    remote = {o["url"].rsplit("/", 1)[-1] for o in objs[1:4]}
    assert sources._missing_count(woo_ctx, source_id, remote) == (5, 2)
    assert sources.reconcile(woo_ctx, source_id) == {"checked": 5, "deleted": 2, "withdrawn": 2}
    assert [len(rows) for rows in sources._live_document_chunks(woo_ctx, source_id)] == [2, 1]
    gone = {objs[0]["url"].rsplit("/", 1)[-1], objs[4]["url"].rsplit("/", 1)[-1]}
    assert {r for r, st in _statuses(woo_ctx, ids).items() if st == "withdrawn"} == gone


def test_an_uploads_extraction_runs_before_the_waiting_file_fetches_of_a_big_sync(woo_ctx, drc, tmp_path):
    """The sync's fetch jobs wait on their own queue (woo-sync), which the worker takes only when the light and
    heavy queues are empty: with both waiting, one job of a real rq worker is the upload's extraction."""
    from rq import Queue, SimpleWorker

    from woo import worker
    from woo.adapters.models import Job
    from woo.adapters.queue import QUEUES
    from woo.services import accounts, jobs
    from woo.services.ingest import ingest

    for i in range(3):
        drc.add(make_pdf(tmp_path / f"s{i}.pdf", [f"Besluit nummer {i} over de haven."]).read_bytes(),
                informatieobjecttype=TYPE_BESLUIT, titel=f"Besluit {i}", creatiedatum="2026-10-01")
    source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "zgw-drc", "zaaksysteem",
                            {"base_url": drc.base_url, "client_id": CLIENT_ID, "informatieobjecttypen": [TYPE_BESLUIT]},
                            secret=SECRET)
    sources.sync(woo_ctx, SYSTEM, source_id)
    sources.run_until_done(woo_ctx, source_id, fetch=False)  # the steps; their fetch jobs are queued
    assert sources.status(woo_ctx, source_id)["items"]["fetch_pending"] == 3
    conn = woo_ctx.queue.redis
    light = Queue("woo", connection=conn)
    for job_id in light.job_ids:  # the first step's rq job, already run here: it would only find itself stale
        if job_id.startswith(f"woo-source-{source_id}-"):
            light.remove(job_id)
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "upload.pdf", ["Raadsbesluit over de begroting, door een medewerker geüpload."])
    doc_id = ingest(woo_ctx, SYSTEM, org, "upload.pdf", path=pdf, source="ui").document_id
    queues = [Queue(name, connection=conn) for name in QUEUES]
    worker.use_context(woo_ctx)
    SimpleWorker(queues, connection=conn).work(burst=True, max_jobs=1)
    with woo_ctx.unit_of_work() as s:
        extract = s.execute(select(Job).where(Job.document_id == doc_id, Job.kind == "extract")).scalar_one()
        assert extract.status == jobs.DONE
    assert sources.status(woo_ctx, source_id)["items"]["fetch_pending"] == 3  # not one fetched yet
    assert Queue("woo-sync", connection=conn).count >= 1  # the fetches wait there, not on the light queue
