"""The document life cycle: which states exist and which moves between them are allowed.

Pure rules; the services ask here before they change a document, so "what may be published" lives in
one place.
"""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    CONCEPT = "concept"        # uploaded, being processed or reviewed
    READY = "ready"            # reviewed, may be published
    PUBLISHED = "published"    # visible to the public and harvesters
    WITHDRAWN = "withdrawn"    # was public, taken down with a reason
    ARCHIVED = "archived"      # transferred to an e-Depot; read-only here
    DESTROYED = "destroyed"    # destroyed under a verklaring; only a tombstone remains


LABELS_NL = {
    Status.CONCEPT: "Concept",
    Status.READY: "Categorie vastgesteld",  # what publication still needs: woo.domain.worklist
    Status.PUBLISHED: "Gepubliceerd",
    Status.WITHDRAWN: "Ingetrokken",
    Status.ARCHIVED: "Overgebracht",
    Status.DESTROYED: "Vernietigd",
}

TRANSITIONS: dict[Status, set[Status]] = {
    Status.CONCEPT: {Status.READY, Status.DESTROYED},
    Status.READY: {Status.CONCEPT, Status.PUBLISHED, Status.DESTROYED},
    Status.PUBLISHED: {Status.WITHDRAWN, Status.ARCHIVED},
    Status.WITHDRAWN: {Status.PUBLISHED, Status.ARCHIVED, Status.DESTROYED},
    Status.ARCHIVED: set(),
    Status.DESTROYED: set(),
}

PUBLIC_STATUSES = frozenset({Status.PUBLISHED})


class TransitionError(ValueError):
    """A move the life cycle does not allow; the message is Dutch, for the officer."""


def check_transition(current: str, target: str) -> Status:
    cur, tgt = Status(current), Status(target)
    if tgt not in TRANSITIONS[cur]:
        raise TransitionError(
            f"Een document met status '{LABELS_NL[cur]}' kan niet naar '{LABELS_NL[tgt]}'."
        )
    return tgt


def is_public(status: str) -> bool:
    return Status(status) in PUBLIC_STATUSES


def is_mutable(status: str) -> bool:
    """Archived and destroyed records are read-only."""
    return Status(status) not in {Status.ARCHIVED, Status.DESTROYED}
