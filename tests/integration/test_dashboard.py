"""The compliance dashboard and the annual figures against a generated history (issue 20).

The history goes through the real services (ingest, extraction, category, privacy decisions, publication,
withdrawal, dossiers); only the publication clock is set, so documents are published at known dates.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.factories import make_pdf
from tests.integration.retention_helpers import logged_in_client
from tests.integration.test_publish import make_documents
from woo.adapters.models import DashboardCount, Document, Organisation
from woo.app import create_app
from woo.domain import tooi
from woo.domain.roles import Role
from woo.services import accounts, classification, dashboard, dossiers, privacy, publication
from woo.services import organisations as orgsvc
from woo.services.context import SYSTEM, Actor
from woo.services.ingest import ingest

WOO_VERZOEK = tooi.category_by_code("infocat014").uri
ONDERZOEK = tooi.category_by_code("infocat015").uri
PRIVACY_REASON = "correctie_privacygevoelige_gegevens"
TODAY = date(2026, 12, 2)
CSRF = "dashboard-csrf"


def at(y, m, d):
    return datetime(y, m, d, 10, tzinfo=timezone.utc)


class Clock:
    def __init__(self):
        self.now = at(2026, 1, 1)

    def __call__(self):
        return self.now


def _set_date(ctx, doc_id, value):
    with ctx.unit_of_work() as s:
        s.get(Document, doc_id).document_date = value


def _publish_at(ctx, clock, doc_id, when, **kw):
    clock.now = when
    result = publication.publish(ctx, SYSTEM, [doc_id], **kw)
    assert result.published == [doc_id], result.refused


def build_history(ctx, tmp_path, monkeypatch) -> dict:
    clock = Clock()
    monkeypatch.setattr(publication, "utcnow", clock)
    d1, d2, d3, d4 = make_documents(ctx, tmp_path, [("Besluit een", WOO_VERZOEK), ("Besluit twee", WOO_VERZOEK),
                                                    ("Onderzoek drie", ONDERZOEK), ("Onderzoek vier", ONDERZOEK)])
    for doc_id, day in ((d1, at(2026, 1, 1)), (d2, at(2026, 2, 1)), (d3, at(2025, 12, 1)), (d4, None)):
        _set_date(ctx, doc_id, day)
    _publish_at(ctx, clock, d1, at(2026, 1, 11))   # 10 days
    _publish_at(ctx, clock, d2, at(2026, 2, 21))   # 20 days
    _publish_at(ctx, clock, d3, at(2026, 3, 1))    # 90 days, withdrawn later
    _publish_at(ctx, clock, d4, at(2025, 6, 1))    # no document date, the year before
    clock.now = at(2026, 4, 1)
    assert publication.withdraw(ctx, SYSTEM, [d3], PRIVACY_REASON) == [d3]

    # a document with personal data, redacted on two grounds before publication
    pdf = make_pdf(tmp_path / "lak.pdf", ["Besluit op het verzoek om informatie.",
                                          "Verzoeker heeft BSN 111222333 en mailt via j.jansen@example.nl."])
    with ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    d5 = ingest(ctx, SYSTEM, org_id, "lak.pdf", path=pdf, title="Besluit met lakkingen").document_id
    drain(ctx)
    classification.set_category(ctx, SYSTEM, d5, WOO_VERZOEK)
    with ctx.unit_of_work() as s:
        rows = privacy.findings(s, d5)
        bsn = [f.id for f in rows if f.type == "bsn"]
        rest = [f.id for f in rows if f.type != "bsn"]
    assert bsn and rest
    privacy.decide(ctx, SYSTEM, d5, bsn, "redact", ground="5.1.1e")
    privacy.decide(ctx, SYSTEM, d5, rest, "redact", ground="5.1.2e")
    _set_date(ctx, d5, at(2026, 5, 1))
    # the two-line letter is too short to recognise its language: the publish form asks for it
    _publish_at(ctx, clock, d5, at(2026, 5, 4), metadata={d5: {"title": "Besluit met lakkingen", "language": "nl"}})

    # Woo-besluiten: on time, late, on time with extension, still open past the term, one of 2025
    terms = [("Op tijd", "2026-01-05", "2026-01-20", False), ("Te laat", "2026-02-01", "2026-03-20", False),
             ("Verdaagd", "2026-03-01", "2026-04-10", True), ("Open", "2026-06-01", None, False),
             ("Vorig jaar", "2025-03-01", "2025-03-10", False)]
    besluiten = {}
    for title, received, decided, extended in terms:
        values = {"title": title, "kind": "woo-besluit", "received_date": received, "extended": extended}
        if decided:
            values["decision_date"] = decided
        besluiten[title] = dossiers.create(ctx, SYSTEM, org_id, values)
    return {"docs": [d1, d2, d3, d4, d5], "org_id": org_id, "bsn": len(bsn), "rest": len(rest),
            "besluiten": besluiten}


def _counters(ctx) -> dict:
    with ctx.unit_of_work() as s:
        return {(r.organisation_id, r.metric, r.year, r.category, r.key): r.n
                for r in s.execute(select(DashboardCount)).scalars() if r.n}


def test_figures_match_the_generated_history(woo_ctx, tmp_path, monkeypatch):
    h = build_history(woo_ctx, tmp_path, monkeypatch)
    with woo_ctx.unit_of_work() as s:
        y2026 = dashboard.figures(s, {h["org_id"]}, 2026, today=TODAY, snapshot=False)
        alltime = dashboard.figures(s, {h["org_id"]}, None, today=TODAY, base_url="https://woo.example")
    cat = {c.uri: c for c in y2026.categories}
    assert len(y2026.obliged_categories) == 17
    woo, onderzoek = cat[WOO_VERZOEK], cat[ONDERZOEK]
    assert (woo.published, woo.public, woo.last_at.date(), woo.median_lag_days) == (3, 3, date(2026, 5, 4), 10)
    assert (onderzoek.published, onderzoek.public, onderzoek.median_lag_days) == (1, 0, 90)
    assert {c.uri for c in y2026.empty_categories} == {c.uri for c in tooi.woo_categories()
                                                        if c.woo_article.startswith("3.3")} - {WOO_VERZOEK, ONDERZOEK}
    assert [(w.key, w.n) for w in y2026.withdrawals] == [(tooi.reden_verwijdering(PRIVACY_REASON).uri, 1)]
    assert {r.key: r.n for r in y2026.redactions} == {"5.1.1e": h["bsn"], "5.1.2e": h["rest"]}
    b = y2026.besluiten
    assert (b.counts["op-tijd"], b.counts["te-laat"], b.counts["open-te-laat"], b.decided) == (2, 1, 1, 3)
    assert b.median_days == 40  # of 15, 47 and 40 days

    a = {c.uri: c for c in alltime.categories}
    assert (a[ONDERZOEK].published, a[ONDERZOEK].public, a[ONDERZOEK].last_at.date()) == (2, 1, date(2026, 3, 1))
    assert a[ONDERZOEK].dated == 1 and a[ONDERZOEK].median_lag_days == 90  # the undated one has no lag
    assert alltime.besluiten.counts["op-tijd"] == 3 and alltime.besluiten.median_days == 27.5  # 9, 15, 40, 47
    assert alltime.total_public == 4
    host = alltime.harvest[0].base_url
    assert host and alltime.harvest[0].at is None  # never checked yet
    from woo.publish.harvest_check import Report

    dashboard.record_harvest_check(woo_ctx, SYSTEM, Report(host, problems=["Sitemap ontbreekt."], documents=5))
    with woo_ctx.unit_of_work() as s:
        checked = dashboard.figures(s, {h["org_id"]}, None, today=TODAY).harvest[0]
    assert (checked.ok, checked.problem_count, checked.problems, checked.documents) == \
        (False, 1, ["Sitemap ontbreekt."], 5)
    drain(woo_ctx)  # the queued sitemap refresh after the last publication
    with woo_ctx.unit_of_work() as s:
        maps = dashboard.figures(s, {h["org_id"]}, None, today=TODAY).sitemaps
    assert maps.urls == 4 and maps.stale == 0 and maps.changed_at is not None  # the four public documents
    assert alltime.waiting is not None and all(w.n == 0 for w in alltime.waiting)

    # the counters kept with each change are exactly what a count from scratch gives
    live = _counters(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        dashboard.recount(s)
    assert _counters(woo_ctx) == live


def _client(ctx, username, roles):
    with ctx.unit_of_work() as s:
        user = accounts.create_user(s, SYSTEM, username, "wachtwoord-lang-genoeg", roles)
        actor = Actor("user", user.id, username)
    return logged_in_client(create_app(ctx=ctx), ctx, actor, CSRF)


def _links(html: str) -> dict[str, str]:
    return {m.group(2).strip(): m.group(1).replace("&amp;", "&")
            for m in re.finditer(r'<a href="([^"]+)">([^<]+)</a>', html)}


def test_dashboard_page_links_every_number_to_its_list(woo_ctx, tmp_path, monkeypatch):
    h = build_history(woo_ctx, tmp_path, monkeypatch)
    org = h["org_id"]
    client = _client(woo_ctx, "publicist", [(Role.PUBLISHER, org)])
    html = client.get("/dashboard?jaar=2026").get_data(as_text=True)
    assert "Dashboard Woo-naleving" in html and "Niets gepubliceerd" in html
    assert html.count('class="empty-category"') == 15

    def count_of(url: str) -> int:
        page = client.get(url)
        assert page.status_code == 200, url
        return int(re.search(r'<p class="count" role="status">(\d+) document', page.get_data(as_text=True)).group(1))

    row = re.search(r"Woo-verzoeken en -besluiten.*?</tr>", html, re.S).group(0)
    published_link, public_link = re.findall(r'href="(/documenten[^"]+)"', row)[:2]
    assert count_of(published_link.replace("&amp;", "&")) == 3
    assert count_of(public_link.replace("&amp;", "&")) == 3
    onderzoek = re.search(r">onderzoeksrapporten.*?</tr>", html, re.S).group(0)
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/documenten[^"]+)"', onderzoek)]
    assert count_of(links[0]) == 1 and count_of(links[1]) == 0  # published in 2026, of which none public now
    reason = tooi.reden_verwijdering(PRIVACY_REASON)
    withdrawn = re.search(re.escape(reason.label) + r".*?href=\"([^\"]+)\"", html, re.S).group(1)
    assert count_of(withdrawn.replace("&amp;", "&")) == 1
    ground = re.search(r"5\.1\.1e.*?href=\"([^\"]+)\"", html, re.S).group(1)
    assert count_of(ground.replace("&amp;", "&")) == 1
    late = re.search(r"Te laat besloten.*?href=\"([^\"]+)\">(\d+)<", html, re.S)
    assert late.group(2) == "1"
    dossier_page = client.get(late.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Te laat" in dossier_page and "Op tijd" not in dossier_page and "Verdaagd" not in dossier_page

    # the snapshot (all time): work lists, harvest readiness, sitemaps
    now_html = client.get("/dashboard").get_data(as_text=True)
    assert "Documenten in behandeling per stap" in now_html and "Klaar voor de Woo-index" in now_html
    assert "Nog niet gecontroleerd" in now_html

    # bad input is a Dutch 400, not a traceback
    bad = client.get("/dashboard?jaar=abc")
    assert bad.status_code == 400 and "geheel getal" in bad.get_data(as_text=True)
    assert client.get("/documenten?organisatie=xx9999").status_code == 400
    assert client.get("/dossiers?termijn=morgen").status_code == 400

    # the annual figures as XLSX from the dashboard
    from openpyxl import load_workbook

    resp = client.post("/dashboard/jaarcijfers", data={"csrf_token": CSRF, "organisatie": "gm0363", "jaar": "2026",
                                                       "formaat": "xlsx"})
    assert resp.status_code == 200 and "jaarcijfers-woo-2026-gm0363.xlsx" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    cats = {r[0]: r for r in wb["Categorieën"].iter_rows(min_row=2, values_only=True)}
    label = tooi.category_by_uri(WOO_VERZOEK).label
    assert cats[label][2:6] == ("3", "3", "2026-05-04", "10") or cats[label][2:6] == (3, 3, "2026-05-04", 10)

    # officers have no dashboard
    officer = _client(woo_ctx, "beheerder-info", [(Role.OFFICER, org)])
    assert officer.get("/dashboard").status_code == 403


def test_annual_csv_and_pdfa_record_via_cli(woo_ctx, tmp_path, monkeypatch):
    import pikepdf

    build_history(woo_ctx, tmp_path, monkeypatch)
    runner = CliRunner()
    from woo.cli import main

    env = cli_env(woo_ctx.settings)
    out = tmp_path / "cijfers.csv"
    r = runner.invoke(main, ["report", "annual", "--year", "2026", "--format", "csv", "--org", "gm0363",
                             "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    label = tooi.category_by_uri(WOO_VERZOEK).label

    def value(section, item, column):
        return next(x["waarde"] for x in rows if x["sectie"] == section and x["onderdeel"] == item
                    and x["kenmerk"] == column)
    assert value("Publicaties per informatiecategorie", label, "gepubliceerd") == "3"
    assert value("Publicaties per informatiecategorie", label, "mediaan dagen documentdatum tot publicatie") == "10"
    assert value("Woo-besluiten en de beslistermijn", "Te laat besloten", "aantal") == "1"
    assert value("Woo-besluiten en de beslistermijn", "Mediaan dagen van ontvangst tot besluit", "aantal") == "40"
    assert value("Publicaties per informatiecategorie", "onderzoeksrapporten", "niets gepubliceerd") == ""
    assert value("Publicaties per informatiecategorie", "adviezen", "niets gepubliceerd") == "ja"

    bad = runner.invoke(main, ["report", "annual", "--year", "twintig", "--format", "csv"], env=env)
    assert bad.exit_code != 0 and "Ongeldig jaar" in bad.output
    bad = runner.invoke(main, ["report", "annual", "--year", "2026", "--org", "xx0000"], env=env)
    assert bad.exit_code != 0 and "Onbekende organisatie" in bad.output

    pdf_path = tmp_path / "cijfers.pdf"
    r = runner.invoke(main, ["report", "annual", "--year", "2026", "--format", "pdf", "-o", str(pdf_path)], env=env)
    assert r.exit_code == 0, r.output
    doc_id = re.search(r"archiefstuk ([0-9a-f]{32})", r.output).group(1)
    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        assert meta.pdfa_status.startswith("2")
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, doc_id)
        assert doc.organisation_id == s.execute(select(Organisation.id).where(Organisation.code == "gm0363")).scalar()
        assert doc.retention_resultaat == "4.1.9" and doc.retention_waardering == "B"
        assert woo_ctx.store.get_bytes(doc.file("original").object_key) == pdf_path.read_bytes()
        assert doc.file("jaarcijfers_csv") is not None
    # the same figures again: the same record, not a second one
    r2 = runner.invoke(main, ["report", "annual", "--year", "2026", "--format", "pdf", "-o", str(pdf_path)], env=env)
    assert r2.exit_code == 0 and doc_id in r2.output


def test_shared_service_centre_sees_its_organisations_together_and_apart(woo_ctx, tmp_path, monkeypatch):
    h = build_history(woo_ctx, tmp_path, monkeypatch)
    third = tooi.organisation("gm0518")
    b_id, c_id = orgsvc.add(woo_ctx, SYSTEM, "gm0599"), orgsvc.add(woo_ctx, SYSTEM, "gm0518")
    # one publication for the second organisation (straight through the counters of the service layer)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, h["docs"][0])
        fake = Document(organisation_id=b_id, title="Rotterdam", status="published", category=ONDERZOEK,
                        published_at=at(2026, 7, 1), document_date=at(2026, 6, 1))
        s.add(fake)
        s.flush()
        dashboard.note_published(s, fake)
        assert doc is not None
    client = _client(woo_ctx, "ssc", [(Role.PUBLISHER, h["org_id"]), (Role.PUBLISHER, b_id)])
    html = client.get("/dashboard?jaar=2026").get_data(as_text=True)
    assert "Alle organisaties (2)" in html and "Per organisatie" in html and third.label not in html
    assert re.search(r'<span class="tile-count">4</span>\s*<span class="tile-label">openbare', html)
    one = client.get("/dashboard?jaar=2026&organisatie=gm0599").get_data(as_text=True)
    assert re.search(r'<span class="tile-count">1</span>\s*<span class="tile-label">openbare', one)
    assert client.get(f"/dashboard?organisatie={third.code}").status_code == 400
