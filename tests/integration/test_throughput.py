"""Issue 18: a document's light jobs run as one chain in one worker process, reading each stored object
once (woo.adapters.readcache), with the same privacy and classification results as jobs that each read
everything from S3 again; the heavy work (PDF/A) still goes to its own queue."""
from __future__ import annotations

import json

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from tests.conftest import drain
from tests.factories import make_pdf
from woo import worker
from woo.adapters.models import Document, Job, PrivacyFinding
from woo.adapters.objectstore import S3ObjectStore
from woo.adapters.readcache import ReadCache
from woo.services import accounts, classification, jobs, privacy
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

LETTERS = [
    ["Gemeente Utrecht, 3 maart 2025. Kenmerk 2025-1234.\nGeachte heer Jan de Vries,\n"
     "Uw aanvraag omgevingsvergunning voor de Oudegracht 12, 3511 AB Utrecht is ontvangen. "
     "Voor vragen belt u 06-12345678 of mailt u naar j.devries@example.nl.",
     "Het college van burgemeester en wethouders besluit de vergunning te verlenen. Bezwaar binnen zes weken."],
    ["Besluitenlijst van de vergadering van het college van burgemeester en wethouders van 12 maart 2025.\n"
     "Aanwezig: de burgemeester, de wethouders en de secretaris. Besluit: het college stemt in met de begroting."],
    ["Woo-besluit op het verzoek van mevrouw Petra Jansen van 1 februari 2025 om openbaarmaking van "
     "documenten over de herinrichting van de Stationsstraat. Haar BSN 111222333 staat in de bijlage."],
]


def _org(ctx) -> int:
    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


def _ingest_letters(ctx, tmp_path) -> list[str]:
    ids = []
    for i, pages in enumerate(LETTERS):
        pdf = make_pdf(tmp_path / f"brief-{i}.pdf", pages, title=f"Brief {i}", author="Afdeling Vergunningen")
        result = ingest(ctx, SYSTEM, _org(ctx), pdf.name, path=pdf, source="cli")
        assert result.status == "accepted", result
        ids.append(result.document_id)
    return ids


def _results(ctx, ids: list[str]) -> str:
    """What an officer sees per document, canonical: suggestion, metadata suggestions, privacy findings."""
    out = {}
    with ctx.unit_of_work() as s:
        for doc_id in ids:
            doc = s.get(Document, doc_id)
            rows = s.execute(select(PrivacyFinding).where(PrivacyFinding.document_id == doc_id)).scalars()
            out[doc_id] = {"suggestion": doc.suggestion, "suggested": (doc.metadata_ or {}).get("suggested"),
                           "findings": sorted(json.dumps([f.type, f.page, f.start, f.end, f.text, f.masked,
                                                          f.decision, f.reason, f.location]) for f in rows)}
    return json.dumps(out, sort_keys=True, ensure_ascii=False)


def _work_light_queue(ctx) -> None:
    worker.use_context(ctx)
    SimpleWorker([Queue("woo", connection=ctx.queue.redis)], connection=ctx.queue.redis).work(burst=True)


def _jobs_of(ctx, doc_id) -> dict[str, Job]:
    with ctx.unit_of_work() as s:
        rows = s.execute(select(Job).where(Job.document_id == doc_id)).scalars().all()
        s.expunge_all()
    return {j.kind: j for j in rows}


def test_light_jobs_run_as_one_chain_and_read_each_original_once(woo_ctx, tmp_path, monkeypatch):
    ids = _ingest_letters(woo_ctx, tmp_path)
    reads: list[str] = []
    real_iter = S3ObjectStore.iter_chunks

    def counting(self, key, chunk_size=1024 * 1024, version_id=None):
        reads.append(key)
        return real_iter(self, key, chunk_size=chunk_size, version_id=version_id)

    monkeypatch.setattr(S3ObjectStore, "iter_chunks", counting)
    _work_light_queue(woo_ctx)  # only the light queue: what "ready for review" needs
    assert woo_ctx.queue.redis.llen("rq:queue:woo") == 0
    for doc_id in ids:
        kinds = _jobs_of(woo_ctx, doc_id)
        assert {k: kinds[k].status for k in ("extract", "privacy", "classify")} == \
            {"extract": "done", "privacy": "done", "classify": "done"}, {k: (j.status, j.error) for k, j in kinds.items()}
        # privacy and classification ran in the extract job's rq job (and carry its id for recover())
        assert kinds["privacy"].rq_id == kinds["classify"].rq_id == kinds["extract"].rq_id
        assert kinds["preserve"].status == "queued"  # PDF/A waits on the heavy queue
    assert woo_ctx.queue.redis.llen("rq:queue:woo-heavy") == len(ids)
    with woo_ctx.unit_of_work() as s:
        originals = {s.get(Document, d).file("original").object_key for d in ids}
        texts = {s.get(Document, d).file("text").object_key for d in ids}
    # the original once (text layer; hidden content and public rendition reuse it), the text never
    assert sorted(k for k in reads if k in originals) == sorted(originals)
    assert not [k for k in reads if k in texts]


