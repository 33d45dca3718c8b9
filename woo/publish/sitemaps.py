"""DiWoo sitemaps for the Woo-index harvester: robots.txt -> one index per category -> sitemaps -> files.

Scaling (issue 6): every published document has a fixed slot, a page of its organisation and category
(woo.services.feeds assigns it when the document is first listed). A sitemap page is rendered once, when
one of its documents changes, and stored gzip-compressed (``sitemap_pages``); serving a sitemap is reading
stored bytes, and a publish rewrites one page of at most ``PAGE_SIZE`` entries. Indexes and robots.txt are
small and are made per request from the page rows. ``PAGE_SIZE`` stays far below the protocol's 50,000
URLs and 50 MB because a DiWoo ``<url>`` is 1.5-4 KB and a small page is quick to rewrite.

This module is the pure part plus the read queries the web side needs; the writing is woo.services.feeds.
"""
from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from woo.adapters.models import SitemapPage
from woo.domain import tooi
from woo.metadata.diwoo import DiwooError, sitemap_url_xml
from woo.metadata.xsd import DIWOO_NS, SITEMAP_NS
from woo.publish.records import DocumentView, as_utc, diwoo_record, public_file, w3c_datetime
from woo.publish.sites import Site

PAGE_SIZE = 1_000
GENERIC_INDEX = "sitemapindex-diwoo.xml"  # art. 3.1 documents: the category has no infocat code
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SITEMAP_XSD = "https://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd"
SITEINDEX_XSD = "https://www.sitemaps.org/schemas/sitemap/0.9/siteindex.xsd"
DIWOO_XSD = "https://standaarden.overheid.nl/diwoo/metadata/0.9.8/xsd/diwoo/diwoo-metadata.xsd"
# The urlset names both schemas its content follows: sitemaps.org for <url>, DiWoo 0.9.8 for diwoo:Document.
URLSET_OPEN = (f'<urlset xmlns="{SITEMAP_NS}" xmlns:diwoo="{DIWOO_NS}" xmlns:xsi="{XSI_NS}" '
               f'xsi:schemaLocation="{SITEMAP_NS} {SITEMAP_XSD} {DIWOO_NS} {DIWOO_XSD}">')
# Version of what render_page writes, the first part of every stored page's etag. Change it whenever the
# page output changes (here: lastmod to the second, xsi:schemaLocation): pages stored by an older version are
# then rendered fresh when served (woo.web.harvest) and marked stale by the worker's maintenance round
# (woo.services.feeds.mark_outdated_stale), without a migration.
RENDER_FORMAT = "f2"
URLSET_CLOSE = "</urlset>\n"

_INDEX_RE = re.compile(r"^sitemapindex-diwoo(?:-(infocat\d{3}))?\.xml$")
_SITEMAP_RE = re.compile(r"^sitemap-diwoo(?:-(infocat\d{3}))?-(\d{1,9})-(\d{1,9})\.xml$")


@dataclass(frozen=True)
class PageKey:
    organisation_id: int
    category: str  # TOOI category URI
    page: int


def index_name(category: tooi.Category) -> str:
    return category.sitemapindex_filename or GENERIC_INDEX


def sitemap_name(category: tooi.Category, organisation_id: int, page: int) -> str:
    code = f"-{category.sitemapindex_code}" if category.sitemapindex_code else ""
    return f"sitemap-diwoo{code}-{organisation_id}-{page}.xml"


def _category_for_code(code: str | None) -> tooi.Category | None:
    if code:
        return tooi.category_by_code(code)
    return next((c for c in tooi.woo_categories() if not c.sitemapindex_code), None)


def parse_index_name(name: str) -> tooi.Category | None:
    m = _INDEX_RE.match(name)
    return _category_for_code(m.group(1)) if m else None


def parse_sitemap_name(name: str) -> PageKey | None:
    m = _SITEMAP_RE.match(name)
    cat = _category_for_code(m.group(1)) if m else None
    return PageKey(int(m.group(2)), cat.uri, int(m.group(3))) if cat else None


# --------------------------------------------------------------------------- rendering (pure)

@dataclass(frozen=True)
class RenderedPage:
    gzip: bytes
    size: int  # uncompressed bytes
    url_count: int
    etag: str
    skipped: dict[str, str]  # document id -> why it could not be listed (DiwooError, Dutch)


def is_current_format(etag: str | None) -> bool:
    """Whether a stored page was written by this version of ``render_page``."""
    return bool(etag) and etag.startswith(RENDER_FORMAT + "-")


