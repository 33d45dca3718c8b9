"""A document's journey on real S3, Redis and SQL: ingest -> identify -> store -> extract."""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import func, select

from tests.conftest import drain
from tests.factories import make_pdf
from woo.adapters.models import Document, Event, Job, StoredFile
from woo.adapters.objectstore import S3ObjectStore
from woo.services import accounts
from woo.services.context import SYSTEM
from woo.services.ingest import ingest


def _org(ctx) -> int:
    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


def _count(ctx, model) -> int:
    with ctx.unit_of_work() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_pdf_is_stored_identified_and_extracted(woo_ctx, tmp_path):
    pdf = make_pdf(tmp_path / "besluit.pdf", ["Besluit op uw Woo-verzoek van 3 maart 2025.", "Tweede pagina."])
    result = ingest(woo_ctx, SYSTEM, _org(woo_ctx), "besluit.pdf", stream=open(pdf, "rb"))
    assert result.status == "accepted", result

    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, result.document_id)
        original = doc.file("original")
        assert doc.status == "concept" and doc.format_kind == "pdf"
        assert original.mime_type == "application/pdf"
        assert original.puid and original.puid.startswith("fmt/")  # PRONOM PDF family
        assert original.sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
        assert original.size == pdf.stat().st_size
        # the key says nothing about the title or file name
        assert "besluit" not in original.object_key
        key, version = original.object_key, original.version_id
    assert woo_ctx.store.get_bytes(key) == pdf.read_bytes()
    assert version, "bucket versioning must be on"

    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, result.document_id)
        extract = next(j for j in doc.jobs if j.kind == "extract")
        assert extract.status == "done", extract.error
        text = doc.file("text")
        assert text is not None
        assert "Woo-verzoek" in woo_ctx.store.get_bytes(text.object_key).decode()
        assert doc.metadata_["page_count"] == 2
        actions = [e.action for e in s.execute(select(Event).where(Event.document_id == doc.id)).scalars()]
    assert actions[:3] == ["document.ingested", "document.identified", "document.extracted"]


def test_running_a_job_twice_changes_nothing(woo_ctx, tmp_path):
    from woo.services import jobs

    pdf = make_pdf(tmp_path / "a.pdf", ["Eenmalig uitlezen."])
    doc_id = ingest(woo_ctx, SYSTEM, _org(woo_ctx), "a.pdf", path=pdf).document_id
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        job_id = s.execute(select(Job.id).where(Job.document_id == doc_id, Job.kind == "extract")).scalar_one()
        before = [(f.role, f.object_key, f.sha256) for f in s.get(Document, doc_id).files]
    assert jobs.run(woo_ctx, job_id) == "done"
    # forced re-run of a finished extraction: same text, so nothing new is stored
    from woo.services.extraction import extract_document
    extract_document(woo_ctx, doc_id)
    with woo_ctx.unit_of_work() as s:
        after = [(f.role, f.object_key, f.sha256) for f in s.get(Document, doc_id).files]
    assert before == after


def test_duplicate_is_reported_not_stored_twice(woo_ctx, tmp_path):
    pdf = make_pdf(tmp_path / "x.pdf", ["Zelfde inhoud."])
    first = ingest(woo_ctx, SYSTEM, _org(woo_ctx), "x.pdf", path=pdf)
    second = ingest(woo_ctx, SYSTEM, _org(woo_ctx), "kopie.pdf", path=pdf)
    assert first.status == "accepted"
    assert second.status == "duplicate" and second.document_id == first.document_id
    assert _count(woo_ctx, Document) == 1


@pytest.mark.parametrize("name,data,code", [
    ("leeg.pdf", b"", "empty"),
    ("../../etc/passwd.txt", b"hallo", "bad_name"),
    ("nul\x00.txt", b"hallo", "bad_name"),
    ("x" * 300 + ".txt", b"hallo", "bad_name"),
    ("programma.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, None),
    ("kapot.pdf", b"%PDF-1.7\n1 0 obj <<\nthis is not a pdf at all\n", None),
])
def test_bad_input_is_rejected_and_nothing_stored(woo_ctx, name, data, code):
    objects_before = sum(1 for _ in woo_ctx.store.list("documents/"))
    result = ingest(woo_ctx, SYSTEM, _org(woo_ctx), name, stream=io.BytesIO(data))
    assert result.status == "rejected"
    assert result.reason  # Dutch reason for the officer
    if code:
        assert result.code == code
    assert _count(woo_ctx, Document) == 0 and _count(woo_ctx, StoredFile) == 0
    assert sum(1 for _ in woo_ctx.store.list("documents/")) == objects_before


def test_oversize_upload_is_rejected_while_streaming(make_settings, servers):
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    settings = make_settings("sqlite", WOO_MAX_UPLOAD_BYTES=1000)
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)

    class Endless(io.RawIOBase):
        """Would never end: proves the cap stops reading instead of buffering everything."""
        read_calls = 0

        def readable(self):
            return True

        def readinto(self, b):
            self.read_calls += 1
            b[:] = b"a" * len(b)
            return len(b)

    stream = Endless()
    result = ingest(ctx, SYSTEM, _org(ctx), "groot.txt", stream=io.BufferedReader(stream))
    assert result.status == "rejected" and result.code == "too_large"
    assert stream.read_calls < 10


def test_failed_s3_put_leaves_no_row(woo_ctx, tmp_path):
    pdf = make_pdf(tmp_path / "y.pdf", ["Opslag valt uit."])
    s = woo_ctx.settings
    dead = S3ObjectStore("127.0.0.1:1", s.s3_access_key, s.s3_secret_key, s.s3_bucket)
    broken = type(woo_ctx)(woo_ctx.settings, woo_ctx.sessions, dead, woo_ctx.queue)
    with pytest.raises(Exception):
        ingest(broken, SYSTEM, _org(woo_ctx), "y.pdf", path=pdf)
    assert _count(woo_ctx, Document) == 0 and _count(woo_ctx, StoredFile) == 0


def test_failed_commit_leaves_no_object(woo_ctx, tmp_path, monkeypatch):
    from woo.services import audit

    pdf = make_pdf(tmp_path / "z.pdf", ["Database valt uit."])
    before = {o.key for o in woo_ctx.store.list("documents/")}

    def failing_record(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit, "record", failing_record)
    with pytest.raises(RuntimeError):
        ingest(woo_ctx, SYSTEM, _org(woo_ctx), "z.pdf", path=pdf)
    monkeypatch.undo()
    assert _count(woo_ctx, Document) == 0
    after_versions = {(o.key) for o in woo_ctx.store.list_versions("documents/")}
    assert after_versions - before == set(), "the object put before the failed commit must be gone, all versions"


def test_scan_without_text_is_ocred(woo_ctx, tmp_path):
    import shutil

    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed (scripts/setup installs it)")
    from tests.factories import make_png_scan

    png = make_png_scan(tmp_path / "scan.png", "Gemeente Utrecht besluit vergunning")
    doc_id = ingest(woo_ctx, SYSTEM, _org(woo_ctx), "scan.png", path=png).document_id
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.metadata_["ocr_used"] is True
        text = woo_ctx.store.get_bytes(doc.file("text").object_key).decode()
    assert "vergunning" in text.lower()
