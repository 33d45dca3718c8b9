"""Append-only, hash-chained events: the per-document history and the installation's audit log."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from woo import exports
from woo.adapters.models import ChainCheck, ChainHead, Event, utcnow
from woo.domain.auditchain import GENESIS, Walk, digest as _digest

_HEAD = ChainHead.__table__
MIGRATION_CHECK = "migratie 0009"  # ChainCheck.source of the re-verification of pre-0009 chains


class ChainConflict(RuntimeError):
    """The chain head moved under an append that held its lock: refused, so no fork can be committed."""


def _take_head(session: Session) -> tuple[str, int]:
    """Lock the chain head and return (last hash, last event id) as of the lock.

    The head is *written* before it is read. On PostgreSQL the UPDATE takes the row lock (waiting for
    another appender to commit, then reading its version, READ COMMITTED); on SQLite it opens the write
    transaction, which waits for any other writer (busy_timeout) and from then on holds the database's
    only write lock until commit. A plain or FOR UPDATE SELECT first does neither on SQLite: pysqlite
    opens its deferred transaction only at the first INSERT/UPDATE, so a head read before that could be
    stale by the time the event is inserted (the fork of issue 12)."""
    stmt = (update(_HEAD).where(_HEAD.c.id == 1).values(last_event_id=_HEAD.c.last_event_id)
            .returning(_HEAD.c.last_hash, _HEAD.c.last_event_id))
    row = session.execute(stmt).first()
    if row is None:  # only before migration 0009 made the row, or after someone deleted it
        _create_head(session)
        row = session.execute(stmt).one()
    return row[0], row[1]


def _create_head(session: Session) -> None:
    """Insert the head at the newest event (so appends continue that chain), racing appenders tolerated."""
    last = session.execute(select(Event.hash, Event.id).order_by(Event.id.desc()).limit(1)).first()
    values = {"id": 1, "last_hash": last[0] if last else GENESIS, "last_event_id": last[1] if last else 0}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(_HEAD).values(**values).on_conflict_do_nothing(index_elements=["id"]))


def record(session: Session, actor: str, action: str, document_id: str | None = None,
           **detail) -> Event:
    """Append one event in the caller's transaction. The chain head stays locked until that transaction
    ends, so appends from any number of web and worker processes form one linear chain."""
    prev_hash, _ = _take_head(session)
    at = utcnow()
    detail = json.loads(json.dumps(detail, default=str))  # what is hashed is what is stored
    event = Event(at=at, actor=actor, action=action, document_id=document_id, detail=detail,
                  prev_hash=prev_hash, hash=_digest(prev_hash, at, actor, action, document_id, detail))
    session.add(event)
    session.flush()
    # Compare-and-set: with the lock held this always matches; if it ever does not (a code path that
    # bypassed the lock), the transaction fails instead of committing a fork.
    moved = session.execute(update(_HEAD).where(_HEAD.c.id == 1, _HEAD.c.last_hash == prev_hash)
                            .values(last_hash=event.hash, last_event_id=event.id))
    if moved.rowcount != 1:
        raise ChainConflict("audit chain head moved while it was locked; event not appended")
    return event


def record_many(session: Session, actor: str, entries: list[tuple[str, str | None, dict]]) -> list[Event]:
    """Append several events, in the given order, in the caller's transaction: ``entries`` are
    (action, document_id, detail). The same chain as that many ``record`` calls (each event links to the one
    before it), but the head is locked, flushed and moved once instead of once per event: a bulk import of
    thousands of documents no longer pays a flush and two head UPDATEs per event."""
    if not entries:
        return []
    prev_hash, _ = _take_head(session)
    first_hash = prev_hash
    events = []
    for action, document_id, detail in entries:
        at = utcnow()
        detail = json.loads(json.dumps(detail, default=str))  # what is hashed is what is stored
        event = Event(at=at, actor=actor, action=action, document_id=document_id, detail=detail,
                      prev_hash=prev_hash, hash=_digest(prev_hash, at, actor, action, document_id, detail))
        events.append(event)
        prev_hash = event.hash
    session.add_all(events)
    session.flush()  # one INSERT ... VALUES batch; the ids follow the order added (the chain's order)
    last = events[-1]
    moved = session.execute(update(_HEAD).where(_HEAD.c.id == 1, _HEAD.c.last_hash == first_hash)
                            .values(last_hash=last.hash, last_event_id=last.id))
    if moved.rowcount != 1:
        raise ChainConflict("audit chain head moved while it was locked; events not appended")
    return events


@dataclass
class ChainReport:
    checked: int
    broken: Event | None = None   # the first event whose link or content does not verify
    reason: str | None = None     # Dutch, for the operator
    forks: list[tuple[int, int]] = field(default_factory=list)  # (event id, id it points at), all found
    known_forks: int = 0          # of those, how many migration 0009 found and recorded before the fix
    notice: str | None = None     # Dutch; said even when the chain is in order (known forks)

    @property
    def ok(self) -> bool:
        return self.reason is None


def _known_forks(session: Session) -> tuple[set[tuple[int, int]], datetime | None]:
    known: set[tuple[int, int]] = set()
    at = None
    for check in session.execute(select(ChainCheck).where(ChainCheck.source == MIGRATION_CHECK)).scalars():
        known |= {(int(e), int(p)) for e, p in (check.forks or [])}
        at = check.at
    return known, at


def _fork_text(forks: list[tuple[int, int]]) -> str:
    ev, parent = forks[0]
    target = "het begin van de keten" if parent == 0 else f"gebeurtenis {parent}"
    return (f"{len(forks)} {'gebeurtenis verwijst' if len(forks) == 1 else 'gebeurtenissen verwijzen'} naar "
            f"een eerdere gebeurtenis die al een opvolger had (een vork: gelijktijdig toegevoegd); de eerste "
            f"is gebeurtenis {ev}, die verwijst naar {target}.")


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order: every event's content must match its hash and its link must point at
    the event before it. A fork (a link to an earlier event that already had a successor) is noted and
    the walk goes on; forks that migration 0009 found in the history written before appends were
    serialised are reported but accepted, any other fork fails. The chain head must still point at an
    existing, matching event, so deleting the newest events is noticed too. Events appended while this
    runs are checked as well."""
    head = session.execute(select(_HEAD.c.last_event_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)).first()
    head_id, head_hash = (head[0], head[1]) if head else (0, GENESIS)
    known, known_at = _known_forks(session)
    walk, last_id, seen_head = Walk(), 0, head_id == 0

    def parent_of(hash_: str, before: int) -> int | None:
        return session.execute(select(Event.id).where(Event.hash == hash_, Event.id < before)).scalar()

    while True:
        rows = session.execute(select(Event).where(Event.id > last_id).order_by(Event.id).limit(batch)).scalars().all()
        if not rows:
            break
        for ev in rows:
            problem = walk.step(ev.id, ev.prev_hash, ev.hash, ev.at, ev.actor, ev.action, ev.document_id,
                                ev.detail, parent_of)
            if problem == "broken":
                return _stopped(walk, ev, f"Schakel verbroken bij gebeurtenis {ev.id} ({ev.action}): de "
                                          "verwijzing naar de vorige gebeurtenis klopt niet (verwijderd of "
                                          "ingevoegd).")
            if problem == "changed":
                return _stopped(walk, ev, f"Gebeurtenis {ev.id} ({ev.action}, {ev.at}) is gewijzigd: de "
                                          "inhoud past niet bij de vastgelegde hash.")
            if ev.id == head_id:
                seen_head = ev.hash == head_hash
            last_id = ev.id
        session.expunge_all()
    report = ChainReport(walk.checked, forks=list(walk.forks),
                         known_forks=sum(1 for f in walk.forks if f in known))
    unknown = [f for f in walk.forks if f not in known]
    if unknown:
        report.reason = ("De keten is gevorkt: " + _fork_text(unknown) +
                         " Dat kan sinds migratie 0009 niet meer gebeuren bij gewone toevoegingen.")
    elif not seen_head:
        report.reason = (f"De keten is ingekort: de laatst vastgelegde gebeurtenis {head_id} ontbreekt of is "
                         "vervangen.")
    if report.known_forks:
        when = f" op {known_at:%Y-%m-%d}" if known_at else ""
        report.notice = (f"Let op: {_fork_text([f for f in walk.forks if f in known])} Deze vorken stammen van "
                         f"vóór migratie 0009 en zijn toen{when} vastgelegd (tabel audit_chain_checks); de inhoud "
                         "van al deze gebeurtenissen is wel gecontroleerd en in orde.")
    return report