def render_page(documents: Iterable[DocumentView], organisation, base_url: str) -> RenderedPage:
    """A ``urlset`` of the documents' DiWoo entries, gzip-compressed (mtime 0: same content, same bytes).

    One document that cannot be expressed in DiWoo is left out (and reported), not the whole page."""
    parts, skipped = [XML_DECL, URLSET_OPEN], {}
    for doc in documents:
        stored = public_file(doc)
        if stored is None:
            skipped[doc.id] = "Er is geen openbaar bestand."
            continue
        try:
            parts.append(sitemap_url_xml(diwoo_record(doc, organisation, stored, base_url)))
        except DiwooError as exc:
            skipped[doc.id] = str(exc)
    parts.append(URLSET_CLOSE)
    data = "".join(parts).encode()
    return RenderedPage(gzip.compress(data, compresslevel=6, mtime=0), len(data), len(parts) - 3,
                        f"{RENDER_FORMAT}-{hashlib.sha256(data).hexdigest()[:32]}", skipped)


def robots_txt(base_url: str, categories: list[tooi.Category]) -> str:
    """robots.txt at the host root: nothing disallowed, one Sitemap line per category index."""
    lines = ["User-agent: *", "Allow: /", ""]
    lines += [f"Sitemap: {base_url}/sitemaps/{index_name(c)}" for c in categories]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class IndexEntry:
    organisation_id: int
    page: int
    changed_at: datetime | None
    etag: str


def index_xml(site: Site, category: tooi.Category, entries: list[IndexEntry]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{SITEMAP_NS} {SITEINDEX_XSD}")
    for e in entries:
        sm = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(sm, f"{{{SITEMAP_NS}}}loc").text = (
            f"{site.base_url}/sitemaps/{sitemap_name(category, e.organisation_id, e.page)}")
        if e.changed_at:
            etree.SubElement(sm, f"{{{SITEMAP_NS}}}lastmod").text = w3c_datetime(e.changed_at)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def index_version(site: Site, category: tooi.Category, entries: list[IndexEntry]) -> str:
    raw = "|".join([site.base_url, category.uri] + [f"{e.organisation_id}/{e.page}/{e.etag}" for e in entries])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


# --------------------------------------------------------------------------- reading what is stored

def _listed(site: Site):
    """Pages of the site's organisations that have been rendered and list at least one document."""
    return [SitemapPage.organisation_id.in_(site.organisation_ids), SitemapPage.url_count > 0,
            SitemapPage.content.is_not(None)]


def categories_in_use(session: Session, site: Site) -> list[tooi.Category]:
    """Categories with at least one listed page, in the order of art. 3.3 (robots.txt)."""
    used = set(session.execute(select(SitemapPage.category).where(*_listed(site)).distinct()).scalars())
    return [c for c in tooi.woo_categories() if c.uri in used]


def robots_last_modified(session: Session, site: Site) -> datetime | None:
    """An upper bound of robots.txt's last change: its lines follow the categories in use, which change only
    when a page changes or a document of the site is published, withdrawn or moved (each bumps updated_at)."""
    from sqlalchemy import func

    from woo.adapters.models import Document

    pages = session.execute(select(func.max(SitemapPage.changed_at)).where(
        SitemapPage.organisation_id.in_(site.organisation_ids))).scalar()
    docs = session.execute(select(func.max(Document.updated_at)).where(
        Document.organisation_id.in_(site.organisation_ids), Document.published_at.is_not(None))).scalar()
    found = [as_utc(v) for v in (pages, docs) if v is not None]
    return max(found).replace(microsecond=0) if found else None


def index_entries(session: Session, site: Site, category_uri: str) -> list[IndexEntry]:
    rows = session.execute(select(SitemapPage.organisation_id, SitemapPage.page, SitemapPage.changed_at,
                                  SitemapPage.etag)
                           .where(*_listed(site), SitemapPage.category == category_uri)
                           .order_by(SitemapPage.organisation_id, SitemapPage.page)).all()
    return [IndexEntry(o, p, as_utc(c), e or "") for o, p, c, e in rows]


@dataclass(frozen=True)
class StoredPage:
    gzip: bytes
    etag: str
    changed_at: datetime | None
    base_url: str | None


def stored_page(session: Session, site: Site, key: PageKey) -> StoredPage | None:
    if key.organisation_id not in site.organisation_ids:
        return None
    row = session.execute(select(SitemapPage.content, SitemapPage.etag, SitemapPage.changed_at,
                                 SitemapPage.base_url)
                          .where(*_listed(site), SitemapPage.organisation_id == key.organisation_id,
                                 SitemapPage.category == key.category, SitemapPage.page == key.page)).first()
    if row is None:
        return None
    return StoredPage(row.content, row.etag or "", as_utc(row.changed_at), row.base_url)
