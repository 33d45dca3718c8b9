"""Roles and what each may do. Roles are held per organisation (or for all, organisation None)."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"        # records officer: upload, describe, review
    PUBLISHER = "publisher"    # publish, withdraw, correct
    ARCHIVIST = "archivist"    # retention, destruction, transfer
    REVIEWER = "reviewer"      # reviews destruction lists
    ADMIN = "admin"            # users, tokens, organisations; everything


LABELS_NL = {
    Role.OFFICER: "Informatiebeheerder",
    Role.PUBLISHER: "Publicist",
    Role.ARCHIVIST: "Archivaris",
    Role.REVIEWER: "Beoordelaar",
    Role.ADMIN: "Beheerder",
}

# action -> roles that may perform it (admin may do everything)
PERMISSIONS: dict[str, frozenset[Role]] = {
    "document.read": frozenset({Role.OFFICER, Role.PUBLISHER, Role.ARCHIVIST, Role.REVIEWER}),
    "document.ingest": frozenset({Role.OFFICER}),
    "document.edit": frozenset({Role.OFFICER}),
    "document.review": frozenset({Role.OFFICER}),
    "document.publish": frozenset({Role.PUBLISHER}),
    "job.retry": frozenset({Role.OFFICER}),
    "retention.manage": frozenset({Role.ARCHIVIST}),
    "retention.review": frozenset({Role.REVIEWER}),  # judge items on a destruction list
    "retention.read": frozenset({Role.ARCHIVIST, Role.REVIEWER}),  # see destruction lists
    "audit.read": frozenset({Role.ARCHIVIST}),  # the audit log page (admins too)
    "dashboard.read": frozenset({Role.PUBLISHER}),  # the compliance dashboard and annual figures (admins too)
    "admin": frozenset(),
}


def allowed(roles: set[Role], action: str) -> bool:
    if Role.ADMIN in roles:
        return True
    return bool(roles & PERMISSIONS[action])
