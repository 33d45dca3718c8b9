"""The public side (no login): robots.txt, DiWoo sitemaps, stable file URLs, landing and search pages, Atom.

Everything is scoped to the site of the request's Host (woo.publish.sites). Sitemap pages are served as the
gzip bytes woo.services.feeds stored (inflated for the rare client without gzip); conditional requests get 304.
"""
from __future__ import annotations

import gzip
import zlib
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, abort, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from woo.adapters.models import Document
from woo.app import context
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.publish import sitemaps
from woo.publish.records import as_utc, file_url, lastmod
from woo.publish.sites import Site, resolve_site
from woo.services.publication import harvestable_format, public_file
from woo.web.downloads import send_stored_file

bp = Blueprint("public", __name__)

XML = "application/xml; charset=utf-8"


def current_site() -> Site:
    with context().unit_of_work() as s:
        return resolve_site(s, context().settings.base_url, request.host)


def _wants_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _not_modified(etag: str, last_modified: datetime | None) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    return bool(since and last_modified and last_modified.replace(microsecond=0) <= since)


def _conditional(etag: str, last_modified: datetime | None, body, gzipped: bool = False) -> Response:
    """304 when the client's copy is current; else the body (``body()`` gives bytes, gzip-compressed when
    ``gzipped``), sent compressed to clients that accept gzip and inflated for the others."""
    gz = _wants_gzip()
    tag = etag + ("-gz" if gz else "")
    if _not_modified(tag, last_modified):
        resp = Response(status=304)
    else:
        data = body()
        if gzipped and not gz:
            data = zlib.decompress(data, 47)  # wbits 47: gzip or zlib container
        elif gz and not gzipped:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        resp = Response(data, mimetype="application/xml")
        resp.headers["Content-Type"] = XML
        if gz:
            resp.headers["Content-Encoding"] = "gzip"
    resp.set_etag(tag)
    if last_modified:
        resp.last_modified = last_modified
    resp.headers["Cache-Control"] = "no-cache"
    resp.headers["Vary"] = "Accept-Encoding"
    return resp


@bp.route("/robots.txt")
def robots():
    site = current_site()
    with context().unit_of_work() as s:
        cats = sitemaps.categories_in_use(s, site)
    return Response(sitemaps.robots_txt(site.base_url, cats), mimetype="text/plain")


@bp.route("/sitemaps/<name>")
def sitemap(name: str):
    """A category index (made from the page rows) or a stored sitemap page (woo.services.feeds)."""
    site = current_site()
    category = sitemaps.parse_index_name(name)
    if category is not None:
        with context().unit_of_work() as s:
            entries = sitemaps.index_entries(s, site, category.uri)
        if not entries:
            abort(404, description="Deze categorie heeft (nog) geen gepubliceerde documenten.")
        latest = max((e.changed_at for e in entries if e.changed_at), default=None)
        return _conditional(sitemaps.index_version(site, category, entries), latest,
                            lambda: sitemaps.index_xml(site, category, entries))
    key = sitemaps.parse_sitemap_name(name)
    with context().unit_of_work() as s:
        page = sitemaps.stored_page(s, site, key) if key else None
    if page is None:
        abort(404, description="Deze sitemap bestaat niet (meer).")
    if page.base_url != site.base_url:  # written for a host configured before: right URLs now, rewrite later
        from woo.services import feeds

        with context().unit_of_work() as s:
            org, docs = feeds.load_page(s, key)
        fresh = sitemaps.render_page(docs, org, site.base_url)
        return _conditional(fresh.etag, None, lambda: fresh.gzip, gzipped=True)
    return _conditional(page.etag, page.changed_at, lambda: page.gzip, gzipped=True)


def _published_document(document_id: str, site: Site) -> Document:
    """404 unless ever published on this site; 410 once withdrawn (or otherwise no longer public)."""
    with context().unit_of_work() as s:
        doc = s.get(Document, document_id, options=[selectinload(Document.files),
                                                    selectinload(Document.organisation)])
        if doc is None or doc.published_at is None or doc.organisation_id not in site.organisation_ids:
            abort(404, description="Dit document is niet gepubliceerd.")
        if doc.status != Status.PUBLISHED:
            abort(410, description="Dit document is ingetrokken en niet langer openbaar.")
        s.expunge(doc)
        return doc


