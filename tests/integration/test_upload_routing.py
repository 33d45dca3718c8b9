"""Issue 12, no head-of-line blocking by design: a file the extract job would refuse is refused at upload
(the same cheap header checks, in the one ingest service: API, web upload and CLI alike), and an expensive
document's extraction (long or scanned PDF, image) is routed to the heavy queue at intake, so a cheap
document's light work only ever waits behind other cheap documents. Ordering and routing are asserted,
never timings (those are in scripts/bench/hostile.py)."""
from __future__ import annotations

import io
import re

from click.testing import CliRunner
from rq import Queue, SimpleWorker
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.factories import make_docx, make_pdf, make_scanned_pdf
from tests.hostile import blank_pages_pdf, nested_eml, patch_member, tiff_ifd_loop
from woo import worker
from woo.adapters.models import Document, Job, StoredFile, User
from woo.intake import precheck
from woo.services import accounts, jobs
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

PYTHON_ERROR = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback|NotImplemented")
TEXT = ["Besluit op het Woo-verzoek van 3 maart 2025 over de herinrichting van de haven. Het college heeft "
        "besloten de gevraagde stukken gedeeltelijk openbaar te maken."]


def _org(ctx) -> int:
    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


def _counts(ctx) -> tuple[int, int, int, int, int]:
    redis = ctx.queue.redis
    with ctx.unit_of_work() as s:
        rows = (s.query(Document).count(), s.query(StoredFile).count(), s.query(Job).count())
    return (*rows, redis.llen("rq:queue:woo") + redis.llen("rq:queue:woo-heavy"),
            sum(1 for _ in ctx.store.list_versions("documents/")))


def _extract_job(ctx, document_id: str) -> Job:
    with ctx.unit_of_work() as s:
        job = s.execute(select(Job).where(Job.document_id == document_id, Job.kind == "extract")).scalar_one()
        s.expunge(job)
    return job


# ------------------------------------------------------------------------------ refused at upload

def test_a_file_that_would_be_refused_is_refused_at_upload_by_api_web_and_cli(woo_ctx, tmp_path):
    from tests.integration.security_world import CSRF, build_world
    from woo.cli import main

    world = build_world(woo_ctx, tmp_path)
    with woo_ctx.unit_of_work() as s:
        secret = accounts.create_token(s, SYSTEM, s.get(User, world.users["officer"]), "zaaksysteem", "ingest read")
    loop = tiff_ifd_loop(tmp_path / "lus.tif", "self").read_bytes()
    eml = nested_eml(tmp_path / "genest.eml").read_bytes()
    locked = patch_member(make_docx(tmp_path / "slot.docx", ["Geheim."]), "word/document.xml", flag=1)
    before = _counts(woo_ctx)

    api = world.app.test_client().post(
        "/api/v1/documents", headers={"Authorization": f"Bearer {secret}"},
        data={"organisation_id": str(world.org_a), "file": (io.BytesIO(loop), "lus.tif")})
    assert api.status_code == 422, api.get_data(as_text=True)
    body = api.get_json()
    assert "lus" in (body.get("detail") or body.get("reason") or ""), body

    web = world.client("officer").post(
        "/documenten/upload", headers={"X-CSRF-Token": CSRF, "Accept": "application/json"},
        data={"organisation_id": str(world.org_a), "file": (io.BytesIO(eml), "genest.eml")})
    assert web.status_code in (200, 422)
    assert web.get_json()["status"] == "rejected" and "ingesloten berichten" in web.get_json()["reason"]

    cli = CliRunner().invoke(main, ["ingest", str(locked), "--data-dir", str(tmp_path / "d")],
                             env=cli_env(woo_ctx.settings))
    assert cli.exit_code == 1, cli.output
    assert "wachtwoord" in cli.output and not PYTHON_ERROR.search(cli.output), cli.output

    assert _counts(woo_ctx) == before  # no document, file, job, queue entry or object for any of them


def test_the_upload_check_refuses_only_what_the_extract_job_would_refuse(tmp_path):
    """The same files pass or fail the upload check as the in-job checks (which stay: defence in depth)."""
    from woo.intake.extract import ExtractionError, extract_text

    normal = make_pdf(tmp_path / "n.pdf", TEXT)
    docx = make_docx(tmp_path / "n.docx", TEXT)
    assert precheck.check_upload(normal, "pdf") == precheck.Estimate(False, None, pages=1, text_layer=True)
    assert not precheck.check_upload(docx, "docx").heavy
    shallow = nested_eml(tmp_path / "ondiep.eml", depth=precheck.MAX_EMBEDDED_MESSAGES)
    precheck.check_upload(shallow, "eml")  # at the limit: accepted, and extraction reads it
    extract_text(shallow, "eml")
    for path, kind in ((tiff_ifd_loop(tmp_path / "l.tif", "pair"), "tiff"),
                       (patch_member(make_docx(tmp_path / "m.docx", ["x"]), "word/document.xml", method=97), "docx")):
        try:
            precheck.check_upload(path, kind)
        except precheck.Refused as exc:
            assert exc.reason and not PYTHON_ERROR.search(exc.reason)
        else:
            raise AssertionError(f"{path.name} passed the upload check")
        try:
            extract_text(path, kind, ocr=False)
        except ExtractionError:
            pass
        else:
            raise AssertionError(f"{path.name} passed the extract job's own check")


# ------------------------------------------------------------------------------ routing

