"""Vernietigingslijsten: create (archivist) -> review per item (reviewer) -> approve (another archivist)
-> cancellation window -> execution as an rq job -> verklaring van vernietiging.

Execution is resumable. Every item carries its own state (wachtend -> bezig -> vernietigd | overgeslagen);
the object keys of an item are written down before the first delete, the database tombstone is written
only after S3 reports no version left, and the verklaring is made once, from the items' snapshots, in
the same transaction that closes the list. An interruption anywhere means: run again, it carries on.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from woo.adapters.models import (ArchiveObject, DestructionItem, DestructionList, Document, Job, Organisation,
                                 PrivacyFinding, StoredFile, utcnow)
from woo.domain import retention as rules
from woo.domain import tooi
from woo.domain.lifecycle import LABELS_NL, Status, check_transition
from woo.domain.roles import Role
from woo.publish import search
from woo.services import audit
from woo.services import retention as retsvc
from woo.services.context import SYSTEM, Actor, Context

# list states
TER_BEOORDELING, BEOORDEELD, GOEDGEKEURD = "ter_beoordeling", "beoordeeld", "goedgekeurd"
BEZIG, MISLUKT, VERNIETIGD, GEANNULEERD = "bezig", "mislukt", "vernietigd", "geannuleerd"
OPEN_STATES = (TER_BEOORDELING, BEOORDEELD, GOEDGEKEURD, BEZIG, MISLUKT)
LIST_LABELS = {TER_BEOORDELING: "Ter beoordeling", BEOORDEELD: "Beoordeeld", GOEDGEKEURD: "Goedgekeurd (bedenktijd)",
               BEZIG: "Vernietiging bezig", MISLUKT: "Onderbroken - opnieuw starten", VERNIETIGD: "Vernietigd",
               GEANNULEERD: "Geannuleerd"}
# item review and execution states
OPEN, AKKOORD, UITGEZONDERD = "open", "akkoord", "uitgezonderd"
WACHTEND, ITEM_BEZIG, ITEM_VERNIETIGD, OVERGESLAGEN = "wachtend", "bezig", "vernietigd", "overgeslagen"
VERKLARING_RESULTAAT = "19.1.18"  # Secretariaat voeren - Verwerkt - Archiefvernietiging (B)
BATCH = 200


class DestructionError(ValueError):
    """A refused step; the message is Dutch, for the records manager."""


# --------------------------------------------------------------------------- eligibility (pure)


def refusal_reasons(doc: Document, today: date) -> list[str]:
    """Why ``doc`` may not be destroyed now; empty when it may."""
    label = f"Document {doc.id} ({doc.title[:60]})"
    status = Status(doc.status)
    if status == Status.DESTROYED:
        return [f"{label} is al vernietigd."]
    if status == Status.ARCHIVED:
        return [f"{label} is overgebracht naar de archiefbewaarplaats en mag hier niet worden vernietigd."]
    reasons = []
    if doc.retention_waardering == "B":
        reasons.append(f"{label} is blijvend te bewaren (waardering B, resultaat {doc.retention_resultaat}) "
                       "en mag nooit worden vernietigd.")
    elif doc.retention_waardering != "V":
        reasons.append(f"{label} heeft waardering 'nader te bepalen' (N): kies eerst een selectielijstklasse.")
    elif doc.archiefactiedatum is None or doc.archiefactiedatum > today:
        reasons.append(f"{label}: de bewaartermijn is nog niet verstreken (archiefactiedatum "
                       f"{doc.archiefactiedatum:%d-%m-%Y})." if doc.archiefactiedatum else
                       f"{label} heeft geen archiefactiedatum.")
    if doc.legal_hold:
        reasons.append(f"{label} valt onder een juridische bewaarplicht (legal hold): {doc.legal_hold_reason}.")
    if status == Status.PUBLISHED:
        reasons.append(f"{label} is gepubliceerd en niet ingetrokken; trek het eerst in.")
    return reasons


def _open_list_of(session: Session, doc_ids: list[str], exclude_list: int | None = None) -> dict[str, int]:
    """Documents already on another open list (not excluded there) -> that list's id."""
    out: dict[str, int] = {}
    for i in range(0, len(doc_ids), 500):
        stmt = (select(DestructionItem.document_id, DestructionItem.list_id)
                .join(DestructionList, DestructionList.id == DestructionItem.list_id)
                .where(DestructionItem.document_id.in_(doc_ids[i:i + 500]),
                       DestructionList.status.in_(OPEN_STATES), DestructionItem.review != UITGEZONDERD))
        if exclude_list is not None:
            stmt = stmt.where(DestructionItem.list_id != exclude_list)
        out.update(dict(session.execute(stmt).all()))
    return out


