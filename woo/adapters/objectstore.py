"""Object storage behind one small interface (Warehouse style): S3 via the minio client.

Works against any S3-compatible endpoint (MinIO in production, SeaweedFS embedded and in tests).
Keys are random (see services.ingest), the bucket is versioned, files are streamed from disk in parts.
"""
from __future__ import annotations

import hashlib
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import S3Error
from minio.versioningconfig import VersioningConfig

PART_SIZE = 16 * 1024 * 1024  # multipart chunk: memory per upload stays at this, whatever the file size


@dataclass(frozen=True)
class StoredObject:
    key: str
    version_id: str | None
    size: int


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    version_id: str | None
    last_modified: datetime | None
    is_latest: bool = True
    is_delete_marker: bool = False


class ObjectStoreError(RuntimeError):
    """Storage unreachable or refused; message is safe to show."""


class ObjectStore(Protocol):
    bucket: str

    def ensure_bucket(self) -> None: ...
    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject: ...
    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject: ...
    def put_stream(self, key: str, stream: BinaryIO, size: int, content_type: str) -> StoredObject: ...
    def sha256(self, key: str, version_id: str | None = None) -> tuple[str, int]: ...
    def get_bytes(self, key: str, version_id: str | None = None) -> bytes: ...
    def iter_chunks(self, key: str, chunk_size: int = ..., version_id: str | None = None) -> Iterator[bytes]: ...
    def download(self, key: str, path: Path, version_id: str | None = None) -> None: ...
    def stat(self, key: str) -> ObjectInfo | None: ...
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...
    def list_versions(self, prefix: str = "") -> Iterator[ObjectInfo]: ...
    def set_legal_hold(self, key: str, version_id: str | None, on: bool = True) -> None: ...
    def bucket_has_object_lock(self) -> bool: ...
    def has_legal_hold(self, key: str, version_id: str | None) -> bool: ...
    def delete(self, key: str) -> None: ...
    def delete_all_versions(self, key: str) -> int: ...


class S3ObjectStore:
    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str,
                 secure: bool = False, region: str = "us-east-1", object_lock: bool = False):
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region)
        self.bucket = bucket
        self.endpoint = endpoint
        self.object_lock = object_lock
        self._locked: bool | None = None  # does the existing bucket have object lock? (asked once)

    @classmethod
    def from_settings(cls, settings) -> "S3ObjectStore":
        return cls(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                   settings.s3_bucket, settings.s3_secure, settings.s3_region, settings.s3_object_lock)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except S3Error:
            raise
        except Exception as exc:  # connection refused, timeouts: one clear error type
            raise ObjectStoreError(f"Objectopslag niet bereikbaar ({self.endpoint}): {exc}") from exc

    def ensure_bucket(self) -> None:
        if not self._call(self.client.bucket_exists, self.bucket):
            # Object lock can only be switched on when the bucket is made (S3 rule); it enables legal holds.
            self._call(self.client.make_bucket, self.bucket, object_lock=self.object_lock)
        # Versioning on: an overwritten or deleted object can still be recovered (and audited).
        self._call(self.client.set_bucket_versioning, self.bucket, VersioningConfig(ENABLED))

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        size = Path(path).stat().st_size
        with open(path, "rb") as fh:
            result = self._call(self.client.put_object, self.bucket, key, fh, size,
                                content_type=content_type, part_size=PART_SIZE)
        return StoredObject(key, result.version_id, size)

    def put_stream(self, key: str, stream: BinaryIO, size: int, content_type: str) -> StoredObject:
        result = self._call(self.client.put_object, self.bucket, key, stream, size,
                            content_type=content_type, part_size=PART_SIZE)
        return StoredObject(key, result.version_id, size)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        import io

        return self.put_stream(key, io.BytesIO(data), len(data), content_type)

    def get_bytes(self, key: str, version_id: str | None = None) -> bytes:
        return b"".join(self.iter_chunks(key, version_id=version_id))

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024,
                    version_id: str | None = None) -> Iterator[bytes]:
        resp = self._call(self.client.get_object, self.bucket, key, version_id=version_id)
        try:
            yield from resp.stream(chunk_size)
        finally:
            resp.close()
            resp.release_conn()

    def download(self, key: str, path: Path, version_id: str | None = None) -> None:
        with open(path, "wb") as fh:
            for chunk in self.iter_chunks(key, version_id=version_id):
                fh.write(chunk)

    def sha256(self, key: str, version_id: str | None = None) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        for chunk in self.iter_chunks(key, version_id=version_id):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            st = self._call(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}:
                return None
            raise
        return ObjectInfo(key, st.size, st.version_id, st.last_modified)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for obj in self._call(self.client.list_objects, self.bucket, prefix=prefix, recursive=True):
            yield ObjectInfo(obj.object_name, obj.size or 0, obj.version_id, obj.last_modified)

    def list_versions(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for obj in self._call(self.client.list_objects, self.bucket, prefix=prefix,
                              recursive=True, include_version=True):
            yield ObjectInfo(obj.object_name, obj.size or 0, obj.version_id, obj.last_modified,
                             bool(obj.is_latest), bool(obj.is_delete_marker))

    def set_legal_hold(self, key: str, version_id: str | None, on: bool = True) -> None:
        """Put (or lift) a legal hold on one object version: while it holds, the version cannot be deleted.
        Raises ObjectStoreError on a bucket made without object lock."""
        if not self.bucket_has_object_lock():
            # Checked first: SeaweedFS accepts (and reports) a hold on an unlocked bucket that then does
            # not stop a delete; a hold that does not hold must never be claimed.
            raise ObjectStoreError(f"Legal hold niet mogelijk: bucket {self.bucket} is zonder object lock "
                                   "gemaakt (WOO_S3_OBJECT_LOCK).")
        fn = self.client.enable_object_legal_hold if on else self.client.disable_object_legal_hold
        try:
            self._call(fn, self.bucket, key, version_id=version_id)
        except S3Error as exc:
            raise ObjectStoreError(f"Legal hold niet mogelijk op bucket {self.bucket} (object lock staat uit?): "
                                   f"{exc.code}") from exc

    def bucket_has_object_lock(self) -> bool:
        if self._locked is None:
            try:
                config = self._call(self.client.get_object_lock_config, self.bucket)
                self._locked = config is not None
            except S3Error:  # ObjectLockConfigurationNotFoundError and kin
                self._locked = False
        return self._locked

    def has_legal_hold(self, key: str, version_id: str | None) -> bool:
        try:
            return bool(self._call(self.client.is_object_legal_hold_enabled, self.bucket, key, version_id=version_id))
        except S3Error:
            return False

    def delete(self, key: str) -> None:
        self._call(self.client.remove_object, self.bucket, key)

    def delete_all_versions(self, key: str) -> int:
        """Remove every version and delete marker of one key (destruction, orphan cleanup)."""
        count = 0
        for info in list(self.list_versions(key)):
            if info.key != key:
                continue
            self._call(self.client.remove_object, self.bucket, key, version_id=info.version_id)
            count += 1
        return count


@contextmanager
def local_copy(store: ObjectStore, key: str, version_id: str | None, suffix: str,
               prefix: str = "woo-") -> Iterator[Path]:
    """One version of an object downloaded into a temporary folder, removed afterwards. The file is named
    ``original<suffix>`` (tools that look at the extension see the right one); its folder is free for the
    caller's own output files."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        path = Path(tmp) / ("original" + suffix)
        store.download(key, path, version_id=version_id)
        yield path
