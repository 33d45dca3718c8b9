"""The public side (no login): robots.txt, DiWoo sitemaps, stable file URLs, landing and search pages, Atom.

Everything is scoped to the site of the request's Host (woo.publish.sites). robots.txt and the sitemaps are
answered by woo.web.harvest (from memory, before Flask when it can); conditional requests get 304.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from woo.adapters.models import Document
from woo.app import context
from woo.domain import tooi
from woo.domain.lifecycle import Status
from woo.publish.records import as_utc, described, file_url, lastmod, page_slug, readable_page_path
from woo.publish.sites import Site
from woo.services.publication import harvestable_format, public_file, public_filename
from woo.web import harvest
from woo.web.downloads import send_stored_file
from woo.web.params import PAGE_MAX, int_arg
from woo.web.security import add_security_headers

bp = Blueprint("public", __name__)


def current_site() -> Site:
    return harvest.site_for(context(), current_app.extensions["woo_feed_cache"], request.host)


@bp.after_request
def _gzip(resp):
    # gzip for the public side only (pages, Atom; OAI-PMH does the same): no login, no CSRF token (BREACH)
    return harvest.gzip_response(request, resp)


@bp.route("/robots.txt")
def robots():
    return _harvest_answer("Deze site publiceert geen sitemaps.")


@bp.route("/sitemaps/<name>")
def sitemap(name: str):
    """A category index (made from the page rows) or a stored sitemap page (woo.services.feeds). Usually
    answered before Flask by woo.web.harvest; here when it was not (a 404, an error, no fast path)."""
    return _harvest_answer("Deze sitemap bestaat niet (meer).")


def _harvest_answer(missing: str):
    resp = harvest.respond(context(), current_app.extensions["woo_feed_cache"], request)
    if resp is None:
        abort(404, description=missing)
    return resp


def _published_document(document_id: str, site: Site) -> Document:
    """404 unless ever published on this site; 410 once withdrawn (or otherwise no longer public)."""
    with context().unit_of_work() as s:
        doc = s.get(Document, document_id, options=[selectinload(Document.files),
                                                    selectinload(Document.organisation)])
        if doc is None or doc.published_at is None or doc.organisation_id not in site.organisation_ids:
            abort(404, description="Dit document is niet gepubliceerd.")
        if doc.status != Status.PUBLISHED:
            abort(410, description=_gone_reason(s, doc))
        s.expunge(doc)
        return doc


def _gone_reason(session, doc: Document) -> str:
    """Why a once published document is no longer here, as the public page says it (HTTP 410).

    Transferred records (overgebracht) leave every public surface of woo: from then on the archive is where
    they are consulted, under the Archiefwet's openbaarheid; the page names the archive and the date."""
    from woo.adapters.models import DestructionList

    if doc.status == Status.DESTROYED:
        info = (doc.metadata_ or {}).get("vernietiging") or {}
        when = info.get("vernietigd_op")
        lst = session.get(DestructionList, info["lijst"]) if info.get("lijst") else None
        date_nl = datetime.fromisoformat(when).strftime("%d-%m-%Y") if when else "onbekende datum"
        name = f"{lst.id} ({lst.name})" if lst else str(info.get("lijst") or "onbekend")
        return f"Dit document is vernietigd op {date_nl} volgens vernietigingslijst {name}."
    if doc.status == Status.ARCHIVED:
        when = as_utc(doc.transferred_at).strftime("%d-%m-%Y") if doc.transferred_at else "onbekende datum"
        return (f"Dit document is op {when} overgebracht naar de archiefbewaarplaats: "
                f"{doc.transferred_to or 'archiefbewaarplaats'}. Raadpleeg het daar.")
    return "Dit document is ingetrokken en niet langer openbaar."


@bp.route("/publicaties/<document_id>/bestand")
def document_file(document_id: str):
    """The file itself: the URL the harvester lists as <loc> (stable, no redirect, no login)."""
    doc = _published_document(document_id, current_site())
    stored = public_file(doc)
    if stored is None:
        abort(404, description="Bestand niet gevonden.")
    return harvest.file_response(request, stored.sha256, lastmod(doc),
                                 lambda: send_stored_file(context().store, stored, inline=True,
                                                                  filename=public_filename(doc, stored)))


def kenmerken(doc: Document) -> list[str]:
    """The document's own kenmerken (confirmed, else the sure suggestions, as its DiWoo record): never
    woo's internal id."""
    return [i for i in described(doc)["identifiers"] if i != doc.id]


def own_date(doc: Document):
    """The document's own date as its DiWoo record gives it (vastgesteld, ondertekend or ontvangen, else the
    creation date), never the upload or publication time; None when unknown."""
    meta = described(doc)
    if meta["handelingen"]:
        return meta["handelingen"][0][1]
    created = as_utc(doc.document_date)
    return created.date() if created else meta["creatie"]


@bp.route("/publicaties/<document_id>")
@bp.route("/publicaties/<document_id>/<slug>")
def document_page(document_id: str, slug: str | None = None):
    """The readable URL /publicaties/<id>/<slug of the public title>; the short one and a stale slug (the
    title changed) answer 301 to it. Checked first: nothing unpublished or withdrawn redirects anywhere."""
    site = current_site()
    doc = _published_document(document_id, site)
    if slug != page_slug(doc.title):
        return redirect(readable_page_path(doc.id, doc.title), code=301)
    stored = public_file(doc)
    fmt = harvestable_format(stored) if stored else None
    confirmed = (doc.metadata_ or {}).get("confirmed") or {}
    dates = [(label, confirmed.get(field)) for field, label in (
        ("date.vaststelling", "Vastgesteld"), ("date.ondertekening", "Ondertekend"), ("date.ontvangst", "Ontvangen"))]
    return render_template("public/document.html", doc=doc, stored=stored, fmt=fmt,
                           download_name=public_filename(doc, stored) if stored else None,
                           kenmerken=kenmerken(doc),
                           dates=[(label, _day(v)) for label, v in dates if v],
                           category=tooi.category_by_uri(doc.category),
                           published=as_utc(doc.published_at), changed=lastmod(doc),
                           download=file_url(site.base_url, doc.id))


