"""Resumable upload of large files: chunks appended by offset, so a dropped connection costs one chunk.

The protocol is the core of tus (https://tus.io/protocols/resumable-upload) without its HTTP headers
zoo: create a session (file name, size, organisation), ask for the offset the server has, append a chunk
at exactly that offset; the last chunk ingests the file like any upload (woo.services.ingest). A session
belongs to the user who created it; parts live under <data dir>/uploads (shared by all web processes of
one installation) and are swept after a day. No Python tus server for Flask is maintained today (flask-tus
was last released in 2018), and this is a small, fully tested piece.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO

from woo.intake.identify import RejectedFile, safe_filename
from woo.services.context import Actor, Context
from woo.services.ingest import DEFAULT_UNIT, IngestResult, ingest

EXPIRE_SECONDS = 24 * 3600
COPY_BLOCK = 1024 * 1024


class UploadError(Exception):
    """Dutch message for the officer; ``status`` is the HTTP status the web layer answers with."""

    def __init__(self, message: str, status: int = 400, offset: int | None = None):
        super().__init__(message)
        self.status, self.offset = status, offset


@dataclass
class Session:
    id: str
    owner: str
    organisation_id: int
    filename: str
    size: int
    created: float
    unit: int | str | None = DEFAULT_UNIT  # ingest(unit=...): chosen on the upload page


def _dir(ctx: Context) -> Path:
    d = Path(ctx.settings.data_dir) / "uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _paths(ctx: Context, upload_id: str) -> tuple[Path, Path]:
    if not (len(upload_id) == 32 and all(c in "0123456789abcdef" for c in upload_id)):
        raise UploadError("Onbekende upload.", 404)
    d = _dir(ctx)
    return d / f"{upload_id}.json", d / f"{upload_id}.part"


def _sweep(ctx: Context) -> None:
    cutoff = time.time() - EXPIRE_SECONDS
    for p in _dir(ctx).glob("*.json"):
        try:
            if p.stat().st_mtime < cutoff:
                p.with_suffix(".part").unlink(missing_ok=True)
                p.unlink(missing_ok=True)
        except OSError:
            pass


def start(ctx: Context, actor: Actor, organisation_id: int, filename: str, size: int,
          unit: int | str | None = DEFAULT_UNIT) -> Session:
    """A new upload session (the caller checked that ``actor`` may ingest for the organisation)."""
    try:
        name = safe_filename(filename)
    except RejectedFile as exc:
        raise UploadError(exc.reason) from None
    limit = ctx.settings.max_upload_bytes
    if size <= 0:
        raise UploadError("Het bestand is leeg.")
    if size > limit:
        raise UploadError(f"Bestand is groter dan de toegestane {limit // (1024 * 1024)} MB.", 413)
    _sweep(ctx)
    s = Session(secrets.token_hex(16), actor.label, organisation_id, name, size, time.time(), unit)
    meta, part = _paths(ctx, s.id)
    part.touch()
    meta.write_text(json.dumps(asdict(s)))
    return s


def get(ctx: Context, actor: Actor, upload_id: str) -> tuple[Session, int]:
    """The session and the bytes the server has (the offset the next chunk must start at)."""
    meta, part = _paths(ctx, upload_id)
    try:
        s = Session(**json.loads(meta.read_text()))
    except (OSError, ValueError, TypeError):
        raise UploadError("Onbekende of verlopen upload; begin opnieuw.", 404) from None
    if s.owner != actor.label:
        raise UploadError("Onbekende of verlopen upload; begin opnieuw.", 404)
    return s, part.stat().st_size if part.exists() else 0


def append(ctx: Context, actor: Actor, upload_id: str, offset: int, body: BinaryIO) -> tuple[int, IngestResult | None]:
    """Append ``body`` at ``offset``; returns the new offset and, once complete, the ingest result."""
    s, have = get(ctx, actor, upload_id)
    if offset != have:
        raise UploadError(f"Verkeerde positie: de server heeft {have} bytes van dit bestand.", 409, offset=have)
    meta, part = _paths(ctx, upload_id)
    written = have
    with part.open("r+b") as f:
        f.seek(have)
        while True:
            try:
                chunk = body.read(COPY_BLOCK)
            except Exception:  # noqa: BLE001 the connection dropped mid-chunk: what arrived is a valid prefix
                break
            if not chunk:
                break
            if written + len(chunk) > s.size:
                f.truncate(have)
                raise UploadError("Er komen meer bytes binnen dan het bestand groot is.", 413, offset=have)
            f.write(chunk)
            written += len(chunk)
        f.flush()
        os.fsync(f.fileno())
    os.utime(meta)
    if written < s.size:
        return written, None
    try:
        result = ingest(ctx, actor, s.organisation_id, s.filename, path=part, source="ui", unit=s.unit)
    finally:
        part.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
    return written, result


def cancel(ctx: Context, actor: Actor, upload_id: str) -> None:
    get(ctx, actor, upload_id)
    meta, part = _paths(ctx, upload_id)
    part.unlink(missing_ok=True)
    meta.unlink(missing_ok=True)
