"""Keyboard only (issue 14 item 10): the privacy decision and the publication of a document, walked with Tab,
Shift+Tab, Space and Enter alone (no mouse click, no filling fields by script; the login's two fields are
typed), at 1280 and 375 px, with
axe-core (WCAG 2.1 A/AA) clean on every page on the way."""
from __future__ import annotations

import pytest

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, axe, needs_chromium
from tests.integration.test_publish import make_pdf
from woo.adapters.models import Document
from woo.domain import tooi
from woo.services import accounts, classification, privacy
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = needs_chromium
WOO_VERZOEK = tooi.category_by_code("infocat014").uri


def _document(woo_ctx, tmp_path, n: int) -> str:
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    pdf = make_pdf(tmp_path / f"brief-{n}.pdf", [
        "Besluit op de aanvraag om een omgevingsvergunning voor het kappen van een boom.",
        f"Contact met de aanvrager: aanvrager{n}@example.nl of 06-1234567{n}."])
    doc_id = ingest(woo_ctx, SYSTEM, org, f"brief-{n}.pdf", path=pdf, title=f"Besluit kapvergunning {n}").document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc_id, WOO_VERZOEK)
    return doc_id


def _focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {tag: e.tagName, id: e.id || '', name: e.getAttribute('name') || '', value: e.value || '',
                text: (e.textContent || '').trim(), checked: !!e.checked,
                outlined: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'}; }""")


def _tab_to(page, matches, key: str = "Tab", limit: int = 300) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; fail when the keyboard cannot get there."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = _focused(page)
        if matches(now):
            assert now["outlined"], f"focus not visible on {now}"  # WCAG 2.4.7
            return now
    raise AssertionError(f"{key} never reached the element; last focus {now}")


def _keyboard_login(page, base: str, username: str, password: str) -> None:
    """Log in by keyboard too: Tab to each field, type, Enter."""
    page.goto(base + "/login")
    _tab_to(page, lambda f: f["name"] == "username")
    page.keyboard.type(username)
    _tab_to(page, lambda f: f["name"] == "password")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_keyboard_only_privacy_decision_and_publish(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import sync_playwright

    docs = {1280: _document(woo_ctx, tmp_path, 1), 375: _document(woo_ctx, tmp_path, 2)}
    problems = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        for width, doc_id in docs.items():
            with woo_ctx.unit_of_work() as s:
                findings = {f.id: f.type for f in privacy.findings(s, doc_id) if f.location is None}
            assert {"email", "phone"} <= set(findings.values()), findings
            page = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
            _keyboard_login(page, live_server, "admin", woo_ctx.admin_password)
            assert "/login" not in page.url
            page.goto(f"{live_server}/documenten/{doc_id}")
            if found := axe(page):
                problems[f"{width}px privacy"] = found
            # choose each finding with Space, going back with Shift+Tab to check the first one stayed chosen
            boxes = [f"finding-{i}" for i in findings]
            for box in boxes:
                now = _tab_to(page, lambda f, box=box: f["id"] == box)
                page.keyboard.press("Space")
                assert _focused(page)["checked"], now
            first = _tab_to(page, lambda f: f["id"] == boxes[0], key="Shift+Tab")
            assert first["checked"]
            assert page.locator("#privacy-count .chosen-count").inner_text() == str(len(boxes))
            # the ground of each finding stays its default (5.1.2e for e-mail and phone): on to "Lakken", Enter
            lakken = _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["value"] == "redact")
            assert lakken["text"].startswith(f"Lakken ({len(boxes)})")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "Fout" not in page.title()
            with woo_ctx.unit_of_work() as s:
                decided = {f.id: (f.decision, f.ground) for f in privacy.findings(s, doc_id) if f.id in findings}
            assert decided == {i: ("redact", "5.1.2e") for i in findings}, decided
            drain(woo_ctx)  # the redacted public rendition
            page.goto(f"{live_server}/documenten/{doc_id}")
            if found := axe(page):
                problems[f"{width}px publish"] = found
            publish = _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Publiceren")
            assert publish
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert "gepubliceerd" in page.locator(".flash").first.inner_text()
            if found := axe(page):
                problems[f"{width}px published"] = found
            with woo_ctx.unit_of_work() as s:
                assert s.get(Document, doc_id).status == "published"
            page.context.close()
        browser.close()
    assert not problems, problems
