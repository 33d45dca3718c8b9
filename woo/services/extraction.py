"""Text extraction of a stored original, kept as a 'text' rendition beside it (rq jobs).

Two jobs: 'extract' (light queue) reads the text layer; when the file looks like a scan it queues
'ocr' (heavy queue), which adds recognised text. Privacy, classification and PDF/A follow the job that
produced the final text, so a long OCR never holds back other documents' light work.
"""
from __future__ import annotations

import hashlib
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from woo.adapters.models import Document, StoredFile
from woo.adapters.objectstore import local_copy
from woo.adapters.readcache import MAX_OBJECT_BYTES
from woo.domain import text
from woo.intake.extract import ExtractionError, extract_text
from woo.services import audit, jobs
from woo.services.context import SYSTEM, Context

MAX_TEXT_CHARS = 20_000_000  # a 2,000-page report is ~6 M characters; this bounds memory


@contextmanager
def original_source(ctx: Context, key: str, version: str | None, suffix: str, size: int | None, prefix: str,
                    *, in_memory: bool) -> Iterator[Path | bytes]:
    """A stored original for a reader that takes a file's bytes as well as its path (``in_memory``): its
    bytes when it is small enough for the job chain's read cache (adapters.readcache), which keeps them for
    the next job; else a local copy in a temporary folder (woo.adapters.objectstore.local_copy). Bytes spare
    the folder, the write and the removal, per job."""
    if in_memory and size is not None and size <= MAX_OBJECT_BYTES:
        yield ctx.store.get_bytes(key, version)
        return
    with local_copy(ctx.store, key, version, suffix, prefix) as local:
        yield local


def extract_document(ctx: Context, document_id: str) -> None:
    """The text layer (no OCR); a scan gets an 'ocr' job on the heavy queue instead of its follow-ups."""
    _extract(ctx, document_id, ocr=False)


def ocr_document(ctx: Context, document_id: str) -> None:
    """Text with OCR (bounded: page cap, time budget, per-chunk limits); then the follow-up jobs."""
    _extract(ctx, document_id, ocr=True)


def _extract(ctx: Context, document_id: str, *, ocr: bool) -> None:
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        original = jobs.original_of(doc)
        key, version, kind, filename = original.object_key, original.version_id, doc.format_kind, original.filename
        size = original.size
        text_file = doc.file("text")  # what is stored already (idempotence, below)
        has_text, stored_sha = text_file is not None, text_file.sha256 if text_file is not None else None
        ocr_done = bool((doc.metadata_ or {}).get("ocr_done"))

    # a PDF's text layer is read from its bytes (OCR, and every other format, from a file)
    with original_source(ctx, key, version, Path(filename).suffix.lower(), size, "woo-extract-",
                         in_memory=kind == "pdf" and not ocr) as local:
        try:
            result = extract_text(local, kind, max_chars=MAX_TEXT_CHARS, ocr=ocr)
        except ExtractionError as exc:
            raise jobs.JobFailed(exc.reason) from exc

    # Pages are kept apart by form feeds (as pdftotext does) so the privacy scan knows the page.
    stored_text = "\f".join(result.pages) if len(result.pages) > 1 else result.text
    data = stored_text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    follow = ("ocr",) if result.needs_ocr else tuple(k for k in ("privacy", "classify", "preserve")
                                                    if k in jobs.handlers())
    if has_text and stored_sha == digest and not ocr and not result.needs_ocr:
        return  # idempotent: the same text is already stored
    if has_text and result.needs_ocr and ocr_done:
        return  # a re-run of the text-layer job never replaces text OCR already produced

    text_key = f"documents/{document_id}/{uuid.uuid4().hex}"
    stored = ctx.store.put_bytes(text_key, data, "text/plain; charset=utf-8")
    try:
        with ctx.unit_of_work() as session:
            doc = session.get(Document, document_id)
            old = doc.file("text")
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(StoredFile(document=doc, role="text", object_key=text_key, version_id=stored.version_id,
                                   filename=Path(filename).stem + ".txt", size=len(data),
                                   sha256=digest, mime_type="text/plain",
                                   puid="x-fmt/111", format_name="Plain Text File"))
            props = {k: text.clean_text(v) if isinstance(v, str) else v
                     for k, v in (result.properties or {}).items() if v not in (None, "")}
            meta = dict(doc.metadata_ or {})
            meta.update({"properties": props, "page_count": result.page_count,
                         "extraction_method": result.method, "ocr_used": result.ocr_used,
                         "text_chars": len(result.text)})
            if ocr or result.needs_ocr:
                meta["ocr_pending"], meta["ocr_done"] = result.needs_ocr, ocr
                meta.pop("ocr_incomplete", None)
            if result.ocr_stopped:  # said plainly on the document page, not hidden
                meta["ocr_incomplete"] = result.ocr_stopped
            doc.metadata_ = meta
            if result.language and not (meta.get("confirmed") or {}).get("language"):
                doc.language = result.language  # detected; the officer can correct it (woo.services.describe)
            if props.get("title") and doc.title == Path(filename).stem:
                doc.title = str(props["title"])[:1000].strip() or doc.title  # control characters removed above
                # a file's own title property is a proposal, not a title a person chose
                meta["title_from_file"] = doc.title != Path(filename).stem
                doc.metadata_ = dict(meta)
            audit.record(session, SYSTEM.label, "document.extracted", document_id, method=result.method,
                         ocr=result.ocr_used, pages=result.page_count, chars=len(result.text),
                         **({"ocr_incomplete": result.ocr_stopped} if result.ocr_stopped else {}))
            follow_ids = [jobs.add_job(session, document_id, kind).id for kind in follow]
    except BaseException:
        ctx.store.delete_all_versions(text_key)
        raise
    if old is not None:
        ctx.store.delete_all_versions(old.object_key)
    for job_id in follow_ids:
        jobs.dispatch(ctx, job_id)
