"""The public search page in Chromium (issue 14 item 8): a hit shows a passage of its public text with the
matched words in <mark>, its own kenmerk and date, links its readable URL; axe-clean and no sideways
scrolling at 1280 and 375 px."""
from __future__ import annotations

import pytest

from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, axe, needs_chromium
from tests.integration.test_publish import make_pdf
from tests.conftest import drain
from woo.domain import tooi
from woo.services import accounts, classification, describe, publication
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = needs_chromium


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_search_page_snippets_axe_both_widths(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import sync_playwright

    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / "besluit.pdf", ["Het college verleent de omgevingsvergunningen voor het kappen van "
                                              "drie linden aan de Nieuwe Gracht, na advies van de bomencommissie."])
    doc_id = ingest(woo_ctx, SYSTEM, org, "besluit.pdf", path=pdf, title="Besluit kap linden").document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc_id, tooi.category_by_code("infocat014").uri)
    describe.set_metadata(woo_ctx, SYSTEM, doc_id, {"title": "Besluit kap linden", "identifiers": "OV-2024-77"})
    assert publication.publish(woo_ctx, SYSTEM, [doc_id]).refused == {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        problems = {}
        for width in (1280, 375):
            page = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
            page.goto(f"{live_server}/publicaties?q=omgevingsvergunning")
            hit = page.locator(".results-public li").first
            assert hit.locator("mark").all_inner_texts() == ["omgevingsvergunningen"]
            assert "kenmerk OV-2024-77" in hit.inner_text() and "03-03-2024" in hit.inner_text()
            assert hit.locator("a").first.get_attribute("href") == f"/publicaties/{doc_id}/besluit-kap-linden"
            assert page.evaluate("document.documentElement.scrollWidth") <= width  # WCAG 1.4.10 reflow
            if found := axe(page):
                problems[width] = found
            hit.locator("a").first.click()
            assert page.url.endswith(f"/publicaties/{doc_id}/besluit-kap-linden")
            assert page.get_by_role("heading", level=1).inner_text() == "Besluit kap linden"
            page.context.close()
        browser.close()
    assert not problems, problems