def test_chained_results_equal_the_jobs_run_one_by_one_from_s3(woo_ctx, tmp_path):
    ids = _ingest_letters(woo_ctx, tmp_path)
    drain(woo_ctx)
    chained = _results(woo_ctx, ids)
    assert '"type": "bsn"' in chained or "bsn" in chained  # the scan found something to compare
    with woo_ctx.unit_of_work() as s:
        s.query(PrivacyFinding).filter(PrivacyFinding.document_id.in_(ids)).delete(synchronize_session=False)
        for doc_id in ids:
            doc = s.get(Document, doc_id)
            doc.suggestion = None
            doc.metadata_ = {k: v for k, v in (doc.metadata_ or {}).items() if k != "suggested"}
    assert _results(woo_ctx, ids) != chained
    for doc_id in ids:  # each handler on its own, every object read from S3 (no read cache)
        assert not isinstance(woo_ctx.store, ReadCache)
        privacy.scan_document(woo_ctx, doc_id)
        classification.classify_document(woo_ctx, doc_id)
    assert _results(woo_ctx, ids) == chained


def test_a_failing_follow_up_is_shown_and_does_not_stop_the_others(woo_ctx, tmp_path, monkeypatch):
    ids = _ingest_letters(woo_ctx, tmp_path)[:1]

    def broken(ctx, document_id):
        raise jobs.JobFailed("Categorie voorstellen mislukt (test).")

    monkeypatch.setattr(classification, "classify_document", broken)
    _work_light_queue(woo_ctx)
    kinds = _jobs_of(woo_ctx, ids[0])
    assert kinds["extract"].status == "done" and kinds["privacy"].status == "done"
    assert kinds["classify"].status == "failed" and kinds["classify"].error == "Categorie voorstellen mislukt (test)."
    assert kinds["preserve"].status == "queued"


def test_a_follow_up_left_by_a_killed_worker_is_recovered(woo_ctx, tmp_path):
    """A worker killed between the extract job and its chained follow-ups: their rows are 'queued' with the
    dead rq job's id; recover() queues them again and they run."""
    ids = _ingest_letters(woo_ctx, tmp_path)[:1]
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        job = s.execute(select(Job).where(Job.document_id == ids[0], Job.kind == "classify")).scalar_one()
        job.status, job.rq_id = jobs.QUEUED, "woo-job-gone-1"
        job_id = job.id
    assert jobs.recover(woo_ctx)["requeued"] == 1
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Job, job_id).status == jobs.DONE


def test_read_cache_serves_exact_versions_only(woo_ctx):
    store = ReadCache(woo_ctx.store, max_object=1024, max_total=4096)
    first = store.put_bytes("bench/readcache/a", b"eerste", "text/plain")
    second = store.put_bytes("bench/readcache/a", b"tweede", "text/plain")
    assert store.get_bytes("bench/readcache/a", second.version_id) == b"tweede"
    assert store.hits == 1
    assert store.get_bytes("bench/readcache/a", first.version_id) == b"eerste"  # from S3: not kept after the put
    assert store.get_bytes("bench/readcache/a", first.version_id) == b"eerste" and store.hits == 2
    big = woo_ctx.store.put_bytes("bench/readcache/big", b"x" * 2048, "application/octet-stream")
    assert store.get_bytes("bench/readcache/big", big.version_id) == b"x" * 2048
    assert store.get_bytes("bench/readcache/big", big.version_id) == b"x" * 2048 and store.hits == 2  # too big
    store.delete_all_versions("bench/readcache/a")
    with pytest.raises(Exception):
        store.get_bytes("bench/readcache/a", second.version_id)  # deleted: not served from memory either


def test_worker_warm_up_loads_the_tools_before_forking(woo_ctx):
    from woo.classify import default_classifier
    from woo.privacy import names

    default_classifier.cache_clear()
    names._lists.cache_clear()
    worker.warm_up(woo_ctx)
    assert default_classifier.cache_info().currsize == 1
    assert names._lists.cache_info().currsize == 1