def _snapshot(doc: Document) -> dict:
    """What the tombstone and the verklaring keep of a record."""
    res = None
    try:
        res = rules.resultaat(doc.retention_resultaat) if doc.retention_resultaat else None
    except rules.RetentionError:
        pass
    cat = tooi.category_by_uri(doc.category) if doc.category else None
    return {"document_id": doc.id, "titel": doc.title, "woo_categorie": cat.label if cat else (doc.category or ""),
            "woo_categorie_uri": doc.category, "selectielijst": rules.SELECTIELIJST,
            "resultaat": doc.retention_resultaat, "resultaat_naam": res.label if res else "",
            "waardering": doc.retention_waardering, "bewaartermijn": doc.retention_bewaartermijn or "",
            "brondatum": doc.retention_brondatum.isoformat() if doc.retention_brondatum else "",
            "brondatum_bron": doc.retention_brondatum_bron or "",
            "archiefactiedatum": doc.archiefactiedatum.isoformat() if doc.archiefactiedatum else "",
            "document_date": doc.document_date.date().isoformat() if doc.document_date else "",
            "created_at": doc.created_at.isoformat() if doc.created_at else "",
            "published_at": doc.published_at.isoformat() if doc.published_at else "",
            "withdrawn_at": doc.withdrawn_at.isoformat() if doc.withdrawn_at else "",
            "organisation_id": doc.organisation_id}


# --------------------------------------------------------------------------- workflow


def _get_list(session: Session, list_id: int, lock: bool = False) -> DestructionList:
    stmt = select(DestructionList).where(DestructionList.id == list_id)
    if lock:
        stmt = stmt.with_for_update()
    lst = session.execute(stmt).scalar_one_or_none()
    if lst is None:
        raise DestructionError(f"Vernietigingslijst {list_id} bestaat niet.")
    return lst


def _today(now: datetime | None) -> date:
    return (now or datetime.now(timezone.utc)).date()


def create_list(ctx: Context, actor: Actor, name: str, document_ids: list[str],
                now: datetime | None = None, dossier_ids: list[str] | None = None) -> int:
    """A new list in review. All or nothing: any ineligible record refuses the whole list, with reasons.
    ``dossier_ids`` puts every document of those dossiers on it; a dossier is only ever destroyed whole, so a
    list naming part of a dossier is refused."""
    name = (name or "").strip()
    if not name:
        raise DestructionError("Geef de vernietigingslijst een naam.")
    today = _today(now)
    with ctx.unit_of_work() as session:
        ids = list(dict.fromkeys(list(document_ids) + _documents_of_dossiers(session, dossier_ids or [])))
        if not ids:
            raise DestructionError("Een vernietigingslijst heeft minstens één record nodig.")
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een vernietigingslijst opstellen", DestructionError)
        reasons: list[str] = retsvc.incomplete_dossiers(session, ids, "vernietigd")
        docs = []
        for i in range(0, len(ids), 500):
            found = {d.id: d for d in session.execute(select(Document).where(Document.id.in_(ids[i:i + 500])))
                     .scalars()}
            for doc_id in ids[i:i + 500]:
                doc = found.get(doc_id)
                if doc is None:
                    reasons.append(f"Document {doc_id} bestaat niet.")
                    continue
                reasons.extend(refusal_reasons(doc, today))
                docs.append(doc)
        for doc_id, other in _open_list_of(session, ids).items():
            reasons.append(f"Document {doc_id} staat al op open vernietigingslijst {other}.")
        if reasons:
            raise DestructionError("De vernietigingslijst is niet aangemaakt:\n- " + "\n- ".join(reasons))
        lst = DestructionList(name=name, status=TER_BEOORDELING, created_by=actor.label)
        session.add(lst)
        session.flush()
        session.add_all(DestructionItem(list_id=lst.id, document_id=d.id, review=OPEN, state=WACHTEND,
                                        snapshot=_snapshot(d), versions_deleted=0) for d in docs)
        audit.record(session, actor.label, "destruction.list_created", None, lijst=lst.id, naam=name,
                     records=len(docs))
        return lst.id


def _documents_of_dossiers(session: Session, dossier_ids: list[str]) -> list[str]:
    from woo.adapters.models import Publication

    out: list[str] = []
    for did in dict.fromkeys(dossier_ids):
        if session.get(Publication, did) is None:
            raise DestructionError(f"Dossier {did} bestaat niet.")
        out += [d.id for d in retsvc.dossier_documents(session, did)
                if d.status not in (Status.DESTROYED, Status.ARCHIVED)]
    return out


def _whole_dossiers_only(session: Session, ids: list[str]) -> list[str]:
    """``ids`` without the documents of dossiers that are not entirely among them."""
    chosen = set(ids)
    partial = set()
    for members in retsvc.dossier_members(session, ids).values():
        if not members <= chosen:
            partial |= members
    return [i for i in ids if i not in partial]


