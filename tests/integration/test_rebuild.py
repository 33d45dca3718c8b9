"""The bucket is the archive: MDTO sidecars beside every object, and the database rebuilt from them alone."""
from __future__ import annotations

import uuid

import pikepdf
from sqlalchemy import select

from tests.conftest import drain
from tests.factories import make_docx, make_pdf
from woo.adapters import db
from woo.adapters.models import Document, Event, Job, Organisation, StoredFile
from woo.archive import sidecars
from woo.domain import tooi
from woo.metadata import mdto
from woo.metadata.xsd import validate_mdto
from woo.services import accounts, classification, preservation, publication
from woo.services.bootstrap import bootstrap_instance
from woo.services.context import Actor, build_context
from woo.services.ingest import ingest
from woo.services.rebuild import rebuild_from_storage

OFFICER = Actor("user", None, "archivaris-test")


def _snapshot(ctx) -> dict:
    with ctx.unit_of_work() as s:
        docs = {d.id: (d.title, d.status, d.category, s.get(Organisation, d.organisation_id).code, d.format_kind,
                       d.source, d.published_at.replace(tzinfo=None) if d.published_at else None)
                for d in s.execute(select(Document)).scalars()}
        files = {f.object_key: (f.document_id, f.role, f.filename, f.size, f.sha256, f.mime_type, f.puid)
                 for f in s.execute(select(StoredFile)).scalars()}
    return {"documents": docs, "files": files}


def test_ingest_publish_drop_database_rebuild_from_bucket(make_settings, backend, servers, tmp_path):
    from redis import Redis

    from woo import worker

    Redis.from_url(servers.redis.url).flushdb()
    bucket = "woo-rebuild-" + uuid.uuid4().hex[:8]  # a bucket of its own: rebuild reads all of it
    settings = make_settings(backend, WOO_S3_BUCKET=bucket)
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    try:
        with ctx.unit_of_work() as s:
            org = accounts.default_organisation(s).id
        pdf = make_pdf(tmp_path / "besluit.pdf", ["Besluit op het verzoek om informatie over de parkeergarage."])
        docx = make_docx(tmp_path / "nota.docx", ["Nota aan het college over de begroting 2025."])
        ids = [ingest(ctx, OFFICER, org, p.name, path=p).document_id for p in (pdf, docx)]
        drain(ctx)
        with ctx.unit_of_work() as s:
            jobs = {(j.document_id, j.kind): (j.status, j.error) for j in s.execute(select(Job)).scalars()}
            for doc_id in ids:
                assert jobs[(doc_id, "preserve")][0] == "done", jobs
                doc = s.get(Document, doc_id)
                pdfa_file, original = doc.file("pdfa"), doc.file("original")
                assert pdfa_file is not None and pdfa_file.puid == "fmt/477"
                data = ctx.store.get_bytes(pdfa_file.object_key)
                assert data.startswith(b"%PDF") and original.sha256 != pdfa_file.sha256
                events = s.execute(select(Event).where(Event.document_id == doc_id,
                                                       Event.action == "document.preserved")).scalars().all()
                assert events and events[0].detail["steps"][0]["version"]
        # The original is kept unchanged next to the rendition.
        with ctx.unit_of_work() as s:
            orig = s.get(Document, ids[0]).file("original")
        assert ctx.store.get_bytes(orig.object_key) == pdf.read_bytes()
        with pikepdf.open(tmp_path / "besluit.pdf"):
            pass

        category = tooi.category_by_label("woo_verzoeken_en_besluiten").uri
        classification.set_category(ctx, OFFICER, ids[0], category)
        result = publication.publish(ctx, OFFICER, [ids[0]], titles={ids[0]: "Besluit"})
        assert result.published == [ids[0]], result.refused
        described, problems = preservation.describe_pending(ctx)
        assert described == 1 and not problems  # the preserve job described both already; only one changed since

        # Every sidecar in the bucket validates against MDTO 1.0.1 and says what the database says.
        keys = [i.key for i in ctx.store.list("documents/")]
        assert all(sidecars.bestand_key(k) in keys for k in keys if not sidecars.is_archive_metadata(k))
        for key in (k for k in keys if k.endswith(".mdto.xml")):
            validate_mdto(ctx.store.get_bytes(key))
        io = mdto.parse_informatieobject(ctx.store.get_bytes(sidecars.informatieobject_key(ids[0])))
        assert io.woo_categorie == category and io.waardering in ("B", "V")
        assert io.selectielijst is not None and io.bewaartermijn is not None  # from the category's default
        assert io.beperkingen[0].type.label == "Geen beperking"  # published in full
        assert any(e.type == "Publicatie" for e in io.events) and any(e.type == "Migratie" for e in io.events)
        io2 = mdto.parse_informatieobject(ctx.store.get_bytes(sidecars.informatieobject_key(ids[1])))
        assert io2.waardering == "N" and io2.woo_categorie is None  # nader te bepalen until classified

        ctx.store.put_bytes("vreemd/leesmij.txt", b"niet van woo", "text/plain")
        ctx.store.put_bytes(f"documents/{uuid.uuid4().hex}/notes.txt", b"ook niet", "text/plain")
        before = _snapshot(ctx)

        # Total database loss: a new, empty, migrated database; only the bucket survives.
        fresh = {"WOO_DATABASE_URL": f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"} if backend == "sqlite" else {}
        settings2 = make_settings(backend, WOO_S3_BUCKET=bucket, **fresh)
        db.upgrade(settings2.database_url)
        ctx2 = build_context(settings2)
        report = rebuild_from_storage(ctx2, OFFICER)
        assert not report.problems, report.problems
        assert report.documents == 2 and report.files == len(before["files"])
        assert "vreemd/leesmij.txt" in report.foreign and any(k.endswith("/notes.txt") for k in report.foreign)
        assert _snapshot(ctx2) == before
        with ctx2.unit_of_work() as s:
            rebuilt = s.execute(select(Event).where(Event.action == "document.rebuilt",
                                                    Event.document_id == ids[0])).scalar_one()
            assert any(h["type"] == "Publicatie" for h in rebuilt.detail["history"])
        # The rebuilt instance writes the same archive again, history included.
        preservation.describe_all(ctx2)
        io_again = mdto.parse_informatieobject(ctx2.store.get_bytes(sidecars.informatieobject_key(ids[0])))
        assert any(e.type == "Publicatie" for e in io_again.events)
        assert io_again.woo_categorie == category
    finally:
        worker.use_context(None)


def test_failed_pdfa_conversion_is_a_visible_failed_job(woo_ctx, tmp_path):
    plain = make_pdf(tmp_path / "plain.pdf", ["Besluit, beveiligd tegen wijzigen door de maker."])
    locked = tmp_path / "beveiligd.pdf"
    with pikepdf.open(plain) as p:  # owner password only: anyone can read it, nobody may change it
        p.save(locked, encryption=pikepdf.Encryption(owner="eigenaar", user="", R=6))
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc_id = ingest(woo_ctx, OFFICER, org, "beveiligd.pdf", path=locked).document_id
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        job = next(j for j in doc.jobs if j.kind == "preserve")
        assert job.status == "failed"
        assert "PDF/A-omzetting mislukt" in job.error and "versleuteld" in job.error
        assert doc.file("pdfa") is None and doc.file("original") is not None
        failed = s.execute(select(Event).where(Event.document_id == doc_id,
                                               Event.action == "document.preserve_failed")).scalar_one()
        assert failed.detail["steps"][0]["tool"] == "pikepdf.pdfa"
