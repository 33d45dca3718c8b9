"""SQLAlchemy 2 models: the relational shape of documents, files, jobs, users and the audit chain.

Schema changes go through Alembic (woo/migrations); `create_all` is never used outside throwaway tests.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict: JSON}


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    tooi_uri: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. gm0363
    name: Mapped[str] = mapped_column(String(300))
    public_base_url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)  # bump = log out everywhere
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    roles: Mapped[list["RoleAssignment"]] = relationship(back_populates="user", cascade="all, delete-orphan")


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))
    # None: the role holds for every organisation of this installation
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user: Mapped[User] = relationship(back_populates="roles")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # shown to admins, not secret
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)  # sha256 of the secret
    scopes: Mapped[str] = mapped_column(String(300), default="ingest read")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class Publication(Base):
    """A group of documents published together: a Woo-besluit with its documents, a meeting's stukken."""
    __tablename__ = "publications"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(50), default="dossier")
    reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_org_status", "organisation_id", "status"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    publication_id: Mapped[str | None] = mapped_column(ForeignKey("publications.id"))
    title: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), default="concept", index=True)
    source: Mapped[str] = mapped_column(String(20), default="ui")  # ui / api / cli
    # Woo information category (TOOI URI) once confirmed; suggestion kept apart until then
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    suggestion: Mapped[dict | None] = mapped_column(JSON)  # classifier output
    metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
    format_kind: Mapped[str | None] = mapped_column(String(20), index=True)
    document_date: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(10))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    withdraw_reason: Mapped[str | None] = mapped_column(String(200))
    # the source system's own last modification (date_modified / beginRegistratie): part of lastmod, only moves on
    remote_modified: Mapped[datetime | None]
    organisation: Mapped[Organisation] = relationship()
    files: Mapped[list["StoredFile"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                                     order_by="StoredFile.id")
    jobs: Mapped[list["Job"]] = relationship(back_populates="document", cascade="all, delete-orphan",
                                             order_by="Job.id")

    def file(self, role: str) -> "StoredFile | None":
        return next((f for f in self.files if f.role == role), None)


class StoredFile(Base):
    """One object in the bucket: the original or a rendition (text, pdfa, redacted, metadata)."""
    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("document_id", "role"),
                      Index("ix_files_sha256", "sha256"))
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30))  # original / text / pdfa / redacted ...
    object_key: Mapped[str] = mapped_column(String(300), unique=True)
    version_id: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(200))
    puid: Mapped[str | None] = mapped_column(String(40))
    format_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    document: Mapped[Document] = relationship(back_populates="files")


class Job(Base):
    """Background work on a document, visible in the UI (queued / running / done / failed)."""
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_doc_kind", "document_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # extract / classify / ...
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rq_id: Mapped[str | None] = mapped_column(String(100))
    # routed at intake (woo.intake.precheck.Estimate): an expensive document's extraction runs on the heavy
    # queue; None: the queue of its kind (woo.services.jobs.queue_of)
    queue: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    document: Mapped[Document] = relationship(back_populates="jobs")


