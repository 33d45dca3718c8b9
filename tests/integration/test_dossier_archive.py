"""A dossier in the archive: the MDTO aggregation (aggregatieniveau Dossier) over its documents, retention set
per dossier and inherited, destruction and transfer of a dossier whole, and the dossier rebuilt from the bucket."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import bagit
import pytest
from sqlalchemy import select

from tests.integration.retention_helpers import make_record, users
from woo.adapters import db
from woo.adapters.models import ArchiveObject, Document, DossierDocument, DossierTopic, Event, Publication, utcnow
from woo.archive import sidecars
from woo.domain import tooi
from woo.metadata import mdto
from woo.metadata.xsd import validate_mdto
from woo.services import accounts, dossiers, preservation
from woo.services import destruction as ds
from woo.services import retention as retsvc
from woo.services import transfer as tr
from woo.services.context import SYSTEM

OLD = datetime(2001, 5, 1, tzinfo=timezone.utc)


def _org(ctx) -> int:
    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


def _woo_besluit(ctx, title="Woo-besluit archief", decision_date="2015-06-01"):
    """A Woo-besluit with a decision letter and two documents (plus the inventarislijst woo makes)."""
    besluit = make_record(ctx, f"Besluit {title}")
    docs = [make_record(ctx, f"Stuk {n} {title}") for n in (1, 2)]
    did = dossiers.create(ctx, SYSTEM, _org(ctx), {"title": title, "kind": "woo-besluit", "reference": "WOO-2015-3",
                                                   "received_date": "2015-04-20", "decision_date": decision_date})
    dossiers.add_documents(ctx, SYSTEM, did, [besluit], role="besluit")
    dossiers.add_documents(ctx, SYSTEM, did, docs)
    dossiers.judge(ctx, SYSTEM, did, docs[1], "niet openbaar", grounds="5.1.2e", number="D-2")
    with ctx.unit_of_work() as s:
        members = {i.document_id: i.role for i in dossiers.items(s, did)}
    assert set(members.values()) == {"besluit", "document", "inventarislijst"}
    return did, besluit, docs, members


def _io(ctx, key):
    data = ctx.store.get_bytes(key)
    validate_mdto(data)
    return mdto.parse_informatieobject(data)


def test_retention_per_dossier_mdto_aggregation_and_destruction_whole(woo_ctx):
    u = users(woo_ctx)
    did, besluit, docs, members = _woo_besluit(woo_ctx)
    loose = make_record(woo_ctx, "Los Woo-besluit", resultaat="6.1")

    # Retention: the dossier's class (its category's default) and brondatum (its decision date), inherited.
    retsvc.classify_defaults(woo_ctx, SYSTEM)
    with woo_ctx.unit_of_work() as s:
        d = s.get(Publication, did)
        assert d.retention_resultaat and d.retention_source == "standaard"
        assert d.retention_brondatum == date(2015, 6, 1) and d.retention_brondatum_bron == "decision_date"
        rows = {doc.id: (doc.retention_resultaat, doc.retention_source, doc.retention_brondatum, doc.archiefactiedatum)
                for doc in s.execute(select(Document).where(Document.publication_id == did)).scalars()}
    assert set(rows) == set(members)
    assert {r[1] for r in rows.values()} == {"dossier"} and {r[2] for r in rows.values()} == {date(2015, 6, 1)}
    assert len({r[3] for r in rows.values()}) == 1  # one archiefactiedatum for the whole dossier

    with pytest.raises(retsvc.RetentionError, match="dossier"):
        retsvc.override(woo_ctx, u["archivaris-a"], docs[0], "6.2", "Los wijzigen")
    with pytest.raises(retsvc.RetentionError, match="rol"):
        retsvc.set_dossier_class(woo_ctx, u["beoordelaar-r"], did, "6.2", "Geen archivaris")
    ret = retsvc.set_dossier_class(woo_ctx, u["archivaris-a"], did, "6.2", "Afgewezen verzoek: korte termijn")
    assert ret.archiefactiedatum == date(2016, 6, 1)
    with woo_ctx.unit_of_work() as s:
        docs_now = s.execute(select(Document).where(Document.publication_id == did)).scalars().all()
        assert {(x.retention_resultaat, x.archiefactiedatum) for x in docs_now} == {("6.2", date(2016, 6, 1))}
        assert s.get(Publication, did).retention_reason == "Afgewezen verzoek: korte termijn"

    # The MDTO aggregation in the bucket: the dossier over its documents, and each document inside it.
    preservation.describe_pending(woo_ctx)
    dio = _io(woo_ctx, sidecars.dossier_informatieobject_key(did))
    assert dio.aggregatieniveau == "Dossier" and dio.naam == "Woo-besluit archief"
    assert {v.identificatie.kenmerk for v in dio.bevat_onderdeel} == set(members)
    assert dio.selectielijst.code == "6.2" and dio.waardering == "V"
    assert dio.bewaartermijn.einddatum.isoformat() == "2016-06-01"
    assert dio.woo_categorie == tooi.category_by_code("2i").uri
    assert [i.kenmerk for i in dio.extra_identificaties] == ["WOO-2015-3"]
    for doc_id, role in members.items():
        io = _io(woo_ctx, sidecars.informatieobject_key(doc_id))
        assert io.aggregatieniveau == "Archiefstuk"
        assert [v.identificatie.kenmerk for v in io.is_onderdeel_van] == [did]
        assert io.selectielijst.code == "6.2"
        related = {g.verwijzing.identificatie.kenmerk: g.type_relatie.label for g in io.gerelateerd
                   if g.type_relatie.label != "Onderdeel van publicatie"}
        if role == "besluit":
            inventory = next(k for k, r in members.items() if r == "inventarislijst")
            assert related == {inventory: "Heeft bijlage (inventarislijst)"}
        else:
            assert related == {besluit: "Hoort bij besluit"}
    with woo_ctx.unit_of_work() as s:
        recorded = set(s.execute(select(ArchiveObject.object_key)).scalars())
    assert sidecars.dossier_state_key(did) in recorded  # fixity covers the dossier's objects too

    # Destruction: a dossier goes onto a list whole, or the list is refused.
    now = utcnow() + timedelta(days=8)
    with pytest.raises(ds.DestructionError, match="alleen in zijn geheel vernietigd"):
        ds.create_list(woo_ctx, u["archivaris-a"], "Deel van een dossier", [docs[0], loose])
    due = ds.eligible_due_ids(woo_ctx, retsvc.DueFilter(today=now.date()))
    assert set(members) <= set(due) and loose in due
    first = ds.create_list(woo_ctx, u["archivaris-a"], "Proef", [], dossier_ids=[did])
    ds.review_item(woo_ctx, u["beoordelaar-r"], first, docs[0], "uitgezonderd", "Nog in bezwaar")
    with woo_ctx.unit_of_work() as s:
        reviews = {i.document_id: i.review for i in ds.items(s, first)}
    assert set(reviews) == set(members) and set(reviews.values()) == {"uitgezonderd"}  # the dossier as a whole
    ds.cancel(woo_ctx, u["archivaris-a"], first, "Proef afgebroken")

    list_id = ds.create_list(woo_ctx, u["archivaris-a"], "Lijst 2026", [loose], dossier_ids=[did])
    ds.accept_open(woo_ctx, u["beoordelaar-r"], list_id)
    ds.finish_review(woo_ctx, u["beoordelaar-r"], list_id)
    ds.approve(woo_ctx, u["archivaris-b"], list_id)
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=now, inline=True)
    with woo_ctx.unit_of_work() as s:
        statuses = {doc.id: doc.status for doc in s.execute(select(Document).where(
            Document.id.in_(list(members) + [loose]))).scalars()}
        assert set(statuses.values()) == {"destroyed"}
        assert s.execute(select(Event).where(Event.action == "dossier.destroyed")).scalars().all()
    assert not list(woo_ctx.store.list_versions(sidecars.dossier_prefix(did)))  # the aggregation is gone too
    preservation.describe_pending(woo_ctx)
    assert not list(woo_ctx.store.list(sidecars.dossier_prefix(did)))  # and no rewrite brings it back


def test_hold_on_one_record_skips_the_whole_dossier(woo_ctx):
    u = users(woo_ctx)
    did, _besluit, docs, members = _woo_besluit(woo_ctx, "Dossier met bewaarplicht")
    retsvc.set_dossier_class(woo_ctx, u["archivaris-a"], did, "6.2", "Korte termijn")
    list_id = ds.create_list(woo_ctx, u["archivaris-a"], "Lijst bewaarplicht", [], dossier_ids=[did])
    ds.accept_open(woo_ctx, u["beoordelaar-r"], list_id)
    ds.finish_review(woo_ctx, u["beoordelaar-r"], list_id)
    ds.approve(woo_ctx, u["archivaris-b"], list_id)
    retsvc.set_legal_hold(woo_ctx, u["archivaris-a"], [docs[0]], True, "Beroep ingesteld")  # during the window
    ds.start(woo_ctx, u["archivaris-b"], list_id, now=utcnow() + timedelta(days=8), inline=True)
    with woo_ctx.unit_of_work() as s:
        items = ds.items(s, list_id)
        assert {i.state for i in items} == {"overgeslagen"}  # no record of the dossier destroyed
        assert all("in zijn geheel" in i.error for i in items)
        assert {d.status for d in s.execute(select(Document).where(Document.id.in_(list(members)))).scalars()} \
            != {"destroyed"}


def test_dossier_is_transferred_whole_as_mdto_aggregation(woo_ctx, tmp_path):
    u = users(woo_ctx)
    cat = tooi.category_by_label("wetten_en_algemeen_verbindende_voorschriften").uri
    kwargs = dict(category="wetten_en_algemeen_verbindende_voorschriften", document_date=OLD)
    docs = [make_record(woo_ctx, f"Verordening {n}", **kwargs) for n in ("afval", "parkeren")]
    loose = make_record(woo_ctx, "Losse verordening", status="published", resultaat="2.1.1", **kwargs)
    did = dossiers.create(woo_ctx, SYSTEM, _org(woo_ctx), {"title": "Verordeningen 2001", "kind": "publicatie",
                                                           "category": cat})
    dossiers.add_documents(woo_ctx, SYSTEM, did, docs)
    with woo_ctx.unit_of_work() as s:  # published long ago
        for doc in s.execute(select(Document).where(Document.id.in_(docs))).scalars():
            doc.status, doc.published_at = "published", datetime(2001, 6, 1, tzinfo=timezone.utc)
    retsvc.set_dossier_class(woo_ctx, u["archivaris-a"], did, "2.1.1", "Verordening: blijvend",
                             brondatum=date(2001, 6, 1))
    sel = tr.select_records(woo_ctx, today=date(2026, 6, 1))
    assert set(docs) | {loose} <= set(sel.document_ids)

    with pytest.raises(tr.TransferError, match="alleen in zijn geheel overgebracht"):
        tr.prepare(woo_ctx, u["archivaris-a"], tmp_path / "deel", [docs[0]])
    assert not (tmp_path / "deel").exists() or not any((tmp_path / "deel").iterdir())
    package = tr.prepare(woo_ctx, u["archivaris-a"], tmp_path / "pakket", [loose], dossier_ids=[did])
    root = tmp_path / "pakket" / package.id
    assert bagit.Bag(str(root)).is_valid()
    sidecar_files = {p.relative_to(root / "data"): p for p in (root / "data").rglob("*.mdto.xml")
                     if not p.name.endswith(".bestand.mdto.xml")}
    dossier_xml = [p for rel, p in sidecar_files.items() if len(rel.parts) == 2 and rel.parts[0].startswith("dossier-")]
    assert len(dossier_xml) == 1
    dio = mdto.parse_informatieobject(dossier_xml[0].read_bytes())
    validate_mdto(dossier_xml[0].read_bytes())
    assert dio.aggregatieniveau == "Dossier" and dio.waardering == "B" and dio.selectielijst.code == "2.1.1"
    assert {v.identificatie.kenmerk for v in dio.bevat_onderdeel} == set(docs)
    inside = {}
    for rel, p in sidecar_files.items():
        io = mdto.parse_informatieobject(p.read_bytes())
        if len(rel.parts) == 3:  # data/<dossier>/<record>/<record>.mdto.xml
            assert rel.parts[0] == dossier_xml[0].parent.name
            inside[io.id] = [v.identificatie.kenmerk for v in io.is_onderdeel_van]
            assert list((p.parent).glob("*.bestand.mdto.xml"))  # its files beside it
    assert inside == {doc_id: [did] for doc_id in docs}
    assert package.records == 4  # the dossier, its two records and the loose one

    tr.mark_sent(woo_ctx, u["archivaris-a"], package.id, "Regionaal Archief e-Depot")
    tr.confirm(woo_ctx, u["archivaris-b"], package.id)
    with woo_ctx.unit_of_work() as s:
        assert {d.status for d in s.execute(select(Document).where(Document.id.in_(docs + [loose]))).scalars()} \
            == {"archived"}
        ev = s.execute(select(Event).where(Event.action == "dossier.transferred")).scalars().all()
        assert [e.detail["dossier"] for e in ev] == [did]


def test_rebuild_from_storage_recreates_dossiers(make_settings, backend, servers, tmp_path):
    from redis import Redis

    from woo.services.bootstrap import bootstrap_instance
    from woo.services.context import build_context
    from woo.services.rebuild import rebuild_from_storage

    Redis.from_url(servers.redis.url).flushdb()
    bucket = "woo-dossier-rebuild-" + uuid.uuid4().hex[:8]
    settings = make_settings(backend, WOO_S3_BUCKET=bucket)
    ctx = build_context(settings)
    bootstrap_instance(settings, ctx)
    u = users(ctx)
    dossiers.add_topic(ctx, SYSTEM, _org(ctx), "Haven")
    did, _besluit, docs, members = _woo_besluit(ctx, "Woo-besluit haven")
    dossiers.edit(ctx, SYSTEM, did, {"topics": ["Haven"], "summary": "Verzoek over de haven."})
    retsvc.set_dossier_class(ctx, u["archivaris-a"], did, "6.2", "Korte termijn")
    preservation.describe_all(ctx)

    def snapshot(c):
        with c.unit_of_work() as s:
            d = s.get(Publication, did)
            fields = {n: getattr(d, n) for n in ("title", "kind", "status", "category", "reference", "summary",
                                                 "topics", "received_date", "decision_date", "decision",
                                                 "retention_resultaat", "retention_source", "retention_reason",
                                                 "retention_brondatum", "retention_brondatum_bron")}
            items = {i.document_id: (i.role, i.position, i.judgement, i.grounds, i.number)
                     for i in s.execute(select(DossierDocument).where(DossierDocument.dossier_id == did)).scalars()}
            pubs = {doc.id: doc.publication_id for doc in s.execute(select(Document)).scalars()
                    if doc.id in members}
            topics = set(s.execute(select(DossierTopic.name)).scalars())
        return fields, items, pubs, topics

    before = snapshot(ctx)
    assert before[1][docs[1]][2:] == ("niet-openbaar", ["5.1.2e"], "D-2")
    fresh = {"WOO_DATABASE_URL": f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"} if backend == "sqlite" else {}
    settings2 = make_settings(backend, WOO_S3_BUCKET=bucket, **fresh)
    db.upgrade(settings2.database_url)
    ctx2 = build_context(settings2)
    report = rebuild_from_storage(ctx2, SYSTEM)
    assert not report.problems, report.problems
    assert report.dossiers == 1 and report.documents == len(members)
    assert not [k for k in report.foreign if k.startswith("dossiers/")]
    assert snapshot(ctx2) == before
    # the rebuilt instance writes the same aggregation again
    preservation.describe_all(ctx2)
    dio = _io(ctx2, sidecars.dossier_informatieobject_key(did))
    assert {v.identificatie.kenmerk for v in dio.bevat_onderdeel} == set(members) and dio.trefwoorden == ["Haven"]