def eligible_due_ids(ctx: Context, flt: retsvc.DueFilter, limit: int = 10_000) -> list[str]:
    """Due V-records that could go on a new list now (no hold, not published, not on an open list)."""
    flt.waardering = "V"
    today = flt.today or date.today()
    out: list[str] = []
    with ctx.unit_of_work() as session:
        for row in retsvc.due_rows(session, flt):
            if row.legal_hold or row.status == Status.PUBLISHED or row.archiefactiedatum > today:
                continue
            out.append(row.id)
            if len(out) >= limit * 2:
                break
        taken = _open_list_of(session, out)
        out = _whole_dossiers_only(session, [i for i in out if i not in taken])
    return out[:limit]


def _list_under_review(session, actor: Actor, list_id: int):
    """The list, locked, if it awaits review and `actor` is a reviewer other than its creator."""
    retsvc.require_role(session, actor, Role.REVIEWER, "Een vernietigingslijst beoordelen", DestructionError)
    lst = _get_list(session, list_id, lock=True)
    if lst.status != TER_BEOORDELING:
        raise DestructionError(f"Lijst {list_id} is niet (meer) ter beoordeling ({LIST_LABELS[lst.status]}).")
    if lst.created_by == actor.label:
        raise DestructionError("De opsteller van een vernietigingslijst mag die niet zelf beoordelen.")
    return lst


def review_item(ctx: Context, actor: Actor, list_id: int, document_id: str, decision: str,
                reason: str = "") -> None:
    """The reviewer accepts (akkoord) or excludes (uitgezonderd, reason required) one record."""
    if decision not in (AKKOORD, UITGEZONDERD):
        raise DestructionError("Kies 'akkoord' of 'uitgezonderd'.")
    if decision == UITGEZONDERD and not (reason or "").strip():
        raise DestructionError("Geef een reden op om een record uit te zonderen.")
    with ctx.unit_of_work() as session:
        _list_under_review(session, actor, list_id)
        item = session.execute(select(DestructionItem).where(DestructionItem.list_id == list_id,
                                                             DestructionItem.document_id == document_id)
                               ).scalar_one_or_none()
        if item is None:
            raise DestructionError(f"Document {document_id} staat niet op lijst {list_id}.")
        targets = [item]
        if decision == UITGEZONDERD:  # a dossier is destroyed whole or not at all: its other records too
            doc = session.get(Document, document_id)
            if doc is not None and doc.publication_id:
                siblings = set(session.execute(select(Document.id).where(
                    Document.publication_id == doc.publication_id, Document.id != document_id)).scalars())
                targets += [i for i in session.execute(select(DestructionItem).where(
                    DestructionItem.list_id == list_id, DestructionItem.document_id.in_(siblings))).scalars()]
        for target in targets:
            target.review = decision
            target.review_reason = (reason or "").strip() or None
            if target is not item:
                target.review_reason = f"{target.review_reason} (dossier wordt alleen in zijn geheel vernietigd)"
            target.reviewed_by, target.reviewed_at = actor.label, utcnow()
            audit.record(session, actor.label, "destruction.item_reviewed", target.document_id, lijst=list_id,
                         besluit=decision, reden=target.review_reason)


def accept_open(ctx: Context, actor: Actor, list_id: int) -> int:
    """The reviewer accepts every item still without a verdict (one audited decision per item)."""
    with ctx.unit_of_work() as session:
        _list_under_review(session, actor, list_id)
        items = session.execute(select(DestructionItem).where(DestructionItem.list_id == list_id,
                                                              DestructionItem.review == OPEN)).scalars().all()
        now = utcnow()
        for item in items:
            item.review, item.reviewed_by, item.reviewed_at = AKKOORD, actor.label, now
            audit.record(session, actor.label, "destruction.item_reviewed", item.document_id, lijst=list_id,
                         besluit=AKKOORD, reden=None)
        return len(items)


def finish_review(ctx: Context, actor: Actor, list_id: int) -> None:
    with ctx.unit_of_work() as session:
        lst = _list_under_review(session, actor, list_id)
        counts = dict(session.execute(select(DestructionItem.review, func.count()).where(
            DestructionItem.list_id == list_id).group_by(DestructionItem.review)).all())
        if counts.get(OPEN):
            raise DestructionError(f"Nog {counts[OPEN]} record(s) zonder oordeel: accordeer of zonder uit.")
        lst.status, lst.reviewer, lst.reviewed_at = BEOORDEELD, actor.label, utcnow()
        audit.record(session, actor.label, "destruction.reviewed", None, lijst=list_id,
                     akkoord=counts.get(AKKOORD, 0), uitgezonderd=counts.get(UITGEZONDERD, 0))