def _stopped(walk: Walk, ev: Event, reason: str) -> ChainReport:
    if walk.forks:
        reason += " Eerder in de keten: " + _fork_text(walk.forks)
    return ChainReport(walk.checked, ev, reason, forks=list(walk.forks))


EXPORT_FIELDS = ["id", "at", "actor", "action", "document_id", "detail", "prev_hash", "hash"]


def _row(ev: Event) -> dict:
    at = ev.at if ev.at.tzinfo else ev.at.replace(tzinfo=timezone.utc)
    return {"id": ev.id, "at": at.astimezone(timezone.utc).isoformat(), "actor": ev.actor, "action": ev.action,
            "document_id": ev.document_id, "detail": ev.detail, "prev_hash": ev.prev_hash, "hash": ev.hash}


def export(session: Session, out: IO[str], fmt: str = "jsonl", since: datetime | None = None,
           batch: int = 5000) -> int:
    """Stream events in chain order as JSON lines or CSV (detail as a JSON string); returns the count.
    Each line carries prev_hash and hash, so the export can be checked outside woo as well."""
    writer = None
    if fmt == "csv":
        writer = exports.CsvDictWriter(out, fieldnames=EXPORT_FIELDS)  # no cell may start a formula
        writer.writeheader()
    elif fmt != "jsonl":
        raise ValueError(f"unknown format {fmt}")
    count, last_id = 0, 0
    while True:
        stmt = select(Event).where(Event.id > last_id)
        if since is not None:
            stmt = stmt.where(Event.at >= since.astimezone(timezone.utc))
        rows = session.execute(stmt.order_by(Event.id).limit(batch)).scalars().all()
        if not rows:
            return count
        for ev in rows:
            row = _row(ev)
            if writer:
                writer.writerow({**row, "detail": json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)})
            else:
                out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
            count, last_id = count + 1, ev.id
        session.expunge_all()


def record_access(session: Session, actor: str, document, what: str, **detail) -> Event | None:
    """Log a read of content that is not public (yet, or any more): who looked at what, in the chain.
    Reads of published documents are not logged: anyone may read those anonymously."""
    if getattr(document, "status", None) == "published":
        return None
    return record(session, actor, f"access.{what}", document.id, status=document.status, **detail)
