"""Streaming a stored file to the browser with a safe Content-Disposition."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response, stream_with_context

INLINE_TYPES = {"application/pdf", "text/plain", "image/png", "image/jpeg"}


def send_stored_file(store, stored, inline: bool = False, filename: str | None = None) -> Response:
    mime, headers = file_headers(stored, inline, filename)
    body = stream_with_context(store.iter_chunks(stored.object_key, version_id=stored.version_id))
    resp = Response(body, mimetype=mime)
    resp.headers.update(headers)
    return resp


def file_headers(stored, inline: bool = False, filename: str | None = None) -> tuple[str, dict[str, str]]:
    """(mimetype, headers) for sending a stored file (also from memory, woo.web.harvest). ``filename``: the
    name to offer instead of the stored one (the public side: woo.services.publication.public_filename)."""
    mime = stored.mime_type.split(";")[0]
    disposition = "inline" if inline and mime in INLINE_TYPES else "attachment"
    return (mime if disposition == "inline" else (mime or "application/octet-stream"),
            {"Content-Disposition": content_disposition(disposition, filename or stored.filename),
             "Content-Length": str(stored.size), "X-Content-Type-Options": "nosniff"})


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name plus filename* in UTF-8. Header values must be Latin-1 without
    line breaks, so control characters are dropped, and quotes/backslashes never reach the quoted string."""
    name = "".join(ch for ch in (filename or "") if unicodedata.category(ch)[0] != "C").strip() or "bestand"
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch if ch.isalnum() or ch in " ._-()" else "_" for ch in fallback).strip() or "bestand"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