def approve(ctx: Context, actor: Actor, list_id: int, now: datetime | None = None) -> datetime:
    """Four eyes: an archivist who neither made nor reviewed the list. Starts the cancellation window."""
    now = now or utcnow()
    with ctx.unit_of_work() as session:
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een vernietigingslijst goedkeuren", DestructionError)
        lst = _get_list(session, list_id, lock=True)
        if lst.created_by == actor.label:
            raise DestructionError("Een archivaris mag de eigen vernietigingslijst niet goedkeuren; "
                                   "een andere archivaris moet dat doen.")
        if lst.reviewer == actor.label:
            raise DestructionError("Wie de lijst heeft beoordeeld, mag die niet ook goedkeuren.")
        if lst.status != BEOORDEELD:
            raise DestructionError(f"Lijst {list_id} kan nu niet worden goedgekeurd ({LIST_LABELS[lst.status]}).")
        items = session.execute(select(DestructionItem).where(DestructionItem.list_id == list_id,
                                                              DestructionItem.review == AKKOORD)).scalars().all()
        if not items:
            raise DestructionError("Alle records zijn uitgezonderd: er is niets om te vernietigen.")
        reasons = []
        for item in items:  # the world may have changed since the list was made (hold, publication)
            doc = session.get(Document, item.document_id)
            reasons.extend(refusal_reasons(doc, now.date()))
            item.snapshot = _snapshot(doc)
        if reasons:
            raise DestructionError("Goedkeuren is niet mogelijk:\n- " + "\n- ".join(reasons))
        lst.status, lst.approved_by, lst.approved_at = GOEDGEKEURD, actor.label, now
        lst.execute_after = now + timedelta(days=retsvc.destruction_window_days(ctx.settings))
        audit.record(session, actor.label, "destruction.approved", None, lijst=list_id, records=len(items),
                     uitvoerbaar_vanaf=lst.execute_after.isoformat())
        return lst.execute_after


def cancel(ctx: Context, actor: Actor, list_id: int, reason: str) -> None:
    if not (reason or "").strip():
        raise DestructionError("Geef een reden op om de vernietigingslijst te annuleren.")
    with ctx.unit_of_work() as session:
        roles = retsvc.actor_roles(session, actor)
        if not roles & {Role.ARCHIVIST, Role.REVIEWER, Role.ADMIN}:
            raise DestructionError("Annuleren kan alleen een archivaris of beoordelaar (geef --user NAAM).")
        lst = _get_list(session, list_id, lock=True)
        if lst.status not in (TER_BEOORDELING, BEOORDEELD, GOEDGEKEURD):
            raise DestructionError(f"Lijst {list_id} kan niet meer worden geannuleerd ({LIST_LABELS[lst.status]}).")
        lst.status, lst.cancelled_by, lst.cancel_reason = GEANNULEERD, actor.label, reason.strip()
        audit.record(session, actor.label, "destruction.cancelled", None, lijst=list_id, reden=reason.strip())


@dataclass
class Plan:
    list_id: int
    status: str
    execute_after: datetime | None
    items: list[dict] = field(default_factory=list)  # snapshots of what would be destroyed
    refused: list[str] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # snapshots + "reden": execution would skip these now


def plan(ctx: Context, list_id: int, now: datetime | None = None) -> Plan:
    """Dry run: what execution would destroy, and why it may not start yet."""
    now = now or utcnow()
    with ctx.unit_of_work() as session:
        lst = _get_list(session, list_id)
        p = Plan(list_id, lst.status, lst.execute_after)
        items = session.execute(select(DestructionItem).where(
            DestructionItem.list_id == list_id, DestructionItem.review == AKKOORD,
            DestructionItem.state.in_([WACHTEND, ITEM_BEZIG])).order_by(DestructionItem.id)).scalars().all()
        docs = {d.id: d for d in session.execute(select(Document).where(
            Document.id.in_([i.document_id for i in items]))).scalars()} if items else {}
        for i in items:
            # what execution would do today: a record that gained a legal hold (or was published again)
            # since approval is skipped, not destroyed (see _run_batch)
            reasons = refusal_reasons(docs[i.document_id], now.date()) if i.state == WACHTEND else []
            if reasons:
                p.skipped.append(dict(i.snapshot, reden=" ".join(reasons)))
            else:
                p.items.append(i.snapshot)
        if lst.status not in (GOEDGEKEURD, MISLUKT, BEZIG):
            p.refused.append(f"Lijst {list_id} is niet goedgekeurd ({LIST_LABELS[lst.status]}).")
        elif lst.execute_after and _aware(lst.execute_after) > now:
            p.refused.append(f"De bedenktijd loopt nog tot {_aware(lst.execute_after):%d-%m-%Y %H:%M} (UTC).")
    return p


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def start(ctx: Context, actor: Actor, list_id: int, now: datetime | None = None, inline: bool = False,
          progress: Callable[[int], None] | None = None) -> Plan:
    """Start (or resume) execution after the window: queue the rq job (``inline`` runs it here)."""
    p = plan(ctx, list_id, now)
    if p.refused:
        raise DestructionError(" ".join(p.refused))
    with ctx.unit_of_work() as session:
        retsvc.require_role(session, actor, Role.ARCHIVIST, "Een vernietiging starten", DestructionError)
        lst = _get_list(session, list_id, lock=True)
        lst.status, lst.error = BEZIG, None
        lst.started_by, lst.started_at = lst.started_by or actor.label, lst.started_at or utcnow()
        audit.record(session, actor.label, "destruction.started", None, lijst=list_id, records=len(p.items))
    if inline:
        run(ctx, list_id, progress=progress)
    else:
        try:
            ctx.queue.enqueue("woo.worker.run_destruction", list_id, job_id=f"woo-destruction-{list_id}-"
                              f"{uuid.uuid4().hex[:8]}")
        except Exception as exc:  # Redis down: honest state, resumable
            _fail(ctx, list_id, f"Wachtrij niet bereikbaar: {exc}")
            raise DestructionError(f"De vernietiging kon niet worden ingepland (wachtrij niet bereikbaar): {exc}")
    return p