class Event(Base):
    """Append-only, hash-chained history: every state change, per document and overall (audit log)."""
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60), index=True)
    document_id: Mapped[str | None] = mapped_column(String(32), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChainHead(Base):
    """One row holding the latest event hash. Every append writes it first (the write takes the row lock on
    PostgreSQL and the database write lock on SQLite) and then reads it, so the chain stays linear."""
    __tablename__ = "chain_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)


class ChainCheck(Base):
    """A recorded verification of the audit chain: migration 0009 re-verified the chains written before
    appends were serialised, and keeps here what it found (forks included), never changing an event."""
    __tablename__ = "audit_chain_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(40))       # e.g. "migratie 0009"
    checked: Mapped[int] = mapped_column(Integer)         # events whose content and link were checked
    last_event_id: Mapped[int] = mapped_column(Integer)   # the newest event at the time of the check
    ok: Mapped[bool] = mapped_column(Boolean)             # no change, no broken link, no fork
    broken_event_id: Mapped[int | None] = mapped_column(Integer)  # where the walk stopped
    forks: Mapped[list] = mapped_column(JSON, default=list)       # [[event id, id it points at], ...]
    reason: Mapped[str | None] = mapped_column(Text)      # Dutch, as `woo audit verify` says it


class PrivacyFinding(Base):
    """Personal data or hidden content found in a document, and the officer's decision on it."""
    __tablename__ = "privacy_findings"
    __table_args__ = (Index("ix_privacy_doc_status", "document_id", "decision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(30))  # bsn, iban, ... or hidden
    page: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    # The matched text is needed to redact it; it is as sensitive as the unpublished text it came from.
    text: Mapped[str] = mapped_column(Text)
    masked: Mapped[str] = mapped_column(String(300))
    decision: Mapped[str] = mapped_column(String(20), default="open")  # open / redact / allow
    # None: in the text or hidden content; "title" / "filename" / "metadata": what the public record shows
    location: Mapped[str | None] = mapped_column(String(20))
    ground: Mapped[str | None] = mapped_column(String(20))  # Woo ground for a redaction, e.g. 5.1.2e
    reason: Mapped[str | None] = mapped_column(Text)        # why it may be published
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArchiveOutbox(Base):
    """Documents whose MDTO sidecars in the bucket must be rewritten (filled in the same transaction as the
    change, so a crash between commit and rewrite is caught up later; see woo.archive.outbox)."""
    __tablename__ = "archive_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FixityRun(Base):
    """One pass of `woo fixity` over every stored file; the cursor makes an interrupted pass resumable."""
    __tablename__ = "fixity_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running / done
    cursor: Mapped[int] = mapped_column(Integer, default=0)  # last files.id checked
    checked: Mapped[int] = mapped_column(Integer, default=0)
    mismatches: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class FixityStatus(Base):
    """The last fixity check of one stored file (no FK: a file row may be replaced; stale rows are harmless)."""
    __tablename__ = "fixity_status"
    file_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_checked: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    problem: Mapped[str | None] = mapped_column(String(20))  # mismatch / missing


# --------------------------------------------------------------------------- retention (issue 7)
# Retention columns on documents: the Selectielijst class and the dates derived from it
# (woo.services.retention), legal hold, and where a transferred record went.
from sqlalchemy import Date, false as sa_false  # noqa: E402

Document.retention_resultaat = mapped_column("retention_resultaat", String(20), nullable=True)
Document.retention_source = mapped_column("retention_source", String(20), nullable=True)  # standaard / archivaris
Document.retention_waardering = mapped_column("retention_waardering", String(1), nullable=True)
Document.retention_bewaartermijn = mapped_column("retention_bewaartermijn", String(20), nullable=True)
Document.retention_brondatum = mapped_column("retention_brondatum", Date, nullable=True)
Document.retention_brondatum_bron = mapped_column("retention_brondatum_bron", String(20), nullable=True)
Document.archiefactiedatum = mapped_column("archiefactiedatum", Date, nullable=True)
Document.legal_hold = mapped_column("legal_hold", Boolean, nullable=False, default=False, server_default=sa_false())
Document.legal_hold_reason = mapped_column("legal_hold_reason", Text, nullable=True)
Document.transferred_to = mapped_column("transferred_to", String(500), nullable=True)
Document.transferred_at = mapped_column("transferred_at", DateTime(timezone=True), nullable=True)
Index("ix_documents_archiefactie", Document.archiefactiedatum, Document.id)


class DestructionList(Base):
    """A vernietigingslijst: created by an archivist, reviewed per item, approved by another archivist."""
    __tablename__ = "destruction_lists"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="ter_beoordeling", index=True)
    created_by: Mapped[str] = mapped_column(String(200))  # actor label
    reviewer: Mapped[str | None] = mapped_column(String(200))  # who finished the review
    reviewed_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None]
    execute_after: Mapped[datetime | None]  # end of the cancellation window
    started_by: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    verklaring_document_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DestructionItem(Base):
    """One record on a list: the reviewer's verdict and, on execution, its own state (resumable)."""
    __tablename__ = "destruction_items"
    __table_args__ = (UniqueConstraint("list_id", "document_id"),
                      Index("ix_destruction_items_doc", "document_id", "review"))
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("destruction_lists.id", ondelete="CASCADE"))
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    review: Mapped[str] = mapped_column(String(20), default="open")  # open / akkoord / uitgezonderd
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(20), default="wachtend")  # wachtend / bezig / vernietigd / overgeslagen
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)  # what the verklaring lists
    object_keys: Mapped[list | None] = mapped_column(JSON)  # keys being deleted (set before the first delete)
    versions_deleted: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    destroyed_at: Mapped[datetime | None]


