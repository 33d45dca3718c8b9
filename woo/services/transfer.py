"""Overbrenging: B-records older than the transfer term go to the archiefbewaarplaats (e-Depot).

``select`` (dry run) -> ``prepare`` writes an MDTO SIP in a BagIt bag with a pakbon and puts every record
under a legal hold (in the database, and on its objects in S3 where the bucket has object lock), so nothing
can destroy it while the archive has not confirmed receipt (package status ``aangemaakt``) -> the archivist
hands it to the archive and ``mark_sent`` records that (``verzonden``) -> the archive confirms receipt ->
``confirm``, by another archivist than the one who prepared the package (four eyes), makes the records
read-only here (status archived; they keep the hold) and records where they went (``bevestigd``). A record
held by an open package (not yet confirmed) is not put in a second one. After confirmation the records leave
woo's public surfaces (sitemaps, search, OAI-PMH); their public page answers 410 naming the archive
(woo.web.public; the choice is written in the pakbon too).
"""
from __future__ import annotations

import calendar
import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import (Document, Organisation, Publication, TransferItem, TransferJob, TransferPackage,
                                 new_id, utcnow)
from woo.adapters.objectstore import ObjectStoreError
from woo.archive import transfer_package as pkg
from woo.domain import retention as rules
from woo.domain import tooi
from woo.domain.lifecycle import TRANSITIONS, Status, check_transition
from woo.domain.roles import Role
from woo.metadata import mdto
from woo.services import audit
from woo.services import retention as retsvc
from woo.services.context import SYSTEM, Actor, Context

TRANSFERABLE = tuple(s for s, targets in TRANSITIONS.items() if Status.ARCHIVED in targets)
MADE, SENT, CONFIRMED = "aangemaakt", "verzonden", "bevestigd"  # TransferPackage.status, in this order
CANCELLED = "geannuleerd"  # from MADE or SENT (the archive refused it, or it was made by mistake): records free again
OPEN = (MADE, SENT)
STATUS_NL = {MADE: "gemaakt", SENT: "verzonden", CONFIRMED: "ontvangstbevestiging", CANCELLED: "geannuleerd"}


class TransferError(ValueError):
    """A refused transfer step (Dutch message)."""


def cutoff(today: date, years: int) -> date:
    """Records with a brondatum on or before this date are older than ``years``."""
    year = today.year - years
    return date(year, today.month, min(today.day, calendar.monthrange(year, today.month)[1]))


@dataclass
class Selection:
    cutoff: date
    years: int
    document_ids: list[str] = field(default_factory=list)
    not_transferable: dict[str, str] = field(default_factory=dict)  # id -> Dutch reason


def _hold_text(package_id: str) -> str:
    return f"Overbrenging: pakket {package_id} wacht op ontvangstbevestiging van de archiefbewaarplaats."


def open_packages(session: Session, document_ids: list[str]) -> dict[str, TransferPackage]:
    """The open (not confirmed) package that still holds each of these records. A record whose transfer hold
    was lifted (`woo retention hold --release`, the way out when the archive refuses a package) is free again."""
    held: dict[str, TransferPackage] = {}
    ids = list(dict.fromkeys(document_ids))
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Document.id, Document.legal_hold, Document.legal_hold_reason, TransferPackage)
            .join(TransferItem, TransferItem.document_id == Document.id)
            .join(TransferPackage, TransferPackage.id == TransferItem.package_id)
            .where(Document.id.in_(ids[start:start + 500]), TransferPackage.status.in_(OPEN))
            .order_by(TransferPackage.created_at))
        for doc_id, hold, reason, package in rows:
            if hold and _hold_text(package.id) in (reason or ""):
                held.setdefault(doc_id, package)
    return held


