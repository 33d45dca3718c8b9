"""Each role walks through its day in Chromium (issue 14, done-when): the officer uploads, reviews the
suggested category, decides the privacy findings and confirms the metadata; the publisher publishes and
withdraws (which asks for confirmation); the archivist goes from the due list to a destruction list; the admin
makes a user, a unit (afdeling) with a member, and reads the audit page. Every page visited is checked with
axe-core at 1280 px and at 375 px: zero WCAG 2.1 A/AA violations. One browser and one live server per test."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import drain
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, axe, login, needs_chromium
from tests.factories import make_pdf
from woo.adapters.models import DestructionList, Document, Unit, User
from woo.domain import tooi
from woo.domain.roles import Role
from woo.services import accounts, classification, organisations, privacy
from woo.services.context import SYSTEM
from woo.services.ingest import ingest

pytestmark = needs_chromium
PASSWORD = "een-hele-werkdag-lang"
WOO_VERZOEK = tooi.category_by_code("infocat014").uri


class Walk:
    """A logged-in page that checks, at both widths, every page it lands on."""

    def __init__(self, browser, base: str, username: str, password: str):
        self.base, self.problems = base, {}
        self.page = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
        login(self.page, base, username, password)
        self.check("start")

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response.status < 400, (path, response.status)
        self.check(path)

    def check(self, label: str) -> None:
        for width in (1280, 375):
            self.page.set_viewport_size({"width": width, "height": 900})
            if found := axe(self.page):
                self.problems[f"{width}px {label} ({self.page.url})"] = found
        self.page.set_viewport_size({"width": 1280, "height": 900})

    def done(self) -> None:
        assert not self.problems, "\n".join(f"{k}: {v}" for k, v in self.problems.items())


def _user(ctx, name: str, role: Role, org: int | None) -> None:
    with ctx.unit_of_work() as s:
        accounts.create_user(s, SYSTEM, name, PASSWORD, [(role, org)], name.capitalize())


def _org(ctx) -> int:
    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


def _chromium(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_officer_uploads_reviews_decides_privacy_and_confirms_metadata(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    _user(woo_ctx, "officier", Role.OFFICER, _org(woo_ctx))
    pdf = make_pdf(tmp_path / "besluitenlijst.pdf", [
        "Besluitenlijst van de vergadering van het college van burgemeester en wethouders van 4 maart 2025. "
        "Besloten wordt: de raad voor te stellen de verordening vast te stellen. "
        "Contact: j.jansen@example.nl, telefoon 06-12345678."])
    with sync_playwright() as p:
        browser = _chromium(p)
        walk = Walk(browser, live_server, "officier", PASSWORD)
        page = walk.page
        expect(page.get_by_role("heading", name="Mijn werk")).to_be_visible()

        # upload
        page.get_by_role("link", name="Uploaden").click()
        walk.check("upload")
        page.set_input_files("#files", [str(pdf)])
        expect(page.locator("#results li.accepted")).to_contain_text("Opgenomen")
        walk.check("upload done")
        drain(woo_ctx)  # the worker: text, privacy scan, suggestions
        with woo_ctx.unit_of_work() as s:
            doc = s.execute(select(Document)).scalar_one()
            doc_id, suggested = doc.id, doc.suggestion["category"]

        # review the suggested category
        walk.go("/beoordelen")
        page.locator(".review-item").first.focus()
        page.keyboard.press("a")
        expect(page.get_by_text("Er wachten geen documenten op beoordeling.")).to_be_visible()
        walk.check("review done")

        # privacy: nothing is pre-chosen; choose the findings and redact them
        walk.go(f"/documenten/{doc_id}")
        boxes = page.locator("#privacy-form input[name=finding]")
        assert boxes.count() >= 2  # e-mail address and phone number
        for i in range(boxes.count()):
            assert not boxes.nth(i).is_checked()
            boxes.nth(i).check()
        page.locator("#privacy-form button[value=redact]").click()
        expect(page.locator(".flash").first).to_contain_text("Beslissing vastgelegd")
        walk.check("privacy decided")

        # metadata: confirm the official title
        page.locator("#value-title").fill("Besluitenlijst college 4 maart 2025")
        page.locator("#meta-title").get_by_role("button", name="Vastleggen").click()
        expect(page.locator(".flash")).to_contain_text("Officiële titel vastgelegd")
        expect(page.locator("#meta-title")).to_contain_text("Besluitenlijst college 4 maart 2025")
        walk.check("metadata confirmed")
        browser.close()
    walk.done()
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.category == suggested
        assert doc.metadata_["confirmed"]["title"] == "Besluitenlijst college 4 maart 2025"
        assert not [f for f in privacy.findings(s, doc_id) if f.decision == privacy.OPEN]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_publisher_publishes_and_withdraws_with_confirmation(live_server, woo_ctx, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    org = _org(woo_ctx)
    _user(woo_ctx, "publicist", Role.PUBLISHER, org)
    pdf = make_pdf(tmp_path / "kapvergunning.pdf", ["Besluit op de aanvraag om een omgevingsvergunning voor het "
                                                    "kappen van een boom. De vergunning wordt verleend."])
    doc_id = ingest(woo_ctx, SYSTEM, org, "kapvergunning.pdf", path=pdf).document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc_id, WOO_VERZOEK)
    with sync_playwright() as p:
        browser = _chromium(p)
        walk = Walk(browser, live_server, "publicist", PASSWORD)
        page = walk.page
        walk.go("/documenten?werk=klaar")
        walk.go(f"/documenten/{doc_id}")
        page.get_by_label("Openbare titel", exact=False).fill("Besluit op aanvraag kapvergunning")
        page.get_by_label("Datum van het document", exact=False).fill("2026-11-02")
        page.get_by_label("Handeling op die datum").select_option("ondertekening")
        page.get_by_label("Taal van het document", exact=False).select_option("NLD")
        page.get_by_role("button", name="Publiceren").click()
        expect(page.locator(".flash")).to_contain_text("gepubliceerd")
        walk.check("published")

        page.get_by_role("button", name="Intrekken").click()  # without the confirmation: nothing happens
        with woo_ctx.unit_of_work() as s:
            assert s.get(Document, doc_id).status == "published"
        walk.check("withdraw unconfirmed")
        page.get_by_label("Ja, haal dit document van de openbare site").check()
        page.get_by_role("button", name="Intrekken").click()
        expect(page.locator(".flash")).to_contain_text("ingetrokken")
        walk.check("withdrawn")
        browser.close()
    walk.done()
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).status == "withdrawn"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_archivist_goes_from_the_due_list_to_a_destruction_list(live_server, woo_ctx):
    from playwright.sync_api import expect, sync_playwright

    from tests.integration.retention_helpers import make_record

    _user(woo_ctx, "archivaris", Role.ARCHIVIST, None)
    due = make_record(woo_ctx, "Besluit 2014", resultaat="6.1", versions=1)
    with sync_playwright() as p:
        browser = _chromium(p)
        walk = Walk(browser, live_server, "archivaris", PASSWORD)
        page = walk.page
        walk.go("/archief/termijnen?binnen=30")
        page.get_by_label("Besluit 2014 op de lijst zetten").check()
        page.locator("#name").fill("Vernietiging 2026")
        page.get_by_role("button", name="Vernietigingslijst opstellen").click()
        expect(page.locator("body")).to_contain_text("Vernietiging 2026")
        expect(page.locator("body")).to_contain_text("Besluit 2014")
        walk.check("destruction list")
        walk.go("/archief/vernietigingslijsten")
        walk.go(f"/archief/documenten/{due}")
        browser.close()
    walk.done()
    with woo_ctx.unit_of_work() as s:
        (dl,) = s.execute(select(DestructionList)).scalars().all()
        assert dl.name == "Vernietiging 2026"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_admin_makes_a_user_and_a_unit_and_reads_the_audit_page(live_server, woo_ctx):
    from playwright.sync_api import expect, sync_playwright

    org = _org(woo_ctx)
    with sync_playwright() as p:
        browser = _chromium(p)
        walk = Walk(browser, live_server, "admin", woo_ctx.admin_password)
        page = walk.page
        walk.go("/beheer/gebruikers")
        page.locator("#username").fill("m.devries")
        page.locator("#display_name").fill("M. de Vries")
        page.locator("#role").select_option("officer")
        page.get_by_role("button", name="Gebruiker aanmaken").click()
        expect(page.locator("body")).to_contain_text("m.devries")
        walk.check("user created")

        walk.go(f"/beheer/organisaties/{org}")
        page.locator("#unit-name").fill("Vergunningen")
        page.get_by_role("button", name="Afdeling toevoegen").click()
        expect(page.locator(".flash")).to_contain_text("Afdeling toegevoegd")
        page.get_by_label("Lid toevoegen aan Vergunningen (gebruikersnaam)").fill("m.devries")
        page.get_by_role("button", name="Toevoegen", exact=True).click()
        expect(page.locator("body")).to_contain_text("m.devries")
        walk.check("unit with member")

        walk.go("/audit")
        page.locator("#f-actor").fill("admin")
        page.get_by_role("button", name="Filteren").click()
        expect(page.locator("body")).to_contain_text("Gebruiker aan afdeling toegevoegd")
        walk.check("audit filtered")
        browser.close()
    walk.done()
    with woo_ctx.unit_of_work() as s:
        user = s.execute(select(User).where(User.username == "m.devries")).scalar_one()
        unit = s.execute(select(Unit).where(Unit.name == "Vergunningen")).scalar_one()
        assert organisations.units_of_user(s, user.id) == {unit.id: "Vergunningen"}
