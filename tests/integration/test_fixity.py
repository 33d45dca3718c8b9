"""Fixity: every stored object re-hashed in resumable chunks; changes and losses behind our back are caught."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.conftest import cli_env
from woo.adapters.models import Document, Event, FixityRun, FixityStatus, StoredFile
from woo.services import accounts
from woo.services.context import Actor
from woo.services.fixity import run_fixity
from woo.services.ingest import ingest

ARCHIVIST = Actor("user", None, "archivaris-test")


def _ingest_texts(ctx, tmp_path, n: int) -> list[str]:
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ids = []
    for i in range(n):
        p = tmp_path / f"notitie-{i}.txt"
        p.write_text(f"Notitie nummer {i} over de vergadering van het college.\n")
        ids.append(ingest(ctx, ARCHIVIST, org, p.name, path=p).document_id)
    return ids


def test_fixity_resumes_and_catches_changed_and_missing_objects(woo_ctx, tmp_path):
    _ingest_texts(woo_ctx, tmp_path, 7)
    with woo_ctx.unit_of_work() as s:
        files = s.execute(select(StoredFile).order_by(StoredFile.id)).scalars().all()
        keys = [(f.id, f.object_key, f.document_id) for f in files]

    first = run_fixity(woo_ctx, ARCHIVIST, chunk=2, limit=4)  # interrupted after two chunks
    assert first.checked == 4 and not first.finished
    second = run_fixity(woo_ctx, ARCHIVIST, chunk=2)
    assert second.resumed and second.run_id == first.run_id
    assert second.checked == len(keys) - 4 and second.finished and second.ok
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(FixityRun)).scalar_one().status == "done"
        statuses = s.execute(select(FixityStatus)).scalars().all()
        assert {st.file_id for st in statuses} == {k[0] for k in keys} and all(st.ok for st in statuses)

    # Behind our back: one object overwritten, one removed.
    _, changed_key, changed_doc = keys[1]
    _, lost_key, _ = keys[3]
    woo_ctx.store.put_bytes(changed_key, b"stilletjes gewijzigd", "text/plain")
    woo_ctx.store.delete(lost_key)
    try:
        third = run_fixity(woo_ctx, ARCHIVIST)
    finally:  # the bucket is shared by the session: leave no delete marker behind for other tests
        woo_ctx.store.delete_all_versions(lost_key)
    assert not third.resumed and third.finished and not third.ok
    assert third.mismatches == [changed_key] and third.missing == [lost_key]
    with woo_ctx.unit_of_work() as s:
        mism = s.execute(select(Event).where(Event.action == "fixity.mismatch")).scalar_one()
        assert mism.document_id == changed_doc and mism.detail["key"] == changed_key
        summary = s.execute(select(Event).where(Event.action == "fixity.checked").order_by(Event.id.desc())).scalars().first()
        assert summary.detail["mismatches"] == 1 and summary.detail["missing"] == 1
        bad = {st.problem for st in s.execute(select(FixityStatus).where(FixityStatus.ok.is_(False))).scalars()}
        assert bad == {"mismatch", "missing"}
        assert s.get(Document, changed_doc) is not None


def test_woo_fixity_cli_exit_code(woo_ctx, tmp_path):
    from click.testing import CliRunner

    from woo.cli import main

    _ingest_texts(woo_ctx, tmp_path, 2)
    env = cli_env(woo_ctx.settings)
    ok = CliRunner().invoke(main, ["fixity", "--data-dir", str(tmp_path / "d")], env=env)
    assert ok.exit_code == 0, ok.output
    assert "afwijkend: 0" in ok.output
    with woo_ctx.unit_of_work() as s:
        key = s.execute(select(StoredFile.object_key)).scalars().first()
    woo_ctx.store.put_bytes(key, b"anders", "text/plain")
    bad = CliRunner().invoke(main, ["fixity", "--data-dir", str(tmp_path / "d")], env=env)
    assert bad.exit_code == 1 and key in bad.output


def test_fixity_and_fsck_cover_every_object_in_the_bucket(make_settings, backend, tmp_path):
    """Sidecars and state objects have recorded checksums too; a sidecar that is no longer MDTO is caught
    (by checksum and by validation), and objects woo never wrote are reported."""
    import hashlib
    import uuid

    from click.testing import CliRunner

    from tests.conftest import drain
    from tests.factories import make_pdf
    from woo import worker
    from woo.adapters.models import ArchiveObject
    from woo.archive import sidecars
    from woo.cli import main
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context
    from woo.services.fsck import fsck

    settings = make_settings(backend, WOO_S3_BUCKET="fixity-all-" + uuid.uuid4().hex[:8])
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "besluit.pdf", ["Besluit over de markt."])
    doc_id = ingest(ctx, ARCHIVIST, org, pdf.name, path=pdf).document_id
    drain(ctx)  # extract, privacy, classify, preserve (which writes the sidecars)
    with ctx.unit_of_work() as s:
        recorded = {o.object_key: o.kind for o in s.execute(select(ArchiveObject)).scalars()}
        n_files = len(s.execute(select(StoredFile)).scalars().all())
    io_key = sidecars.informatieobject_key(doc_id)
    assert recorded[io_key] == "informatieobject" and recorded[sidecars.state_key(doc_id)] == "state"
    assert sum(k == "bestand" for k in recorded.values()) == n_files
    listed = {i.key for i in ctx.store.list("")}
    assert set(recorded) <= listed

    clean = run_fixity(ctx, ARCHIVIST)
    assert clean.ok and clean.checked == n_files and clean.metadata_checked == len(recorded)
    assert clean.unknown == [], clean.unknown
    assert fsck(ctx, ARCHIVIST, verify_checksums=True, orphan_grace=timedelta(0)).ok

    ctx.store.put_bytes(io_key, b"dit is geen XML meer", "application/xml")  # corrupted sidecar
    ctx.store.put_bytes(f"documents/{doc_id}/niet-van-woo.bin", b"x", "application/octet-stream")
    bad = run_fixity(ctx, ARCHIVIST)
    assert not bad.ok and io_key in bad.mismatches and io_key in bad.invalid
    assert bad.unknown == [f"documents/{doc_id}/niet-van-woo.bin"]
    report = fsck(ctx, ARCHIVIST, verify_checksums=True, orphan_grace=timedelta(0))
    assert io_key in report.mismatches and f"documents/{doc_id}/niet-van-woo.bin" in report.orphans
    env = cli_env(settings)
    out = CliRunner().invoke(main, ["fixity", "--data-dir", str(tmp_path / "d")], env=env)
    assert out.exit_code == 1 and "ongeldige metagegevens" in out.output and io_key in out.output
    out = CliRunner().invoke(main, ["fsck", "--verify-checksums", "--grace-minutes", "0",
                                    "--data-dir", str(tmp_path / "d")], env=env)
    assert out.exit_code == 1 and io_key in out.output

    # Valid XML with the recorded checksum but not MDTO: caught by validation alone.
    not_mdto = b"<?xml version='1.0'?><MDTO xmlns='https://www.nationaalarchief.nl/mdto'><x/></MDTO>"
    ctx.store.put_bytes(io_key, not_mdto, "application/xml")
    with ctx.unit_of_work() as s:
        row = s.get(ArchiveObject, io_key)
        row.sha256, row.size = hashlib.sha256(not_mdto).hexdigest(), len(not_mdto)
    again = run_fixity(ctx, ARCHIVIST)
    assert io_key not in again.mismatches and again.invalid == [io_key] and not again.ok
    with ctx.unit_of_work() as s:
        ev = s.execute(select(Event).where(Event.action == "fixity.invalid_metadata")
                       .order_by(Event.id.desc())).scalars().first()
        assert ev.document_id == doc_id and ev.detail["key"] == io_key
    worker.use_context(None)
