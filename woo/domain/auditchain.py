"""The audit chain's arithmetic: an event's hash, and the rules a walk over the chain applies.

Pure (no I/O), so the service (woo.services.audit) and the migration that re-verified existing chains
(0009) check exactly the same thing. Events are walked in id order; each must carry the hash of its
own content (which includes its previous hash) and point at the event before it.

A *fork* is an event that points at an earlier event which already had a successor: two processes
appended from the same chain head at once (the SQLite race fixed in 0009). It is not a deleted or
inserted event, and the walk can go on past it, checking every later event's content and link. A
*broken link* points at no event at all: something was deleted or inserted, and the walk stops.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

GENESIS = "0" * 64


def digest(prev_hash: str, at: datetime, actor: str, action: str, document_id: str | None,
           detail: dict) -> str:
    if at.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        at = at.replace(tzinfo=timezone.utc)
    payload = json.dumps([prev_hash, at.astimezone(timezone.utc).isoformat(), actor, action,
                          document_id, detail],
                         sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Walk:
    """Feed events in id order to `step`; it stops (returns a problem) at the first change or broken link
    and notes forks as (event id, id of the event it points at; 0 = the genesis) without stopping."""
    prev: str = GENESIS
    checked: int = 0
    forks: list[tuple[int, int]] = field(default_factory=list)

    def step(self, ev_id: int, prev_hash: str, hash_: str, at: datetime, actor: str, action: str,
             document_id: str | None, detail: dict,
             parent_of: Callable[[str, int], int | None]) -> str | None:
        """None when the event is in order; "changed" or "broken" otherwise. `parent_of(hash, before_id)`
        gives the id of the event with that hash below `before_id`, or None."""
        if prev_hash != self.prev:
            parent = 0 if prev_hash == GENESIS else parent_of(prev_hash, ev_id)
            if parent is None:
                return "broken"
            if hash_ != digest(prev_hash, at, actor, action, document_id, detail):
                return "changed"
            self.forks.append((ev_id, parent))
        elif hash_ != digest(prev_hash, at, actor, action, document_id, detail):
            return "changed"
        self.prev, self.checked = hash_, self.checked + 1
        return None
