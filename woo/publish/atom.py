"""Atom (RFC 4287) feed of recent publications, for people and tools that follow a site."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from woo.domain import tooi
from woo.domain.text import xml_text
from woo.publish.records import as_utc, file_url, lastmod, page_url, readable_page_url

ATOM_NS = "http://www.w3.org/2005/Atom"


def _el(parent, name: str, text: str | None = None, **attrs):
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", **attrs)
    if text is not None:
        el.text = xml_text(text)  # what XML 1.0 cannot carry is dropped: one title never takes the feed down
    return el


def atom_feed(base_url: str, docs, now: datetime, dossiers=()) -> bytes:
    """Newest first; entry id is the landing page URL (stable), the enclosure is the file itself.
    ``dossiers``: published dossiers, one entry each (their landing page; their documents have their own)."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "nl")
    _el(feed, "id", f"{base_url}/publicaties/feed.atom")
    _el(feed, "title", "Nieuwe Woo-publicaties")
    updated = max([lastmod(d) for d in docs] + [as_utc(d.published_at) for d in dossiers], default=as_utc(now))
    _el(feed, "updated", updated.isoformat(timespec="seconds"))
    _el(feed, "link", rel="self", href=f"{base_url}/publicaties/feed.atom")
    _el(feed, "link", rel="alternate", href=f"{base_url}/publicaties")
    for d in docs:
        entry = _el(feed, "entry")
        _el(entry, "id", page_url(base_url, d.id))
        _el(entry, "title", d.title)
        _el(entry, "updated", lastmod(d).isoformat(timespec="seconds"))
        _el(entry, "published", as_utc(d.published_at).isoformat(timespec="seconds"))
        author = _el(entry, "author")
        _el(author, "name", d.organisation.name)
        _el(entry, "link", rel="alternate", type="text/html", href=readable_page_url(base_url, d.id, d.title))
        _el(entry, "link", rel="enclosure", href=file_url(base_url, d.id))
        cat = tooi.category_by_uri(d.category)
        if cat:
            _el(entry, "category", term=cat.uri, label=cat.label)
    for d in dossiers:
        _dossier_entry(feed, base_url, d)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")


def _dossier_entry(feed, base_url: str, d) -> None:
    url = f"{base_url.rstrip('/')}/dossiers/{d.id}"
    entry = _el(feed, "entry")
    _el(entry, "id", url)
    _el(entry, "title", d.title)
    _el(entry, "updated", as_utc(d.updated_at or d.published_at).isoformat(timespec="seconds"))
    _el(entry, "published", as_utc(d.published_at).isoformat(timespec="seconds"))
    author = _el(entry, "author")
    _el(author, "name", d.organisation.name)
    _el(entry, "link", rel="alternate", type="text/html", href=url)
    if d.summary:
        _el(entry, "summary", d.summary)
    cat = tooi.category_by_uri(d.category) if d.category else None
    if cat:
        _el(entry, "category", term=cat.uri, label=cat.label)
    _el(entry, "category", term=f"dossier:{d.kind}", label="Dossier")


@dataclass
class FeedEntry:
    """One entry of a followed topic's feed: a published document or dossier."""
    url: str                     # landing page: the entry's id and alternate link
    title: str
    updated: datetime
    published: datetime
    author: str
    enclosure: str | None = None  # a document's file
    category: tooi.Category | None = None
    summary: str | None = None


def topic_feed(feed_url: str, title: str, alternate_url: str, entries: list[FeedEntry], now: datetime) -> bytes:
    """The Atom feed of one followed category, onderwerp, dossier kind or search query (newest first)."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "nl")
    _el(feed, "id", feed_url)
    _el(feed, "title", title)
    updated = max((as_utc(e.updated) for e in entries), default=as_utc(now))
    _el(feed, "updated", updated.isoformat(timespec="seconds"))
    _el(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _el(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    if not entries:  # RFC 4287 4.1.1: a feed names an author when its entries do not
        _el(_el(feed, "author"), "name", "Woo-publicaties")
    for e in entries:
        entry = _el(feed, "entry")
        _el(entry, "id", e.url)
        _el(entry, "title", e.title or "(zonder titel)")
        _el(entry, "updated", as_utc(e.updated).isoformat(timespec="seconds"))
        _el(entry, "published", as_utc(e.published).isoformat(timespec="seconds"))
        _el(_el(entry, "author"), "name", e.author or "Woo-publicaties")
        _el(entry, "link", rel="alternate", type="text/html", href=e.url)
        if e.enclosure:
            _el(entry, "link", rel="enclosure", href=e.enclosure)
        if e.category:
            _el(entry, "category", term=e.category.uri, label=e.category.label)
        if e.summary:
            _el(entry, "summary", e.summary)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")
