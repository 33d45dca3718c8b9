"""Text extraction of a stored original, kept as a 'text' rendition beside it (an rq job)."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from woo.adapters.models import Document, StoredFile
from woo.adapters.objectstore import local_copy
from woo.domain import text
from woo.intake.extract import ExtractionError, extract_text
from woo.services import audit, jobs
from woo.services.context import SYSTEM, Context

MAX_TEXT_CHARS = 20_000_000  # a 2,000-page report is ~6 M characters; this bounds memory


def extract_document(ctx: Context, document_id: str) -> None:
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        original = jobs.original_of(doc)
        key, version, kind, filename = original.object_key, original.version_id, doc.format_kind, original.filename

    with local_copy(ctx.store, key, version, Path(filename).suffix.lower(), "woo-extract-") as local:
        try:
            result = extract_text(local, kind, max_chars=MAX_TEXT_CHARS)
        except ExtractionError as exc:
            raise jobs.JobFailed(exc.reason) from exc

    # Pages are kept apart by form feeds (as pdftotext does) so the privacy scan knows the page.
    stored_text = "\f".join(result.pages) if len(result.pages) > 1 else result.text
    data = stored_text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    with ctx.unit_of_work() as session:
        text_file = session.get(Document, document_id).file("text")
        if text_file is not None and text_file.sha256 == digest:
            return  # idempotent: the same text is already stored

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
            doc.metadata_ = meta
            if props.get("title") and doc.title == Path(filename).stem:
                doc.title = str(props["title"])[:1000].strip() or doc.title  # control characters removed above
            audit.record(session, SYSTEM.label, "document.extracted", document_id, method=result.method,
                         ocr=result.ocr_used, pages=result.page_count, chars=len(result.text))
            follow_ids = [jobs.add_job(session, document_id, kind).id
                          for kind in ("privacy", "classify", "preserve") if kind in jobs.handlers()]
    except BaseException:
        ctx.store.delete_all_versions(text_key)
        raise
    if old is not None:
        ctx.store.delete_all_versions(old.object_key)
    for job_id in follow_ids:
        jobs.dispatch(ctx, job_id)
