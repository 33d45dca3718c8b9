"""From a published document row to what the outside sees: its stable file URL and its DiWoo record.

Pure (no I/O): the callers load the document with its files and organisation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

from woo.adapters.models import Document, Organisation, StoredFile
from woo.domain import tooi
from woo.metadata.diwoo import DiwooRecord, DocRef, Handeling, w3c_datetime  # noqa: F401  (w3c_datetime: re-export)



@dataclass(frozen=True)
class FileView:
    role: str
    filename: str | None
    size: int
    mime_type: str | None


@dataclass
class DocumentView:
    """What a DiWoo record needs of a document, read as plain columns: a full sitemap build reads a million
    documents, and ORM objects cost more to load than the record costs to write. Quacks like ``Document``
    for ``diwoo_record`` and ``public_file``."""
    id: str
    title: str
    category: str | None
    metadata_: dict
    language: str | None
    document_date: datetime | None
    created_at: datetime
    updated_at: datetime | None
    published_at: datetime | None
    files: list[FileView] = field(default_factory=list)
    dossier: "DossierView | None" = None
    remote_modified: datetime | None = None

    def file(self, role: str) -> FileView | None:
        return next((f for f in self.files if f.role == role), None)


@dataclass(frozen=True)
class DossierView:
    """The dossier a document is part of, as its DiWoo record names it."""
    id: str
    title: str


def dossier_path(dossier_id: str) -> str:
    return f"/dossiers/{dossier_id}"


def dossier_ref(doc, base_url: str) -> DocRef | None:
    """``isPartOf`` of a document of a dossier: the dossier's public page and title."""
    d = getattr(doc, "dossier", None)
    if d is None:
        return None
    return DocRef(base_url.rstrip("/") + dossier_path(d.id), d.title)


# The public gets the first of these a document has: a correction, else a redacted rendition, else the original;
# an original the Woo-index does not harvest (an XML export) is stood in for by its PDF/A rendition.
PUBLIC_FILE_ROLES = ("published", "redacted", "original", "pdfa")


def harvestable_format(stored: StoredFile | FileView) -> tooi.Bestandsformaat | None:
    """The TOOI file type of a stored file, None when the Woo-index does not harvest that format."""
    return tooi.bestandsformaat_for(stored.mime_type, stored.filename)


def public_file(doc: Document | DocumentView) -> StoredFile | FileView | None:
    """The file the public and the harvesters get (pure: the document is loaded with its files).

    A correction, else the redacted rendition, else the original; when that one is in a format the
    Woo-index does not harvest and a PDF/A rendition in a harvestable format exists, the rendition.
    Otherwise the first one found, so that publication_blockers can name its format."""
    first = next((f for f in (doc.file(role) for role in PUBLIC_FILE_ROLES[:3]) if f is not None), None)
    if first is None or harvestable_format(first) is None:
        pdfa = doc.file("pdfa")
        if pdfa is not None and harvestable_format(pdfa) is not None:
            return pdfa
    return first


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
    """The short page URL: a stable identifier (Atom ids, OAI dc:identifier, archive sidecars); it answers
    with a 301 to the readable one (``readable_page_path``)."""
    return f"{base_url.rstrip('/')}/publicaties/{document_id}"


RESERVED_SLUGS = ("bestand",)  # /publicaties/<id>/bestand is the file itself


def title_slug(title: str | None, limit: int = 100) -> str:
    """Lower-case ASCII words of a (confirmed, public) title joined by '-'; empty when it has none."""
    import re
    import unicodedata

    base = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-").lower()[:limit].rstrip("-")


def page_slug(title: str | None) -> str:
    """The readable part of a public page URL: the title's slug, never the file's own path segment."""
    slug = title_slug(title) or "document"
    return f"{slug}-document" if slug in RESERVED_SLUGS else slug


def readable_page_path(document_id: str, title: str | None) -> str:
    """/publicaties/<id>/<slug of the public title>: what the search page links and old URLs redirect to."""
    return f"/publicaties/{document_id}/{page_slug(title)}"


def readable_page_url(base_url: str, document_id: str, title: str | None) -> str:
    """The link people follow (Atom's alternate link, a digest e-mail); ids stay ``page_url``."""
    return base_url.rstrip("/") + readable_page_path(document_id, title)


