"""Sources (issue 16): OpenBesluitvorming synced into woo, against a real local HTTP server (tests/obv_server.py)
that serves the published export contract from fixtures validated against the copied JSON Schemas."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.conftest import cli_env
from tests.factories import make_pdf
from tests.integration.test_publish import make_pdf as dated_pdf
from tests.obv_server import Feed, ObvServer
from woo.adapters.models import Document, Dossier, DossierDocument, Job, Source, SourceItem
from woo.domain import tooi
from woo.services import sources
from woo.services.context import SYSTEM

M1, M2 = "meeting:notubiz:gemeente:test:1", "meeting:notubiz:gemeente:test:2"
D = {i: f"document:notubiz:gemeente:test:{i}" for i in range(1, 10)}


def _cat(code: str) -> str:
    return tooi.category_by_code(code).uri


def _pdf(tmp_path, name: str, text: str) -> bytes:
    # with a date and enough Dutch for the language, as real council documents have (publication asks otherwise)
    return dated_pdf(tmp_path / f"{name}.pdf", [text]).read_bytes()


def _world(feed: Feed, tmp_path) -> dict[str, bytes]:
    """A municipality's export: a council meeting (ingekomen stuk, raadsvoorstel, motie), a college meeting
    (besluitenlijst) and a loose document on no meeting. Documents sort before meetings, as in the real feed."""
    files = {}
    texts = {1: ("Brief van bewonersvereniging over de Dorpsstraat", "Ingekomen brief"),
             2: ("Raadsvoorstel begroting 2027", "Raadsvoorstel"),
             3: ("Motie woningbouw Noord", "Motie"),
             4: ("Besluitenlijst college 10 november 2026", "Besluitenlijst"),
             5: ("Nieuwsbrief van de gemeente november", None)}
    for i, (name, kind) in texts.items():
        files[D[i]] = _pdf(tmp_path, f"d{i}", f"{name}. Dit stuk gaat over het onderwerp {name.lower()} in de "
                                              f"gemeente. Nummer {i}.")
        feed.document(D[i], name, files[D[i]], classification=kind,
                      meeting=M1 if i in (1, 2, 3) else (M2 if i == 4 else None))
    feed.meeting(M1, "Raadsvergadering 12 november 2026", "2026-11-12T19:30:00Z",
                 [("Opening", []), ("Ingekomen stukken", [(D[1], "Brief")]),
                  ("Begroting 2027", [(D[2], "Raadsvoorstel"), (D[3], "Motie")])])
    feed.meeting(M2, "Collegevergadering B&W 10 november 2026", "2026-11-10T09:00:00Z",
                 [("Besluiten", [(D[4], "Besluitenlijst")])], classification="College van B&W")
    return files


@pytest.fixture
def obv(tmp_path):
    feed = Feed()
    with ObvServer(feed) as server:
        server.files = _world(feed, tmp_path)
        server.mark_snapshot()
        yield server


def _add(ctx, server, **kw) -> int:
    config = {"source_key": server.feed.source_key, "base_url": server.url, "page_size": 3, "rate_per_minute": 6000}
    return sources.add(ctx, SYSTEM, "gm0363", "openbesluitvorming", kw.pop("name", "raad"), config, **kw)


def _sync(ctx, drain, source_id, **kw):
    sources.sync(ctx, SYSTEM, source_id, **kw)
    drain()
    return sources.status(ctx, source_id)


def _doc(session, source_id, remote_id) -> Document:
    item = session.execute(select(SourceItem).where(SourceItem.source_id == source_id,
                                                    SourceItem.remote_id == remote_id)).scalar_one()
    return session.get(Document, item.document_id)


def _counts(session):
    return (session.execute(select(func.count()).select_from(Document)).scalar_one(),
            session.execute(select(func.count()).select_from(Dossier)).scalar_one(),
            session.execute(select(func.count()).select_from(SourceItem)).scalar_one())


def test_first_sync_creates_meeting_dossiers_and_documents_and_a_second_run_changes_nothing(woo_ctx, drain_jobs,
                                                                                            obv):
    source_id = _add(woo_ctx, obv)
    view = _sync(woo_ctx, drain_jobs, source_id)
    assert view["state"] == "idle" and view["last_error"] is None, view
    assert view["phase"] == "changes" and view["cursor"] == f"c:{obv.feed.seq}" == view["changes_cursor"]
    assert view["counts"]["documents_created"] == 5 and view["counts"]["meetings_created"] == 2
    assert view["counts"]["pages"] == 3  # 7 records, 3 a page
    assert view["freshness"]["state"] == "ok" and view["freshness"]["lastSuccessAt"].startswith("2026-11-30")
    with woo_ctx.unit_of_work() as s:
        m1 = s.get(Dossier, s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M1)).scalar_one())
        m2 = s.get(Dossier, s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M2)).scalar_one())
        assert (m1.kind, m1.category, m1.title) == ("vergadering", _cat("2c"), "Raadsvergadering 12 november 2026")
        assert (m2.kind, m2.category) == ("vergadering", _cat("2d"))
        roles = {r.document_id: (r.dossier_id, r.role) for r in s.execute(select(DossierDocument)).scalars()}
        d1, d2, d3, d4, d5 = (_doc(s, source_id, D[i]) for i in range(1, 6))
        assert roles[d1.id] == (m1.id, "ingekomen-stuk") and d1.category == _cat("2a")
        assert roles[d2.id] == (m1.id, "vergaderstuk") and d2.category == _cat("2c")
        assert roles[d3.id] == (m1.id, "vergaderstuk") and d3.category == _cat("2c")
        assert roles[d4.id] == (m2.id, "besluitenlijst") and d4.category == _cat("2d")
        assert any("Ingekomen stukken" in r for r in d1.suggestion["reasons"])  # the reason is shown
        assert any("college" in r.lower() for r in d4.suggestion["reasons"])
        assert d5.publication_id is None and d5.category is None and d5.status == "concept"  # -> review
        assert d5.suggestion is not None  # the classifier ran after extraction, as for an upload
        for doc in (d1, d2, d3, d4, d5):
            assert doc.source == "openbesluitvorming"
            intake = doc.metadata_["intake"]
            assert intake["source"] == "raad" and intake["remote_id"] in doc.metadata_["confirmed"]["identifiers"]
            assert doc.metadata_["confirmed"]["organisation"].startswith("https://identifier.overheid.nl/tooi/")
            original = doc.file("original")
            assert original.sha256 == hashlib.sha256(obv.files[intake["remote_id"]]).hexdigest()
            assert {j.kind: j.status for j in doc.jobs}.get("extract") == "done"
        assert d2.metadata_["confirmed"]["title"] == "Raadsvoorstel begroting 2027"
        before = _counts(s)
    # the file is in woo's own bucket, not linked to the supplier
    with woo_ctx.unit_of_work() as s:
        key = _doc(s, source_id, D[2]).file("original").object_key
    assert b"".join(woo_ctx.store.iter_chunks(key)) == obv.files[D[2]]

    view = _sync(woo_ctx, drain_jobs, source_id)  # a second run: nothing new
    assert view["state"] == "idle"
    assert not {k for k in view["counts"] if k not in ("pages", "records", "problems") and view["counts"][k]}
    with woo_ctx.unit_of_work() as s:
        assert _counts(s) == before
    view = _sync(woo_ctx, drain_jobs, source_id, full=True)  # even a full re-import creates nothing
    assert view["counts"].get("documents_created", 0) == 0 and view["counts"].get("meetings_created", 0) == 0
    assert view["counts"]["unchanged"] == 7
    with woo_ctx.unit_of_work() as s:
        assert _counts(s) == before


def test_change_feed_edit_late_attachment_changed_file_and_deletion(woo_ctx, drain_jobs, obv, live_server, tmp_path):
    import requests

    from woo.publish.records import file_path
    from woo.services import dossiers

    source_id = _add(woo_ctx, obv)
    _sync(woo_ctx, drain_jobs, source_id)
    with woo_ctx.unit_of_work() as s:
        m1_id = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M1)).scalar_one()
        d3 = _doc(s, source_id, D[3]).id
    dossiers.set_status(woo_ctx, SYSTEM, m1_id, "gereed")
    result = dossiers.publish(woo_ctx, SYSTEM, m1_id)
    from woo.adapters.models import PrivacyFinding
    with woo_ctx.unit_of_work() as s:
        found = [(f.document_id, f.type, f.location, f.masked) for f in s.execute(select(PrivacyFinding)).scalars()]
    assert result.ok, (result.blockers.as_dict(), found)
    assert requests.get(live_server + file_path(d3), timeout=10).status_code == 200

    feed = obv.feed
    # an edit (new title, same file), a changed file, a late attachment on an old meeting, a deletion
    feed.document(D[2], "Raadsvoorstel begroting 2027 (gewijzigd)", obv.files[D[2]], classification="Raadsvoorstel",
                  meeting=M1, to="changes", modified="2026-11-20T10:00:00Z")
    obv.files[D[4]] = _pdf(tmp_path, "d4b", "Besluitenlijst college 10 november 2026, gecorrigeerde versie.")
    feed.document(D[4], "Besluitenlijst college 10 november 2026", obv.files[D[4]], classification="Besluitenlijst",
                  meeting=M2, to="changes", modified="2026-11-21T10:00:00Z")
    obv.files[D[6]] = _pdf(tmp_path, "d6", "Late brief van de provincie over de begroting 2027.")
    feed.document(D[6], "Brief van de provincie", obv.files[D[6]], classification="Ingekomen brief", meeting=M1,
                  to="changes")
    feed.meeting(M1, "Raadsvergadering 12 november 2026", "2026-11-12T19:30:00Z",
                 [("Opening", []), ("Ingekomen stukken", [(D[1], "Brief"), (D[6], "Brief provincie")]),
                  ("Begroting 2027", [(D[2], "Raadsvoorstel"), (D[3], "Motie")])], to="changes")
    feed.delete(D[3])
    view = _sync(woo_ctx, drain_jobs, source_id)
    assert view["state"] == "idle" and view["cursor"] == f"c:{feed.seq}", view
    c = view["counts"]
    assert c["documents_created"] == 1 and c["files_replaced"] == 1 and c["deleted"] == 1 and c["withdrawn"] == 1
    with woo_ctx.unit_of_work() as s:
        d2, d4, d6 = (_doc(s, source_id, D[i]) for i in (2, 4, 6))
        gone = s.get(Document, d3)
        # the published title is not changed behind the officer's back; the new one waits for them
        assert d2.title == "Raadsvoorstel begroting 2027"
        assert d2.metadata_["intake"]["pending_title"] == "Raadsvoorstel begroting 2027 (gewijzigd)"
        assert d4.status == "ready" and d4.file("original").sha256 == hashlib.sha256(obv.files[D[4]]).hexdigest()
        assert [j.kind for j in d4.jobs].count("extract") == 1 and {j.status for j in d4.jobs} == {"done"}
        assert s.get(DossierDocument, d6.id).dossier_id == m1_id and d6.category == _cat("2a")
        assert d6.status == "published"  # the late attachment goes out with its published meeting (issue 13)
        assert gone.status == "withdrawn" and gone.withdraw_reason == tooi.reden_verwijdering(
            "correctie procedurele fout").uri
        assert gone.file("original") is not None  # kept in the archive
        assert s.execute(select(SourceItem.deleted).where(SourceItem.remote_id == D[3])).scalar_one() is True
        before = _counts(s)
    assert requests.get(live_server + file_path(d3), timeout=10).status_code == 410
    view = _sync(woo_ctx, drain_jobs, source_id)  # caught up: nothing changes
    assert view["counts"].get("records", 0) == 0
    with woo_ctx.unit_of_work() as s:
        assert _counts(s) == before


def test_bad_input_is_shown_and_the_rest_goes_on(woo_ctx, drain_jobs, tmp_path):
    feed = Feed()
    with ObvServer(feed) as server:
        files = {D[1]: _pdf(tmp_path, "a", "Een gewoon raadsvoorstel over de haven."),
                 D[2]: _pdf(tmp_path, "b", "Dit bestand bestaat niet meer bij de leverancier.")}
        feed.document(D[1], "Raadsvoorstel haven", files[D[1]])
        feed.raw('{"seq": 99, "op": "upsert", "entity_id": ')  # a broken line
        feed.raw('{"op": "upsert", "entity_id": "document:x:9", "entity_type": "Document", '
                 '"payload": {"id": "document:x:9", "type": "Document"}}')  # schema-invalid: no name
        feed.document(D[2], "Verdwenen bijlage", files[D[2]], serve=False)  # its file answers 404
        feed.document(D[3], "Geen pdf", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="application/pdf",
                      served_type="image/gif", file_name="plaatje.pdf")
        server.mark_snapshot()
        server.fail_next = [(429, "1"), (503, None)]  # slow down, then a hiccup: waited out, not an error
        source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "openbesluitvorming", "slecht",
                                {"source_key": feed.source_key, "base_url": server.url, "rate_per_minute": 6000})
        view = _sync(woo_ctx, drain_jobs, source_id)
        assert view["state"] == "idle" and view["last_error"] is None, view
        assert view["counts"]["documents_created"] >= 1
        problems = {p["where"]: p["message"] for p in view["problems"]}
        assert any(w.startswith("regel") and "JSON" in m for w, m in problems.items()), problems
        assert "schema" in problems["document:x:9"] and "name" in problems["document:x:9"]
        assert "404" in problems[D[2]]
        assert view["items"]["fetch_failed"] >= 1 and "niet opgehaald" in view["fetch_label"]  # visible as such
        with woo_ctx.unit_of_work() as s:
            assert _doc(s, source_id, D[1]).status == "concept"
            item = s.execute(select(SourceItem).where(SourceItem.remote_id == D[2])).scalar_one()
            assert item.document_id is None and "404" in item.problem and item.fetch_state == "failed"
        assert D[3] in problems  # not what its content_type says: said, not silently taken

        # the server forgets our change cursor: a full resync starts, said on the status, nothing duplicated
        with woo_ctx.unit_of_work() as s:
            docs_before = s.execute(select(func.count()).select_from(Document)).scalar_one()
        feed.forgotten_below = feed.seq + 100
        view = _sync(woo_ctx, drain_jobs, source_id)
        assert "cursor" in (view["note"] or "") and "volledige synchronisatie" in view["note"]
        assert view["counts"]["resyncs"] == 1 and view["phase"] == "changes"
        with woo_ctx.unit_of_work() as s:
            assert s.execute(select(func.count()).select_from(Document)).scalar_one() == docs_before
        feed.forgotten_below = 0

        # a server that keeps answering 429: the sync stops with a visible error and a retry time
        server.fail_next = [(429, "0")] * 10
        view = _sync(woo_ctx, drain_jobs, source_id)
        assert view["state"] == "error" and "429" in view["last_error"]
        assert view["next_run_at"] is not None
        server.fail_next = []

        # `woo source status` and the admin page show the same truth
        out = subprocess.run([sys.executable, "-m", "woo", "source", "status", "slecht"], capture_output=True,
                             text=True, env={**os.environ, **cli_env(woo_ctx.settings)}, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "FOUT" in out.stdout and "429" in out.stdout and "regel" in out.stdout and D[2] in out.stdout
        assert "Cursor:" in out.stdout and view["cursor"] in out.stdout
        listing = subprocess.run([sys.executable, "-m", "woo", "source", "list", "--json"], capture_output=True,
                                 text=True, env={**os.environ, **cli_env(woo_ctx.settings)}, timeout=120)
        assert '"slecht"' in listing.stdout and "secret" not in listing.stdout.replace('"has_secret"', "")


def test_auto_publication_only_where_switched_on_and_the_gate_holds(woo_ctx, drain_jobs, obv):
    source_id = _add(woo_ctx, obv, name="auto", auto_publish=["2a", "2c"])
    _sync(woo_ctx, drain_jobs, source_id)
    sources.auto_publish(woo_ctx, source_id)  # the maintenance tick does this after the scans finish
    with woo_ctx.unit_of_work() as s:
        m1 = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M1)).scalar_one()
        m2 = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M2)).scalar_one()
        assert s.get(Dossier, m1).status == "openbaar"       # 2a + 2c: switched on
        assert s.get(Dossier, m2).status == "concept"        # 2d: not switched on
        assert _doc(s, source_id, D[4]).status == "ready"
        assert _doc(s, source_id, D[5]).status == "concept"  # no context: the officer decides
        published = s.execute(select(func.count()).select_from(Document).where(Document.status == "published")
                              ).scalar_one()
    assert published == 3
    # deleted at the source before anyone published it: out of its meeting, so the dossier never publishes it
    obv.feed.delete(D[4])
    view = _sync(woo_ctx, drain_jobs, source_id)
    assert view["counts"]["deleted"] == 1 and view["counts"].get("withdrawn", 0) == 0
    with woo_ctx.unit_of_work() as s:
        d4 = _doc(s, source_id, D[4])
        assert d4.publication_id is None and d4.status == "concept" and s.get(DossierDocument, d4.id) is None
        assert "deleted_at_source" in d4.metadata_["intake"]


def test_secret_is_encrypted_and_never_listed(woo_ctx):
    source_id = sources.add(woo_ctx, SYSTEM, "gm0363", "openbesluitvorming", "geheim",
                            {"source_key": "x", "base_url": "http://127.0.0.1:9"}, secret="s3cr3t-waarde")
    with woo_ctx.unit_of_work() as s:
        row = s.get(Source, source_id)
        assert row.secret and "s3cr3t" not in row.secret
        listed = sources.list_sources(s)
    assert "s3cr3t" not in repr(listed) and "s3cr3t" not in repr(sources.status(woo_ctx, source_id))
    assert sources._unseal(woo_ctx, row.secret) == "s3cr3t-waarde"
    with pytest.raises(sources.SourceError):
        sources.add(woo_ctx, SYSTEM, "gm0363", "openbesluitvorming", "fout", {"source_key": "x", "secret": "y"})
    with pytest.raises(sources.SourceError, match="nog niet beschikbaar|Onbekend"):
        sources.add(woo_ctx, SYSTEM, "gm0363", "bestaat-niet", "fout2", {})
    _ = Job  # noqa


@pytest.mark.parametrize("backend", ["sqlite"])  # a thin view over woo.services.sources
def test_admin_page_registers_syncs_and_shows_the_true_state(woo_ctx, drain_jobs, obv):
    import re

    from woo.app import create_app

    app = create_app(ctx=woo_ctx)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                       "csrf_token": token}).status_code == 302
    page = client.get("/beheer/bronnen").get_data(as_text=True)
    assert "Bron toevoegen" in page and "Nog geen bronnen" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/beheer/bronnen", data={"csrf_token": token, "name": "webraad", "kind": "openbesluitvorming",
                                                "organisation": "gm0363", "source_key": obv.feed.source_key,
                                                "base_url": obv.url, "secret": "nooit-tonen", "interval": "60"})
    assert resp.status_code == 302
    with woo_ctx.unit_of_work() as s:
        source_id = s.execute(select(Source.id).where(Source.name == "webraad")).scalar_one()
    resp = client.post(f"/beheer/bronnen/{source_id}/synchroniseren", data={"csrf_token": token})
    assert resp.status_code == 302
    drain_jobs()
    detail = client.get(f"/beheer/bronnen/{source_id}").get_data(as_text=True)
    view = sources.status(woo_ctx, source_id)
    assert "nooit-tonen" not in detail and "nooit-tonen" not in client.get("/beheer/bronnen").get_data(as_text=True)
    assert view["cursor"] in detail and "5 nieuwe documenten" in detail and "2 nieuwe vergaderingen" in detail
    assert "lastSuccessAt: 2026-11-30" in detail and "Wijzigingen bijhouden" in detail
    assert "versleuteld" in detail
    resp = client.post(f"/beheer/bronnen/{source_id}/uit", data={"csrf_token": token})
    assert resp.status_code == 302 and sources.status(woo_ctx, source_id)["enabled"] is False
    assert client.post("/beheer/bronnen/999999/aan", data={"csrf_token": token}).status_code == 404


def test_the_sync_records_first_and_the_files_come_after_it_as_jobs_per_item(woo_ctx, drain_jobs, obv):
    """The sync step records what the remote says; each file is a background job per item afterwards. Until its
    file is in, a document is not shown as more than it is: no document yet, the source says so in Dutch."""
    source_id = _add(woo_ctx, obv, name="eerst-metadata")
    sources.sync(woo_ctx, SYSTEM, source_id)
    view = sources.run_until_done(woo_ctx, source_id, fetch=False)  # the steps only, here; the fetch jobs wait
    assert view["state"] == "idle" and view["phase"] == "changes", view
    assert view["counts"]["files_queued"] == 5 and view["counts"]["meetings_created"] == 2
    assert view["items"]["fetch_pending"] == 5 and "5 bestand wordt opgehaald" in view["fetch_label"]
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 0  # nothing shown as a file
        assert s.execute(select(func.count()).select_from(Dossier)).scalar_one() == 2   # the meetings are there
        items = {i.remote_id: i for i in s.execute(select(SourceItem).where(SourceItem.source_id == source_id))
                 .scalars()}
        pending = items[D[2]]
        assert pending.fetch_state == "pending" and pending.record["title"] == "Raadsvoorstel begroting 2027"
        stale_token, saved_record = pending.fetch_token, dict(pending.record)
        # a worker died holding this fetch: its rq job is gone; recovery queues it again under a new token
        pending.fetch_token = "woo-fetch-died-with-its-worker"
        item_id = pending.id
    out = subprocess.run([sys.executable, "-m", "woo", "source", "status", "eerst-metadata"], capture_output=True,
                         text=True, env={**os.environ, **cli_env(woo_ctx.settings)}, timeout=120)
    assert out.returncode == 0 and "bestand wordt opgehaald" in out.stdout, out.stdout + out.stderr
    assert sources.recover(woo_ctx) >= 1
    assert sources.fetch_item(woo_ctx, item_id, stale_token) == "stale"  # superseded: changes nothing
    drain_jobs()
    view = sources.status(woo_ctx, source_id)
    assert view["items"]["fetch_pending"] == 0 and view["items"]["fetch_failed"] == 0, view
    assert view["counts"]["documents_created"] == 5, view["counts"]
    with woo_ctx.unit_of_work() as s:
        d2 = _doc(s, source_id, D[2])
        m1 = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M1)).scalar_one()
        assert s.get(DossierDocument, d2.id).dossier_id == m1 and d2.category == _cat("2c")  # placed on arrival
        assert d2.file("original").sha256 == hashlib.sha256(obv.files[D[2]]).hexdigest()
        before = _counts(s)
        # a crash after the ingest committed but before the job said so: the repeat finds the mapping
        item = s.get(SourceItem, item_id)
        item.fetch_state, item.fetch_token, item.record = "pending", "woo-fetch-again", saved_record
    assert sources.fetch_item(woo_ctx, item_id, "woo-fetch-again") == "done"
    assert sources.fetch_item(woo_ctx, item_id, "woo-fetch-again") == "stale"  # and once done, a repeat is stale
    with woo_ctx.unit_of_work() as s:
        assert _counts(s) == before  # nothing doubled
        assert s.get(SourceItem, item_id).fetch_state is None


def test_a_meeting_page_handles_its_agenda_in_chunks_and_places_every_document(woo_ctx, drain_jobs, obv,
                                                                                monkeypatch):
    """A page's memory does not grow with its agenda references (issue 16, peak RSS flat): the page step
    handles them a chunk at a time, forgetting the items of a chunk once written (same transaction). With a
    chunk of one reference, every document still ends up on its meeting, with its role and category."""
    trims = []
    real_trim = sources._trim
    monkeypatch.setattr(sources, "AGENDA_CHUNK", 1)
    monkeypatch.setattr(sources, "_trim", lambda *a: (trims.append(1), real_trim(*a)))
    source_id = _add(woo_ctx, obv, name="in-delen")
    view = _sync(woo_ctx, drain_jobs, source_id)
    assert view["state"] == "idle" and view["last_error"] is None, view
    assert trims, "the agenda was not handled in chunks"
    assert view["counts"]["documents_created"] == 5 and view["counts"]["meetings_created"] == 2
    with woo_ctx.unit_of_work() as s:
        m1 = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M1)).scalar_one()
        m2 = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M2)).scalar_one()
        roles = {r.document_id: (r.dossier_id, r.role) for r in s.execute(select(DossierDocument)).scalars()}
        d1, d2, d3, d4, d5 = (_doc(s, source_id, D[i]) for i in range(1, 6))
        assert roles[d1.id] == (m1, "ingekomen-stuk") and d1.category == _cat("2a")
        assert roles[d2.id] == (m1, "vergaderstuk") and roles[d3.id] == (m1, "vergaderstuk")
        assert roles[d4.id] == (m2, "besluitenlijst") and d5.id not in roles
        items = {i.remote_id: i for i in s.execute(select(SourceItem).where(SourceItem.source_id == source_id))
                 .scalars()}
        assert {items[D[i]].meeting_remote_id for i in (1, 2, 3)} == {M1}
        assert items[D[1]].agenda_item == "Ingekomen stukken"
        before = _counts(s)
    view = _sync(woo_ctx, drain_jobs, source_id, full=True)  # a repeat in chunks creates nothing either
    assert view["counts"].get("documents_created", 0) == 0 and view["counts"].get("meetings_created", 0) == 0
    with woo_ctx.unit_of_work() as s:
        assert _counts(s) == before


def test_remote_date_modified_reaches_lastmod_and_never_moves_it_back(woo_ctx, drain_jobs, obv):
    """lastmod in the sitemap, as a harvester reads it, is max(woo's own last change, the remote's date_modified)."""
    from datetime import datetime, timedelta, timezone

    from tests.integration.test_correct import _harvested
    from woo.app import create_app
    from woo.services import dossiers

    source_id = _add(woo_ctx, obv)
    _sync(woo_ctx, drain_jobs, source_id)
    with woo_ctx.unit_of_work() as s:
        m1_id = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M1)).scalar_one()
        d2 = _doc(s, source_id, D[2]).id
    dossiers.set_status(woo_ctx, SYSTEM, m1_id, "gereed")
    assert dossiers.publish(woo_ctx, SYSTEM, m1_id).ok
    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    client = app.test_client()
    first, _ = _harvested(client, woo_ctx, d2, tooi.category_by_code("2c"))

    # the remote's clock is ahead of woo's: its date is the later one and becomes lastmod
    ahead = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    obv.feed.document(D[2], "Raadsvoorstel begroting 2027", obv.files[D[2]], classification="Raadsvoorstel",
                      meeting=M1, to="changes", modified=ahead.isoformat().replace("+00:00", "Z"))
    _sync(woo_ctx, drain_jobs, source_id)
    moved, _ = _harvested(client, woo_ctx, d2, tooi.category_by_code("2c"))
    assert datetime.fromisoformat(moved) == ahead and datetime.fromisoformat(moved) > datetime.fromisoformat(first)

    # a later change that carries an older remote date: applied, but lastmod does not go back
    obv.feed.document(D[2], "Raadsvoorstel begroting 2027", obv.files[D[2]], classification="Raadsvoorstel",
                      meeting=M1, to="changes", modified="2026-11-25T10:00:00Z")
    view = _sync(woo_ctx, drain_jobs, source_id)
    assert view["counts"]["documents_updated"] >= 1, view
    after, _ = _harvested(client, woo_ctx, d2, tooi.category_by_code("2c"))
    assert datetime.fromisoformat(after) == ahead
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, d2)
        assert doc.metadata_["intake"]["modified"].startswith("2026-11-25")  # the change itself was taken in
        assert doc.remote_modified.replace(tzinfo=timezone.utc) == ahead


def test_motions_and_amendments_with_votes_per_fraction_are_kept_with_the_meeting_dossier(woo_ctx, drain_jobs,
                                                                                         tmp_path):
    """Motion entities (motion.schema.json: outcome, tally, per-member votes with their fraction) are mapped into
    their meeting's dossier: shown with the votes per fraction, their documents placed in that dossier; a meeting
    naming its committee by id (committee.schema.json) gets the committee's name; a second run changes nothing."""
    import re

    from woo.app import create_app

    college, m3 = "committee:notubiz:gemeente:test:college", "meeting:notubiz:gemeente:test:3"
    motie_doc = "document:notubiz:gemeente:test:motie-groen"
    feed = Feed()
    with ObvServer(feed) as server:
        text = "Motie groen in de wijk. De raad verzoekt het college meer bomen te planten in de wijk. Nummer 7."
        feed.document(motie_doc, "Motie groen in de wijk", _pdf(tmp_path, "mg", text), classification="Motie")
        feed.committee(college, "College van burgemeester en wethouders")
        feed.meeting(M1, "Raadsvergadering 12 november 2026", "2026-11-12T19:30:00Z", [("Moties", [])])
        feed.add("Meeting", {"id": m3, "type": "Meeting", "name": "Vergadering 10 november 2026",
                             "start_date": "2026-11-10T09:00:00Z", "committee": college,
                             "source_info": {"supplier": feed.supplier, "source": feed.source_key}})
        feed.motion("motion:notubiz:gemeente:test:1", "Motie groen in de wijk", M1, result="aangenomen",
                    votes=[("voor", "VVD"), ("voor", "VVD"), ("voor", "GroenLinks"), ("tegen", "PVV")],
                    attachments=[motie_doc])
        feed.motion("motion:notubiz:gemeente:test:2", "Amendement parkeren", M1, motion_type="Amendement",
                    result="verworpen", votes=[("tegen", "VVD"), ("voor", "GroenLinks")])
        server.mark_snapshot()
        source_id = _add(woo_ctx, server)
        view = _sync(woo_ctx, drain_jobs, source_id)
        assert view["last_error"] is None and view["counts"]["motions_created"] == 2, view
        with woo_ctx.unit_of_work() as s:
            raad = s.execute(select(SourceItem.dossier_id).where(SourceItem.remote_id == M1)).scalar_one()
            motions = sources.motions_of(s, raad)
            assert [(m["title"], m["motion_type"], m["result"], m["in_favour"], m["against"]) for m in motions] == [
                ("Motie groen in de wijk", "Motie", "aangenomen", 3, 1),
                ("Amendement parkeren", "Amendement", "verworpen", 1, 1)]
            assert motions[0]["fractions"] == [["GroenLinks", 1, 0], ["PVV", 0, 1], ["VVD", 2, 0]]
            doc = _doc(s, source_id, motie_doc)
            assert s.get(DossierDocument, doc.id).dossier_id == raad  # the motion's document, in its meeting
            vergadering = s.get(Dossier, s.execute(select(SourceItem.dossier_id)
                                                   .where(SourceItem.remote_id == m3)).scalar_one())
            assert vergadering.category == _cat("2d")  # the college, named by its committee entity
            before = _counts(s)
        client = create_app(ctx=woo_ctx).test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        assert client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                           "csrf_token": token}).status_code == 302
        page = client.get(f"/dossiers/{raad}/beheer").get_data(as_text=True)
        assert "Moties en amendementen" in page and "GroenLinks: 1 voor, 0 tegen; PVV: 0 voor, 1 tegen; VVD: 2 voor" \
            in page and "3 voor, 1 tegen" in page and "verworpen" in page
        view = _sync(woo_ctx, drain_jobs, source_id, full=True)  # everything again: nothing new, nothing changed
        assert "motions_created" not in view["counts"] and "motions_updated" not in view["counts"], view["counts"]
        with woo_ctx.unit_of_work() as s:
            assert _counts(s) == before