def test_ocr_goes_ahead_of_waiting_pdfa_renditions(woo_ctx, tmp_path):
    """A scan's OCR is on its way to review, a PDF/A rendition is not: on the heavy queue OCR comes first."""
    ids = _ingest_letters(woo_ctx, tmp_path)[:2]
    with woo_ctx.unit_of_work() as s:
        preserve = jobs.add_job(s, ids[0], "preserve").id
        ocr = jobs.add_job(s, ids[1], "ocr").id
    jobs.dispatch(woo_ctx, preserve)
    jobs.dispatch(woo_ctx, ocr)
    heavy = Queue("woo-heavy", connection=woo_ctx.queue.redis)
    with woo_ctx.unit_of_work() as s:
        order = [s.get(Job, i).rq_id for i in (ocr, preserve)]
    assert heavy.job_ids == order


def test_a_horse_after_warm_up_imports_nothing_of_woo_for_its_chain(woo_ctx, tmp_path):
    """Every module a document's chain needs is loaded by warm_up before rq forks: a horse that imported
    woo.services.dossiers (the late publication after each chain) again paid 0.2-0.3 s per job. The chain runs
    in a forked child, as in rq, which reports the woo modules it had to import."""
    import os
    import sys

    ids = _ingest_letters(woo_ctx, tmp_path)[:1]
    with woo_ctx.unit_of_work() as s:
        extract = s.execute(select(Job.id).where(Job.document_id == ids[0], Job.kind == "extract")).scalar_one()
    worker.warm_up(woo_ctx)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            worker._forget_inherited_connections()
            before = set(sys.modules)
            status = jobs.run(woo_ctx, extract)
            new = sorted(m for m in set(sys.modules) - before if m.startswith("woo"))
            os.write(write, json.dumps({"status": status, "new": new}).encode())
        finally:
            os._exit(0)
    os.close(write)
    out = b""
    while chunk := os.read(read, 65536):
        out += chunk
    os.waitpid(pid, 0)
    got = json.loads(out)
    assert got["status"] == "done"
    assert got["new"] == [], f"a horse imported {got['new']} for its chain: load them in worker.warm_up"
    kinds = _jobs_of(woo_ctx, ids[0])
    assert kinds["privacy"].status == "done" and kinds["classify"].status == "done"


def test_a_chain_skips_the_hooks_that_cannot_apply_to_its_document(woo_ctx, tmp_path, monkeypatch):
    """Fewer transactions a document: a document of no dossier and no organisation page is not looked up
    again for late publication, and a scan that leaves findings to decide does not look for a public
    rendition it cannot make yet (the decision asks for it). Results stay those of the jobs one by one."""
    from woo.services import contact_details, dossiers

    calls: list[str] = []
    for module, name in ((dossiers, "publish_late_for_document"), (contact_details, "publish_when_ready"),
                         (privacy, "ensure_public_rendition")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda ctx, doc_id, _n=name, _r=real: calls.append(_n) or _r(ctx, doc_id))
    ids = _ingest_letters(woo_ctx, tmp_path)
    _work_light_queue(woo_ctx)
    for doc_id in ids:
        kinds = _jobs_of(woo_ctx, doc_id)
        assert {k: kinds[k].status for k in ("extract", "privacy", "classify")} == \
            {"extract": "done", "privacy": "done", "classify": "done"}
        with woo_ctx.unit_of_work() as s:
            assert any(f.decision == privacy.OPEN for f in privacy.original_findings(s, doc_id))
    assert calls == []


def test_a_pdf_text_layer_and_privacy_scan_make_no_temporary_folder(woo_ctx, tmp_path, monkeypatch):
    """The chain reads a PDF original from the read cache's bytes: no folder, write and removal per job."""
    import tempfile

    ids = _ingest_letters(woo_ctx, tmp_path)
    made: list[str] = []
    real = tempfile.TemporaryDirectory

    def counting(*args, **kwargs):
        made.append(kwargs.get("prefix") or (args[1] if len(args) > 1 else ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryDirectory", counting)
    _work_light_queue(woo_ctx)
    for doc_id in ids:
        kinds = _jobs_of(woo_ctx, doc_id)
        assert {k: kinds[k].status for k in ("extract", "privacy", "classify")} == \
            {"extract": "done", "privacy": "done", "classify": "done"}
    assert not [p for p in made if p in ("woo-extract-", "woo-privacy-")], made
    with woo_ctx.unit_of_work() as s:  # the scan still saw the text and the file's hidden content
        rows = s.execute(select(PrivacyFinding).where(PrivacyFinding.document_id.in_(ids))).scalars().all()
        assert {"bsn", "person_name"} <= {f.type for f in rows}
        assert any(f.type == "hidden" and "auteur" in f.text for f in rows)