def select_records(ctx: Context, today: date | None = None, limit: int | None = None) -> Selection:
    """B-records whose brondatum is older than WOO_TRANSFER_YEARS and that are still here."""
    years = retsvc.transfer_years(ctx.settings)
    sel = Selection(cutoff(today or date.today(), years), years)
    with ctx.unit_of_work() as session:
        stmt = (select(Document.id, Document.status, Document.title).where(
            Document.retention_waardering == "B", Document.retention_brondatum <= sel.cutoff,
            Document.status.notin_([Status.ARCHIVED, Status.DESTROYED])).order_by(Document.retention_brondatum,
                                                                                   Document.id))
        for doc_id, status, _title in session.execute(stmt):
            if Status(status) not in TRANSFERABLE:
                sel.not_transferable[doc_id] = (f"status '{status}': alleen gepubliceerde of ingetrokken records "
                                                "kunnen (volgens de levenscyclus) worden overgebracht")
                continue
            sel.document_ids.append(doc_id)
            if limit and len(sel.document_ids) >= limit:
                break
        for doc_id, package in open_packages(session, sel.document_ids).items():
            sel.not_transferable[doc_id] = (f"zit al in overbrengingspakket {package.id} "
                                            f"({STATUS_NL[package.status]}), dat op de ontvangstbevestiging wacht")
        sel.document_ids = [i for i in sel.document_ids if i not in sel.not_transferable]
        # a dossier goes whole: if one of its records cannot go yet, none of them goes
        chosen = set(sel.document_ids)
        for dossier_id, members in retsvc.dossier_members(session, sel.document_ids).items():
            if not members <= chosen:
                for doc_id in members & chosen:
                    sel.not_transferable[doc_id] = (f"dossier {dossier_id} wordt alleen in zijn geheel overgebracht "
                                                    "en niet al zijn records komen nu in aanmerking")
                chosen -= members
        sel.document_ids = [i for i in sel.document_ids if i in chosen]
    return sel


def _dossier_record(session: Session, ctx: Context, d: Publication, folder: str, org: Organisation,
                    docs: list[Document]) -> pkg.PackageRecord:
    """The dossier as the MDTO aggregation (aggregatieniveau Dossier) over the records in its folder."""
    bron = f"woo {org.code}"
    io = mdto.InformatieobjectRecord(id=d.id, bron=bron, naam=d.title, archiefvormer=org.code,
                                     aggregatieniveau="Dossier")
    if d.reference:
        io.extra_identificaties = [mdto.Identificatie(d.reference, "dossiernummer / zaaknummer van de organisatie")]
    if tooi.category_by_uri(d.category):
        io.woo_categorie = d.category
    io.trefwoorden = list(d.topics or [])
    if d.summary:
        io.omschrijvingen = [d.summary]
    ret = retsvc.dossier_retention(session, d, retsvc.transfer_years(ctx.settings))
    if ret is not None:
        io.dekking_in_tijd = [mdto.DekkingInTijd(d.received_date or ret.brondatum, ret.brondatum)]
        mdto.apply_retention(io, rules.resultaat(ret.resultaat), ret)
    io.events = [mdto.Event("Creatie", d.created_at)]
    if d.published_at:
        io.events.append(mdto.Event("Publicatie", d.published_at))
    io.events.append(mdto.Event("Overbrenging", utcnow()))
    io.bevat_onderdeel = [mdto.Verwijzing(doc.title, mdto.Identificatie(doc.id, bron)) for doc in docs]
    return pkg.PackageRecord(folder, io)


def _record(session: Session, ctx: Context, doc: Document, folder: str, org: Organisation) -> pkg.PackageRecord:
    bron = f"woo {org.code}"
    io = mdto.InformatieobjectRecord(id=doc.id, bron=bron, naam=doc.title, archiefvormer=org.code)
    if tooi.category_by_uri(doc.category):
        io.woo_categorie = doc.category
    if doc.language:
        io.talen = [doc.language[:2]]
    if doc.retention_brondatum:
        io.dekking_in_tijd = [mdto.DekkingInTijd(doc.retention_brondatum)]
    io.events = [mdto.Event("Creatie", doc.document_date or doc.created_at)]
    if doc.published_at:
        io.events.append(mdto.Event("Publicatie", doc.published_at))
    io.events.append(mdto.Event("Overbrenging", utcnow()))
    res = rules.resultaat(doc.retention_resultaat)
    ret = rules.retention_for(res, doc.retention_brondatum, retsvc.transfer_years(ctx.settings))
    mdto.apply_retention(io, res, ret)
    record = pkg.PackageRecord(folder, io)
    names: set[str] = set()
    for f in doc.files:
        name = pkg.safe_name(f"{f.role}-{f.filename}")
        while name.lower() in names:
            name = "_" + name
        names.add(name.lower())
        bestand = mdto.BestandRecord(
            id=f"{doc.id}-{f.role}", bron=bron, naam=name, omvang=f.size, pronom_puid=f.puid or "UNKNOWN",
            pronom_naam=f.format_name or f.mime_type, checksum=f.sha256,
            checksum_datum=datetime.now(timezone.utc).replace(microsecond=0), representatie_van=io.verwijzing())
        io.heeft_representatie.append(mdto.Verwijzing(name, mdto.Identificatie(bestand.id, bron)))
        key, version = f.object_key, f.version_id
        record.files.append(pkg.PackageFile(bestand, lambda path, k=key, v=version: ctx.store.download(k, path, v)))
    return record


