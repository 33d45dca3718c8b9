"""Issue 17: the admin page for the Woo-index: the outside-in readiness check in Dutch with what to fix,
and the organisation's registration in ROO (per category the collection URL, when, by whom), with
warnings when the served host or sitemap index URLs differ from what was registered."""
from __future__ import annotations

from sqlalchemy import select

from tests.integration.security_world import CSRF
from tests.integration.test_harvest_check import BASE, site  # noqa: F401 (the fixture)
from woo.adapters.models import Event, HarvestRegistration, Organisation
from woo.domain import tooi
from woo.publish import harvest_check
from woo.publish import harvest_check as hc
from woo.services import harvest


def test_registration_warnings_name_what_differs():
    base = "https://woo.gemeente.example"
    cat1, cat2, cat3 = [c for c in tooi.woo_categories() if c.sitemapindex_code][:3]
    served = {cat1.uri: f"{base}/sitemaps/{cat1.sitemapindex_filename}",
              cat2.uri: f"{base}/sitemaps/{cat2.sitemapindex_filename}"}
    registered = [hc.Registered(cat1.uri, served[cat1.uri]),  # right
                  hc.Registered(cat3.uri, f"https://oud.gemeente.example/sitemaps/{cat3.sitemapindex_filename}")]
    warnings = hc.registration_warnings(base, registered, served)
    text = "\n".join(warnings)
    assert f"{cat2.label}: wordt gepubliceerd" in text and "niet aangemeld" in text
    assert f"{cat3.label}: aangemeld op host oud.gemeente.example" in text
    assert f"{cat3.label}: aangemeld" in text and "noemt geen sitemapindex" in text
    assert not any(w.startswith(f"{cat1.label}:") for w in warnings)
    moved = hc.registration_warnings(base, [hc.Registered(cat1.uri, f"{base}/andere-index.xml")], served)
    assert any("robots.txt noemt" in w for w in moved)


def test_register_refuses_bad_input_in_dutch(woo_ctx):
    with woo_ctx.unit_of_work() as s:
        org = s.execute(select(Organisation.id)).scalars().first()
    from woo.services.context import SYSTEM

    cat = next(c for c in tooi.woo_categories() if c.sitemapindex_code)
    for args, expected in [((org, "https://example.org/geen-categorie", "https://x.example/a", "2026-01-01", "Jan"),
                            "informatiecategorie"),
                           ((org, cat.uri, "ftp://x.example/a", "2026-01-01", "Jan"), "https://"),
                           ((org, cat.uri, "https://x.example/a", "1 januari", "Jan"), "JJJJ-MM-DD"),
                           ((org, cat.uri, "https://x.example/a", "2026-01-01", "Jan\u0007"), "stuurtekens"),
                           ((org, cat.uri, "https://x.example/a", "2026-01-01", " "), "wie")]:
        try:
            harvest.register(woo_ctx, SYSTEM, *args)
        except harvest.RegistrationError as exc:
            assert expected in str(exc)
        else:
            raise AssertionError(f"accepted {args}")
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(HarvestRegistration)).first() is None


def test_admin_page_records_registration_and_shows_the_check(site):
    """Register one category (with the wrong host), leave the published one unregistered, run the check
    from the page: the Dutch report names both, and says what to fix; a correct registration is ready."""
    from tests.integration.retention_helpers import logged_in_client
    from woo.adapters.models import User
    from woo.app import create_app
    from woo.services.context import Actor

    with site.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        actor = Actor("user", admin.id, "admin")
        org_id = s.execute(select(Organisation.id)).scalars().first()
    app = create_app(ctx=site)
    app.config["WOO_HARVEST_FETCH"] = site.fetch
    client = logged_in_client(app, site, actor, CSRF)
    page = client.get("/beheer/woo-index")
    assert page.status_code == 200 and "Aangemeld bij ROO" in page.get_data(as_text=True)

    served = harvest_check.check(BASE, site.fetch).index_urls
    assert len(served) == 1
    (published_uri, index_url), = served.items()
    other = next(c for c in tooi.woo_categories() if c.sitemapindex_code and c.uri != published_uri)
    r = client.post("/beheer/woo-index/aanmeldingen", data={
        "csrf_token": CSRF, "category_uri": other.uri, "registered_on": "2026-11-30",
        "url": f"https://oud.example.nl/sitemaps/{other.sitemapindex_filename}", "registered_by": "P. de Vries"})
    assert r.status_code in (302, 303)
    html = client.get("/beheer/woo-index").get_data(as_text=True)
    assert "P. de Vries" in html and "2026-11-30" in html and other.label in html
    with site.unit_of_work() as s:
        assert s.execute(select(Event).where(Event.action == "harvest.registered")).scalars().first() is not None

    text = client.post("/beheer/woo-index/controle", data={"csrf_token": CSRF}).get_data(as_text=True)
    assert "Nog niet klaar voor de Woo-index" in text
    assert "niet aangemeld bij de Woo-index" in text  # the published category
    assert "aangemeld op host oud.example.nl" in text and "noemt geen sitemapindex" in text

    reg_id = harvest.registrations(site, org_id)[0].id
    r = client.post(f"/beheer/woo-index/aanmeldingen/{reg_id}/verwijderen", data={"csrf_token": CSRF})
    assert r.status_code in (302, 303) and harvest.registrations(site, org_id) == []
    client.post("/beheer/woo-index/aanmeldingen", data={
        "csrf_token": CSRF, "category_uri": published_uri, "registered_on": "2026-12-01", "url": index_url,
        "registered_by": "P. de Vries"})
    text = client.post("/beheer/woo-index/controle", data={"csrf_token": CSRF}).get_data(as_text=True)
    assert "Klaar voor de Woo-index." in text, text[:3000]


def test_admin_page_is_for_admins_only(site):
    from woo.app import create_app

    r = create_app(ctx=site).test_client().get("/beheer/woo-index")
    assert r.status_code in (302, 303, 401, 403)
