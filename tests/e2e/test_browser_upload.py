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


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_files_chosen_before_the_upload_script_ran_are_sent(live_server, woo_ctx, tmp_path):
    """On a slow connection (or a loaded machine) an officer can choose files before upload.js has run; their
    change event then had no listener and nothing happened, with the submit button already hidden."""
    import time

    from playwright.sync_api import expect, sync_playwright

    good = make_pdf(tmp_path / "raadsbesluit.pdf", ["Raadsbesluit over de haven, 12 maart 2025."])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        login(page, live_server, "admin", woo_ctx.admin_password)
        held = []

        def slow_script(route):  # upload.js arrives only after the files were chosen
            held.append(route)

        page.route("**/static/upload.js", slow_script)
        page.goto(live_server + "/documenten/nieuw", wait_until="commit")  # the parser waits for the script
        page.set_input_files("#files", [str(good)])
        deadline = time.monotonic() + 30
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert held, "the page did not ask for upload.js"
        held[0].continue_()
        expect(page.locator("#results li.accepted")).to_contain_text("Opgenomen", timeout=30000)
        browser.close()
