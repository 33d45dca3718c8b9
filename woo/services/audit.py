"""Append-only, hash-chained events: the per-document history and the installation's audit log."""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import ChainHead, Event, utcnow

GENESIS = "0" * 64


def _digest(prev_hash: str, at: datetime, actor: str, action: str, document_id: str | None,
            detail: dict) -> str:
    if at.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        at = at.replace(tzinfo=timezone.utc)
    payload = json.dumps([prev_hash, at.astimezone(timezone.utc).isoformat(), actor, action,
                          document_id, detail],
                         sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def record(session: Session, actor: str, action: str, document_id: str | None = None,
           **detail) -> Event:
    """Append one event in the caller's transaction; the chain head row lock keeps the chain linear."""
    head = session.execute(select(ChainHead).where(ChainHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = ChainHead(id=1, last_hash=GENESIS, last_event_id=0)
        session.add(head)
        session.flush()
    at = utcnow()
    detail = json.loads(json.dumps(detail, default=str))  # what is hashed is what is stored
    event = Event(at=at, actor=actor, action=action, document_id=document_id, detail=detail,
                  prev_hash=head.last_hash,
                  hash=_digest(head.last_hash, at, actor, action, document_id, detail))
    session.add(event)
    session.flush()
    head.last_hash, head.last_event_id = event.hash, event.id
    return event


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, Event | None]:
    """Walk the chain in id order; return (events checked, first broken event or None)."""
    prev, checked, last_id = GENESIS, 0, 0
    while True:
        rows = session.execute(select(Event).where(Event.id > last_id).order_by(Event.id).limit(batch)).scalars().all()
        if not rows:
            return checked, None
        for ev in rows:
            if ev.prev_hash != prev or ev.hash != _digest(prev, ev.at, ev.actor, ev.action, ev.document_id, ev.detail):
                return checked, ev
            prev, checked, last_id = ev.hash, checked + 1, ev.id
        session.expunge_all()


@dataclass
class ChainReport:
    checked: int
    broken: Event | None = None   # the first event whose link or content does not verify
    reason: str | None = None     # Dutch, for the operator

    @property
    def ok(self) -> bool:
        return self.reason is None


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """verify_chain plus the tail: the chain head must still point at an existing, matching event, so
    deleting the newest events is noticed too. Events appended while this runs are checked as well."""
    head = session.execute(select(ChainHead).where(ChainHead.id == 1)).scalar_one_or_none()
    head_id, head_hash = (head.last_event_id, head.last_hash) if head else (0, GENESIS)
    prev, checked, last_id, seen_head = GENESIS, 0, 0, head_id == 0
    while True:
        rows = session.execute(select(Event).where(Event.id > last_id).order_by(Event.id).limit(batch)).scalars().all()
        if not rows:
            break
        for ev in rows:
            if ev.prev_hash != prev:
                return ChainReport(checked, ev, f"Schakel verbroken bij gebeurtenis {ev.id} ({ev.action}): de "
                                                "verwijzing naar de vorige gebeurtenis klopt niet (verwijderd of "
                                                "ingevoegd).")
            if ev.hash != _digest(prev, ev.at, ev.actor, ev.action, ev.document_id, ev.detail):
                return ChainReport(checked, ev, f"Gebeurtenis {ev.id} ({ev.action}, {ev.at}) is gewijzigd: de "
                                                "inhoud past niet bij de vastgelegde hash.")
            if ev.id == head_id:
                seen_head = ev.hash == head_hash
            prev, checked, last_id = ev.hash, checked + 1, ev.id
        session.expunge_all()
    if not seen_head:
        return ChainReport(checked, None, f"De keten is ingekort: de laatst vastgelegde gebeurtenis {head_id} "
                                          "ontbreekt of is vervangen.")
    return ChainReport(checked)


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
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
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
