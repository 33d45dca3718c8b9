"""Rebuild the database's documents, files, categories and states from the bucket alone.

After total database loss: migrate an empty database, then ``woo rebuild --from-storage``. Every
``documents/<id>/informatieobject.mdto.xml`` becomes a document (its state object adds what MDTO has no place
for), every file it lists (heeftRepresentatie) becomes a stored-file row from that file's MDTO bestand, after
checking the object is really there. Objects woo did not write (other prefixes, keys of no document) are left
alone and reported. The history in the MDTO events is carried into the new audit log as one
``document.rebuilt`` event per document (the old hash chain cannot be restored; the new one starts here).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from woo.adapters.models import Document, DossierDocument, DossierTopic, Organisation, Publication, StoredFile
from woo.archive import sidecars
from woo.domain import tooi
from woo.services import audit
from woo.services.context import Actor, Context

__all__ = ["RebuildError", "RebuildReport", "rebuild_from_storage"]

_DOC_KEY = re.compile(r"^documents/([0-9a-f]{32})/(.+)$")
_DOSSIER_KEY = re.compile(r"^dossiers/([0-9a-f]{32})/(.+)$")


class RebuildError(RuntimeError):
    """Rebuild refused (Dutch message)."""


@dataclass
class RebuildReport:
    documents: int = 0
    files: int = 0
    publications: int = 0
    dossiers: int = 0  # dossiers recreated from their MDTO aggregation and state object
    foreign: list[str] = field(default_factory=list)  # objects woo did not write: ignored
    unreferenced: list[str] = field(default_factory=list)  # woo-like objects no sidecar claims
    problems: list[str] = field(default_factory=list)  # Dutch, per document or file


def _organisation(session, code: str, cache: dict) -> int:
    if code in cache:
        return cache[code]
    ref = tooi.organisation(code)
    if ref is None:
        raise RebuildError(f"Archiefvormer '{code}' is geen TOOI-organisatie.")
    org = session.execute(select(Organisation).where(Organisation.tooi_uri == ref.uri)).scalar_one_or_none()
    if org is None:
        org = Organisation(tooi_uri=ref.uri, code=ref.code, name=ref.label)
        session.add(org)
        session.flush()
    cache[code] = org.id
    return org.id


def rebuild_from_storage(ctx: Context, actor: Actor, progress=None) -> RebuildReport:
    report = RebuildReport()
    with ctx.unit_of_work() as session:
        if session.execute(select(func.count(Document.id))).scalar_one():
            raise RebuildError("De database bevat al documenten; herbouwen kan alleen in een lege database.")

    # One listing pass; the key sets are what rebuild needs to tell woo's objects from foreign ones.
    io_docs: list[str] = []
    data_keys: set[str] = set()
    bestand_of: set[str] = set()
    named: list[str] = []
    dossier_keys: list[str] = []
    for info in ctx.store.list(""):
        m = _DOC_KEY.match(info.key)
        if m is None:
            d = _DOSSIER_KEY.match(info.key)
            if d and d.group(2) == sidecars.IO_SUFFIX:
                dossier_keys.append(d.group(1))
            elif not (d and d.group(2) == sidecars.DOSSIER_STATE_SUFFIX):
                report.foreign.append(info.key)
            continue
        doc_id, rest = m.groups()
        if rest == sidecars.IO_SUFFIX:
            io_docs.append(doc_id)
        elif rest == sidecars.STATE_SUFFIX:
            pass
        elif info.key.endswith(sidecars.BESTAND_SUFFIX):
            bestand_of.add(sidecars.file_key_of_sidecar(info.key))
        elif re.fullmatch(r"[0-9a-f]{32}", rest):
            data_keys.add(info.key)
        else:
            named.append(info.key)  # a fixed name (the verklaring's files): woo's if woo described it
    for key in named:
        if key in bestand_of:
            data_keys.add(key)
        else:
            report.foreign.append(key)

    claimed: set[str] = set()
    org_cache: dict[str, int] = {}
    dossiers_read = []
    for dossier_id in dossier_keys:  # dossiers first: their documents point at them
        try:
            dossiers_read.append(_rebuild_dossier(ctx, dossier_id, org_cache, report))
        except Exception as exc:  # noqa: BLE001
            report.problems.append(f"Dossier {dossier_id}: {exc}")
    for doc_id in io_docs:
        try:
            _rebuild_one(ctx, actor, doc_id, data_keys, bestand_of, claimed, org_cache, report)
        except Exception as exc:  # one unreadable record must not stop the others
            report.problems.append(f"Document {doc_id}: {exc}")
        if progress:
            progress(1)
    for rd in dossiers_read:
        _rebuild_members(ctx, actor, rd, report)
    report.unreferenced = sorted(data_keys - claimed)
    with ctx.unit_of_work() as session:
        from woo.services import dashboard

        dashboard.recount(session)  # the dashboard's counters, from the rebuilt rows
        audit.record(session, actor.label, "storage.rebuilt", None, documents=report.documents,
                     files=report.files, dossiers=report.dossiers, foreign=len(report.foreign), unreferenced=len(report.unreferenced),
                     problems=len(report.problems))
    return report


def _apply_retention(doc: Document, values: dict) -> None:
    """The retention decisions from the sidecar, column by column (sidecars.RETENTION_FIELDS)."""
    from datetime import date, datetime

    dates, stamps = {"retention_brondatum", "archiefactiedatum"}, {"transferred_at"}
    for name in sidecars.RETENTION_FIELDS:
        value = values.get(name)
        if value is not None and name in dates:
            value = date.fromisoformat(value)
        elif value is not None and name in stamps:
            value = datetime.fromisoformat(value)
        if name == "legal_hold":
            value = bool(value)
        setattr(doc, name, value)


def _rebuild_one(ctx, actor, doc_id, data_keys, bestand_of, claimed, org_cache, report) -> None:
    io_xml = ctx.store.get_bytes(sidecars.informatieobject_key(doc_id))
    try:
        state = ctx.store.get_bytes(sidecars.state_key(doc_id))
    except Exception:
        state = None
        report.problems.append(f"Document {doc_id}: toestandsbestand ontbreekt; alleen MDTO gebruikt.")
    rd = sidecars.parse_document(io_xml, state)
    if rd.id != doc_id:
        raise RebuildError(f"identificatie {rd.id} past niet bij de sleutel.")
    import json

    state_files = (json.loads(state) if state else {}).get("files", {})
    files = []
    for key, role in rd.file_keys:
        if key not in data_keys:
            report.problems.append(f"Document {doc_id}: bestand {key} ({role}) ontbreekt in de opslag.")
            continue
        if key not in bestand_of:
            report.problems.append(f"Document {doc_id}: MDTO-bestand van {key} ontbreekt.")
            continue
        rf = sidecars.parse_file(ctx.store.get_bytes(sidecars.bestand_key(key)), state_files.get(key))
        rf.role = role or rf.role
        files.append(rf)
    with ctx.unit_of_work() as session:
        org_id = _organisation(session, rd.organisation_code, org_cache)
        if rd.publication and session.get(Publication, rd.publication["id"]) is None:
            session.add(Publication(id=rd.publication["id"], organisation_id=org_id,
                                    title=rd.publication.get("title") or "", kind=rd.publication.get("kind") or "dossier",
                                    reference=rd.publication.get("reference")))
            session.flush()
            report.publications += 1
        doc = Document(id=rd.id, organisation_id=org_id, publication_id=rd.publication["id"] if rd.publication else None,
                       title=rd.title, status=rd.status, source=rd.source, category=rd.category,
                       suggestion=rd.suggestion, metadata_=rd.metadata, format_kind=rd.format_kind,
                       document_date=rd.document_date, language=rd.language, published_at=rd.published_at,
                       withdrawn_at=rd.withdrawn_at, withdraw_reason=rd.withdraw_reason)
        if rd.created_at:
            doc.created_at = rd.created_at
        _apply_retention(doc, rd.retention)
        session.add(doc)
        for rf in files:
            session.add(StoredFile(document=doc, role=rf.role, object_key=rf.object_key, version_id=rf.version_id,
                                   filename=rf.filename, size=rf.size, sha256=rf.sha256, mime_type=rf.mime_type,
                                   puid=rf.puid, format_name=rf.format_name,
                                   **({"created_at": rf.created_at} if rf.created_at else {})))
            claimed.add(rf.object_key)
        audit.record(session, actor.label, "document.rebuilt", rd.id, status=rd.status, category=rd.category,
                     files=len(files), history=rd.history)
    report.documents += 1
    report.files += len(files)


def _rebuild_dossier(ctx, dossier_id: str, org_cache: dict, report: RebuildReport) -> sidecars.RebuiltDossier:
    """The dossier row (fields, retention) from dossiers/<id>/; its documents follow, then their places."""
    from datetime import date, datetime

    io_xml = ctx.store.get_bytes(sidecars.dossier_informatieobject_key(dossier_id))
    try:
        state = ctx.store.get_bytes(sidecars.dossier_state_key(dossier_id))
    except Exception:  # noqa: BLE001
        state = None
        report.problems.append(f"Dossier {dossier_id}: toestandsbestand ontbreekt; alleen MDTO gebruikt.")
    rd = sidecars.parse_dossier(io_xml, state)
    if rd.id != dossier_id:
        raise RebuildError(f"identificatie {rd.id} past niet bij de sleutel.")
    f = rd.fields
    dates, stamps = {"received_date", "decision_date", "retention_brondatum"}, {"created_at", "published_at",
                                                                                 "withdrawn_at"}

    def value(name, raw):
        if raw is None:
            return None
        if name in dates:
            return date.fromisoformat(raw)
        if name in stamps:
            return datetime.fromisoformat(raw)
        return raw

    with ctx.unit_of_work() as session:
        org_id = _organisation(session, rd.organisation_code, org_cache)
        d = Publication(id=rd.id, organisation_id=org_id, title=f.get("title") or rd.id,
                        kind=f.get("kind") or "publicatie")
        for name in sidecars.DOSSIER_FIELDS:
            if name not in ("title", "kind") and f.get(name) is not None:
                setattr(d, name, value(name, f[name]))
        for name in sidecars.DOSSIER_RETENTION_FIELDS:
            setattr(d, name, value(name, rd.retention.get(name)))
        session.add(d)
        known = set(session.execute(select(DossierTopic.name).where(DossierTopic.organisation_id == org_id))
                    .scalars())
        for topic in dict.fromkeys(f.get("topics") or []):
            if topic not in known:  # the managed list comes back with the dossiers that use it
                session.add(DossierTopic(organisation_id=org_id, name=topic))
                known.add(topic)
    report.dossiers += 1
    return rd


def _rebuild_members(ctx, actor: Actor, rd: sidecars.RebuiltDossier, report: RebuildReport) -> None:
    """Each document's place and judgement in the dossier (only documents that were rebuilt)."""
    from datetime import datetime

    with ctx.unit_of_work() as session:
        for m in rd.members:
            doc = session.get(Document, m["document_id"])
            if doc is None:
                report.problems.append(f"Dossier {rd.id}: document {m['document_id']} ontbreekt in de opslag.")
                continue
            doc.publication_id = rd.id
            session.add(DossierDocument(
                document_id=doc.id, dossier_id=rd.id, role=m.get("role") or "document", position=m.get("position") or 0,
                judgement=m.get("judgement"), grounds=m.get("grounds") or [], remark=m.get("remark"),
                number=m.get("number"), public_link=m.get("public_link"),
                supplied_redacted=bool(m.get("supplied_redacted")), inventory=m.get("inventory"),
                judged_by=m.get("judged_by"),
                judged_at=datetime.fromisoformat(m["judged_at"]) if m.get("judged_at") else None))
        audit.record(session, actor.label, "dossier.rebuilt", None, dossier=rd.id, documents=len(rd.members))
