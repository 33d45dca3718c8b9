"""The review queue in a real browser: lowest confidence first, accept with 'a', pick an alternative with '2'."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, login, needs_chromium
from tests.factories import make_pdf
from woo.adapters.models import Document, Event
from woo.services import accounts
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = needs_chromium


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_review_queue_by_keyboard(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    texts = {
        "besluitenlijst.pdf": ["Besluitenlijst van de vergadering van het college van burgemeester en wethouders "
                               "van 4 maart 2025. Besloten wordt: de raad voor te stellen de verordening vast te stellen."],
        "notitie.pdf": ["Korte notitie zonder duidelijke kenmerken."],
    }
    ids = {name: ingest(woo_ctx, SYSTEM, org, name, path=make_pdf(tmp_path / name, pages)).document_id
           for name, pages in texts.items()}
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        suggestions = {name: s.get(Document, i).suggestion for name, i in ids.items()}
    assert all(suggestions.values())
    lowest = min(suggestions, key=lambda n: suggestions[n]["confidence"])
    highest = max(suggestions, key=lambda n: suggestions[n]["confidence"])

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page()
        login(page, live_server, "admin", woo_ctx.admin_password)
        page.get_by_role("link", name="Beoordelen", exact=True).click()  # the menu item (the start page also links work lists)

        items = page.locator(".review-item")
        expect(items).to_have_count(2)
        # lowest confidence first, and the first item has the focus for the keyboard
        assert items.nth(0).get_attribute("data-id") == ids[lowest]
        expect(items.nth(0)).to_be_focused()
        expect(items.nth(0)).to_contain_text("zeker")

        page.keyboard.press("2")  # the second alternative for the least certain document
        expect(items).to_have_count(1)
        expect(page.locator(".flash")).to_contain_text("Categorie vastgesteld")
        page.locator(".review-item").first.focus()
        page.keyboard.press("a")  # accept the suggestion for the other one
        expect(page.get_by_text("Er wachten geen documenten op beoordeling.")).to_be_visible()
        browser.close()

    with woo_ctx.unit_of_work() as s:
        low, high = s.get(Document, ids[lowest]), s.get(Document, ids[highest])
        assert low.category == suggestions[lowest]["alternatives"][1]["category"]
        assert high.category == suggestions[highest]["category"]
        assert low.status == high.status == "ready"
        actions = {e.document_id: e.action for e in s.execute(
            select(Event).where(Event.action.like("classification.%"))).scalars()}
    assert actions == {ids[lowest]: "classification.corrected", ids[highest]: "classification.confirmed"}
