"""The harvester's endpoints (robots.txt, sitemap indexes and pages, small published files), from memory.

The Woo-index and other portals poll these all day. Each web process keeps what it last served: the site
of a Host, robots.txt, the indexes, the (gzip) page bytes and files up to 1 MiB, and forgets all of it the
moment the feeds version in Redis moves: it is bumped by every commit that changes a document that is or
was published (woo.services.context) and whenever a stored page changes (woo.services.feeds), so a
withdrawn or corrected document is never served from memory. Without Redis (WOO_JOBS_INLINE) entries live
one second.

``HarvestFastPath`` answers these paths in front of Flask (no routing, session or template work); whatever
it cannot answer (a 404) goes on to the Flask routes, which call the same ``respond``.
"""
from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
import zlib
from collections import OrderedDict
from typing import Callable

from werkzeug.wrappers import Request, Response

from woo.publish import sitemaps
from woo.publish.sites import Site, resolve_site
from woo.services.context import Context
from woo.services.feeds import VERSION_KEY

XML = "application/xml; charset=utf-8"


class FeedCache:
    """What this process served, tagged with the feeds version it was read under: an entry counts only while
    that version is current (so one read just before a change, stored just after, is never served), and for
    at most ``max_age`` seconds. Bytes are kept within ``budget_bytes``, least recently used out first."""

    def __init__(self, ctx: Context, max_age: float = 60.0, ttl_without_redis: float = 1.0,
                 budget_bytes: int = 64 * 1024 * 1024):
        self.ctx, self.max_age, self.ttl, self.budget = ctx, max_age, ttl_without_redis, budget_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()  # key -> (read at, version, value, size)
        self._bytes = 0

    def version(self, now: float):
        """The feeds version in Redis; without Redis, a number that moves every ``ttl`` seconds."""
        redis = getattr(self.ctx.queue, "redis", None)
        if redis is not None:
            try:
                return redis.get(VERSION_KEY) or b"0"
            except Exception:  # noqa: BLE001 - Redis down: a short lifetime instead
                pass
        return int(now // self.ttl)

    def get(self, key, produce: Callable, size: Callable[[object], int] = lambda value: 0):
        now = time.monotonic()
        version = self.version(now)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[1] == version and now - hit[0] <= self.max_age:
                self._entries.move_to_end(key)
                return hit[2]
        value = produce()
        cost = size(value) + 256
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[3]
            self._entries[key] = (now, version, value, cost)
            self._bytes += cost
            while self._bytes > self.budget and len(self._entries) > 1:
                _, (_, _, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
        return value


def not_modified(request: Request, etag: str, last_modified) -> bool:
    """Whether the client's copy (If-None-Match, else If-Modified-Since) is still current.

    If-None-Match uses the weak comparison RFC 9110 §13.1.2 prescribes: ``W/"x"`` matches ``"x"`` (a gzip-ing
    reverse proxy such as nginx weakens the ETags it passes on)."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return bool(since and last_modified and last_modified.replace(microsecond=0) <= since)


def _conditional(request: Request, etag: str, last_modified, data: bytes, gzipped: bool,
                 inflate: Callable[[], bytes] | None = None, content_type: str = XML) -> Response:
    """304 when the client's copy is current; else the bytes, gzip for clients that accept it (``inflate``
    gives the plain bytes of gzipped data, e.g. from the cache)."""
    gz = request.accept_encodings["gzip"] > 0
    tag = etag + ("-gz" if gz else "")
    if not_modified(request, tag, last_modified):
        resp = Response(status=304)
    else:
        if gzipped and not gz:
            data = inflate() if inflate else zlib.decompress(data, 47)  # wbits 47: gzip or zlib container
        elif gz and not gzipped:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        resp = Response(data, content_type=content_type)
        if gz:
            resp.headers["Content-Encoding"] = "gzip"
    resp.set_etag(tag)
    if last_modified:
        resp.last_modified = last_modified
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Vary"] = "Accept-Encoding"
    return resp


def site_for(ctx: Context, cache: FeedCache, host: str) -> Site:
    def produce():
        with ctx.unit_of_work() as s:
            return resolve_site(s, ctx.settings.base_url, host)
    return cache.get(("site", host.lower()), produce)


def respond(ctx: Context, cache: FeedCache, request: Request) -> Response | None:
    """The answer to a harvester's GET of robots.txt or /sitemaps/<name>; None means 404."""
    site = site_for(ctx, cache, request.host)
    path = request.path
    if path == "/robots.txt":
        def robots():
            with ctx.unit_of_work() as s:
                body = sitemaps.robots_txt(site.base_url, sitemaps.categories_in_use(s, site)).encode()
                changed = sitemaps.robots_last_modified(s, site)
            return hashlib.sha256(body).hexdigest()[:32], changed, body
        tag, changed, body = cache.get(("robots", site.base_url), robots, lambda r: len(r[2]))
        return _conditional(request, tag, changed, body, gzipped=False, content_type="text/plain; charset=utf-8")
    name = path.rsplit("/", 1)[-1]
    category = sitemaps.parse_index_name(name)
    if category is not None:
        def index():
            with ctx.unit_of_work() as s:
                entries = sitemaps.index_entries(s, site, category.uri)
            if not entries:
                return None
            latest = max((e.changed_at for e in entries if e.changed_at), default=None)
            return (sitemaps.index_version(site, category, entries), latest,
                    sitemaps.index_xml(site, category, entries))
        found = cache.get(("index", site.base_url, category.uri), index)
        return _conditional(request, found[0], found[1], found[2], gzipped=False) if found else None
    key = sitemaps.parse_sitemap_name(name)
    if key is None:
        return None

    def page():
        with ctx.unit_of_work() as s:
            return sitemaps.stored_page(s, site, key)
    stored = cache.get(("page", site.base_url, key), page, lambda p: len(p.gzip) if p else 0)
    if stored is None:
        return None
    # written for a host configured before, or by an older page writer: right now, rewritten by the worker later
    if stored.base_url != site.base_url or not sitemaps.is_current_format(stored.etag):
        from woo.services import feeds

        with ctx.unit_of_work() as s:
            org, docs = feeds.load_page(s, key)
        fresh = sitemaps.render_page(docs, org, site.base_url)
        return _conditional(request, fresh.etag, None, fresh.gzip, gzipped=True)
    return _conditional(request, stored.etag, stored.changed_at, stored.gzip, gzipped=True, inflate=lambda: cache.get(
        ("plain", site.base_url, key, stored.etag), lambda: zlib.decompress(stored.gzip, 47), len))


FILE_IN_MEMORY = 1024 * 1024  # larger public files are streamed from the bucket by the Flask route


def respond_file(ctx: Context, cache: FeedCache, request: Request, document_id: str) -> Response | None:
    """A published file from memory (small ones); None leaves it to the Flask route (404, 410, streaming)."""
    site = site_for(ctx, cache, request.host)

    def produce():
        from sqlalchemy.orm import selectinload

        from woo.adapters.models import Document
        from woo.domain.lifecycle import Status
        from woo.publish.records import lastmod
        from woo.services.publication import public_file, public_filename
        from woo.web.downloads import file_headers

        with ctx.unit_of_work() as s:
            doc = s.get(Document, document_id, options=[selectinload(Document.files)])
            if doc is None or doc.status != Status.PUBLISHED or doc.organisation_id not in site.organisation_ids:
                return None
            stored = public_file(doc)
            if stored is None or stored.size > FILE_IN_MEMORY:
                return None
            mime, headers = file_headers(stored, inline=True, filename=public_filename(doc, stored))
            found = (stored.sha256, lastmod(doc), mime, headers, stored.object_key, stored.version_id)
        return found[:4] + (ctx.store.get_bytes(found[4], version_id=found[5]),)
    found = cache.get(("file", site.base_url, document_id), produce, lambda f: len(f[4]) if f else 0)
    if found is None:
        return None
    sha, changed, mime, headers, data = found

    def send() -> Response:
        resp = Response(data, mimetype=mime)
        resp.headers.update(headers)
        return resp
    return file_response(request, sha, changed, send, compressible=is_compressible(mime))


def file_response(request: Request, sha256: str, changed, send: Callable[[], Response],
                  compressible: bool = False) -> Response:
    """A published file's answer: 304 when the client's copy is current, else ``send()``; validated by the
    file's SHA-256 and the document's last change (used here and by the Flask route that streams).

    ``compressible`` (a small text file held in memory): gzip for a client that accepts it, with its own
    ETag (``<sha>-gz``), as for the sitemaps."""
    gz = compressible and request.accept_encodings["gzip"] > 0
    tag = sha256 + ("-gz" if gz else "")
    if not_modified(request, tag, changed):
        resp = Response(status=304)
    else:
        resp = send()
        if gz:
            resp.set_data(gzip.compress(resp.get_data(), compresslevel=6, mtime=0))
            resp.headers["Content-Encoding"] = "gzip"
    resp.set_etag(tag)
    resp.last_modified = changed
    resp.headers["Cache-Control"] = "no-cache"
    if compressible:
        resp.headers["Vary"] = "Accept-Encoding"
    return resp


# What is worth gzip-ing: text and the XML/JSON families (PDFs, images and office files are compressed already).
_COMPRESSIBLE = ("text/", "application/xml", "application/json", "application/problem+json",
                 "application/atom+xml", "application/javascript", "image/svg+xml")
GZIP_MIN_BYTES = 512


def is_compressible(mime: str | None) -> bool:
    return bool(mime) and mime.split(";")[0].strip().lower().startswith(_COMPRESSIBLE)


def gzip_response(request: Request, resp: Response) -> Response:
    """gzip a buffered, compressible 200 answer (an HTML page, the Atom feed, OAI-PMH, JSON) for a client that
    accepts it; ``Vary: Accept-Encoding`` on every compressible answer. Streamed answers (large files from the
    bucket) and answers that chose their own encoding are left alone. An ETag gets ``-gz``: the gzip bytes are
    another representation."""
    if (resp.status_code != 200 or resp.direct_passthrough or resp.is_streamed
            or "Content-Encoding" in resp.headers or not is_compressible(resp.mimetype)):
        return resp
    resp.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0 or request.method == "HEAD":
        return resp
    data = resp.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return resp
    resp.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    resp.headers["Content-Encoding"] = "gzip"
    etag, weak = resp.get_etag()
    if etag:
        resp.set_etag(etag + "-gz", weak)
    return resp


_FILE_PATH = re.compile(r"^/publicaties/([0-9a-f]{32})/bestand$")


def answer(ctx: Context, cache: FeedCache, request: Request) -> Response | None:
    """The fast path's answer for any path it serves, or None."""
    m = _FILE_PATH.match(request.path)
    if m:
        return respond_file(ctx, cache, request, m.group(1))
    return respond(ctx, cache, request)


def is_harvest_path(path: str) -> bool:
    return path == "/robots.txt" or path.startswith("/sitemaps/") or bool(_FILE_PATH.match(path))


class HarvestFastPath:
    """WSGI layer: harvester GETs answered before Flask; the security headers Flask would add, added here."""

    def __init__(self, wsgi_app, ctx: Context, cache: FeedCache, headers: Callable[[Request, Response], None]):
        self.wsgi_app, self.ctx, self.cache, self.headers = wsgi_app, ctx, cache, headers

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and is_harvest_path(environ.get("PATH_INFO", "")):
            request = Request(environ)
            try:
                response = answer(self.ctx, self.cache, request)
            except Exception:  # noqa: BLE001 - Flask's error handling (logging, the Dutch 500 page) takes over
                response = None
            if response is not None:
                self.headers(request, response)
                return response(environ, start_response)
        return self.wsgi_app(environ, start_response)