def _refusal(session: Session, ids: list[str], docs: list[Document | None]) -> str | None:
    """Why ``prepare`` refuses these records (Dutch), or None."""
    for doc_id, doc in zip(ids, docs):
        if doc is None:
            return f"Document {doc_id} bestaat niet."
        if doc.retention_waardering != "B":
            return (f"Document {doc_id} is niet blijvend te bewaren (waardering {doc.retention_waardering or 'N'}) "
                    "en wordt niet overgebracht.")
        if Status(doc.status) not in TRANSFERABLE:
            return f"Document {doc_id} heeft status '{doc.status}' en kan niet worden overgebracht."
    held = open_packages(session, ids)
    if held:
        doc_id, package = next(iter(held.items()))
        return (f"Document {doc_id} zit al in overbrengingspakket {package.id} ({STATUS_NL[package.status]}), dat "
                "op de ontvangstbevestiging wacht; er komt geen tweede pakket. Weigert de archiefbewaarplaats het "
                "pakket, hef dan de bewaarplicht van de records op en maak een nieuw pakket.")
    return None


def _dossier_record_ids(session: Session, dossier_id: str) -> list[str]:
    return [d.id for d in retsvc.dossier_documents(session, dossier_id)
            if d.status not in (Status.ARCHIVED, Status.DESTROYED)]


def dossier_refusal(session: Session, dossier_id: str) -> str | None:
    """Why ``prepare(dossier_ids=[dossier_id])`` would refuse now (Dutch), or None: the page offers the button
    only when it would not."""
    ids = _dossier_record_ids(session, dossier_id)
    if not ids:
        return "Het dossier heeft geen records (meer) die kunnen worden overgebracht."
    docs = [session.get(Document, i) for i in ids]
    if all(doc.retention_waardering != "B" for doc in docs):  # the class of the dossier, which they inherit
        return ("Het dossier is niet blijvend te bewaren (waardering "
                f"{docs[0].retention_waardering or 'nog niet bepaald'}) en wordt daarom niet overgebracht.")
    partial = retsvc.incomplete_dossiers(session, ids, "overgebracht")
    if partial:
        return "Het overbrengingspakket kan niet worden gemaakt:\n- " + "\n- ".join(partial)
    return _refusal(session, ids, docs)


def dossier_packages(session: Session, dossier_id: str) -> list[TransferPackage]:
    """The packages that hold records of the dossier, newest first."""
    return list(session.execute(
        select(TransferPackage).where(TransferPackage.id.in_(
            select(TransferItem.package_id).join(Document, Document.id == TransferItem.document_id)
            .where(Document.publication_id == dossier_id)))
        .order_by(TransferPackage.created_at.desc(), TransferPackage.id)).scalars())


def default_out_dir(ctx: Context) -> Path:
    """Where packages made without --out go (the web): WOO_TRANSFER_DIR, else <data dir>/overbrenging."""
    return Path(ctx.settings.transfer_dir) if ctx.settings.transfer_dir else ctx.settings.data_dir / "overbrenging"


def prepare(ctx: Context, actor: Actor, out_dir: Path, document_ids: list[str] | None = None,
            today: date | None = None, progress: Callable[[int], None] | None = None,
            dossier_ids: list[str] | None = None, package_id: str | None = None) -> TransferPackage:
    """Write the package for the selection (or the given ids, plus every record of ``dossier_ids``) and
    remember which records it holds. A dossier goes whole, as its MDTO aggregation with its records inside.
    ``package_id``: the id (and folder name under ``out_dir``) to use, chosen beforehand by a job that must
    find its folder again if its worker dies while writing it (see ``recover``)."""
    with ctx.unit_of_work() as session:
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een overbrenging voorbereiden", TransferError)
        extra = []
        for did in dict.fromkeys(dossier_ids or []):
            if session.get(Publication, did) is None:
                raise TransferError(f"Dossier {did} bestaat niet.")
            extra += _dossier_record_ids(session, did)
    if document_ids is None and not dossier_ids:
        ids = select_records(ctx, today).document_ids
    else:
        ids = list(dict.fromkeys(list(document_ids or []) + extra))
    if not ids:
        raise TransferError("Er zijn geen records die voor overbrenging in aanmerking komen.")
    package_id = package_id or new_id()
    written: list[Path] = []  # the bag, once pkg.write finished it
    held: list[tuple[str, str | None]] = []  # objects given an S3 legal hold here
    try:
        return _prepare(ctx, actor, out_dir, ids, package_id, progress, written, held)
    except BaseException:
        # nothing half-made: the transaction rolled back (no package row, no holds); the bag and the object
        # holds go too
        for path in written:
            shutil.rmtree(path, ignore_errors=True)
        for key, version in held:
            _legal_hold(ctx, key, version, on=False)
        raise