class TransferPackage(Base):
    """An overbrenging: the package written for the e-Depot and, once confirmed, where it went."""
    __tablename__ = "transfer_packages"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(20), default="aangemaakt")  # aangemaakt / bevestigd
    path: Mapped[str] = mapped_column(String(1000))
    records: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    checksum: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None]
    destination: Mapped[str | None] = mapped_column(String(500))
    cancelled_by: Mapped[str | None] = mapped_column(String(200))  # status geannuleerd (woo.services.transfer.cancel)
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class TransferJob(Base):
    """A transfer package being made by a worker (woo.services.transfer.start): the dossier page polls
    done/total and shows the Dutch failure. The package row exists only once the package is complete."""
    __tablename__ = "transfer_jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    dossier_id: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="wachtend")  # wachtend / bezig / klaar / mislukt
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    package_id: Mapped[str | None] = mapped_column(String(32))
    request: Mapped[dict] = mapped_column(JSON)  # the actor who asked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TransferItem(Base):
    __tablename__ = "transfer_items"
    package_id: Mapped[str] = mapped_column(ForeignKey("transfer_packages.id", ondelete="CASCADE"), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)


# Sitemaps walk a category's published documents in id order (keyset pages, window numbering); without this
# PostgreSQL sorts the whole category per batch of 500 (issue 6: 1M documents).
Index("ix_documents_category_status_id", Document.category, Document.status, Document.id)


class FeedOutbox(Base):
    """Published (or once published) documents whose sitemap entry must be rewritten, or, with
    ``organisation_id``, every entry of an organisation (its name or host changed). Noted in the same
    transaction as the change (woo.publish.feed_outbox) and worked off by woo.services.feeds."""
    __tablename__ = "feed_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SitemapSlot(Base):
    """Which sitemap page lists a published document. Assigned once, when it is first listed: pages keep
    their members, so publishing a document rewrites one page, not every page after it."""
    __tablename__ = "sitemap_slots"
    __table_args__ = (Index("ix_sitemap_slots_page", "organisation_id", "category", "page"),)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    category: Mapped[str] = mapped_column(String(200))
    page: Mapped[int] = mapped_column(Integer)


class SitemapPage(Base):
    """One pre-rendered DiWoo sitemap file (gzip), served as stored bytes. ``stale`` pages are rendered
    again by the feeds job; a render is stored only if ``generation`` did not move meanwhile, so a slow
    render never overwrites a newer one. ``changed_at`` is when its bytes last changed (the index's lastmod)."""
    __tablename__ = "sitemap_pages"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(200), primary_key=True)
    page: Mapped[int] = mapped_column(Integer, primary_key=True)
    stale: Mapped[bool] = mapped_column(default=True, index=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)  # bumped when marked stale (compare-and-set)
    url_count: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(BigInteger, default=0)  # uncompressed bytes
    etag: Mapped[str | None] = mapped_column(String(64))
    base_url: Mapped[str | None] = mapped_column(String(500))  # the host its <loc> URLs were written for
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # gzip
    changed_at: Mapped[datetime | None]
    built_at: Mapped[datetime | None]


# --------------------------------------------------------------------------- dossiers (issue 13)
# The ``publications`` table is the dossier (woo.domain.dossiers): a Woo-besluit, a meeting or a generic
# publication. ``Document.publication_id`` says which dossier a document belongs to; its judgement and role
# in that dossier live in ``dossier_documents``.
Publication.status = mapped_column("status", String(30), nullable=False, default="concept",
                                   server_default="concept", index=True)
Publication.category = mapped_column("category", String(200), nullable=True)
Publication.summary = mapped_column("summary", Text, nullable=True)
Publication.topics = mapped_column("topics", JSON, nullable=True)
Publication.received_date = mapped_column("received_date", Date, nullable=True)
Publication.decision_date = mapped_column("decision_date", Date, nullable=True)
Publication.extended = mapped_column("extended", Boolean, nullable=False, default=False, server_default=sa_false())
Publication.suspension_days = mapped_column("suspension_days", Integer, nullable=False, default=0,
                                            server_default="0")
