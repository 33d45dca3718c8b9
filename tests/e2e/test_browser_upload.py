"""A records officer in a real browser (headless Chromium): log in -> upload -> detail page."""
from __future__ import annotations

import pytest

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, login, needs_chromium
from tests.factories import make_pdf

pytestmark = needs_chromium


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_login_upload_detail(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    good = make_pdf(tmp_path / "besluitenlijst.pdf", ["Besluitenlijst van het college van B en W, 4 maart 2025."])
    empty = tmp_path / "leeg.pdf"
    empty.write_bytes(b"")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        login(page, live_server, "admin", woo_ctx.admin_password)
        expect(page.get_by_role("heading", name="Mijn werk")).to_be_visible()  # the start page

        page.get_by_role("link", name="Uploaden").click()
        page.set_input_files("#files", [str(good), str(empty)])
        results = page.locator("#results li")
        expect(results).to_have_count(2)
        expect(page.locator("#results li.accepted")).to_contain_text("Opgenomen")
        expect(page.locator("#results li.rejected")).to_contain_text("Het bestand is leeg")
        assert page.locator("#results li.accepted progress").get_attribute("value") == "100"

        drain(woo_ctx)
        page.locator("#results li.accepted a").click()
        expect(page.get_by_role("heading", name="besluitenlijst")).to_be_visible()
        expect(page.locator(".jobs")).to_contain_text("Klaar")
        expect(page.locator(".text-preview")).to_contain_text("college van B en W")
        browser.close()
