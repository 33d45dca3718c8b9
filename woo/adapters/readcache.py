"""An object store that remembers what it read and wrote, for the length of one chain of jobs.

A document's light jobs (text layer, privacy scan, classification) run one after the other in one worker
process (see woo.services.jobs.run). Each reads the same objects: the original (text layer, hidden content,
public rendition) and the text (privacy, classification). Through this wrapper the second and later
reads of an object version come from memory instead of another S3 round trip. Only exact versions are
kept (key + version id; keys are random and never rewritten, see services.ingest), only small objects,
and only while the chain runs: the wrapper is dropped with it, so nothing outlives one document's work.
"""
from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Iterator

MAX_OBJECT_BYTES = 32 * 1024 * 1024  # larger objects are streamed as always
MAX_TOTAL_BYTES = 96 * 1024 * 1024


class ReadCache:
    """Wraps an ObjectStore; every method not defined here goes to the wrapped store unchanged."""

    def __init__(self, store, max_object: int = MAX_OBJECT_BYTES, max_total: int = MAX_TOTAL_BYTES):
        self._store = store
        self._max_object, self._max_total = max_object, max_total
        self._items: OrderedDict[tuple[str, str | None], bytes] = OrderedDict()
        self._size = 0
        self.hits = 0

    def __getattr__(self, name):
        return getattr(self._store, name)

    @property
    def inner(self):
        return self._store

    # -- the cache
    def _keep(self, key: str, version_id: str | None, data: bytes) -> None:
        if len(data) > self._max_object:
            return
        old = self._items.pop((key, version_id), None)
        self._size -= len(old) if old is not None else 0
        self._items[(key, version_id)] = data
        self._size += len(data)
        while self._size > self._max_total and self._items:
            _, dropped = self._items.popitem(last=False)
            self._size -= len(dropped)

    def _cached(self, key: str, version_id: str | None) -> bytes | None:
        data = self._items.get((key, version_id))
        if data is not None:
            self.hits += 1
            self._items.move_to_end((key, version_id))
        return data

    def _forget(self, key: str) -> None:
        for item in [k for k in self._items if k[0] == key]:
            self._size -= len(self._items.pop(item))

    # -- writes: pass through, and keep what was written under the version the store gave it
    def put_bytes(self, key: str, data: bytes, content_type: str):
        stored = self._store.put_bytes(key, data, content_type)
        self._forget(key)
        if stored.version_id is not None:
            self._keep(key, stored.version_id, bytes(data))
        return stored

    def put_file(self, key: str, path: Path, content_type: str):
        self._forget(key)
        return self._store.put_file(key, path, content_type)

    def put_stream(self, key, stream, size, content_type):
        self._forget(key)
        return self._store.put_stream(key, stream, size, content_type)

    def delete(self, key: str) -> None:
        self._forget(key)
        self._store.delete(key)

    def delete_all_versions(self, key: str) -> int:
        self._forget(key)
        return self._store.delete_all_versions(key)

    # -- reads of an exact version: from memory when read (or written) before in this chain
    def get_bytes(self, key: str, version_id: str | None = None) -> bytes:
        return b"".join(self.iter_chunks(key, version_id=version_id))

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024, version_id: str | None = None) -> Iterator[bytes]:
        data = self._cached(key, version_id) if version_id is not None else None
        if data is not None:
            for i in range(0, len(data), chunk_size):
                yield data[i:i + chunk_size]
            return
        buf: list[bytes] | None = [] if version_id is not None else None
        seen = 0
        for chunk in self._store.iter_chunks(key, chunk_size=chunk_size, version_id=version_id):
            if buf is not None:
                seen += len(chunk)
                if seen > self._max_object:
                    buf = None
                else:
                    buf.append(chunk)
            yield chunk
        if buf is not None:  # read to the end (a reader that stops early keeps nothing)
            self._keep(key, version_id, b"".join(buf))

    def download(self, key: str, path: Path, version_id: str | None = None) -> None:
        with open(path, "wb") as fh:
            for chunk in self.iter_chunks(key, version_id=version_id):
                fh.write(chunk)