def _prepare(ctx: Context, actor: Actor, out_dir: Path, ids: list[str], package_id: str,
             progress: Callable[[int], None] | None, written: list[Path],
             held: list[tuple[str, str | None]]) -> TransferPackage:
    with ctx.unit_of_work() as session:
        # a second prepare of the same records (a double click) waits here and then finds them held
        # (PostgreSQL row locks; SQLite has no FOR UPDATE)
        session.execute(select(Document.id).where(Document.id.in_(ids)).with_for_update()).all()
        partial = retsvc.incomplete_dossiers(session, ids, "overgebracht")
        if partial:
            raise TransferError("Het overbrengingspakket is niet gemaakt:\n- " + "\n- ".join(partial))
        docs = [session.get(Document, i) for i in ids]
        refused = _refusal(session, ids, docs)
        if refused:
            raise TransferError(refused)
        orgs = {o.id: o for o in session.execute(select(Organisation)).scalars()}
        groups: dict[str | None, list[Document]] = {}
        for doc in docs:  # records of one dossier together, in its folder
            groups.setdefault(doc.publication_id, []).append(doc)
        docs = [doc for group in groups.values() for doc in group]
        dossier_rows = {did: session.get(Publication, did) for did in groups if did}
        top = pkg.unique_folders([f"{d.title[:60]}-{d.id[:8]}" for d in groups.get(None, [])]
                                 + [f"dossier-{p.title[:52]}-{p.id[:8]}" for p in dossier_rows.values()])
        top = list(top)
        loose = groups.get(None, [])
        folder_of = dict(zip([d.id for d in loose], top[:len(loose)]))
        dossier_folder = dict(zip(dossier_rows, top[len(loose):]))
        for did, group in groups.items():
            if did:
                for doc, sub in zip(group, pkg.unique_folders(f"{d.title[:60]}-{d.id[:8]}" for d in group)):
                    folder_of[doc.id] = f"{dossier_folder[did]}/{sub}"

        def records() -> Iterator[pkg.PackageRecord]:
            for did, group in groups.items():
                parent = None
                if did:
                    d = dossier_rows[did]
                    rec = _dossier_record(session, ctx, d, dossier_folder[did], orgs[d.organisation_id], group)
                    parent = rec.io.verwijzing()
                    yield rec
                for doc in group:
                    rec = _record(session, ctx, doc, folder_of[doc.id], orgs[doc.organisation_id])
                    if parent is not None:
                        rec.io.is_onderdeel_van = [parent]
                    yield rec

        first_org = orgs[docs[0].organisation_id]
        result = pkg.write(Path(out_dir), package_id, records(), {
            "naam": f"Overbrenging {first_org.name} {date.today():%Y-%m-%d}", "archiefvormer": first_org.code,
            "contact": actor.name, "doel": "archiefbewaarplaats (e-Depot)"}, progress)
        written.append(result.path)
        hold_reason = _hold_text(package_id)
        for doc in docs:  # nothing may delete a record the archive has not confirmed yet
            doc.legal_hold = True
            doc.legal_hold_reason = f"{doc.legal_hold_reason} | {hold_reason}" if doc.legal_hold_reason else hold_reason
            for f in doc.files:
                if _legal_hold(ctx, f.object_key, f.version_id):
                    held.append((f.object_key, f.version_id))
            audit.record(session, actor.label, "retention.legal_hold", doc.id, reden=hold_reason, pakket=package_id)
        package = TransferPackage(id=package_id, status=MADE, path=str(result.path), records=result.records,
                                  files=result.files, bytes=result.bytes, checksum=result.checksum,
                                  created_by=actor.label)
        session.add(package)
        session.flush()
        session.add_all(TransferItem(package_id=package_id, document_id=d.id) for d in docs)
        audit.record(session, actor.label, "transfer.prepared", None, pakket=package_id, records=result.records,
                     bestanden=result.files, bytes=result.bytes, checksum=result.checksum, pad=str(result.path),
                     dossiers=sorted(dossier_rows))
        return package


@dataclass
class ConfirmResult:
    archived: int
    legal_holds: int
    legal_hold_unsupported: int


def _legal_hold(ctx: Context, key: str, version_id: str | None, on: bool = True) -> bool:
    try:
        ctx.store.set_legal_hold(key, version_id, on)
        return True
    except ObjectStoreError:  # a bucket made without object lock (WOO_S3_OBJECT_LOCK)
        return False


