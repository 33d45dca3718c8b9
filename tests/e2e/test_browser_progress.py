"""Live processing feedback and resumable upload in a real browser: after upload each file's steps update on
the page until it is processed (no reload); a large file goes in chunks and survives dropped connections;
without JavaScript the upload form and the document page still work."""
from __future__ import annotations

import hashlib

import pytest

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, login, needs_chromium
from tests.factories import make_pdf
from woo.adapters.models import Document

pytestmark = needs_chromium


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_steps_update_live_and_chunked_upload_resumes_after_drops(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    small = make_pdf(tmp_path / "agenda.pdf", ["Agenda van de raadsvergadering van 12 maart."])
    large = make_pdf(tmp_path / "jaarverslag.pdf",
                     [f"Hoofdstuk {i}: het jaarverslag over de uitvoering van het beleid." for i in range(60)])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        login(page, live_server, "admin", woo_ctx.admin_password)
        page.goto(live_server + "/documenten/nieuw")
        expect(page.locator("#upload-submit")).to_be_hidden()  # with JavaScript, choosing files sends them

        page.set_input_files("#files", [str(small)])
        row = page.locator("#results li.accepted")
        expect(row).to_contain_text("Opgenomen")
        expect(row.locator(".steps")).to_contain_text("In de wachtrij")
        page.evaluate("window.__sameDocument = true")  # gone if the page reloads
        drain(woo_ctx)  # the worker does the steps; the page follows them by itself
        expect(row.locator(".steps")).not_to_contain_text("In de wachtrij", timeout=15000)
        expect(row.locator(".steps")).to_contain_text("Klaar")
        expect(row).to_contain_text("Verwerkt:")
        assert page.evaluate("window.__sameDocument === true")  # no reload happened

        # a "large" file: chunks of 4 KiB, and the connection drops on two of the chunk requests
        page.reload()
        page.evaluate("document.getElementById('upload-form').dataset.chunk = '4096'")
        seen = {"dropped": 0, "patches": 0}

        def flaky(route):
            if route.request.method == "PATCH":
                seen["patches"] += 1
                if seen["patches"] in (2, 4):
                    seen["dropped"] += 1
                    return route.abort("connectionreset")
            return route.continue_()

        page.route("**/documenten/upload/sessies/**", flaky)
        page.set_input_files("#files", [str(large)])
        expect(page.locator("#results li.accepted")).to_contain_text("Opgenomen", timeout=60000)
        assert seen["dropped"] == 2 and seen["patches"] > large.stat().st_size // 4096
        doc_id = page.locator("#results li.accepted a").first.get_attribute("href").rsplit("/", 1)[1]
        with woo_ctx.unit_of_work() as s:
            stored = s.get(Document, doc_id).file("original")
            assert stored.sha256 == hashlib.sha256(large.read_bytes()).hexdigest()
        browser.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_upload_and_document_page_work_without_javascript(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    pdf = make_pdf(tmp_path / "notulen.pdf", ["Notulen van de commissie ruimte."])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        login(page, live_server, "admin", woo_ctx.admin_password)
        page.goto(live_server + "/documenten/nieuw")
        page.set_input_files("#files", [str(pdf)])
        page.get_by_role("button", name="Uploaden").click()
        expect(page.locator(".flash-ok")).to_contain_text("opgenomen")
        expect(page.get_by_role("heading", name="notulen")).to_be_visible()
        expect(page.locator("#progress-note")).to_contain_text("pagina vernieuwen")
        drain(woo_ctx)
        page.get_by_role("link", name="pagina vernieuwen").click()
        expect(page.locator(".jobs")).to_contain_text("Klaar")
        expect(page.locator("#progress-note")).to_have_count(0)
        browser.close()