def _fail(ctx: Context, list_id: int, message: str) -> None:
    with ctx.unit_of_work() as session:
        lst = _get_list(session, list_id, lock=True)
        lst.status, lst.error = MISLUKT, message[:2000]
        audit.record(session, SYSTEM.label, "destruction.interrupted", None, lijst=list_id, fout=message[:500])


# --------------------------------------------------------------------------- execution (the rq job)


def _keys_of(ctx: Context, doc_id: str, file_keys: list[str]) -> list:
    """Every stored version under the document's prefix and of each of its file keys."""
    seen, found = set(), []
    prefixes = [f"documents/{doc_id}/"] + [k for k in file_keys if not k.startswith(f"documents/{doc_id}/")]
    from woo.adapters.objectstore import ObjectStoreError

    for prefix in prefixes + _extra_prefixes(doc_id):
        try:
            listed = list(ctx.store.list_versions(prefix))
        except ObjectStoreError:
            raise
        except Exception as exc:  # minio lists lazily: connection errors surface while iterating
            raise ObjectStoreError(f"Objectopslag niet bereikbaar: {exc}") from exc
        for info in listed:
            if prefix in file_keys and info.key != prefix:
                continue  # a file key used as prefix must match exactly
            ident = (info.key, info.version_id)
            if ident not in seen:
                seen.add(ident)
                found.append(info)
    return found


def _extra_prefixes(doc_id: str) -> list[str]:
    """Other places that hold a document's objects (the preservation engineer's sidecars, if any)."""
    try:
        from woo.archive import sidecars  # type: ignore[attr-defined]
    except ImportError:
        return []
    fn = getattr(sidecars, "prefixes_for", None)
    return list(fn(doc_id)) if fn else []


def _delete_versions(ctx: Context, infos: list) -> int:
    """Remove exactly these versions (batched multi-delete when the client allows it)."""
    if not infos:
        return 0
    client = getattr(ctx.store, "client", None)
    if client is None or not hasattr(client, "remove_objects"):
        for key in sorted({i.key for i in infos}):
            ctx.store.delete_all_versions(key)
        return len(infos)
    from minio.deleteobjects import DeleteObject

    from woo.adapters.objectstore import ObjectStoreError

    for i in range(0, len(infos), 1000):
        chunk = [DeleteObject(x.key, x.version_id) for x in infos[i:i + 1000]]
        try:
            errors = list(client.remove_objects(ctx.store.bucket, chunk))
        except Exception as exc:
            raise ObjectStoreError(f"Objectopslag niet bereikbaar: {exc}") from exc
        if errors:
            raise ObjectStoreError(f"Verwijderen mislukt: {errors[0]}")
    return len(infos)


def _inventory(ctx: Context, doc_id: str, keys: list[str]) -> list:
    return _keys_of(ctx, doc_id, keys)


def _destroy_objects(ctx: Context, doc_id: str, keys: list[str], infos: list) -> None:
    """Delete these versions, then prove none of the document's is left (list_versions). Safe to repeat."""
    _delete_versions(ctx, infos)
    left = _keys_of(ctx, doc_id, keys)
    if left:
        from woo.adapters.objectstore import ObjectStoreError

        raise ObjectStoreError(f"Na verwijderen staan nog {len(left)} objectversie(s) van document {doc_id} "
                               "in de opslag.")


