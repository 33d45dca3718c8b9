"""An officer in a real browser walks a dossier from nothing to public: creates it, adds documents, judges them
(one niet openbaar with its ground), reports it ready, publishes it, and the public dossier page shows it. The
archivist makes the transfer package of a dossier on its retention page and marks it sent (axe at 1280 and 375 px)."""
from __future__ import annotations

import pytest

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, login, needs_chromium
from tests.factories import unique_mark
from tests.integration.test_publish import make_pdf
from woo.adapters.models import Document, Dossier
from woo.domain import tooi

pytestmark = needs_chromium


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_officer_creates_fills_judges_and_publishes_a_dossier(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    advies = make_pdf(tmp_path / "advies.pdf", ["Advies van de havenraad over de nieuwe kade",
                                                 f"Kenmerk {unique_mark()}"])
    memo = make_pdf(tmp_path / "memo.pdf", ["Interne memo over de onderhandelingen met de haven",
                                            f"Kenmerk {unique_mark()}"])
    adviezen = tooi.category_by_code("2e") or tooi.resolve_category("adviezen")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        login(page, live_server, "admin", woo_ctx.admin_password)

        # a new dossier
        page.goto(f"{live_server}/dossiers")
        page.locator("#title").fill("Adviezen over de haven")
        page.locator("#kind").select_option("publicatie")
        page.locator("#category").select_option(adviezen.uri)
        page.locator("#summary").fill("De adviezen die de gemeente kreeg over de nieuwe kade.")
        page.get_by_role("button", name="Dossier aanmaken").click()
        expect(page.locator(".flash")).to_contain_text("Dossier aangemaakt")
        expect(page.get_by_role("heading", level=1)).to_have_text("Adviezen over de haven")
        expect(page.locator("#dossier-status")).to_have_text("Concept")
        with woo_ctx.unit_of_work() as s:
            did = s.query(Dossier.id).scalar()

        # two documents, each with its public title
        for path, title in ((advies, "Advies havenraad nieuwe kade"), (memo, "Memo onderhandelingen haven")):
            page.locator("#file").set_input_files(str(path))
            page.locator("#doc-title").fill(title)
            page.get_by_role("button", name="Toevoegen").click()
            expect(page.locator(".flash")).to_contain_text("Document toegevoegd")
        expect(page.locator("table.list")).to_contain_text("Advies havenraad nieuwe kade")
        expect(page.locator("table.list")).to_contain_text("Memo onderhandelingen haven")
        drain(woo_ctx)  # the worker: text, privacy scan, classification

        # judge the memo: niet openbaar, with its Woo ground
        with woo_ctx.unit_of_work() as s:
            ids = {d.title: d.id for d in s.query(Document).filter(Document.publication_id == did)}
        page.reload()
        page.get_by_label("Kies Memo onderhandelingen haven").check()
        page.locator("#judgement").select_option("niet-openbaar")
        page.locator("#grounds").select_option("5.1.2i")
        page.locator("#remark").fill("Lopende onderhandelingen")
        page.get_by_role("button", name="Beoordeling opslaan").click()
        expect(page.locator(".flash")).to_contain_text("1 document(en) beoordeeld")
        memo_row = page.locator("table.list tr", has_text="Memo onderhandelingen haven")
        expect(memo_row).to_contain_text("Niet openbaar")
        expect(memo_row).to_contain_text("5.1.2i")

        # ready, then published as a whole
        page.get_by_role("button", name="Gereed melden").click()
        expect(page.locator("#dossier-status")).to_have_text("Gereed")
        page.get_by_role("button", name="Dossier publiceren").click()
        expect(page.locator(".flash")).to_contain_text("Dossier gepubliceerd (1 bestanden openbaar)")
        expect(page.locator("#dossier-status")).to_have_text("Openbaar")

        # the public dossier page, without logging in
        public = browser.new_page(viewport={"width": 375, "height": 800})
        public.goto(f"{live_server}/dossiers/{did}")
        expect(public.get_by_role("heading", level=1)).to_have_text("Adviezen over de haven")
        expect(public.locator("body")).to_contain_text("De adviezen die de gemeente kreeg over de nieuwe kade.")
        expect(public.locator("body")).to_contain_text("Advies havenraad nieuwe kade")
        expect(public.locator("body")).to_contain_text("5.1.2i")
        links = public.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert f"/publicaties/{ids['Advies havenraad nieuwe kade']}/bestand" in " ".join(links)
        assert ids["Memo onderhandelingen haven"] not in " ".join(links)  # niet openbaar: never a file link
        browser.close()
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, ids["Advies havenraad nieuwe kade"]).status == "published"
        assert s.get(Document, ids["Memo onderhandelingen haven"]).status != "published"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_archivist_makes_and_sends_a_dossier_transfer_package(live_server, woo_ctx):
    from playwright.sync_api import expect, sync_playwright

    from tests.conftest import drain
    from tests.e2e.test_browser_roles import PASSWORD, Walk, _chromium, _user
    from tests.integration.test_dossier_retention_ui import _b_dossier, users_actor
    from woo.adapters.models import TransferPackage
    from woo.domain.roles import Role

    _user(woo_ctx, "archivaris", Role.ARCHIVIST, None)
    did, recs = _b_dossier(woo_ctx, users_actor(woo_ctx, "archivaris"))
    with sync_playwright() as p:
        browser = _chromium(p)
        walk = Walk(browser, live_server, "archivaris", PASSWORD)
        page = walk.page
        walk.go(f"/archief/dossiers/{did}")
        expect(page.locator("#overbrenging")).to_have_text("Overbrengen")
        expect(page.locator("body")).to_contain_text("nog geen overbrengingspakket")
        page.get_by_role("button", name="Overbrengingspakket maken").click()
        # a worker on the heavy queue makes it; the page says so and refreshes itself until it is done
        expect(page.locator("#transfer-progress")).to_contain_text("Overbrengingspakket wordt gemaakt: 0 van 3 records")
        drain(woo_ctx)
        expect(page.locator("#transfer-made")).to_contain_text("gemaakt: 3 records")
        packages = page.locator("#transfer-packages")
        expect(packages.locator(".transfer-status")).to_have_text("gemaakt")
        expect(page.get_by_role("button", name="Overbrengingspakket maken")).to_have_count(0)
        expect(page.get_by_role("button", name="Ontvangst bevestigen")).to_have_count(0)
        walk.check("made")
        page.get_by_label("Verzonden naar").fill("Regionaal Archief e-Depot")
        page.get_by_role("button", name="Als verzonden markeren").click()
        expect(page.locator(".flash")).to_contain_text("verzonden naar Regionaal Archief e-Depot")
        expect(packages.locator(".transfer-status")).to_have_text("verzonden")
        # the maker may not confirm the receipt: the button is there, disabled, with the reason
        confirm = page.get_by_role("button", name="Ontvangst bevestigen")
        expect(confirm).to_be_disabled()
        expect(packages).to_contain_text("vier ogen")
        walk.check("sent")
        browser.close()
    walk.done()
    with woo_ctx.unit_of_work() as s:
        (package,) = s.query(TransferPackage).all()
        assert package.status == "verzonden" and package.destination == "Regionaal Archief e-Depot"
        assert package.path.startswith(str(woo_ctx.settings.data_dir / "overbrenging"))
