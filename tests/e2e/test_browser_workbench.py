"""The workbench and the public side in a real browser: nothing public that no one checked (title, download
name, search), withdrawal asks for confirmation, public error pages without the officer's menu, and no
horizontal scrolling at 375 px (WCAG 1.4.10 reflow)."""
from __future__ import annotations

import pytest

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, login, needs_chromium
from tests.factories import make_pdf, make_txt
from woo.adapters.models import Document
from woo.domain import tooi
from woo.services import accounts, classification, privacy
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = needs_chromium
WOO_VERZOEK = tooi.category_by_code("infocat014").uri
FILE_NAME = "brief_kapvergunning_oudegracht_12.pdf"


def _no_overflow(page) -> tuple[int, int]:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > inner:  # name the culprits in the failure message
        wide = page.evaluate("Array.from(document.querySelectorAll('body *')).filter(e => "
                             "(!e.parentElement.closest('table')) && e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 6).map(e => "
                             "e.tagName + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right))")
        return f"{width} {wide}", inner
    return width, inner


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_checked_title_download_name_withdrawal_and_reflow(live_server, woo_ctx, tmp_path):
    import urllib.request

    from playwright.sync_api import expect, sync_playwright

    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / FILE_NAME, ["Besluit op de aanvraag om een omgevingsvergunning voor het kappen "
                                          "van een boom. De vergunning wordt verleend."])
    doc_id = ingest(woo_ctx, SYSTEM, org, FILE_NAME, path=pdf).document_id
    txt = make_txt(tmp_path / "notitie.txt", "Een korte notitie over de planning van het onderhoud.")
    txt_id = ingest(woo_ctx, SYSTEM, org, "notitie.txt", path=txt).document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc_id, WOO_VERZOEK)
    with woo_ctx.unit_of_work() as s:
        found = [(f.location, f.type) for f in privacy.findings(s, doc_id)]
        assert s.get(Document, doc_id).title == "brief_kapvergunning_oudegracht_12"
    assert ("filename", "address") in found  # the file name is scanned too

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        login(page, live_server, "admin", woo_ctx.admin_password)
        page.goto(f"{live_server}/documenten/{doc_id}")
        expect(page.locator(".needs")).to_contain_text("Metadata onvolledig")
        title_field = page.get_by_label("Openbare titel", exact=False)
        expect(title_field).to_be_visible()  # publishing asks for the title: the file name is never public
        assert "oudegracht" not in title_field.input_value().lower()
        title_field.fill("Besluit op aanvraag kapvergunning")
        # no date in the text and too few words for the language: the form asks for both, nothing is made up
        page.get_by_label("Datum van het document", exact=False).fill("2026-11-02")
        page.get_by_label("Handeling op die datum").select_option("ondertekening")
        page.get_by_label("Taal van het document", exact=False).select_option("NLD")
        page.get_by_role("button", name="Publiceren").click()
        expect(page.locator(".flash")).to_contain_text("gepubliceerd")

        # withdrawal asks for confirmation: without it nothing happens
        page.get_by_role("button", name="Intrekken").click()
        with woo_ctx.unit_of_work() as s:
            assert s.get(Document, doc_id).status == "published"

        # the public page: the confirmed title, a download name from it, no internal id as kenmerk
        public = browser.new_page(viewport={"width": 375, "height": 800})
        public.goto(f"{live_server}/publicaties/{doc_id}")
        expect(public.get_by_role("heading", level=1)).to_have_text("Besluit op aanvraag kapvergunning")
        download = public.get_by_role("link", name="Download het document")
        assert download.get_attribute("download") == "besluit-op-aanvraag-kapvergunning.pdf"
        assert doc_id not in public.locator("dl.meta").inner_text()
        width, inner = _no_overflow(public)
        assert width == inner or (isinstance(width, int) and width <= inner), f"public document page overflows at 375 px: {width} > {inner}"
        with urllib.request.urlopen(f"{live_server}/publicaties/{doc_id}/bestand") as resp:
            disposition = resp.headers["Content-Disposition"]
        assert "oudegracht" not in disposition.lower() and "besluit-op-aanvraag" in disposition

        public.goto(f"{live_server}/publicaties?q=oudegracht")
        expect(public.get_by_role("status")).to_contain_text("0 documenten")
        public.goto(f"{live_server}/publicaties?q=kapvergunning")
        expect(public.locator(".results-public li")).to_have_count(1)
        width, inner = _no_overflow(public)
        assert width == inner or (isinstance(width, int) and width <= inner), f"public search overflows at 375 px: {width} > {inner}"

        # public error pages: the public header, no officer menu or login link
        public.goto(f"{live_server}/publicaties/{'0' * 32}")
        assert public.locator("a[href*='/login']").count() == 0
        assert public.locator("a[href='/documenten']").count() == 0
        expect(public.locator("header")).to_contain_text("Woo-publicaties")

        # the officer's pages reflow at 375 px too
        small = browser.new_page(viewport={"width": 375, "height": 800})
        login(small, live_server, "admin", woo_ctx.admin_password)
        from woo.services import organisations

        unit = organisations.add_unit(woo_ctx, SYSTEM, org, "Vergunningen en handhaving")  # issue 14: units
        organisations.add_member(woo_ctx, SYSTEM, unit, "admin")
        for path in ("/werk", "/documenten", f"/documenten/{doc_id}", f"/documenten/{txt_id}", "/audit",
                     "/beheer/organisaties", f"/beheer/organisaties/{org}"):
            small.goto(live_server + path)
            width, inner = _no_overflow(small)
            assert width == inner or (isinstance(width, int) and width <= inner), f"{path} overflows at 375 px: {width} > {inner}"
        # a TXT document has no PDF/A: its step does not claim one was made
        small.goto(f"{live_server}/documenten/{txt_id}")
        expect(small.locator(".jobs")).not_to_contain_text("PDF/A maken: Klaar")
        expect(small.locator(".jobs")).to_contain_text("Niet nodig")

        page.get_by_label("Ja, haal dit document van de openbare site").check()
        page.get_by_role("button", name="Intrekken").click()
        expect(page.locator(".flash")).to_contain_text("ingetrokken")
        public.goto(f"{live_server}/publicaties/{doc_id}")
        assert public.locator("a[href*='/login']").count() == 0
        expect(public.get_by_role("heading", level=1)).to_contain_text("Verwijderd")
        browser.close()