def run(ctx: Context, list_id: int, *, workers: int = 8, progress: Callable[[int], None] | None = None) -> str:
    """The rq job: destroy every accepted item not yet done, then make the verklaring. Idempotent."""
    try:
        with ctx.unit_of_work() as session:
            lst = _get_list(session, list_id)
            if lst.status == VERNIETIGD:
                return VERNIETIGD
            if lst.status not in (BEZIG, MISLUKT):
                raise DestructionError(f"Lijst {list_id} is niet gestart ({LIST_LABELS[lst.status]}).")
            lst.status = BEZIG
        _skip_broken_dossiers(ctx, list_id)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            while True:
                done = _run_batch(ctx, list_id, pool)
                if done == 0:
                    break
                if progress:
                    progress(done)
        _remove_destroyed_dossiers(ctx, list_id)
        _finish(ctx, list_id, _compact_storage(ctx, list_id))
        return VERNIETIGD
    except BaseException as exc:
        from woo.adapters.objectstore import ObjectStoreError

        if isinstance(exc, (DestructionError, ObjectStoreError)):
            message = f"Vernietiging onderbroken: {exc} Start opnieuw om verder te gaan."
        else:
            message = f"Vernietiging onderbroken ({type(exc).__name__}: {exc}). Start opnieuw om verder te gaan."
        try:
            _fail(ctx, list_id, message)
        except Exception:  # the database itself may be what failed; the state stays 'bezig' -> resumable
            pass
        raise


def _skip_broken_dossiers(ctx: Context, list_id: int) -> None:
    """Before the first delete: a dossier one of whose records may not go now (a legal hold placed in the
    window, ...) is skipped whole, so no dossier is ever left half destroyed."""
    today = date.today()
    with ctx.unit_of_work() as session:
        waiting = session.execute(select(DestructionItem, Document).join(
            Document, Document.id == DestructionItem.document_id).where(
            DestructionItem.list_id == list_id, DestructionItem.review == AKKOORD,
            DestructionItem.state == WACHTEND, Document.publication_id.is_not(None))).all()
        by_dossier: dict[str, list] = {}
        for item, doc in waiting:
            by_dossier.setdefault(doc.publication_id, []).append((item, doc))
        for dossier_id, pairs in by_dossier.items():
            refused = [r for _, doc in pairs for r in refusal_reasons(doc, today)]
            if not refused:
                continue
            why = (f"Dossier {dossier_id} wordt alleen in zijn geheel vernietigd en een van de records mag nu niet: "
                   + " ".join(refused))
            for item, doc in pairs:
                item.state, item.error = OVERGESLAGEN, why[:2000]
                audit.record(session, SYSTEM.label, "destruction.item_skipped", doc.id, lijst=list_id, reden=why)


def _remove_destroyed_dossiers(ctx: Context, list_id: int) -> None:
    """A dossier whose records are all destroyed leaves the bucket too: its MDTO aggregation goes."""
    from woo.services import preservation

    with ctx.unit_of_work() as session:
        dossier_ids = set(session.execute(select(Document.publication_id).join(
            DestructionItem, DestructionItem.document_id == Document.id).where(
            DestructionItem.list_id == list_id, DestructionItem.state == ITEM_VERNIETIGD,
            Document.publication_id.is_not(None))).scalars())
        gone = [did for did in dossier_ids if not session.execute(select(Document.id).where(
            Document.publication_id == did, Document.status != Status.DESTROYED).limit(1)).first()]
    for did in gone:
        preservation.remove_dossier_sidecars(ctx, did)
        with ctx.unit_of_work() as session:
            audit.record(session, SYSTEM.label, "dossier.destroyed", None, dossier=did, lijst=list_id)


