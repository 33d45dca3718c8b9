"""axe-core (vendored in tests/e2e/vendor, test-only) over the officer and public pages in Chromium, at 1280 px
and 375 px: no WCAG 2.1 A/AA violation. Keyboard walks of the upload, review and document pages: the skip
link comes first and works, Tab reaches every control in order, and the focused control is visibly outlined.

WOO_SCREENSHOTS=docs/screenshots also writes the README's screenshots of the pages it walks."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, login, needs_chromium
from tests.e2e.browser import axe as _axe
from tests.factories import make_pdf, make_txt
from tests.integration.test_publish import DATED
from woo.domain import tooi
from woo.domain.roles import Role
from woo.services import accounts, classification, dossiers, organisations, publication, sources
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = needs_chromium
WIDTHS = (1280, 375)
PASSWORD = "toegankelijk-genoeg-1"
SCREENSHOTS = {  # README screenshots: page path -> file name (1280 px wide)
    "/werk": "mijn-werk.png", "/publicaties?q=vergunning": "openbaar-zoeken.png",
}


def _world(woo_ctx, tmp_path):
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
        for role in (Role.OFFICER, Role.PUBLISHER, Role.ARCHIVIST, Role.REVIEWER):
            accounts.create_user(s, SYSTEM, f"a11y-{role.value}", PASSWORD, [(role, org)], f"Test {role.value}")
    pdf = make_pdf(tmp_path / "besluit.pdf", ["Besluit op de aanvraag om een omgevingsvergunning voor het kappen "
                                              "van een boom. Contact: j.jansen@example.nl, 06-12345678."])
    doc_id = ingest(woo_ctx, SYSTEM, org, "besluit.pdf", path=pdf, title="Besluit omgevingsvergunning kap").document_id
    # published (a date and enough Dutch for the gate), so the search page shows it with its snippet
    txt = make_txt(tmp_path / "notitie.txt", "Een korte notitie over de planning van het onderhoud waarvoor een "
                   "vergunning nodig is. " + DATED)
    pub_id = ingest(woo_ctx, SYSTEM, org, "notitie.txt", path=txt, title="Notitie vergunning onderhoud").document_id
    drain(woo_ctx)
    category = tooi.category_by_code("infocat014").uri
    classification.set_category(woo_ctx, SYSTEM, doc_id, category)
    classification.set_category(woo_ctx, SYSTEM, pub_id, category)
    assert publication.publish(woo_ctx, SYSTEM, [pub_id]).published == [pub_id]
    drain(woo_ctx)
    dossier_id = dossiers.create(woo_ctx, SYSTEM, org, {"title": "Woo-verzoek kapvergunningen", "kind": "woo-besluit"})
    # units (issue 14): the officer is in one, so the unit filter and the hand-over forms are on the pages
    unit = organisations.add_unit(woo_ctx, SYSTEM, org, "Vergunningen")
    organisations.add_unit(woo_ctx, SYSTEM, org, "Financiën")
    organisations.add_member(woo_ctx, SYSTEM, unit, f"a11y-{Role.OFFICER.value}")
    organisations.hand_over_document(woo_ctx, SYSTEM, doc_id, unit)
    return doc_id, pub_id, dossier_id


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_axe_every_page_every_role_both_widths(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import sync_playwright

    doc_id, pub_id, dossier_id = _world(woo_ctx, tmp_path)
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    # a connected system, never synced (nothing listens there): its page and the list as an admin first sees them
    source_id = sources.add(woo_ctx, SYSTEM, org_id, "zgw-drc", "Zaaksysteem",
                            {"base_url": "http://127.0.0.1:9/api/v1", "client_id": "woo",
                             "informatieobjecttypen": ["http://127.0.0.1:9/catalogi/api/v1/informatieobjecttypen/1"]},
                            secret="a-test-secret-with-enough-bytes-0123456789", enabled=False)
    officer_pages = ["/werk", "/documenten", "/documenten?werk=metadata_onvolledig", "/documenten?werk=klaar",
                     "/documenten?werk=beoordelen", f"/documenten/{doc_id}",
                     "/documenten/nieuw", "/beoordelen", "/dossiers", f"/dossiers/{dossier_id}/beheer",
                     "/archief/termijnen", "/archief/vernietigingslijsten", f"/archief/documenten/{doc_id}",
                     f"/archief/dossiers/{dossier_id}", "/audit",
                     "/beheer/gebruikers", "/beheer/tokens", "/beheer/taken", "/beheer/organisaties",
                     f"/beheer/organisaties/{org_id}", "/documenten?afdelingen=alle",
                     "/beheer/bronnen", f"/beheer/bronnen/{source_id}"]
    public_pages = ["/publicaties", "/publicaties?q=vergunning", f"/publicaties/{pub_id}", "/publicaties/onbekend",
                    "/login"]
    shots = os.environ.get("WOO_SCREENSHOTS")
    problems: dict[str, list] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        for width in WIDTHS:
            # bypass_csp: the page's CSP (script-src 'self') would refuse the injected axe script, nothing else
            anon = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
            for path in public_pages:
                anon.goto(live_server + path)
                if found := _axe(anon):
                    problems[f"{width}px anoniem {path}"] = found
                if shots and width == 1280 and path in SCREENSHOTS:
                    anon.screenshot(path=str(Path(shots) / SCREENSHOTS[path]))
            users = [("admin", woo_ctx.admin_password, officer_pages)] + [
                (f"a11y-{r.value}", PASSWORD, ["/werk", "/documenten", "/beoordelen", f"/documenten/{doc_id}"])
                for r in (Role.OFFICER, Role.PUBLISHER, Role.ARCHIVIST, Role.REVIEWER)]
            for username, password, pages in users:
                page = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
                login(page, live_server, username, password)
                for path in pages:
                    response = page.goto(live_server + path)
                    assert response.status < 400, (username, path, response.status)
                    if found := _axe(page):
                        problems[f"{width}px {username} {path}"] = found
                    if shots and width == 1280 and username == "admin" and path in SCREENSHOTS:
                        page.screenshot(path=str(Path(shots) / SCREENSHOTS[path]))
                page.context.close()
        browser.close()
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())


def _walk(page, limit: int = 400) -> list[dict]:
    """Tab through the page from the top: what gets focus, in order, and whether it is visibly outlined."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement; if (!e || e === document.body) return null;
            const s = getComputedStyle(e);
            return {key: e.tagName + '#' + (e.id || '') + '|' + (e.getAttribute('name') || '') + '|' + (e.getAttribute('href') || '')
                         + '|' + (e.value || '') + '|' + (e.textContent || '').trim().slice(0, 30),
                    outlined: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none',
                    skip: e.classList.contains('utrecht-skip-link'),
                    visible: e.getBoundingClientRect().width > 0};
        }""")
        if info is None or (seen and info["key"] == seen[0]["key"]):
            break
        seen.append(info)
    return seen


TABBABLE = ("a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), "
            "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_keyboard_walks_upload_review_document(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import sync_playwright

    doc_id, _pub_id, dossier_id = _world(woo_ctx, tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        login(page, live_server, "admin", woo_ctx.admin_password)
        for path in ("/documenten/nieuw", "/beoordelen", f"/documenten/{doc_id}", f"/dossiers/{dossier_id}/beheer"):
            page.goto(live_server + path)
            walk = _walk(page)
            assert walk and walk[0]["skip"], (path, walk[:2])  # the skip link is the first stop
            # every control a keyboard can reach on this page is reached (the upload page's file input is
            # visually hidden but focusable through its label-button)
            expected = page.evaluate(f"""() => Array.from(document.querySelectorAll("{TABBABLE}"))
                .filter(e => !e.closest('details:not([open])') || e.tagName === 'SUMMARY')
                .filter(e => e.getClientRects().length > 0 || e.type === 'file').length""")
            assert len(walk) >= expected, (path, len(walk), expected)
            # a date field is several tab stops (day, month, year) of one element: outlined on any of them is
            # outlined; a frame's focus is drawn by the document inside it (the PDF viewer), not the page
            outlined = {w["key"] for w in walk if w["outlined"]}
            missing = [w["key"] for w in walk if w["key"] not in outlined and not w["key"].startswith("IFRAME")]
            assert not missing, (path, "focus not visible on", missing[:5])
            # the skip link moves focus to the main content
            page.goto(live_server + path)
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "inhoud", path
        browser.close()


def test_axe_on_the_dossier_forms_refusing_too_long_text_both_widths(live_server, woo_ctx, tmp_path):
    """The "Nieuw dossier" and judgement forms in their refused state (text longer than its column): the Dutch
    message on the form, the input kept, and no WCAG 2.1 A/AA violation at either width."""
    from playwright.sync_api import expect, sync_playwright

    doc_id, _pub_id, dossier_id = _world(woo_ctx, tmp_path)
    dossiers.add_documents(woo_ctx, SYSTEM, dossier_id, [doc_id])
    problems: dict[str, list] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        for width in WIDTHS:
            page = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True).new_page()
            login(page, live_server, "admin", woo_ctx.admin_password)
            page.goto(live_server + "/dossiers")
            page.fill("#title", "Woo-verzoek parkeren")
            page.fill("#reference", "K" * 201)
            page.get_by_role("button", name="Dossier aanmaken").click()
            expect(page.locator("#create-error")).to_contain_text("200 tekens")
            expect(page.locator("#title")).to_have_value("Woo-verzoek parkeren")
            if found := _axe(page):
                problems[f"{width}px nieuw dossier"] = found
            page.goto(live_server + f"/dossiers/{dossier_id}/beheer")
            page.get_by_label("Kies Besluit omgevingsvergunning kap").check()
            page.fill("#public_link", "https://example.nl/" + "a" * 1000)
            page.get_by_role("button", name="Beoordeling opslaan").click()
            expect(page.locator("#judge-error")).to_contain_text("1000 tekens")
            expect(page.get_by_label("Kies Besluit omgevingsvergunning kap")).to_be_checked()
            if found := _axe(page):
                problems[f"{width}px beoordeling"] = found
            page.context.close()
        browser.close()
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
