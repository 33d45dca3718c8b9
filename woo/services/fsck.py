"""Consistency between database and bucket: missing objects, orphans, checksum mismatches.

Covers every object woo writes: stored files (originals, renditions, text, verklaringen) and the archive
metadata beside them (MDTO sidecars, state objects; ``archive_objects``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from woo.adapters.models import ArchiveObject, Document, StoredFile, utcnow
from woo.archive import sidecars
from woo.services import audit
from woo.services.context import Actor, Context

# Objects younger than this may belong to an ingest whose transaction has not committed yet.
ORPHAN_GRACE = timedelta(minutes=10)
KNOWN_PREFIXES = ("documents/",)


@dataclass
class FsckReport:
    files_checked: int = 0
    objects_seen: int = 0
    missing: list[str] = field(default_factory=list)     # in the database, not in the bucket
    orphans: list[str] = field(default_factory=list)     # in the bucket, in no database row
    mismatches: list[str] = field(default_factory=list)  # size or checksum differs
    unrecorded: list[str] = field(default_factory=list)  # sidecars without a checksum row (never deleted)
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.orphans or self.mismatches or self.unrecorded)


def fsck(ctx: Context, actor: Actor, *, verify_checksums: bool = False, repair: bool = False,
         orphan_grace: timedelta = ORPHAN_GRACE, progress=None) -> FsckReport:
    report = FsckReport()
    with ctx.unit_of_work() as session:
        rows = session.execute(select(StoredFile.object_key, StoredFile.size, StoredFile.sha256)).all()
        # the MDTO sidecars and state objects woo wrote, with their checksums (woo.services.preservation)
        rows += session.execute(select(ArchiveObject.object_key, ArchiveObject.size, ArchiveObject.sha256)).all()
        doc_ids = set(session.execute(select(Document.id)).scalars())
    expected = {key: (size, sha) for key, size, sha in rows}
    seen: set[str] = set()
    cutoff = utcnow() - orphan_grace
    for info in ctx.store.list(""):
        report.objects_seen += 1
        seen.add(info.key)
        if info.key in expected or not info.key.startswith(KNOWN_PREFIXES):
            continue
        if info.last_modified is not None and info.last_modified >= cutoff:
            continue
        if sidecars.is_archive_metadata(info.key):
            # archive metadata without a recorded checksum (written before migration 0011, or of a document
            # this database does not know: a rebuild's input). Never deleted by --repair: for a living
            # document it is rewritten and recorded, otherwise only reported.
            report.unrecorded.append(info.key)
        else:
            report.orphans.append(info.key)
    for key, (size, sha) in expected.items():
        report.files_checked += 1
        if progress:
            progress(1)
        if key not in seen:
            report.missing.append(key)
            continue
        if verify_checksums:
            actual_sha, actual_size = ctx.store.sha256(key)
            if actual_sha != sha or actual_size != size:
                report.mismatches.append(key)
    if repair:
        # Only orphans are safe to repair automatically: nothing refers to them.
        for key in report.orphans:
            ctx.store.delete_all_versions(key)
            report.repaired.append(key)
        from woo.services.preservation import describe_document

        for doc_id in dict.fromkeys(k.split("/")[1] for k in report.unrecorded):
            if doc_id not in doc_ids:
                continue
            describe_document(ctx, doc_id)
            report.repaired.extend(k for k in report.unrecorded if k.split("/")[1] == doc_id)
    with ctx.unit_of_work() as session:
        audit.record(session, actor.label, "storage.fsck", None, checked=report.files_checked,
                     missing=len(report.missing), orphans=len(report.orphans),
                     mismatches=len(report.mismatches), unrecorded=len(report.unrecorded),
                     repaired=len(report.repaired))
    return report
