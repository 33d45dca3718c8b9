"""From a published document row to what the outside sees: its stable file URL and its DiWoo record.

Pure (no I/O): the callers load the document with its files and organisation.
"""
from __future__ import annotations

from datetime import datetime, timezone

from woo.adapters.models import Document, Organisation, StoredFile
from woo.domain import tooi
from woo.metadata.diwoo import DiwooRecord, Handeling

# ISO 639-1 as language detection gives it -> the TOOI code (the URI itself comes from talen.csv)
_LANGUAGE_CODES = {"nl": "NLD", "en": "ENG", "fy": "FRY", "de": "DEU", "fr": "FRA"}


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def file_path(document_id: str) -> str:
    """The stable public path of a document's file: its identity for the Woo-index harvester."""
    return f"/publicaties/{document_id}/bestand"


def file_url(base_url: str, document_id: str) -> str:
    return base_url.rstrip("/") + file_path(document_id)


def page_url(base_url: str, document_id: str) -> str:
    return f"{base_url.rstrip('/')}/publicaties/{document_id}"


def lastmod(doc: Document) -> datetime:
    """Last change to the document or its metadata (a correction or edit bumps updated_at)."""
    return max(d for d in (as_utc(doc.updated_at), as_utc(doc.published_at)) if d is not None)


def language_code(value: str | None) -> str | None:
    if not value:
        return None
    concept = tooi.taal(_LANGUAGE_CODES.get(value.lower(), value.upper()))
    return concept.uri if concept else None


def diwoo_record(doc: Document, org: Organisation, stored: StoredFile, base_url: str) -> DiwooRecord:
    """The DiWoo 0.9.8 description of one published file (publisher = the document's organisation)."""
    fmt = tooi.bestandsformaat_for(stored.mime_type, stored.filename)
    created = as_utc(doc.document_date)
    # DiWoo needs at least one documenthandeling: the document's own date when known, else its registration.
    handeling = Handeling(tooi.documenthandeling("vaststelling").uri, created or as_utc(doc.created_at))
    return DiwooRecord(
        publisher=org.tooi_uri,
        verantwoordelijke=org.tooi_uri,
        officiele_titel=doc.title,
        informatiecategorieen=[doc.category],
        documenthandelingen=[handeling],
        identifiers=[doc.id],
        creatiedatum=created.date() if created else None,
        language=language_code(doc.language),
        format=fmt.uri if fmt else None,
        reden_verwijdering=(doc.metadata_ or {}).get("correction_reason"),
        file_url=file_url(base_url, doc.id),
        lastmod=lastmod(doc),
        size=stored.size,
    )