def _run_batch(ctx: Context, list_id: int, pool: ThreadPoolExecutor) -> int:
    today = date.today()
    # 1. claim: write the keys down and mark 'bezig' before touching storage
    with ctx.unit_of_work() as session:
        items = session.execute(select(DestructionItem).where(
            DestructionItem.list_id == list_id, DestructionItem.review == AKKOORD,
            DestructionItem.state.in_([WACHTEND, ITEM_BEZIG])).order_by(DestructionItem.id).limit(BATCH)
        ).scalars().all()
        if not items:
            return 0
        docs = {d.id: d for d in session.execute(select(Document).where(
            Document.id.in_([i.document_id for i in items]))).scalars()}
        work: list[tuple[int, str, list[str]]] = []
        for item in items:
            doc = docs[item.document_id]
            if item.state == WACHTEND:
                reasons = refusal_reasons(doc, today)
                if reasons:  # e.g. a legal hold placed during the window: never destroy, say why
                    item.state, item.error = OVERGESLAGEN, " ".join(reasons)
                    audit.record(session, SYSTEM.label, "destruction.item_skipped", doc.id, lijst=list_id,
                                 reden=item.error)
                    continue
                item.snapshot = _snapshot(doc)
                item.state = ITEM_BEZIG
            work.append((item.id, item.document_id, sorted(f.object_key for f in doc.files)))
    # 2. inventory: every stored version, written down once (before the first delete) as the proof of
    #    what this item destroyed; a resumed item keeps its first inventory
    found = list(pool.map(lambda w: _inventory(ctx, w[1], w[2]), work))
    with ctx.unit_of_work() as session:
        for (item_id, _doc, _keys), infos in zip(work, found):
            item = session.get(DestructionItem, item_id)
            if item.object_keys is None:
                item.object_keys = [[i.key, i.version_id] for i in infos]
        counts = {item_id: len(session.get(DestructionItem, item_id).object_keys) for item_id, _d, _k in work}
    # 3. storage: delete and verify (parallel per document; an outage raises and leaves items 'bezig')
    list(pool.map(lambda pair: _destroy_objects(ctx, pair[0][1], pair[0][2], pair[1]), zip(work, found)))
    # 4. tombstones, in one transaction per batch
    with ctx.unit_of_work() as session:
        lst = _get_list(session, list_id)
        now = utcnow()
        doc_ids = [w[1] for w in work]
        if doc_ids:
            session.execute(delete(StoredFile).where(StoredFile.document_id.in_(doc_ids)))
            session.execute(delete(PrivacyFinding).where(PrivacyFinding.document_id.in_(doc_ids)))
            session.execute(delete(Job).where(Job.document_id.in_(doc_ids)))
            session.execute(delete(ArchiveObject).where(ArchiveObject.document_id.in_(doc_ids)))
        for item_id, doc_id, _keys in work:
            item = session.get(DestructionItem, item_id)
            doc = session.get(Document, doc_id)
            doc.status = check_transition(doc.status, Status.DESTROYED) if doc.status != Status.DESTROYED \
                else doc.status
            doc.metadata_ = {"vernietiging": {"lijst": list_id, "goedgekeurd_door": lst.approved_by,
                                              "goedgekeurd_op": lst.approved_at.isoformat() if lst.approved_at
                                              else None, "vernietigd_op": now.isoformat()}}
            doc.suggestion, doc.updated_at = None, now
            item.state, item.destroyed_at = ITEM_VERNIETIGD, now
            item.versions_deleted = counts[item_id]
            audit.record(session, SYSTEM.label, "document.destroyed", doc_id, lijst=list_id,
                         resultaat=doc.retention_resultaat, goedgekeurd_door=lst.approved_by,
                         objectversies=item.versions_deleted)
        _drop_sidecar_rewrites(session, doc_ids)
        search.remove_documents(session, doc_ids)  # a destroyed record leaves no words behind
    return len(items)


def _drop_sidecar_rewrites(session: Session, doc_ids: list[str]) -> None:
    """The tombstone update notes the documents for an MDTO sidecar rewrite (woo.archive.outbox); a
    destroyed record must get no new objects in the bucket, so those notes go in the same transaction."""
    try:
        from woo.adapters.models import ArchiveOutbox
    except ImportError:
        return
    session.flush()
    if doc_ids:
        session.execute(delete(ArchiveOutbox).where(ArchiveOutbox.document_id.in_(doc_ids)))