def mark_sent(ctx: Context, actor: Actor, package_id: str, destination: str) -> TransferPackage:
    """The archivist handed the package to the archive (copied to the e-Depot, sent on a carrier)."""
    destination = (destination or "").strip() or "archiefbewaarplaats"
    with ctx.unit_of_work() as session:
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een overbrengingspakket als verzonden markeren",
                            TransferError)
        package = session.get(TransferPackage, package_id)
        if package is None:
            raise TransferError(f"Overbrengingspakket {package_id} bestaat niet.")
        if package.status == CANCELLED:
            raise TransferError(f"Overbrengingspakket {package_id} is geannuleerd; het kan niet meer als verzonden "
                                "worden gemarkeerd.")
        if package.status != MADE:
            raise TransferError(f"Overbrengingspakket {package_id} is al {STATUS_NL[package.status]}"
                                f"{'' if package.status == SENT else ' ontvangen'}; het kan niet opnieuw als "
                                "verzonden worden gemarkeerd.")
        package.status, package.destination = SENT, destination[:500]
        audit.record(session, actor.label, "transfer.sent", None, pakket=package_id, bestemming=destination)
        return package


def confirm(ctx: Context, actor: Actor, package_id: str, destination: str | None = None) -> ConfirmResult:
    """The archive has the package: records become read-only here and say where they went (by default
    where the package was sent)."""
    with ctx.unit_of_work() as session:
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een overbrenging bevestigen", TransferError)
        package = session.get(TransferPackage, package_id)
        if package is None:
            raise TransferError(f"Overbrengingspakket {package_id} bestaat niet.")
        if package.status == CONFIRMED:
            raise TransferError(f"Overbrengingspakket {package_id} is al bevestigd.")
        if package.status == CANCELLED:
            raise TransferError(f"Overbrengingspakket {package_id} is geannuleerd; de ontvangst kan niet worden "
                                "bevestigd. Maak zo nodig een nieuw pakket.")
        if package.status != SENT:  # the archive cannot confirm what it was never sent
            raise TransferError(f"Overbrengingspakket {package_id} is nog niet verzonden; markeer het eerst als "
                                "verzonden, dan kan de ontvangst worden bevestigd.")
        destination = (destination or "").strip() or package.destination or "archiefbewaarplaats"
        if package.created_by == actor.label:
            raise TransferError("Wie het overbrengingspakket heeft gemaakt, mag de ontvangst niet zelf bevestigen; "
                                "een andere archivaris moet dat doen (vier ogen).")
        ids = list(session.execute(select(TransferItem.document_id).where(TransferItem.package_id == package_id))
                   .scalars())
        now, result = utcnow(), ConfirmResult(0, 0, 0)
        for doc_id in ids:
            doc = session.get(Document, doc_id)
            was_public = doc.status == Status.PUBLISHED
            doc.status = check_transition(doc.status, Status.ARCHIVED)  # refuses all if one cannot go
            if was_public:
                from woo.services import dashboard

                dashboard.note_left_public(session, doc)
            doc.transferred_to = f"{destination} (pakket {package_id})"
            doc.transferred_at, doc.updated_at = now, now
            doc.legal_hold = True  # kept: the record lives on in the archive, never destroyed here
            doc.legal_hold_reason = f"Overgebracht naar {destination} (pakket {package_id})."
            for f in doc.files:
                if _legal_hold(ctx, f.object_key, f.version_id):
                    result.legal_holds += 1
                else:
                    result.legal_hold_unsupported += 1
            audit.record(session, actor.label, "document.transferred", doc_id, pakket=package_id,
                         bestemming=destination)
            result.archived += 1
        for dossier_id in sorted({p for p in session.execute(select(Document.publication_id).where(
                Document.id.in_(ids), Document.publication_id.is_not(None))).scalars()}):
            audit.record(session, actor.label, "dossier.transferred", None, dossier=dossier_id, pakket=package_id,
                         bestemming=destination)
        package.status, package.confirmed_by, package.confirmed_at = CONFIRMED, actor.label, now
        package.destination = destination
        audit.record(session, actor.label, "transfer.confirmed", None, pakket=package_id, records=result.archived,
                     bestemming=destination, legal_holds=result.legal_holds,
                     legal_hold_niet_ondersteund=result.legal_hold_unsupported)
    return result


