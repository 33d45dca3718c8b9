"""Append-only, hash-chained events: the per-document history and the installation's audit log."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

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