def _finish(ctx: Context, list_id: int, compaction: list[str] | None = None) -> None:
    """Make the verklaring (once) and close the list, in one transaction. ``compaction``: what was done to
    remove the destroyed data physically (said in the verklaring)."""
    from woo.archive import verklaring

    with ctx.unit_of_work() as session:
        lst = _get_list(session, list_id, lock=True)
        if lst.verklaring_document_id:
            lst.status = VERNIETIGD
            return
        items = session.execute(select(DestructionItem).where(
            DestructionItem.list_id == list_id, DestructionItem.state == ITEM_VERNIETIGD
        ).order_by(DestructionItem.id)).scalars().all()
        rows = [dict(i.snapshot, vernietigd_op=i.destroyed_at.isoformat() if i.destroyed_at else "",
                     objectversies_verwijderd=i.versions_deleted) for i in items]
        skipped_items = session.execute(select(DestructionItem).where(
            DestructionItem.list_id == list_id, DestructionItem.state == OVERGESLAGEN
        ).order_by(DestructionItem.id)).scalars().all()
        skipped_rows = [dict(i.snapshot, reden_overgeslagen=i.error or "") for i in skipped_items]
        skipped = len(skipped_rows)
        org = _organisation(session, rows)
        finished = utcnow()
        header = verklaring.Header(lst.id, lst.name, org.name, lst.created_by, lst.reviewer or "",
                                   lst.approved_by or "", _aware(lst.approved_at or finished),
                                   lst.started_by or "", finished, rules.SELECTIELIJST)
        compaction = list(compaction or [])
        pdf = verklaring.to_pdfa(verklaring.build_pdf(header, rows, skipped_rows, compaction))
        csv_bytes = verklaring.build_csv(rows, skipped_rows)
        # Deterministic id and keys: a retry after a crash overwrites, it never leaves a second statement.
        doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"woo:verklaring:{lst.id}:{lst.created_at.isoformat()}").hex
        files = []
        for role, name, data, mime in (("original", f"verklaring-van-vernietiging-{lst.id}.pdf", pdf,
                                        "application/pdf"),
                                       ("verklaring_csv", f"verklaring-van-vernietiging-{lst.id}.csv", csv_bytes,
                                        "text/csv")):
            key = f"documents/{doc_id}/{role}"
            ctx.store.delete_all_versions(key)
            stored = ctx.store.put_bytes(key, data, mime)
            import hashlib
            files.append(StoredFile(role=role, object_key=key, version_id=stored.version_id, filename=name,
                                    size=len(data), sha256=hashlib.sha256(data).hexdigest(), mime_type=mime,
                                    puid="fmt/477" if mime == "application/pdf" else "x-fmt/18",
                                    format_name="PDF/A-2b" if mime == "application/pdf" else "CSV"))
        doc = session.get(Document, doc_id)
        if doc is None:
            doc = Document(id=doc_id, organisation_id=org.id, title=f"Verklaring van vernietiging - {lst.name}",
                           source="woo", document_date=finished, language="nl", metadata_={"vernietigingslijst": lst.id})
            session.add(doc)
        doc.files = files
        session.flush()
        retsvc.apply_class(doc, VERKLARING_RESULTAAT, retsvc.SOURCE_DEFAULT, retsvc.transfer_years(ctx.settings))
        lst.verklaring_document_id, lst.status, lst.finished_at, lst.error = doc_id, VERNIETIGD, finished, None
        audit.record(session, SYSTEM.label, "destruction.completed", None, lijst=list_id, vernietigd=len(rows),
                     overgeslagen=skipped, verklaring=doc_id, fysiek=compaction)
        audit.record(session, SYSTEM.label, "document.created", doc_id, soort="verklaring van vernietiging",
                     lijst=list_id, waardering="B")


def _compact_storage(ctx: Context, list_id: int) -> list[str] | None:
    """Physical destruction where the storage allows it (woo.services.compaction); Dutch lines for the
    verklaring saying what was done. Never stops the list: a failure is said, not hidden."""
    from woo.services import compaction

    with ctx.unit_of_work() as session:
        if _get_list(session, list_id).verklaring_document_id:
            return None  # already closed: nothing new was destroyed
    try:
        return compaction.after_destruction(ctx)
    except Exception as exc:  # noqa: BLE001
        return [f"Fysiek opschonen van de opslag is mislukt ({type(exc).__name__}: {exc}); de gegevens zijn "
                "logisch verwijderd maar kunnen nog in vrijgegeven opslagruimte staan."]


def _organisation(session: Session, rows: list[dict]) -> Organisation:
    org_id = next((r.get("organisation_id") for r in rows if r.get("organisation_id")), None)
    if org_id is not None:
        return session.get(Organisation, org_id)
    from woo.services import accounts

    return accounts.default_organisation(session)


# --------------------------------------------------------------------------- reading


def lists(session: Session, limit: int = 200) -> list[DestructionList]:
    return list(session.execute(select(DestructionList).order_by(DestructionList.id.desc()).limit(limit)).scalars())


def items(session: Session, list_id: int) -> list[DestructionItem]:
    return list(session.execute(select(DestructionItem).where(DestructionItem.list_id == list_id)
                                .order_by(DestructionItem.id)).scalars())


def counts(session: Session, list_id: int) -> dict[str, int]:
    out = dict(session.execute(select(DestructionItem.review, func.count()).where(
        DestructionItem.list_id == list_id).group_by(DestructionItem.review)).all())
    out.update({f"state:{k}": v for k, v in session.execute(select(DestructionItem.state, func.count()).where(
        DestructionItem.list_id == list_id).group_by(DestructionItem.state)).all()})
    return out


__all__ = ["DestructionError", "refusal_reasons", "create_list", "eligible_due_ids", "review_item",
           "accept_open", "finish_review", "approve", "cancel", "plan", "Plan", "start", "run", "lists", "items", "counts",
           "LIST_LABELS", "OPEN_STATES", "AKKOORD", "UITGEZONDERD", "VERKLARING_RESULTAAT", "LABELS_NL"]