def cancel(ctx: Context, actor: Actor, package_id: str, reason: str) -> int:
    """Cancel a package the archive has not confirmed (refused, or made by mistake): its transfer hold is lifted
    from every record (another hold stays), so the records can go into a new package. The package's folder is
    left where it is, for inspection; it is no longer valid. Returns the number of records released."""
    reason = (reason or "").strip()
    if not reason:
        raise TransferError("Geef een reden op om het overbrengingspakket te annuleren.")
    with ctx.unit_of_work() as session:
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een overbrengingspakket annuleren", TransferError)
        package = session.execute(select(TransferPackage).where(TransferPackage.id == package_id)
                                  .with_for_update()).scalar_one_or_none()
        if package is None:
            raise TransferError(f"Overbrengingspakket {package_id} bestaat niet.")
        if package.status == CONFIRMED:
            raise TransferError(f"Overbrengingspakket {package_id} kan niet worden geannuleerd: de "
                                "archiefbewaarplaats heeft de ontvangst al bevestigd en de records zijn overgebracht.")
        if package.status == CANCELLED:
            raise TransferError(f"Overbrengingspakket {package_id} is al geannuleerd.")
        hold = _hold_text(package_id)
        ids = list(session.execute(select(TransferItem.document_id).where(TransferItem.package_id == package_id))
                   .scalars())
        for doc_id in ids:
            doc = session.get(Document, doc_id)
            rest = " | ".join(p for p in (doc.legal_hold_reason or "").split(" | ") if p and p != hold)
            doc.legal_hold_reason = rest or None
            doc.legal_hold = bool(rest)  # a hold for another reason (e.g. a court case) stays
            if not rest:
                for f in doc.files:
                    _legal_hold(ctx, f.object_key, f.version_id, on=False)
            audit.record(session, actor.label, "retention.legal_hold_lifted", doc_id, reden=hold, pakket=package_id)
        package.status, package.cancelled_by, package.cancel_reason = CANCELLED, actor.label, reason
        audit.record(session, actor.label, "transfer.cancelled", None, pakket=package_id, records=len(ids),
                     reden=reason)
        return len(ids)


# --------------------------------------------------------------------------- as a background job
# A package of a large dossier (thousands of files fetched from the bucket, hashed, bagged) does not fit in a web
# request: the page queues it on the heavy queue, the worker runs `prepare` (the same as the CLI) and writes how
# far it got to the job's row, which the page shows ("n van m records") and refreshes. A failure leaves nothing
# but the job's Dutch reason (prepare removes what it wrote).

WAITING, RUNNING, DONE, FAILED = "wachtend", "bezig", "klaar", "mislukt"  # TransferJob.status
JOB_OPEN = (WAITING, RUNNING)
STALE_RUNNING_S = 60 * 60 + 300  # past rq's job timeout (adapters.queue.JOB_TIMEOUT): its worker is gone
STALE_WAITING_S = 24 * 3600
RECENT_WAITING_S = 30  # a waiting job this young may not have reached the queue yet (start enqueues after commit)
ABANDONED_NL = ("Het maken van het pakket is afgebroken (de worker stopte); er is niets achtergebleven. Maak het "
                "pakket opnieuw.")
GAVE_UP_NL = ("Het maken van het pakket is steeds afgebroken (de worker stopte {n} keer); er is niets "
              "achtergebleven. Maak het pakket opnieuw of vraag de beheerder het logboek van de worker te bekijken.")
log = logging.getLogger(__name__)


def _stale(job: TransferJob, now: datetime | None = None) -> bool:
    age = ((now or utcnow()) - _aware(job.updated_at)).total_seconds()
    return age > (STALE_RUNNING_S if job.status == RUNNING else STALE_WAITING_S)


def latest_job(session: Session, dossier_id: str) -> TransferJob | None:
    """The dossier's most recent transfer job; an open one whose worker is long gone reads as failed."""
    job = session.execute(select(TransferJob).where(TransferJob.dossier_id == dossier_id)
                          .order_by(TransferJob.created_at.desc(), TransferJob.id).limit(1)).scalar_one_or_none()
    if job is not None and job.status in JOB_OPEN and _stale(job):
        _discard_attempt(session, None, job)
        job.status, job.error = FAILED, ABANDONED_NL
    return job


def _rq_id(job_id: str, attempt: int) -> str:
    return f"woo-transfer-{job_id}" + (f"-{attempt}" if attempt else "")


def _discard_attempt(session: Session, ctx: Context | None, job: TransferJob) -> bool:
    """What an attempt of ``job`` killed mid-way left behind goes: the package folder it was writing (a
    package whose row was committed is complete and stays) and, with ``ctx``, the S3 legal holds it set on
    objects of records that hold no transfer hold in the database (the transaction that would have recorded
    them never committed). Returns whether the attempt had in fact finished its package."""
    request = job.request or {}
    package_id, folder = request.get("package_id"), request.get("folder")
    if package_id and session.get(TransferPackage, package_id) is not None:
        return True
    if folder and package_id and Path(folder).name == package_id:
        shutil.rmtree(folder, ignore_errors=True)
    if ctx is not None and folder:
        for doc in retsvc.dossier_documents(session, job.dossier_id):
            if not doc.legal_hold:
                for f in doc.files:
                    _legal_hold(ctx, f.object_key, f.version_id, on=False)
    return False