Publication.decision = mapped_column("decision", String(30), nullable=True)
Publication.requester_token_hash = mapped_column("requester_token_hash", String(64), nullable=True)
Publication.requester_link_expires = mapped_column("requester_link_expires", DateTime(timezone=True), nullable=True)
Publication.created_by = mapped_column("created_by", String(200), nullable=True)
Publication.updated_at = mapped_column("updated_at", DateTime(timezone=True), nullable=True, default=utcnow,
                                       onupdate=utcnow)
Publication.published_at = mapped_column("published_at", DateTime(timezone=True), nullable=True)
Publication.withdrawn_at = mapped_column("withdrawn_at", DateTime(timezone=True), nullable=True)
Publication.withdraw_reason = mapped_column("withdraw_reason", String(200), nullable=True)
Publication.organisation = relationship(Organisation)
Document.dossier = relationship(Publication, foreign_keys=[Document.publication_id])
Index("ix_documents_publication", Document.publication_id)
Dossier = Publication  # the domain's word


class DossierDocument(Base):
    """A document's place in its dossier: role (besluit, inventarislijst, document, agenda ...), the
    judgement (openbaar / deels openbaar / niet openbaar / reeds openbaar) with its Woo grounds, and the
    inventory's own columns. Keyed by document: a document is in at most one dossier."""
    __tablename__ = "dossier_documents"
    __table_args__ = (Index("ix_dossier_documents_dossier", "dossier_id", "position"),)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(30), default="document")
    position: Mapped[int] = mapped_column(Integer, default=0)
    judgement: Mapped[str | None] = mapped_column(String(30))
    grounds: Mapped[list | None] = mapped_column(JSON)
    remark: Mapped[str | None] = mapped_column(Text)
    number: Mapped[str | None] = mapped_column(String(100))   # inventory document number / ID
    public_link: Mapped[str | None] = mapped_column(String(1000))
    supplied_redacted: Mapped[bool] = mapped_column(Boolean, default=False)  # the file given is already redacted
    inventory: Mapped[dict | None] = mapped_column(JSON)       # other inventory columns (datum, familie ...)
    judged_by: Mapped[str | None] = mapped_column(String(200))
    judged_at: Mapped[datetime | None]
    document: Mapped[Document] = relationship()


class DossierTopic(Base):
    """The managed list of onderwerpen (topics) of an organisation."""
    __tablename__ = "dossier_topics"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- archive integrity (issue 19)
# The SHA-256 of every object woo writes into the bucket that is not a StoredFile row (MDTO sidecars, state
# objects), so `woo fixity` covers the whole bucket; which file a privacy finding belongs to (None: the
# original; "correction": a correction awaiting the gate); the archivist's reason for a Selectielijst override.
PrivacyFinding.file_role = mapped_column("file_role", String(30), nullable=True)
Document.retention_reason = mapped_column("retention_reason", Text, nullable=True)


# --------------------------------------------------------------------------- dossier retention (issue 13)
# The Selectielijst class of a dossier and its brondatum; the dossier's documents inherit both
# (woo.services.retention.apply_dossier_class), so a dossier is destroyed or transferred whole.
Publication.retention_resultaat = mapped_column("retention_resultaat", String(20), nullable=True)
Publication.retention_source = mapped_column("retention_source", String(20), nullable=True)
Publication.retention_reason = mapped_column("retention_reason", Text, nullable=True)
Publication.retention_brondatum = mapped_column("retention_brondatum", Date, nullable=True)
Publication.retention_brondatum_bron = mapped_column("retention_brondatum_bron", String(20), nullable=True)
# A retired onderwerp is no longer offered for new dossiers; dossiers that have it keep it.
DossierTopic.retired_at = mapped_column("retired_at", DateTime(timezone=True), nullable=True)


class DossierImport(Base):
    """A dossier import running as a background job (woo.services.dossier_import.start_import): its files
    wait in the bucket under imports/<id>/ until the job has checked and stored them; the officer's page
    polls done/total and sees the problems."""
    __tablename__ = "dossier_imports"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="wachtend", index=True)  # wachtend/bezig/klaar/mislukt
    phase: Mapped[str | None] = mapped_column(String(30))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    dossier_id: Mapped[str | None] = mapped_column(String(32))
    request: Mapped[dict] = mapped_column(JSON)  # dossier fields, file names, object keys
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ArchiveObject(Base):
    """A metadata object woo wrote beside a document's files (woo.archive.sidecars), with its checksum."""
    __tablename__ = "archive_objects"
    object_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # informatieobject / state / bestand
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    version_id: Mapped[str | None] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)