def lastmod(doc: Document | DocumentView) -> datetime:
    """What a harvester compares with its last visit: the latest of woo's publication, woo's last change to the
    document or its metadata (a correction, an edit or an applied remote change bumps updated_at) and the source
    system's own modification date (``remote_modified``, issue 16). A max, so an older remote date never moves it
    back."""
    times = (as_utc(doc.updated_at), as_utc(doc.published_at), as_utc(getattr(doc, "remote_modified", None)))
    return max(d for d in times if d is not None)


@lru_cache(maxsize=256)
def language_code(value: str | None) -> str | None:
    if not value:
        return None
    concept = tooi.taal(value)
    return concept.uri if concept else None


def diwoo_record(doc: Document | DocumentView, org: Organisation, stored: StoredFile | FileView, base_url: str) -> DiwooRecord:
    """The DiWoo 0.9.8 description of one published file (publisher = the document's organisation).

    Described metadata (woo.services.describe: confirmed, else a suggestion of high confidence) gives the
    title, documentsoort, opsteller, kenmerken and the documenthandelingen with their dates."""
    fmt = tooi.bestandsformaat_for(stored.mime_type, stored.filename)
    meta = described(doc)
    created = as_utc(doc.document_date)
    handelingen = [Handeling(tooi.documenthandeling(soort).uri, when) for soort, when in meta["handelingen"]]
    # DiWoo needs at least one documenthandeling: the document's own date (publication asks for one when
    # none is known: woo.services.worklist.date_known); the registration time only for records published
    # before that rule, which would otherwise drop out of the harvest.
    handelingen = handelingen or [Handeling(tooi.documenthandeling("vaststelling").uri,
                                            created or as_utc(doc.created_at))]
    return DiwooRecord(
        publisher=org.tooi_uri,
        verantwoordelijke=org.tooi_uri,
        opsteller=meta["opsteller"],
        officiele_titel=meta["title"] or doc.title,
        informatiecategorieen=[doc.category],
        documenthandelingen=handelingen,
        documentsoorten=[meta["documentsoort"]] if meta["documentsoort"] else [],
        identifiers=[doc.id] + [i for i in meta["identifiers"] if i != doc.id],
        creatiedatum=created.date() if created else meta["creatie"] or file_creation_date(doc),
        language=language_code(doc.language),
        format=fmt.uri if fmt else None,
        reden_verwijdering=(doc.metadata_ or {}).get("correction_reason"),
        is_part_of=dossier_ref(doc, base_url),
        file_url=file_url(base_url, doc.id),
        lastmod=lastmod(doc),
        size=stored.size,
    )


def file_creation_date(doc: Document | DocumentView):
    """The creation date the file itself records (PDF CreationDate, Office/ODF 'created'), as extraction
    read it; None when absent, unreadable or later than the document's registration here (impossible, so
    not believed). DiWoo's creatiedatum is optional (0..1 in the 0.9.8 XSD): without a known date it is
    left out rather than filled with the registration date."""
    from woo.metadata.suggest import parse_date

    raw = ((doc.metadata_ or {}).get("properties") or {}).get("created")
    if not isinstance(raw, str) or len(raw) < 10:
        return None
    value = parse_date(raw[:10])
    registered = as_utc(doc.created_at)
    if value is None or value.year < 1900 or (registered is not None and value > registered.date()):
        return None
    return value


def described(doc: Document | DocumentView) -> dict:
    """Confirmed metadata, else high-confidence suggestions, as plain values for the DiWoo record.

    The title is the one a person chose (confirmed, or given at intake); a suggestion is only a proposal
    until someone confirms it (publication asks for it). Unknown TOOI values (a list changed since) are left out, not published."""
    from datetime import date

    from woo.metadata.suggest import effective_values

    values = effective_values(doc)
    confirmed = (doc.metadata_ or {}).get("confirmed") or {}
    title = confirmed.get("title")
    soort = values.get("documentsoort")
    soort = soort if soort and tooi.documentsoort(soort) else None
    opsteller = values.get("organisation")
    opsteller = opsteller if opsteller and tooi.organisation(opsteller) else None
    handelingen = []
    for name, soort_label in (("date.vaststelling", "vaststelling"), ("date.ondertekening", "ondertekening"),
                              ("date.ontvangst", "ontvangst")):
        value = values.get(name)
        if value:
            handelingen.append((soort_label, date.fromisoformat(value)))
    creatie = values.get("date.creatie")
    return {"title": title, "documentsoort": soort, "opsteller": opsteller, "handelingen": handelingen,
            "identifiers": list(values.get("identifiers") or []),
            "creatie": date.fromisoformat(creatie) if creatie else None}
