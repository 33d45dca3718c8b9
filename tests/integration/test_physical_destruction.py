"""Destruction is physical on the embedded stack: after a destruction list executed, neither the bucket (every
version), the SeaweedFS volume files nor the SQLite database and its WAL hold the destroyed document's text."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import drain
from tests.integration.retention_helpers import users
from woo.adapters.models import DestructionList, Document, utcnow
from woo.domain import tooi
from woo.services import accounts
from woo.services import destruction as ds
from woo.services import retention as retsvc
from woo.services.context import SYSTEM, Actor
from woo.services.ingest import ingest


def _uncompressed_pdf(path: Path, secret: str) -> Path:
    """A PDF whose text is literally in its bytes (no stream compression, a core font) and that SeaweedFS
    will not gzip either (an incompressible noise image), so a grep of the volume files can find it."""
    import os

    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 6, "Interne notitie.", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, secret, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "Behandeld door mevrouw Zwanenburg-Oosterhout.", new_x="LMARGIN", new_y="NEXT")
    noise = Image.frombytes("RGB", (160, 160), os.urandom(160 * 160 * 3))
    pdf.image(noise, x=10, y=40, w=60)
    pdf.output(str(path))
    assert secret.encode() in path.read_bytes()
    return path


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    hits.append(path)
            except OSError:
                pass
    return hits


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_destroyed_text_is_gone_from_volumes_database_and_wal(make_settings, backend, servers, tmp_path):
    from woo import worker
    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context

    settings = make_settings(backend, WOO_SEAWEEDFS_MASTER=f"http://127.0.0.1:{servers.s3.ports['master']}")
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    try:
        u = users(ctx)
        secret = f"Geheimnummer {uuid.uuid4().hex}"
        with ctx.unit_of_work() as s:
            org = accounts.default_organisation(s).id
        p = _uncompressed_pdf(tmp_path / "notitie.pdf", secret)
        doc_id = ingest(ctx, Actor("user", None, "ambtenaar"), org, p.name, path=p).document_id
        drain(ctx)  # text rendition, privacy findings (the name), suggestions, MDTO sidecars
        with ctx.unit_of_work() as s:
            d = s.get(Document, doc_id)
            d.category = tooi.category_by_label("woo_verzoeken_en_besluiten").uri
            d.document_date = datetime(2014, 1, 1, tzinfo=timezone.utc)
        retsvc.classify_defaults(ctx, SYSTEM)
        needle = secret.encode()
        s3_root, db_path = servers.s3.data_dir, Path(settings.database_url.split("///", 1)[1])
        db_files = [db_path, db_path.with_name(db_path.name + "-wal")]
        assert _files_containing(s3_root, needle), "control: the text is in the volume files before destruction"

        list_id = ds.create_list(ctx, u["archivaris-a"], "Lijst fysiek", [doc_id])
        ds.accept_open(ctx, u["beoordelaar-r"], list_id)
        ds.finish_review(ctx, u["beoordelaar-r"], list_id)
        ds.approve(ctx, u["archivaris-b"], list_id)
        ds.start(ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8), inline=True)

        assert list(ctx.store.list_versions(f"documents/{doc_id}/")) == []  # every version, delete markers too
        assert _files_containing(s3_root, needle) == []
        assert [f for f in db_files if f.exists() and needle in f.read_bytes()] == []
        assert [f for f in db_files if f.exists() and b"Zwanenburg" in f.read_bytes()] == []
        with ctx.unit_of_work() as s:
            lst = s.get(DestructionList, list_id)
            verklaring = s.get(Document, lst.verklaring_document_id)
            csv_file = verklaring.file("verklaring_csv")
            pdf_file = verklaring.file("original")
        import fitz

        with fitz.open(stream=ctx.store.get_bytes(pdf_file.object_key), filetype="pdf") as pdf:
            text = " ".join(page.get_text() for page in pdf)
        assert "SeaweedFS" in text and "gecompacteerd" in text and "wal_checkpoint TRUNCATE" in text
        assert ctx.store.get_bytes(csv_file.object_key).decode().count("vernietigd") >= 1
        with ctx.unit_of_work() as s:
            from woo.adapters.models import Event

            done = s.execute(select(Event).where(Event.action == "destruction.completed")).scalar_one()
            assert any("SeaweedFS" in line for line in done.detail["fysiek"])
    finally:
        worker.use_context(None)