@bp.route("/publicaties/<document_id>/bestand")
def document_file(document_id: str):
    """The file itself: the URL the harvester lists as <loc> (stable, no redirect, no login)."""
    doc = _published_document(document_id, current_site())
    stored = public_file(doc)
    if stored is None:
        abort(404, description="Bestand niet gevonden.")
    changed = lastmod(doc)
    if _not_modified(stored.sha256, changed):
        resp = Response(status=304)
    else:
        resp = send_stored_file(context().store, stored, inline=True)
    resp.set_etag(stored.sha256)
    resp.last_modified = changed
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.route("/publicaties/<document_id>")
def document_page(document_id: str):
    site = current_site()
    doc = _published_document(document_id, site)
    stored = public_file(doc)
    fmt = harvestable_format(stored) if stored else None
    return render_template("public/document.html", doc=doc, stored=stored, fmt=fmt,
                           category=tooi.category_by_uri(doc.category),
                           published=as_utc(doc.published_at), changed=lastmod(doc),
                           download=file_url(site.base_url, doc.id))


SEARCH_PAGE = 20


@bp.route("/publicaties")
def search():
    """Dutch full-text search over published documents (woo.publish.search) with facets."""
    from woo.adapters.models import Organisation
    from woo.publish import search as searchidx

    site = current_site()
    q = (request.args.get("q") or "").strip()[:200]
    category = tooi.resolve_category(request.args.get("categorie") or None)
    year = request.args.get("jaar", type=int)
    page = max(1, request.args.get("pagina", 1, type=int) or 1)
    with context().unit_of_work() as s:
        orgs = {o.id: o for o in s.execute(select(Organisation).where(
            Organisation.id.in_(site.organisation_ids))).scalars()}
        org = next((o for o in orgs.values() if o.code == request.args.get("organisatie")), None)
        result = searchidx.search(s, site.organisation_ids, q, category=category.uri if category else None,
                                  organisation_id=org.id if org else None, year=year,
                                  offset=(page - 1) * SEARCH_PAGE, limit=SEARCH_PAGE)
        docs = {d.id: d for d in s.execute(select(Document).where(Document.id.in_(result.document_ids),
                                                                  Document.status == Status.PUBLISHED)).scalars()}
        items = [{"id": d.id, "title": d.title, "category": tooi.category_by_uri(d.category),
                  "organisation": orgs.get(d.organisation_id), "published": as_utc(d.published_at)}
                 for d in (docs.get(i) for i in result.document_ids) if d is not None]
    facets = {
        "categorie": [(c.sitemapindex_code or c.uri, c.label, n) for uri, n in result.facets["category"]
                      if (c := tooi.category_by_uri(uri))],
        "organisatie": [(orgs[oid].code, orgs[oid].name, n) for oid, n in result.facets["organisation"]
                        if oid in orgs],
        "jaar": [(str(y), str(y), n) for y, n in result.facets["year"]],
    }
    chosen = {"categorie": (category.sitemapindex_code or category.uri) if category else None,
              "organisatie": org.code if org else None, "jaar": str(year) if year else None}

    def link(**changes):
        """This search with some parameters changed (None drops one); a new filter starts at page 1."""
        args = {"q": q or None, **chosen, "pagina": None, **changes}
        return url_for("public.search", **{k: v for k, v in args.items() if v})
    return render_template("public/search.html", q=q, items=items, total=result.total, page=page,
                           pages=max(1, -(-result.total // SEARCH_PAGE)), category=category,
                           categories=tooi.woo_categories(), facets=facets, chosen=chosen, link=link)


@bp.route("/publicaties/feed.atom")
def atom():
    from woo.publish.atom import atom_feed

    site = current_site()
    with context().unit_of_work() as s:
        docs = s.execute(select(Document).options(selectinload(Document.organisation))
                         .where(Document.organisation_id.in_(site.organisation_ids),
                                Document.status == Status.PUBLISHED)
                         .order_by(Document.published_at.desc(), Document.id).limit(50)).scalars().all()
        body = atom_feed(site.base_url, docs, datetime.now(timezone.utc))
    return Response(body, mimetype="application/atom+xml")


def init_app(app: Flask) -> None:
    """Register the public side and OAI-PMH (called from create_app)."""
    from woo.web import oai

    app.register_blueprint(bp)
    app.register_blueprint(oai.bp)
