"""Describing documents: suggestions stored by the classify job, confirmed by an officer (service, page,
API, CLI), audited, and carried into the published DiWoo record (validated against the XSD)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import drain
from tests.conftest import cli_env
from woo.adapters.models import Document, Event, User
from woo.app import create_app
from woo.domain import tooi
from woo.metadata.diwoo import build_sitemap_url, parse_diwoo_document
from woo.metadata.xsd import validate_diwoo
from woo.publish.records import diwoo_record
from woo.services import accounts, classification, describe, privacy, publication
from woo.services.context import SYSTEM, Actor
from woo.services.ingest import ingest

OFFICER = Actor("user", None, "officer-test")
WOO_VERZOEK = tooi.category_by_code("infocat014").uri

LETTER = [
    "Gemeente Utrecht",
    "Postbus 16200, 3500 CE Utrecht",
    "Datum 18 februari 2025",
    "Ons kenmerk UTR-2025-004711",
    "Onderwerp: Besluit op uw Woo-verzoek over de Croeselaan",
    "Geachte heer De Groot,",
    "Op 2 januari 2025 hebben wij uw verzoek ontvangen. Wij maken de documenten deels openbaar.",
    "Burgemeester en wethouders van Utrecht,",
]


def _pdf(path: Path, lines: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in lines:
        pdf.multi_cell(0, 7, line)
        pdf.ln(2)
    pdf.output(str(path))
    return path


def _ingest_letter(ctx, tmp_path: Path, name: str = "scan_0042.pdf") -> str:
    with ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    result = ingest(ctx, OFFICER, org_id, name, path=_pdf(tmp_path / name, LETTER))
    assert result.status == "accepted", result.reason
    drain(ctx)
    return result.document_id


def _record(ctx, doc_id: str):
    with ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        url = build_sitemap_url(diwoo_record(doc, doc.organisation, publication.public_file(doc),
                                             ctx.settings.base_url))
    validate_diwoo(url)  # against the official DiWoo 0.9.8 XSD
    return parse_diwoo_document(url)


def test_suggest_confirm_audit_and_publish(woo_ctx, tmp_path):
    doc_id = _ingest_letter(woo_ctx, tmp_path)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        suggested = {x["field"]: x for x in doc.metadata_["suggested"]}
        assert doc.title == "scan_0042"  # the file name until someone describes it
    assert suggested["title"]["value"] == "Besluit op uw Woo-verzoek over de Croeselaan"
    assert suggested["date.creatie"]["value"] == "2025-02-18"
    assert suggested["identifiers"]["value"] == "UTR-2025-004711"
    assert suggested["documentsoort"]["value"] == tooi.documentsoort("beslissing op Wob-/Woo-verzoek").uri
    utrecht = describe.normalise("organisation", "gemeente Utrecht")
    assert suggested["organisation"]["value"] == utrecht
    assert all(0 <= x["confidence"] <= 1 and x["reason"] for x in suggested.values())

    # before anyone confirms: only confident suggestions reach the record; the title is never a guess:
    # publishing refuses the file name and asks for the title, which then counts as confirmed
    classification.set_category(woo_ctx, OFFICER, doc_id, WOO_VERZOEK)
    with woo_ctx.unit_of_work() as s:
        findings = [f.id for f in privacy.findings(s, doc_id)]
    if findings:  # the letter names its addressee; not what this test is about
        privacy.decide(woo_ctx, OFFICER, doc_id, findings, "allow", reason="testbrief, fictieve naam")
    refused = publication.publish(woo_ctx, OFFICER, [doc_id])
    assert any("titel" in r for r in refused.refused[doc_id]), refused
    # the letterhead date is its creatiedatum, no handeling: publication asks which date and handeling
    assert any("datum van het document" in r.lower() for r in refused.refused[doc_id]), refused
    fields = publication.publish_fields(suggested["title"]["value"], "2025-02-18", "ondertekening")
    published = publication.publish(woo_ctx, OFFICER, [doc_id], metadata={doc_id: fields})
    assert published.published == [doc_id], published.refused
    rec = _record(woo_ctx, doc_id)
    high = {f: x for f, x in suggested.items() if x["confidence"] >= 0.8}
    assert rec.officiele_titel == suggested["title"]["value"]
    assert ("UTR-2025-004711" in rec.identifiers) == ("identifiers" in high) and doc_id in rec.identifiers

    confirmed = describe.set_metadata(woo_ctx, OFFICER, doc_id, {
        "title": "Besluit op het Woo-verzoek Croeselaan", "date.vaststelling": "12 maart 2025",
        "date.ontvangst": "02-01-2025", "documentsoort": "besluit", "organisation": "gemeente Utrecht",
        "identifiers": "UTR-2025-004711\nZ/25/123"})
    assert confirmed["date.vaststelling"] == "2025-03-12" and confirmed["identifiers"] == ["UTR-2025-004711", "Z/25/123"]
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.title == "Besluit op het Woo-verzoek Croeselaan"
        first, event = s.execute(select(Event).where(Event.document_id == doc_id,
                                                     Event.action == "metadata.confirmed")).scalars().all()
        assert first.detail["fields"] == ["date.ondertekening", "title"]  # asked for on publication
        assert event.actor == "user:officer-test"
        assert first.detail["before"]["title"] == "scan_0042" and event.detail["before"]["date.vaststelling"] is None
        assert event.detail["after"]["documentsoort"] == tooi.documentsoort("besluit").uri

    rec = _record(woo_ctx, doc_id)
    assert rec.officiele_titel == "Besluit op het Woo-verzoek Croeselaan"
    assert rec.documentsoorten == [tooi.documentsoort("besluit").uri]
    assert rec.opsteller == utrecht
    assert rec.identifiers == [doc_id, "UTR-2025-004711", "Z/25/123"]
    handelingen = {h.soort: h.at.date().isoformat() for h in rec.documenthandelingen}
    assert handelingen == {tooi.documenthandeling("vaststelling").uri: "2025-03-12",
                           tooi.documenthandeling("ontvangst").uri: "2025-01-02",
                           tooi.documenthandeling("ondertekening").uri: "2025-02-18"}

    # clearing a confirmed value falls back to the suggestion (or nothing); unchanged values are not audited
    describe.set_metadata(woo_ctx, OFFICER, doc_id, {"date.ontvangst": "", "title": "Besluit op het Woo-verzoek Croeselaan"})
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert "date.ontvangst" not in doc.metadata_["confirmed"]
        events = s.execute(select(Event).where(Event.document_id == doc_id, Event.action == "metadata.confirmed")
                           ).scalars().all()
        assert events[-1].detail["fields"] == ["date.ontvangst"]
    assert {h.soort for h in _record(woo_ctx, doc_id).documenthandelingen} == {
        tooi.documenthandeling("vaststelling").uri, tooi.documenthandeling("ondertekening").uri}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_invalid_values_are_refused_in_dutch(woo_ctx, tmp_path):
    doc_id = _ingest_letter(woo_ctx, tmp_path)
    cases = [({"date.vaststelling": "gisteren"}, "geen datum"), ({"documentsoort": "kookboek"}, "documentsoorten"),
             ({"organisation": "gemeente Nergenshuizen"}, "TOOI-registers"), ({"kleur": "blauw"}, "Onbekend"),
             ({}, "minstens één"), ({"title": "x" * 1001}, "te lang")]
    for values, message in cases:
        with pytest.raises(describe.DescribeError, match=message):
            describe.set_metadata(woo_ctx, OFFICER, doc_id, values)
    with pytest.raises(describe.DescribeError, match="bestaat niet"):
        describe.set_metadata(woo_ctx, OFFICER, "onbekend", {"title": "x"})
    with woo_ctx.unit_of_work() as s:
        assert not s.execute(select(Event).where(Event.action == "metadata.confirmed")).scalars().all()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_page_api_and_cli(woo_ctx, tmp_path):
    doc_id = _ingest_letter(woo_ctx, tmp_path)
    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": woo_ctx.admin_password,
                                "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    page = client.get(f"/documenten/{doc_id}").get_data(as_text=True)
    assert 'id="metadata"' in page and "Besluit op uw Woo-verzoek over de Croeselaan" in page
    assert "% zeker" in page and "Vastleggen" in page
    resp = client.post(f"/documenten/{doc_id}/metadata",
                       data={"csrf_token": _csrf(page), "field": "date.ondertekening", "value": "2025-02-19"})
    assert resp.status_code == 302 and resp.location.endswith("#metadata")
    bad = client.post(f"/documenten/{doc_id}/metadata", data={"csrf_token": _csrf(page), "field": "date.ondertekening",
                                                              "value": "morgen"}, follow_redirects=True)
    assert "geen datum" in bad.get_data(as_text=True)

    with woo_ctx.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        reader = accounts.create_token(s, SYSTEM, admin, "lezen", "read")
        editor = accounts.create_token(s, SYSTEM, admin, "beschrijven", "read edit")
    url = f"/api/v1/documents/{doc_id}/metadata"
    assert client.patch(url, json={"title": "x"}, headers={"Authorization": f"Bearer {reader}"}).status_code == 403
    auth = {"Authorization": f"Bearer {editor}"}
    refused = client.patch(url, json={"documentsoort": "kookboek"}, headers=auth)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    ok = client.patch(url, json={"documentsoort": "brief", "identifiers": ["A-1", "B-2"]}, headers=auth)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    body = ok.get_json()
    assert body["confirmed"]["documentsoort"] == tooi.documentsoort("brief").uri
    assert body["confirmed"]["date.ondertekening"] == "2025-02-19" and body["suggested"]
    assert "patch" in client.get("/api/v1/openapi.json").get_json()["paths"]["/documents/{document_id}/metadata"]

    from woo.cli import main
    env, data = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")]
    result = CliRunner().invoke(main, ["describe", doc_id, "--set", "date.creatie=17 februari 2025",
                                       "--set", "organisation=gm0344", *data], env=env)
    assert result.exit_code == 0, result.output
    assert "Vastgelegd" in result.output and "documentsoort" in result.output
    wrong = CliRunner().invoke(main, ["describe", doc_id, "--set", "date.creatie", *data], env=env)
    assert wrong.exit_code != 0 and "veld=waarde" in wrong.output
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.document_date.date().isoformat() == "2025-02-17"
        assert doc.metadata_["confirmed"]["organisation"] == tooi.organisation("gm0344").uri
        actors = [e.actor for e in s.execute(select(Event).where(
            Event.document_id == doc_id, Event.action == "metadata.confirmed").order_by(Event.id)).scalars()]
    assert actors[0] == "user:admin" and actors[1] == "token:admin/beschrijven" and actors[2].startswith("cli:")
    assert len(actors) == 3  # the refused attempts left no event