def test_a_normal_document_is_not_held_behind_expensive_ones(woo_ctx, tmp_path):
    """Expensive uploads first (long PDFs, a scan, an image), a normal document last: its extract job is the
    only one on the light queue, so working the light queue alone makes it ready for review while every
    expensive one still waits on the heavy queue."""
    org = _org(woo_ctx)
    slow = []
    for i in range(4):
        long_pdf = blank_pages_pdf(tmp_path / f"lang{i}.pdf", precheck.HEAVY_PAGES + 1 + i)
        slow.append(ingest(woo_ctx, SYSTEM, org, long_pdf.name, path=long_pdf).document_id)
    scan = make_scanned_pdf(tmp_path / "scan.pdf", "Gemeente Utrecht besluit vergunning")
    slow.append(ingest(woo_ctx, SYSTEM, org, "scan.pdf", path=scan).document_id)
    from PIL import Image

    Image.new("L", (200, 100), 255).save(tmp_path / "foto.png")
    slow.append(ingest(woo_ctx, SYSTEM, org, "foto.png", path=tmp_path / "foto.png").document_id)
    normal = ingest(woo_ctx, SYSTEM, org, "besluit.pdf", path=make_pdf(tmp_path / "besluit.pdf", TEXT)).document_id
    assert None not in slow and normal

    redis = woo_ctx.queue.redis
    light, heavy = Queue("woo", connection=redis), Queue("woo-heavy", connection=redis)
    normal_job = _extract_job(woo_ctx, normal)
    assert normal_job.queue is None and light.job_ids == [normal_job.rq_id]
    slow_jobs = [_extract_job(woo_ctx, d) for d in slow]
    assert all(j.queue == "woo-heavy" for j in slow_jobs)
    assert sorted(heavy.job_ids) == sorted(j.rq_id for j in slow_jobs)
    with woo_ctx.unit_of_work() as s:  # the routing is on record, with its reason
        from woo.adapters.models import Event

        routes = [e.detail.get("route") for e in s.execute(select(Event).where(
            Event.action == "document.identified", Event.document_id.in_(slow))).scalars()]
    assert sorted(routes) == sorted(["heavy (pages)"] * 4 + ["heavy (scan)", "heavy (image)"])

    worker.use_context(woo_ctx)
    SimpleWorker([light], connection=redis).work(burst=True)  # only what the light workers do
    with woo_ctx.unit_of_work() as s:
        ready = {j.kind: j.status for j in s.get(Document, normal).jobs}
        waiting = [j.status for d in slow for j in s.get(Document, d).jobs]
    assert ready["extract"] == ready["privacy"] == "done", ready
    assert waiting == ["queued"] * len(slow)  # nothing of theirs ran on the light queue
    assert len(heavy.job_ids) == len(slow) + 1  # plus the normal document's PDF/A, behind them


def test_routed_extractions_go_ahead_of_pdfa_renditions_and_keep_their_queue(woo_ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("WOO_OCR_MAX_PAGES", "1")  # the blank pages go on to OCR: one page is enough here
    org = _org(woo_ctx)
    first = ingest(woo_ctx, SYSTEM, org, "a.pdf", path=make_pdf(tmp_path / "a.pdf", TEXT)).document_id
    with woo_ctx.unit_of_work() as s:
        preserve = jobs.add_job(s, first, "preserve").id
    jobs.dispatch(woo_ctx, preserve)
    long_pdf = blank_pages_pdf(tmp_path / "lang.pdf", precheck.HEAVY_PAGES + 1)
    routed = ingest(woo_ctx, SYSTEM, org, "lang.pdf", path=long_pdf).document_id
    heavy = Queue("woo-heavy", connection=woo_ctx.queue.redis)
    routed_job = _extract_job(woo_ctx, routed)
    assert heavy.job_ids[0] == routed_job.rq_id  # on the way to review: before the rendition
    with woo_ctx.unit_of_work() as s:  # the admin view shows where it waits
        row = next(r for r in jobs.overview(s) if r["id"] == routed_job.id)
    assert row["queue"] == "woo-heavy"
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        statuses = {j.kind: j.status for j in s.get(Document, routed).jobs}
        meta = s.get(Document, routed).metadata_
    assert statuses["extract"] == "done" and meta["page_count"] == precheck.HEAVY_PAGES + 1


def test_a_job_that_took_its_worker_down_is_retried_on_the_heavy_queue(woo_ctx, tmp_path):
    """A cheap-looking file whose job was running when its worker died (or rq's timeout killed it) is not
    cheap: recover() queues it again on the heavy queue, so it cannot hold a light worker twice. A job
    that was only waiting keeps its queue."""
    org = _org(woo_ctx)
    died = ingest(woo_ctx, SYSTEM, org, "a.pdf", path=make_pdf(tmp_path / "a.pdf", TEXT)).document_id
    waited = ingest(woo_ctx, SYSTEM, org, "b.pdf", path=make_pdf(tmp_path / "b.pdf", TEXT + ["Tweede."])).document_id
    woo_ctx.queue.redis.delete("rq:queue:woo")
    with woo_ctx.unit_of_work() as s:
        for doc_id, status in ((died, jobs.RUNNING), (waited, jobs.QUEUED)):
            job = s.execute(select(Job).where(Job.document_id == doc_id, Job.kind == "extract")).scalar_one()
            job.status, job.rq_id = status, f"woo-job-gone-{doc_id}"
    assert jobs.recover(woo_ctx)["requeued"] == 2
    assert _extract_job(woo_ctx, died).queue == "woo-heavy"
    assert _extract_job(woo_ctx, waited).queue is None
    light, heavy = Queue("woo", connection=woo_ctx.queue.redis), Queue("woo-heavy", connection=woo_ctx.queue.redis)
    assert _extract_job(woo_ctx, died).rq_id in heavy.job_ids
    assert light.job_ids == [_extract_job(woo_ctx, waited).rq_id]
    drain(woo_ctx)
    assert _extract_job(woo_ctx, died).status == _extract_job(woo_ctx, waited).status == jobs.DONE
