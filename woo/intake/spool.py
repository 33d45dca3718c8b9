"""Streaming an upload to a temporary file while hashing and counting, with a size cap.

The upload never sits in memory whole: it goes to disk in chunks (identification needs a seekable
file), its SHA-256 and size are computed on the way, and an oversize stream stops at the cap.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


class TooLarge(Exception):
    pass


@dataclass
class Spooled:
    path: Path
    sha256: str
    size: int
    owned: bool  # True when we made the temp file and must remove it

    def cleanup(self) -> None:
        if self.owned:
            self.path.unlink(missing_ok=True)


def spool(stream: BinaryIO, max_bytes: int, tmp_dir: str | None = None) -> Spooled:
    digest, size = hashlib.sha256(), 0
    fd, name = tempfile.mkstemp(prefix="woo-upload-", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(size)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Spooled(Path(name), digest.hexdigest(), size, owned=True)


def hash_file(path: Path, max_bytes: int) -> Spooled:
    """A file already on disk (CLI): hash it in place, no copy."""
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLarge(size)
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return Spooled(path, digest.hexdigest(), size, owned=False)