def recover(ctx: Context) -> dict[str, int]:
    """Transfer jobs whose rq job is gone or whose worker died (kill -9, a crash; the same check as document
    jobs, jobs.rq_alive) are queued again after removing what the killed attempt wrote; after
    jobs.MAX_RECOVERIES attempts they are marked failed with a Dutch reason. A job whose package was in fact
    completed is marked done. Called when `woo worker` starts and by the worker's housekeeping round, so the
    dossier page does not wait for rq's job timeout (an hour)."""
    from woo.adapters.queue import HEAVY
    from woo.services import jobs

    counts = {"requeued": 0, "failed": 0, "done": 0}
    redis = getattr(ctx.queue, "redis", None)
    if redis is None:
        return counts
    jobs.cleanup_registries(redis)
    now = utcnow()
    with ctx.unit_of_work() as session:
        candidates = [(j.id, (j.request or {}).get("rq_id") or _rq_id(j.id, 0)) for j in session.execute(
            select(TransferJob).where(TransferJob.status.in_(JOB_OPEN))).scalars()
            if j.status == RUNNING or (now - _aware(j.updated_at)).total_seconds() >= RECENT_WAITING_S]
    for job_id, rq_id in candidates:
        if jobs.rq_alive(redis, rq_id):
            continue
        with ctx.unit_of_work() as session:
            job = session.execute(select(TransferJob).where(TransferJob.id == job_id).with_for_update()) \
                .scalar_one_or_none()
            if job is None or job.status not in JOB_OPEN or (job.request or {}).get("rq_id", rq_id) != rq_id:
                continue  # finished meanwhile, or another recovery queued it again
            request = dict(job.request or {})
            if _discard_attempt(session, ctx, job):  # killed after the package was stored, before the job row
                package = session.get(TransferPackage, request["package_id"])
                job.status, job.package_id, job.done, job.total = DONE, package.id, package.records, package.records
                counts["done"] += 1
                continue
            attempt = int(request.get("recoveries") or 0) + 1
            if attempt > jobs.MAX_RECOVERIES:
                job.status, job.error = FAILED, GAVE_UP_NL.format(n=attempt - 1)
                audit.record(session, SYSTEM.label, "transfer.failed", None, dossier=job.dossier_id, taak=job_id,
                             reden=job.error)
                counts["failed"] += 1
                continue
            request.update(recoveries=attempt, rq_id=_rq_id(job_id, attempt))
            request.pop("package_id", None)
            request.pop("folder", None)
            job.request, job.status, job.done = request, WAITING, 0
            audit.record(session, SYSTEM.label, "transfer.recovered", None, dossier=job.dossier_id, taak=job_id,
                         poging=attempt + 1)
            new_rq_id = request["rq_id"]
        try:
            ctx.queue.enqueue("woo.worker.run_transfer", job_id, job_id=new_rq_id, queue=HEAVY)
        except Exception as exc:  # noqa: BLE001 - Redis gone again: the next round finds it once more
            log.warning("could not enqueue recovered transfer job %s: %s", job_id, exc)
            continue
        counts["requeued"] += 1
    return counts


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def start(ctx: Context, actor: Actor, dossier_id: str) -> str:
    """Queue the making of the dossier's package on the heavy queue; returns the job's id. What the page would
    refuse is refused here at once, in Dutch."""
    from woo.adapters.queue import HEAVY

    with ctx.unit_of_work() as session:
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een overbrenging voorbereiden", TransferError)
        # a double click waits here for the first job's row (PostgreSQL row lock) and then finds it
        if session.execute(select(Publication.id).where(Publication.id == dossier_id).with_for_update()).first() \
                is None:
            raise TransferError(f"Dossier {dossier_id} bestaat niet.")
        busy = latest_job(session, dossier_id)
        if busy is not None and busy.status in JOB_OPEN:
            raise TransferError(f"Het overbrengingspakket van dit dossier wordt al gemaakt ({busy.done} van "
                                f"{busy.total} records); wacht tot het klaar is.")
        refused = dossier_refusal(session, dossier_id)
        if refused:
            raise TransferError(refused)
        job = TransferJob(id=new_id(), dossier_id=dossier_id, created_by=actor.label, status=WAITING, done=0,
                          total=len(_dossier_record_ids(session, dossier_id)) + 1,  # + the dossier's aggregation
                          request={"actor": {"kind": actor.kind, "id": actor.id, "name": actor.name}})
        job.request["rq_id"] = _rq_id(job.id, 0)
        session.add(job)
        audit.record(session, actor.label, "transfer.queued", None, dossier=dossier_id, taak=job.id,
                     records=job.total)
        job_id = job.id
    try:
        ctx.queue.enqueue("woo.worker.run_transfer", job_id, job_id=_rq_id(job_id, 0), queue=HEAVY)
    except Exception as exc:  # noqa: BLE001 - Redis down: an honest failed job, nothing was made
        _finish_job(ctx, job_id, FAILED, error="De wachtrij is niet bereikbaar; het pakket is niet gemaakt. "
                                               "Probeer het later opnieuw.")
        raise TransferError("Het maken van het overbrengingspakket kon niet worden ingepland (wachtrij niet "
                            "bereikbaar).") from exc
    return job_id


