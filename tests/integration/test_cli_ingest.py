"""`woo ingest` for files, folders and ZIPs: summary, reasons and exit code."""
from __future__ import annotations

import zipfile

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.conftest import cli_env
from tests.factories import make_pdf
from woo.adapters.models import Document
from woo.cli import main


def test_cli_ingests_folder_and_zip_with_summary(woo_ctx, tmp_path):
    folder = tmp_path / "stukken"
    folder.mkdir()
    make_pdf(folder / "een.pdf", ["Eerste stuk."])
    make_pdf(folder / "twee.pdf", ["Tweede stuk."])
    (folder / "leeg.txt").write_bytes(b"")
    archive = tmp_path / "bundel.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(make_pdf(tmp_path / "drie.pdf", ["Derde stuk."]), "map/drie.pdf")
        zf.writestr("notitie.txt", "Een notitie over de vergadering.")

    result = CliRunner().invoke(main, ["ingest", str(folder), str(archive), "--data-dir", str(tmp_path / "d")],
                                env=cli_env(woo_ctx.settings))
    assert result.exit_code == 1, result.output  # the empty file was rejected
    assert "Opgenomen: 4, duplicaat: 0, geweigerd: 1" in result.output
    assert "leeg.txt: Het bestand is leeg." in result.output
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(func.count()).select_from(Document)).scalar_one() == 4
        assert all(d.source == "cli" for d in s.execute(select(Document)).scalars())

    again = CliRunner().invoke(main, ["ingest", str(folder / "een.pdf"), "--data-dir", str(tmp_path / "d")],
                               env=cli_env(woo_ctx.settings))
    assert again.exit_code == 0 and "duplicaat: 1" in again.output


def test_cli_rejects_zip_with_traversal_member(woo_ctx, tmp_path):
    archive = tmp_path / "kwaad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../buiten.txt", "ontsnapt")
    result = CliRunner().invoke(main, ["ingest", str(archive), "--data-dir", str(tmp_path / "d")],
                                env=cli_env(woo_ctx.settings))
    assert result.exit_code == 1 and "geweigerd: 1" in result.output
    assert not (tmp_path.parent / "buiten.txt").exists()
