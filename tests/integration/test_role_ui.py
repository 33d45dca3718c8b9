"""The UI shows each role exactly what it may use: every link, button and form action on every officer page,
for every role, is one the route table (woo/web/acl.py) lets that role use. And the work lists tell the truth.
"""
from __future__ import annotations

import pytest
from lxml import html
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tests.conftest import drain
from tests.factories import make_pdf
from tests.integration.security_world import ROLE_USERS, build_world
from woo.domain import tooi
from woo.domain.roles import Role, allowed
from woo.services import classification, privacy
from woo.services import ingest as ingestsvc
from woo.services.context import SYSTEM
from woo.web import acl

ROLE_OF = {**{name: set(roles) for name, roles in ROLE_USERS.items()}, "admin": {Role.ADMIN}}
WOO_VERZOEK = tooi.woo_categories()[0].uri


def _pages(world, extra_doc: str) -> list[str]:
    return ["/werk", "/documenten", "/documenten?werk=privacy", f"/documenten/{world.document_id}",
            f"/documenten/{extra_doc}", "/beoordelen", "/documenten/nieuw", "/archief/termijnen",
            "/archief/vernietigingslijsten", f"/archief/documenten/{extra_doc}", "/audit", "/beheer/gebruikers",
            "/beheer/tokens"]


def _targets(body: bytes):
    """(method, path, what) of every link and every form that can be submitted on the page."""
    tree = html.fromstring(body)
    for a in tree.iter("a"):
        href = a.get("href") or ""
        if href.startswith("/") and not href.startswith("//"):
            yield "GET", href.split("#")[0], f"link {a.text_content().strip()!r}"
    for form in tree.iter("form"):
        buttons = form.xpath(".//button[@type='submit' or not(@type)] | .//input[@type='submit']")
        if buttons and all(b.get("disabled") is not None for b in buttons):
            continue  # shown as refused, with its reason
        action = form.get("action") or ""
        if action.startswith("/"):
            yield (form.get("method") or "GET").upper(), action.split("?")[0], f"form {action}"


def _allowed(app, who: str, method: str, path: str) -> tuple[bool, str]:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path.split("?")[0], method=method)
    except (NotFound, MethodNotAllowed):
        return False, "no such route"
    rule = acl.rule_for(endpoint)
    if rule is None or rule.access in (acl.PUBLIC, acl.LOGIN):
        return True, endpoint
    return allowed(ROLE_OF[who], rule.action), f"{endpoint} needs {rule.action}"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_role_sees_only_what_it_may_use(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    # a second document with open privacy findings, category confirmed: work for officer, not publisher
    pdf = make_pdf(tmp_path / "brief.pdf", ["Geachte heer, uw BSN 111222333 en j.jansen@example.nl."])
    doc = ingestsvc.ingest(woo_ctx, SYSTEM, world.org_a, "brief.pdf", path=pdf, source="cli",
                           title="Brief aan bewoner").document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc, WOO_VERZOEK)
    failures, checked = [], 0
    for who in ROLE_OF:
        client = world.client(who)
        for page in _pages(world, doc):
            resp = client.get(page)
            assert resp.status_code < 500, (who, page)
            if resp.status_code != 200:
                continue
            for method, path, what in _targets(resp.data):
                if path.startswith("/static/") or path.startswith("/publicaties"):
                    continue
                ok, why = _allowed(world.app, who, method, path)
                checked += 1
                if not ok:
                    failures.append(f"{who} on {page}: {what} ({method} {path}) -> {why}")
    assert checked > 50
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_open_findings_are_not_ready_and_the_publisher_gets_no_button(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    pdf = make_pdf(tmp_path / "brief.pdf", ["Geachte heer, uw BSN 111222333 en j.jansen@example.nl."])
    doc = ingestsvc.ingest(woo_ctx, SYSTEM, world.org_a, "brief.pdf", path=pdf, source="cli",
                           title="Brief aan bewoner").document_id
    drain(woo_ctx)
    classification.set_category(woo_ctx, SYSTEM, doc, WOO_VERZOEK)

    publisher = world.client("publisher")
    page = publisher.get(f"/documenten/{doc}").data.decode()
    assert "Gereed voor publicatie" not in page
    assert "Privacy te beoordelen" in page
    assert ">Publiceren</button>" not in page
    assert "nog niet beoordeeld" in page  # the reason, instead of a button that would be refused
    assert f"/documenten/{doc}/privacy" not in page  # no privacy form for the publisher (403)
    listed = publisher.get("/documenten?werk=klaar").data.decode()
    assert doc not in listed
    assert doc in world.client("officer").get("/documenten?werk=privacy").data.decode()

    # the officer's start page counts it and links to the filtered list
    start = html.fromstring(world.client("officer").get("/werk").data)
    tile = start.xpath("//li[contains(@class,'tile-privacy')]//a")[0]
    assert tile.get("href") == "/documenten?werk=privacy"
    assert int(tile.xpath(".//span[@class='tile-count']")[0].text) == 1

    # nothing pre-checked; each finding proposes the ground of its kind (a BSN: 5.1.1e)
    officer_page = html.fromstring(world.client("officer").get(f"/documenten/{doc}").data)
    boxes = officer_page.xpath("//input[@name='finding']")
    assert boxes and not any(b.get("checked") is not None for b in boxes)
    with woo_ctx.unit_of_work() as s:
        rows = {f.type: f.id for f in privacy.findings(s, doc)}
    chosen = officer_page.xpath(f"//select[@name='ground-{rows['bsn']}']/option[@selected]")[0].get("value")
    assert chosen == "5.1.1e"
    chosen = officer_page.xpath(f"//select[@name='ground-{rows['email']}']/option[@selected]")[0].get("value")
    assert chosen == "5.1.2e"

    # deciding with the per-finding grounds; the answer says how many were changed
    resp = world.client("officer").post(f"/documenten/{doc}/privacy", data={
        "csrf_token": "test-csrf-token-value", "finding": [str(rows["bsn"]), str(rows["email"])],
        "ground-%d" % rows["bsn"]: "5.1.1e", "ground-%d" % rows["email"]: "5.1.2e", "decision": "redact"},
        headers={"X-CSRF-Token": "test-csrf-token-value"}, follow_redirects=True)
    assert "2 bevindingen gelakt" in resp.data.decode()
    with woo_ctx.unit_of_work() as s:
        grounds = {f.type: f.ground for f in privacy.findings(s, doc) if f.location is None}
    assert grounds["bsn"] == "5.1.1e" and grounds["email"] == "5.1.2e"
    drain(woo_ctx)
    page = world.client("publisher").get(f"/documenten/{doc}").data.decode()
    assert ">Publiceren</button>" in page
    assert doc in world.client("publisher").get("/documenten?werk=klaar").data.decode()
