"""DiWoo sitemaps for the Woo-index harvester: robots.txt -> one index per category -> sitemaps -> files.

Scaling: an index is one grouped query (a window function numbers the category's published documents
by id and cuts them into pages of ``PAGE_SIZE``), and a sitemap is named by the first id of its page
and streamed in keyset batches, so neither memory nor a single query grows with the collection.
``PAGE_SIZE`` stays far below the protocol's 50,000 URLs because a DiWoo ``<url>`` is 1.5-4 KB and a
sitemap may not exceed 50 MB.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from lxml import etree
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from woo.adapters.models import Document, Organisation
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.metadata.diwoo import DiwooError, build_sitemap_url
from woo.metadata.xsd import DIWOO_NS, SITEMAP_NS
from woo.publish.records import as_utc, diwoo_record
from woo.publish.sites import Site
from woo.services.publication import public_file

PAGE_SIZE = 10_000
BATCH = 500  # documents per database round trip while streaming
GENERIC_INDEX = "sitemapindex-diwoo.xml"  # art. 3.1 documents: the category has no infocat code
XML_DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'

_INDEX_RE = re.compile(r"^sitemapindex-diwoo(?:-(infocat\d{3}))?\.xml$")
_SITEMAP_RE = re.compile(r"^sitemap-diwoo(?:-(infocat\d{3}))?-([0-9a-f]{1,32})\.xml$")


def index_name(category: tooi.Category) -> str:
    return category.sitemapindex_filename or GENERIC_INDEX


def sitemap_name(category: tooi.Category, start_id: str) -> str:
    code = f"-{category.sitemapindex_code}" if category.sitemapindex_code else ""
    return f"sitemap-diwoo{code}-{start_id}.xml"


def _category_for_code(code: str | None) -> tooi.Category | None:
    if code:
        return tooi.category_by_code(code)
    return next((c for c in tooi.woo_categories() if not c.sitemapindex_code), None)


def parse_index_name(name: str) -> tooi.Category | None:
    m = _INDEX_RE.match(name)
    return _category_for_code(m.group(1)) if m else None


def parse_sitemap_name(name: str) -> tuple[tooi.Category, str] | None:
    m = _SITEMAP_RE.match(name)
    cat = _category_for_code(m.group(1)) if m else None
    return (cat, m.group(2)) if cat else None


def _scope(site: Site, category_uri: str | None = None):
    conds = [Document.organisation_id.in_(site.organisation_ids)]
    if category_uri:
        conds.append(Document.category == category_uri)
    return conds


def _public(site: Site, category_uri: str | None = None):
    return [*_scope(site, category_uri), Document.status == Status.PUBLISHED]


def categories_in_use(session: Session, site: Site) -> list[tooi.Category]:
    """Categories with at least one public document: one indexed EXISTS probe per category (robots.txt is
    requested often; a DISTINCT would walk every published row, a million at national scale)."""
    cats = tooi.woo_categories()
    probes = [select(Document.id).where(*_public(site, c.uri)).limit(1).exists() for c in cats]
    found = session.execute(select(*probes)).one()
    return [c for c, hit in zip(cats, found) if hit]


def robots_txt(base_url: str, categories: list[tooi.Category]) -> str:
    """robots.txt at the host root: nothing disallowed, one Sitemap line per category index."""
    lines = ["User-agent: *", "Allow: /", ""]
    lines += [f"Sitemap: {base_url}/sitemaps/{index_name(c)}" for c in categories]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Version:
    """What a conditional GET compares: changes whenever the listed content could have changed."""
    etag: str
    last_modified: datetime | None
    count: int


def version(session: Session, site: Site, kind: str, category_uri: str | None = None,
            start_id: str | None = None) -> Version:
    """Count of public documents and the latest change among everything ever published in scope
    (a withdrawal bumps updated_at of a row that leaves the list, so it changes the version too)."""
    conds = [*_scope(site, category_uri), Document.published_at.is_not(None)]
    if start_id:
        conds.append(Document.id >= start_id)
    count, latest = session.execute(
        select(func.count(case((Document.status == Status.PUBLISHED, 1))), func.max(Document.updated_at))
        .where(*conds)).one()
    latest = as_utc(latest)
    raw = f"{kind}|{site.base_url}|{category_uri}|{start_id}|{PAGE_SIZE}|{count}|{latest and latest.isoformat()}"
    return Version(hashlib.sha256(raw.encode()).hexdigest()[:32], latest, count)


def index_entries(session: Session, site: Site, category_uri: str,
                  page_size: int | None = None) -> list[tuple[str, datetime]]:
    """(first id, latest change) of each sitemap page of a category, in id order."""
    page_size = page_size or PAGE_SIZE
    rn = func.row_number().over(order_by=Document.id)
    sub = (select(Document.id.label("id"), Document.updated_at.label("changed"),
                  ((rn - 1) // page_size).label("page"))
           .where(*_public(site, category_uri)).subquery())
    rows = session.execute(select(func.min(sub.c.id), func.max(sub.c.changed))
                           .group_by(sub.c.page).order_by(sub.c.page)).all()
    return [(start, as_utc(changed)) for start, changed in rows]


def _w3c(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def index_xml(site: Site, category: tooi.Category, entries: list[tuple[str, datetime]]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for start, changed in entries:
        sm = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(sm, f"{{{SITEMAP_NS}}}loc").text = f"{site.base_url}/sitemaps/{sitemap_name(category, start)}"
        if changed:
            etree.SubElement(sm, f"{{{SITEMAP_NS}}}lastmod").text = _w3c(changed)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def iter_public_documents(sessions, site: Site, category_uri: str, start_id: str, limit: int,
                          batch: int | None = None) -> Iterator[list[tuple[Document, Organisation]]]:
    """Batches of (document with files, organisation) in id order from ``start_id``; each batch its own
    short transaction, detached objects, nothing kept between batches."""
    batch = batch or BATCH
    after, left, first = start_id, limit, True
    while left > 0:
        with sessions() as session:
            cond = Document.id >= after if first else Document.id > after
            docs = session.execute(select(Document).options(selectinload(Document.files),
                                                            selectinload(Document.organisation))
                                   .where(*_public(site, category_uri), cond)
                                   .order_by(Document.id).limit(min(batch, left))).scalars().all()
            rows = [(d, d.organisation) for d in docs]
            session.expunge_all()
        if not rows:
            return
        yield rows
        after, left, first = rows[-1][0].id, left - len(rows), False


def url_element(doc: Document, org: Organisation, base_url: str) -> etree._Element | None:
    stored = public_file(doc)
    if stored is None:
        return None
    return build_sitemap_url(diwoo_record(doc, org, stored, base_url))


def iter_sitemap_xml(sessions, site: Site, category_uri: str, start_id: str,
                     page_size: int | None = None, on_error=None) -> Iterator[bytes]:
    """A ``urlset`` streamed batch by batch (namespaces declared once on the root)."""
    page_size = page_size or PAGE_SIZE
    yield XML_DECL
    yield (f'<urlset xmlns="{SITEMAP_NS}" xmlns:diwoo="{DIWOO_NS}">').encode()
    for rows in iter_public_documents(sessions, site, category_uri, start_id, page_size):
        root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "diwoo": DIWOO_NS})
        for doc, org in rows:
            try:
                el = url_element(doc, org, site.base_url)
            except DiwooError as exc:  # one bad record must not hide the others from the harvester
                if on_error:
                    on_error(doc.id, exc)
                continue
            if el is not None:
                root.append(el)
        if len(root):
            data = etree.tostring(root, encoding="UTF-8", xml_declaration=False)
            yield data[data.index(b">") + 1:data.rindex(b"</")]
    yield b"</urlset>\n"
