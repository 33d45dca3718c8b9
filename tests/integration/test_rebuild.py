"""The bucket is the archive: MDTO sidecars beside every object, and the database rebuilt from them alone."""
from __future__ import annotations

import uuid

import pikepdf
from sqlalchemy import select

from tests.conftest import drain
from tests.factories import make_docx, make_pdf
from tests.integration.test_publish import answered
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
        result = publication.publish(ctx, OFFICER, [ids[0]], metadata=answered([ids[0]], "Besluit"))
        assert result.published == [ids[0]], result.refused
        from woo.services import retention as retsvc

        retsvc.classify_defaults(ctx, OFFICER)  # the sidecar says the stored class, not a guess from the category
        described, problems = preservation.describe_pending(ctx)
        # the preserve job described both already; since then one was published and both got their stored
        # retention class (the unclassified one waardering N)
        assert described == 2 and not problems

        # Every sidecar in the bucket validates against MDTO 1.0.1 and says what the database says.
        keys = [i.key for i in ctx.store.list("documents/")]
        assert all(sidecars.bestand_key(k) in keys for k in keys if not sidecars.is_archive_metadata(k))
        for key in (k for k in keys if k.endswith(".mdto.xml")):
            validate_mdto(ctx.store.get_bytes(key))
        io = mdto.parse_informatieobject(ctx.store.get_bytes(sidecars.informatieobject_key(ids[0])))
        assert io.woo_categorie == category and io.waardering in ("B", "V")
        assert io.selectielijst is not None and io.bewaartermijn is not None  # the category's default, stored
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


def test_retention_decisions_reach_the_sidecars_and_survive_a_rebuild(make_settings, backend, servers, tmp_path):
    """Class (default and override with reason), brondatum, archiefactiedatum, legal hold, transfer and the
    verklaring's own waardering reach the bucket through the outbox; a rebuild gives them back field by field."""
    from datetime import datetime, timedelta, timezone

    from redis import Redis

    from tests.integration.retention_helpers import users
    from woo import worker
    from woo.adapters.models import DestructionList, utcnow
    from woo.services import destruction as ds
    from woo.services import retention as retsvc
    from woo.services import transfer as tr
    from woo.services.context import SYSTEM

    Redis.from_url(servers.redis.url).flushdb()
    bucket = "woo-retention-" + uuid.uuid4().hex[:8]
    settings = make_settings(backend, WOO_S3_BUCKET=bucket)
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    worker.use_context(ctx)
    try:
        u = users(ctx)
        with ctx.unit_of_work() as s:
            org = accounts.default_organisation(s).id
        specs = {"default": ("woo_verzoeken_en_besluiten", datetime(2015, 3, 1, tzinfo=timezone.utc)),
                 "override": ("woo_verzoeken_en_besluiten", datetime(2016, 6, 1, tzinfo=timezone.utc)),
                 "held": ("woo_verzoeken_en_besluiten", datetime(2015, 3, 1, tzinfo=timezone.utc)),
                 "transfer": ("wetten_en_algemeen_verbindende_voorschriften", datetime(2001, 5, 1, tzinfo=timezone.utc)),
                 "destroy": ("woo_verzoeken_en_besluiten", datetime(2014, 1, 1, tzinfo=timezone.utc))}
        ids = {}
        for name in specs:
            p = tmp_path / f"{name}.txt"
            p.write_text(f"Stuk {name} over de gemeenteraad.\n")
            ids[name] = ingest(ctx, OFFICER, org, p.name, path=p).document_id
        drain(ctx)
        with ctx.unit_of_work() as s:
            for name, (cat, when) in specs.items():
                d = s.get(Document, ids[name])
                d.category, d.document_date = tooi.category_by_label(cat).uri, when
                if name == "transfer":
                    d.status, d.published_at = "published", datetime(2001, 6, 1, tzinfo=timezone.utc)
        retsvc.classify_defaults(ctx, SYSTEM)
        retsvc.override(ctx, u["archivaris-a"], ids["override"], "6.2", "Afgewezen verzoek: korte termijn")
        retsvc.set_legal_hold(ctx, u["archivaris-a"], [ids["held"]], True, "Lopende bezwaarprocedure")
        package = tr.prepare(ctx, u["archivaris-a"], tmp_path / "pakket", [ids["transfer"]])
        tr.mark_sent(ctx, u["archivaris-a"], package.id, "Regionaal Archief e-Depot")
        tr.confirm(ctx, u["archivaris-b"], package.id)
        list_id = ds.create_list(ctx, u["archivaris-a"], "Lijst 2026", [ids["destroy"]])
        ds.accept_open(ctx, u["beoordelaar-r"], list_id)
        ds.finish_review(ctx, u["beoordelaar-r"], list_id)
        ds.approve(ctx, u["archivaris-b"], list_id)
        ds.start(ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8), inline=True)
        preservation.describe_pending(ctx)  # the worker's sweep: every change above was noted in the outbox

        fields = sidecars.RETENTION_FIELDS

        def snapshot(c) -> dict:
            with c.unit_of_work() as s:
                out = {}
                for d in s.execute(select(Document)).scalars():
                    if d.status == "destroyed":
                        continue
                    row = {f: getattr(d, f) for f in fields}
                    if row["transferred_at"] is not None:  # SQLite gives naive datetimes back
                        row["transferred_at"] = row["transferred_at"].replace(tzinfo=None, microsecond=0)
                    out[d.id] = (d.status, row)
                return out

        before = snapshot(ctx)
        with ctx.unit_of_work() as s:
            verklaring_id = s.get(DestructionList, list_id).verklaring_document_id
        assert set(before) == {ids["default"], ids["override"], ids["held"], ids["transfer"], verklaring_id}
        assert before[ids["override"]][1]["retention_reason"] == "Afgewezen verzoek: korte termijn"
        assert before[ids["held"]][1]["legal_hold"] is True
        assert "Regionaal Archief" in before[ids["transfer"]][1]["transferred_to"]

        def io_of(doc_id):
            return mdto.parse_informatieobject(ctx.store.get_bytes(sidecars.informatieobject_key(doc_id)))

        io = io_of(ids["override"])  # the override, not the category default (6.1)
        assert io.selectielijst.code == "6.2" and io.waardering == "V"
        assert io.bewaartermijn.looptijd == "P1Y" and io.bewaartermijn.einddatum.isoformat() == \
            before[ids["override"]][1]["archiefactiedatum"].isoformat()
        verklaring = io_of(verklaring_id)
        assert verklaring.waardering == "B" and verklaring.selectielijst.code == "19.1.18"
        assert verklaring.bewaartermijn is None  # B: kept for ever, no end date
        transferred = io_of(ids["transfer"])
        assert transferred.waardering == "B" and transferred.bewaartermijn is None
        assert not [i for i in ctx.store.list_versions(f"documents/{ids['destroy']}/")]

        fresh = {"WOO_DATABASE_URL": f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"} if backend == "sqlite" else {}
        settings2 = make_settings(backend, WOO_S3_BUCKET=bucket, **fresh)
        db.upgrade(settings2.database_url)
        ctx2 = build_context(settings2)
        report = rebuild_from_storage(ctx2, OFFICER)
        assert not report.problems, report.problems
        after = snapshot(ctx2)
        assert set(after) == set(before)
        for doc_id, (status, row) in before.items():
            assert after[doc_id][0] == status
            for name in fields:
                assert after[doc_id][1][name] == row[name], (doc_id, name)
    finally:
        worker.use_context(None)