def _finish_job(ctx: Context, job_id: str, status: str, **fields) -> None:
    with ctx.unit_of_work() as session:
        job = session.get(TransferJob, job_id)
        job.status = status
        for name, value in fields.items():
            setattr(job, name, value)
        if status == FAILED:
            audit.record(session, SYSTEM.label, "transfer.failed", None, dossier=job.dossier_id, taak=job_id,
                         reden=job.error)


def failure_nl(exc: BaseException, out_dir: Path) -> str:
    """What the archivist reads when making a package failed (never a Python exception)."""
    if isinstance(exc, (TransferError, pkg.PackageError)):
        return str(exc)
    if isinstance(exc, OSError):
        return (f"Het overbrengingspakket is niet gemaakt: de map {out_dir} (WOO_TRANSFER_DIR) is geen beschrijfbare "
                "map of de schijf is vol. Er is niets achtergebleven; vraag de beheerder de map te controleren.")
    if isinstance(exc, ObjectStoreError):
        return ("Het overbrengingspakket is niet gemaakt: een bestand kon niet uit de opslag worden gehaald. Er is "
                "niets achtergebleven; probeer het later opnieuw.")
    return ("Het overbrengingspakket is niet gemaakt door een onverwachte fout; er is niets achtergebleven. De "
            "details staan in het logboek van de worker.")


def run_job(ctx: Context, job_id: str) -> str:
    """The rq job (heavy queue): ``prepare`` the dossier's package, writing its progress to the job's row (at
    most about once a second); then the outcome (the package, or the Dutch reason it was not made)."""
    from woo.services.jobs import current_rq_id

    out_dir, package_id = default_out_dir(ctx), new_id()
    with ctx.unit_of_work() as session:
        job = session.execute(select(TransferJob).where(TransferJob.id == job_id).with_for_update()) \
            .scalar_one_or_none()
        if job is None or job.status != WAITING:
            return job.status if job else FAILED
        request, current = dict(job.request or {}), current_rq_id()
        if current and request.get("rq_id") and current != request["rq_id"]:
            return job.status  # an rq job recovery replaced (its worker was taken for dead): the new one runs
        # where this attempt writes, so that recovery can remove it if this worker dies while writing
        request.update(package_id=package_id, folder=str(Path(out_dir) / package_id))
        job.request, job.status, job.done = request, RUNNING, 0
        dossier_id, total, a = job.dossier_id, job.total, request.get("actor") or {}
    actor = Actor(a.get("kind") or "system", a.get("id"), a.get("name") or "system")
    count, last = [0], [0.0]

    def progress(n: int) -> None:
        count[0] += n
        now = time.monotonic()
        if now - last[0] < 1.0 and count[0] < total:
            return
        last[0] = now
        with ctx.unit_of_work() as session:
            session.get(TransferJob, job_id).done = count[0]

    try:
        package = prepare(ctx, actor, out_dir, None, dossier_ids=[dossier_id], progress=progress,
                          package_id=package_id)
    except Exception as exc:  # noqa: BLE001 - said on the page; the traceback goes to the worker log
        if not isinstance(exc, TransferError):
            log.exception("transfer job %s failed", job_id)
        _finish_job(ctx, job_id, FAILED, error=failure_nl(exc, out_dir))
        return FAILED
    _finish_job(ctx, job_id, DONE, package_id=package.id, done=package.records, total=package.records)
    return DONE


__all__ = ["TransferError", "cancel", "CANCELLED", "start", "run_job", "recover", "latest_job", "failure_nl", "WAITING",
           "RUNNING", "DONE", "FAILED", "JOB_OPEN", "Selection", "select_records", "cutoff", "prepare", "mark_sent",
           "confirm", "ConfirmResult", "TRANSFERABLE", "MADE", "SENT", "CONFIRMED", "OPEN", "STATUS_NL",
           "open_packages", "dossier_refusal", "dossier_packages", "default_out_dir"]