class HarvestRegistration(Base):
    """An organisation's registration of a collection URL (a sitemap index) for one information category
    in the national register of organisations (ROO), which the Woo-index harvests from: what was
    registered there, when and by whom (woo cannot register itself; an admin records it here)."""
    __tablename__ = "harvest_registrations"
    __table_args__ = (UniqueConstraint("organisation_id", "category_uri"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    category_uri: Mapped[str] = mapped_column(String(200))  # TOOI informatiecategorie
    url: Mapped[str] = mapped_column(String(500))  # the registered collection URL
    registered_on: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(200))  # who registered it at ROO
    recorded_by: Mapped[str] = mapped_column(String(200))  # the woo user who recorded it here
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- subscriptions (issue 20)

class Subscription(Base):
    """A citizen follows a category, an onderwerp, a dossier kind or a search query by e-mail.

    The address is never stored readable: ``address_sealed`` is encrypted with a key derived from the secret
    key (only the mailer opens it) and ``address_hash`` is a keyed hash (duplicates, rate limits, audit
    events), so no listing, export or audit record can show it (woo.services.subscriptions)."""
    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_due", "status", "frequency", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    address_sealed: Mapped[str] = mapped_column(Text)
    follow_kind: Mapped[str] = mapped_column(String(20))   # categorie / onderwerp / soort / zoekvraag
    follow_value: Mapped[str] = mapped_column(String(500))
    follow_params: Mapped[dict | None] = mapped_column(JSON)  # a search query's filters (categorie)
    frequency: Mapped[str] = mapped_column(String(10))     # daily / weekly
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending/active/unsubscribed/bouncing
    nonce: Mapped[str] = mapped_column(String(32))         # in every signed link; a new one voids old links
    base_url: Mapped[str] = mapped_column(String(300))     # the public site it was made on
    organisation_ids: Mapped[list] = mapped_column(JSON, default=list)  # that site's organisations
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
    digest_cursor: Mapped[datetime | None]  # publications after this moment go into the next digest
    last_sent_at: Mapped[datetime | None]
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    bounces: Mapped[int] = mapped_column(Integer, default=0)  # permanent (5xx) refusals in a row
    last_error: Mapped[str | None] = mapped_column(String(500))  # SMTP answer, address removed


# --------------------------------------------------------------------------- compliance dashboard (issue 20)
# Counters kept by woo.services.dashboard in the same transaction as the publication, withdrawal or transfer
# they count, so the dashboard and the annual figures read a few hundred rows, never the documents.
Index("ix_publications_org_kind", Publication.organisation_id, Publication.kind)


class DashboardCount(Base):
    """One counter of an organisation. ``metric``: published (n = publications), lag (key = days from the
    document's own date to its publication: a histogram), public (n = documents still public, by year of
    publication), withdrawn (key = TOOI reason; year of withdrawal), redacted (key = Woo ground; year of
    publication). ``last_at``: the latest moment counted. Each counter is kept for its calendar year and, with year 0,
    for all years together (woo.domain.dashboard.ALL_YEARS)."""
    __tablename__ = "dashboard_counts"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    category: Mapped[str] = mapped_column(String(200), primary_key=True)  # '' without a category
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)
    last_at: Mapped[datetime | None]


