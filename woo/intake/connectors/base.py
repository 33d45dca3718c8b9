"""The contract between a connector and the sync service.

A connector reads pages from a remote system and returns `Batch`es of plain records; it knows
nothing of woo's database. The sync service stores `Batch.next_cursor` after it has applied a
batch, so a crash resumes from the last applied page, and uses `remote_id` to stay idempotent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO, ClassVar, Protocol


class ConnectorError(Exception):
    """A remote problem worth showing on the source's status page (Dutch message)."""


class CursorExpired(ConnectorError):
    """The remote no longer knows the stored cursor: the service starts a full resync."""


class AuthFailed(ConnectorError):
    """Credentials were refused (401/403)."""


class RateLimited(ConnectorError):
    """The remote keeps answering 429 after back-off; retry later (`retry_after` seconds)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class FileProblem(ConnectorError):
    """One file could not be fetched (404, timeout, wrong type, too large); the rest goes on."""


@dataclass(frozen=True)
class RemoteFile:
    url: str
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class RemoteDocument:
    remote_id: str
    title: str
    file: RemoteFile | None = None
    modified: datetime | None = None        # -> lastmod; a change is detected by it and by the file
    document_date: date | None = None       # the document's own date (vaststelling, creatie)
    received: date | None = None            # ontvangst, for ingekomen stukken
    creator: str | None = None              # author or body as the remote names it
    organisation_code: str | None = None    # gemeente code (e.g. "gm0363") or RSIN when known
    language: str | None = None
    kind: str | None = None                 # remote type/classification ("Motie", "Raadsvoorstel", ...)
    meeting_id: str | None = None           # remote id of the meeting it belongs to
    agenda_item: str | None = None          # title of the agenda item it is on ("Ingekomen stukken")
    identifiers: tuple[str, ...] = ()       # remote ids and references, kept as identifiers
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RemoteAgendaItem:
    remote_id: str
    title: str
    position: int
    document_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteMeeting:
    remote_id: str
    title: str
    start: datetime | None = None
    committee: str | None = None            # "Gemeenteraad", "Commissie Ruimte", "College van B&W"
    agenda: tuple[RemoteAgendaItem, ...] = ()
    modified: datetime | None = None


@dataclass(frozen=True)
class RemoteDeletion:
    remote_id: str


@dataclass(frozen=True)
class ItemProblem:
    """One record the connector could not read (malformed line, schema-invalid entity)."""
    where: str          # line number, remote id or URL
    message: str        # Dutch, for the status page


@dataclass(frozen=True)
class RemoteMotion:
    """A motie or amendement (OpenBesluitvorming ``Motion``) with its outcome and votes, decided in a meeting."""
    remote_id: str
    title: str
    motion_type: str | None = None          # the supplier's label: "Motie", "Amendement", "Motie Vreemd"
    result: str | None = None               # aangenomen / verworpen / ingetrokken / aangehouden / overig
    status: str | None = None               # the supplier's own status text
    date: date | None = None
    meeting_id: str | None = None
    agenda_item_id: str | None = None
    attachments: tuple[str, ...] = ()       # remote ids of its documents
    in_favour: int | None = None            # the tally, or counted from the votes
    against: int | None = None
    fractions: tuple[tuple[str, int, int], ...] = ()  # (fraction, voor, tegen) from the per-member votes
    proposers: tuple[str, ...] = ()
    modified: datetime | None = None


@dataclass(frozen=True)
class RemoteCommittee:
    """A council committee (OpenBesluitvorming ``Committee``): meetings name it by id."""
    remote_id: str
    name: str
    classification: str | None = None


Record = RemoteDocument | RemoteMeeting | RemoteDeletion | RemoteMotion | RemoteCommittee


@dataclass
class Batch:
    records: list[Record]
    next_cursor: str | None
    has_more: bool
    problems: list[ItemProblem] = field(default_factory=list)
    changes_cursor: str | None = None   # where incremental syncs start after a full import


class Connector(Protocol):
    kind: ClassVar[str]

    def snapshot(self, cursor: str | None) -> Batch:
        """One page of the full import, from `cursor` (None = the beginning)."""

    def changes(self, cursor: str) -> Batch:
        """One page of changes since `cursor`; raises CursorExpired if the remote forgot it."""

    def download(self, file: RemoteFile, dest: BinaryIO, max_bytes: int) -> str | None:
        """Write the file's bytes to `dest`; return the content type the remote sent. FileProblem on failure."""

    def freshness(self) -> dict:
        """What the remote says of its own freshness (OpenBesluitvorming's /api/status); {} if unknown."""
