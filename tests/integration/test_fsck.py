"""`woo fsck`: database and bucket compared; orphans repaired, missing and altered objects reported."""
from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env
from tests.factories import make_pdf
from woo.adapters.models import StoredFile
from woo.services import accounts
from woo.services.context import SYSTEM
from woo.services.fsck import fsck
from woo.services.ingest import ingest


def test_fsck_finds_missing_orphan_and_mismatch_and_repairs_orphans(make_settings, tmp_path, backend):
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    # own bucket: fsck looks at the whole bucket
    settings = make_settings(backend, WOO_S3_BUCKET=f"fsck-{backend}")
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    ids = [ingest(ctx, SYSTEM, org, f"d{i}.pdf", path=make_pdf(tmp_path / f"d{i}.pdf", [f"Document {i}"])).document_id
           for i in range(3)]
    report = fsck(ctx, SYSTEM, verify_checksums=True, orphan_grace=timedelta(0))
    assert report.ok, report

    with ctx.unit_of_work() as s:
        keys = {f.document_id: f.object_key for f in s.execute(select(StoredFile)).scalars() if f.role == "original"}
    ctx.store.delete(keys[ids[0]])                                    # missing
    ctx.store.put_bytes(keys[ids[1]], b"changed behind our back", "application/pdf")  # mismatch
    ctx.store.put_bytes("documents/orphan/0123", b"nobody refers to me", "application/octet-stream")

    report = fsck(ctx, SYSTEM, verify_checksums=True, orphan_grace=timedelta(0))
    assert report.missing == [keys[ids[0]]]
    assert report.mismatches == [keys[ids[1]]]
    assert report.orphans == ["documents/orphan/0123"]

    # the CLI reports the same with a non-zero exit, and --repair removes only the orphan
    from woo.cli import main
    env = cli_env(settings)
    result = CliRunner().invoke(main, ["fsck", "--data-dir", str(tmp_path / "data"), "--verify-checksums",
                                       "--repair", "--grace-minutes", "0"], env=env)
    assert result.exit_code == 1, result.output
    assert "wees: documents/orphan/0123" in result.output and "ontbreekt" in result.output
    assert not [o for o in ctx.store.list_versions("documents/orphan/")]
    assert ctx.store.stat(keys[ids[2]]) is not None  # untouched