class WorklistEntry(Base):
    """A working document (concept, ready) on one work list (woo.domain.worklist.WORKLISTS): the assessment
    of woo.services.worklist, stored in the transaction that changed the document, its files, jobs or
    findings, so the "Mijn werk" counts and the dashboard's waiting figures are indexed counts, never an
    assessment of the whole backlog. ``organisation_id`` and ``created_at`` are the document's own."""
    __tablename__ = "worklist_entries"
    __table_args__ = (Index("ix_worklist_entries_org_list", "organisation_id", "list_key", "created_at"),)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    list_key: Mapped[str] = mapped_column(String(20), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


# --------------------------------------------------------------------------- sources (issue 16)
# A registered remote system (OpenBesluitvorming, a ZGW Documenten API) of one organisation, its sync state
# (woo.services.sources), and what each remote id became in woo, so a sync is idempotent.
class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(40))       # openbesluitvorming / zgw-drc
    name: Mapped[str] = mapped_column(String(200), unique=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)  # never holds the secret
    secret: Mapped[str | None] = mapped_column(Text)    # encrypted (Fernet, key from WOO_SECRET_KEY)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=240)
    auto_publish: Mapped[list] = mapped_column(JSON, default=list)  # category URIs published without review
    phase: Mapped[str] = mapped_column(String(20), default="snapshot")  # snapshot / changes
    cursor: Mapped[str | None] = mapped_column(Text)          # where the next step of the phase starts
    changes_cursor: Mapped[str | None] = mapped_column(Text)  # where the change feed starts after the snapshot
    state: Mapped[str] = mapped_column(String(20), default="idle")  # idle / queued / running / error
    run_token: Mapped[str | None] = mapped_column(String(40))  # the sync chain that may take the next step
    rq_id: Mapped[str | None] = mapped_column(String(100))     # the rq job of the next step
    heartbeat_at: Mapped[datetime | None]                      # last step started or finished
    steps: Mapped[int] = mapped_column(Integer, default=0)       # batches applied in total
    counts: Mapped[dict] = mapped_column(JSON, default=dict)     # of the current/last run
    totals: Mapped[dict] = mapped_column(JSON, default=dict)     # since registration
    problems: Mapped[list] = mapped_column(JSON, default=list)   # the last item problems (Dutch)
    last_error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)               # e.g. a full resync after an unknown cursor
    freshness: Mapped[dict | None] = mapped_column(JSON)         # the remote's own /api/status entry
    freshness_at: Mapped[datetime | None]
    reconciled_at: Mapped[datetime | None]  # last full listing compared with the stored ids (zgw-drc)
    # the more-than-half guard's Dutch refusal while it stands ("Forceer afstemming"); apart from ``note``, which a
    # full-sync request or an expired cursor overwrites
    reconcile_refused: Mapped[str | None] = mapped_column(Text)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation: Mapped[Organisation] = relationship()


class SourceItem(Base):
    """One remote entity (document or meeting) and what it became: the document or the dossier."""
    __tablename__ = "source_items"
    __table_args__ = (UniqueConstraint("source_id", "remote_id"),
                      Index("ix_source_items_meeting", "source_id", "meeting_remote_id"),
                      Index("ix_source_items_fetch", "source_id", "fetch_state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(20))          # document / meeting
    document_id: Mapped[str | None] = mapped_column(String(32), index=True)
    dossier_id: Mapped[str | None] = mapped_column(String(32))
    meeting_remote_id: Mapped[str | None] = mapped_column(String(500))  # the meeting a document is on
    agenda_item: Mapped[str | None] = mapped_column(String(1000))       # the agenda item's title
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the mapped metadata: unchanged -> skipped
    remote_modified: Mapped[datetime | None]
    file_url: Mapped[str | None] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(Text)      # why the file is not (yet) in woo
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # the file is fetched after the sync step, by a background job per item (woo.services.sources.fetch_item)
    record: Mapped[dict | None] = mapped_column(JSON, deferred=True)  # the remote record the fetch maps from
    fetch_state: Mapped[str | None] = mapped_column(String(20))     # None / pending / failed
    fetch_token: Mapped[str | None] = mapped_column(String(100))    # the job that may do it (its rq id)
    fetch_queued_at: Mapped[datetime | None]


# --------------------------------------------------------------------------- organisations and units (issue 14)
# An organisation's theme (its NL Design System token CSS and logo, read by woo.web.theme) and its contact
# details for the bereikbaarheidsgegevens; units (afdelingen) with their members; the unit a document or a
# dossier belongs to (None: no unit, as every row from before revision 0022). woo.services.organisations.
Organisation.theme_css_url = mapped_column("theme_css_url", String(500), nullable=True)
Organisation.logo_url = mapped_column("logo_url", String(500), nullable=True)
Organisation.contact = mapped_column("contact", JSON, nullable=True)  # {"email", "phone", "address", "url"}


class Unit(Base):
    """An afdeling (team, department) of an organisation; officers see their units' work by default."""
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    organisation: Mapped[Organisation] = relationship()


class UnitMember(Base):
    __tablename__ = "unit_members"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


Document.unit_id = mapped_column("unit_id", ForeignKey("units.id"), nullable=True, index=True)
Publication.unit_id = mapped_column("unit_id", ForeignKey("units.id"), nullable=True, index=True)
