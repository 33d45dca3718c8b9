"""Streaming a stored file to the browser with a safe Content-Disposition."""
from __future__ import annotations

from flask import Response, stream_with_context
from werkzeug.http import dump_options_header

INLINE_TYPES = {"application/pdf", "text/plain", "image/png", "image/jpeg"}


def send_stored_file(store, stored, inline: bool = False) -> Response:
    mime = stored.mime_type.split(";")[0]
    disposition = "inline" if inline and mime in INLINE_TYPES else "attachment"
    # RFC 6266 filename* handles any name; werkzeug quotes it safely.
    header = dump_options_header(disposition, {"filename": stored.filename})
    body = stream_with_context(store.iter_chunks(stored.object_key, version_id=stored.version_id))
    resp = Response(body, mimetype=mime if disposition == "inline" else (mime or "application/octet-stream"))
    resp.headers["Content-Disposition"] = header
    resp.headers["Content-Length"] = str(stored.size)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