def _day(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


SEARCH_PAGE = 20


@bp.route("/publicaties")
def search():
    """Dutch full-text search over published documents (woo.publish.search) with facets."""
    from woo.adapters.models import Organisation
    from woo.publish import search as searchidx

    site = current_site()
    q = (request.args.get("q") or "").strip()[:200]
    category = tooi.resolve_category(request.args.get("categorie") or None)
    year = int_arg("jaar", minimum=1000, maximum=9999)
    page = int_arg("pagina", 1, minimum=1, maximum=PAGE_MAX)
    with context().unit_of_work() as s:
        orgs = {o.id: o for o in s.execute(select(Organisation).where(
            Organisation.id.in_(site.organisation_ids))).scalars()}
        org = next((o for o in orgs.values() if o.code == request.args.get("organisatie")), None)
        result = searchidx.search(s, site.organisation_ids, q, category=category.uri if category else None,
                                  organisation_id=org.id if org else None, year=year,
                                  offset=(page - 1) * SEARCH_PAGE, limit=SEARCH_PAGE)
        docs = {d.id: d for d in s.execute(select(Document).options(selectinload(Document.files)).where(
            Document.id.in_(result.document_ids), Document.status == Status.PUBLISHED)).scalars()}
        items = [{"id": d.id, "title": d.title, "category": tooi.category_by_uri(d.category),
                  "organisation": orgs.get(d.organisation_id), "published": as_utc(d.published_at),
                  "date": own_date(d), "href": readable_page_path(d.id, d.title),
                  "kenmerken": kenmerken(d), "snippet": searchidx.snippet(searchidx.cached_public_text(context().store, d), q)}
                 for d in (docs.get(i) for i in result.document_ids) if d is not None]
        from woo.web.dossiers import search_dossiers

        kind = request.args.get("soort") or None
        kind = kind if kind in ("woo-besluit", "vergadering", "publicatie") else None
        topic = (request.args.get("onderwerp") or "").strip()[:200] or None
        dossier_hits, dossier_facets = search_dossiers(s, site.organisation_ids, q, kind=kind, topic=topic)
        if page != 1:
            dossier_hits = []
    facets = {
        "categorie": [(c.sitemapindex_code or c.uri, c.label, n) for uri, n in result.facets["category"]
                      if (c := tooi.category_by_uri(uri))],
        "organisatie": [(orgs[oid].code, orgs[oid].name, n) for oid, n in result.facets["organisation"]
                        if oid in orgs],
        "jaar": [(str(y), str(y), n) for y, n in result.facets["year"]],
        **dossier_facets,  # per dossier kind and onderwerp: they filter the dossiers shown
    }
    chosen = {"categorie": (category.sitemapindex_code or category.uri) if category else None,
              "organisatie": org.code if org else None, "jaar": str(year) if year else None,
              "soort": kind, "onderwerp": topic}

    def link(**changes):
        """This search with some parameters changed (None drops one); a new filter starts at page 1."""
        args = {"q": q or None, **chosen, "pagina": None, **changes}
        return url_for("public.search", **{k: v for k, v in args.items() if v})
    return render_template("public/search.html", q=q, items=items, total=result.total, page=page,
                           pages=max(1, -(-result.total // SEARCH_PAGE)), category=category,
                           categories=tooi.woo_categories(), facets=facets, chosen=chosen, link=link,
                           dossiers=dossier_hits)


@bp.route("/publicaties/feed.atom")
def atom():
    from woo.publish.atom import atom_feed

    site = current_site()
    with context().unit_of_work() as s:
        docs = s.execute(select(Document).options(selectinload(Document.organisation))
                         .where(Document.organisation_id.in_(site.organisation_ids),
                                Document.status == Status.PUBLISHED)
                         .order_by(Document.published_at.desc(), Document.id).limit(50)).scalars().all()
        from woo.adapters.models import Dossier

        dossiers = s.execute(select(Dossier).options(selectinload(Dossier.organisation)).where(
            Dossier.organisation_id.in_(site.organisation_ids), Dossier.status == "openbaar",
            Dossier.published_at.is_not(None)).order_by(Dossier.published_at.desc(), Dossier.id).limit(20)).scalars().all()
        body = atom_feed(site.base_url, docs, datetime.now(timezone.utc), dossiers)
    return Response(body, mimetype="application/atom+xml")


def init_app(app: Flask) -> None:
    """Register the public side and OAI-PMH (called from create_app)."""
    from woo.web import oai

    app.register_blueprint(bp)
    app.register_blueprint(oai.bp)
    ctx = app.extensions["woo"]
    cache = app.extensions["woo_feed_cache"] = harvest.FeedCache(ctx)
    https = ctx.settings.base_url.startswith("https://")
    app.wsgi_app = harvest.HarvestFastPath(app.wsgi_app, ctx, cache, lambda req, resp: add_security_headers(
        resp.headers, req.is_secure or https))
