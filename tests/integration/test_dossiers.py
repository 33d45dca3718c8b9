"""Dossiers end to end: bulk import, judgement, blockers, publishing all at once, harvesting, withdrawal."""
from __future__ import annotations

import zipfile
from urllib.parse import urlparse

import pytest
import requests
from sqlalchemy import select

from tests.conftest import drain
from tests.integration.dossier_helpers import meeting_files, woo_besluit_files, write_xlsx
from tests.integration.test_harvest import crawl
from woo.adapters.models import Document, DossierDocument, Event, Organisation
from woo.domain import tooi
from woo.metadata.diwoo import parse_diwoo_document
from woo.services import accounts, dossier_import, dossiers, publication
from woo.services.context import SYSTEM

TWO_I = tooi.category_by_code("2i").uri
PRIVACY = "correctie_privacygevoelige_gegevens"


def _org(ctx) -> int:
    with ctx.unit_of_work() as s:
        return accounts.default_organisation(s).id


def import_woo_besluit(ctx, tmp_path, **values):
    files = woo_besluit_files(tmp_path / "in")
    report = dossier_import.import_dossier(
        ctx, SYSTEM, _org(ctx), {"title": "Woo-besluit haven", "kind": "woo-besluit", "reference": "WOO-2024-7",
                                 "received_date": "2024-03-01", "decision_date": "2024-03-25",
                                 "decision": "deels openbaar", **values},
        files["zip"], files["inventory"], "inventaris.xlsx", files["decision"], "besluit.pdf")
    assert report.ok, report.problems
    return report


def allow_open_findings(ctx, dossier_id):
    """The officer's privacy review: the generated inventarislijst lists dates, which the gate flags as possible
    birth dates; the officer allows them with a reason (any other document would be judged the same way)."""
    from woo.adapters.models import PrivacyFinding
    from woo.services import privacy

    with ctx.unit_of_work() as s:
        open_ = {}
        for item in dossiers.items(s, dossier_id):
            ids = [f.id for f in privacy.findings(s, item.document_id) if f.decision == "open"]
            if ids:
                open_[item.document_id] = (item.role, ids)
        types = {f.type for f in s.query(PrivacyFinding).filter(PrivacyFinding.decision == "open")}
    for doc_id, (role, ids) in open_.items():
        privacy.decide(ctx, SYSTEM, doc_id, ids, "allow", reason="Documentdatum, geen persoonsgegeven.")
    return {role for role, _ in open_.values()}, types


def _by_number(ctx, dossier_id):
    with ctx.unit_of_work() as s:
        return {(i.number or i.role): (i.document_id, i.judgement, i.role)
                for i in dossiers.items(s, dossier_id)}


@pytest.fixture
def site(live_server, woo_ctx):
    with woo_ctx.unit_of_work() as s:
        for org in s.query(Organisation):
            org.public_base_url = live_server
    return live_server


def test_woo_besluit_import_publish_harvest_withdraw(woo_ctx, tmp_path, site):
    report = import_woo_besluit(woo_ctx, tmp_path)
    did = report.dossier_id
    drain(woo_ctx)
    items = _by_number(woo_ctx, did)
    assert {k: v[1] for k, v in items.items()} == {
        "besluit": "openbaar", "inventarislijst": "openbaar", "1001": "openbaar", "1002": "deels-openbaar",
        "1003": "niet-openbaar", "1004": "reeds-openbaar"}
    with woo_ctx.unit_of_work() as s:
        d = dossiers.get(s, did)
        assert d.category == TWO_I and d.status == "concept" and d.decision == "deels-openbaar"
        docs = {k: s.get(Document, v[0]) for k, v in items.items()}
        assert {doc.category for doc in docs.values()} == {TWO_I}
        assert docs["1001"].document_date.date().isoformat() == "2024-03-18"  # Excel serial date
        assert docs["1003"].document_date.date().isoformat() == "2024-03-18"  # "18 maart 2024"
        item = s.get(DossierDocument, items["1003"][0])
        assert item.grounds == ["5.1.2e", "5.2"] and item.inventory["family"] == "F-1"
        # a document of a dossier is not published on its own
        assert any("dossier" in r for r in publication.publication_blockers(s, docs["1001"]))
        b = dossiers.blockers(s, did)
        assert any("Gereed" in r for r in b.dossier)

    dossiers.set_status(woo_ctx, SYSTEM, did, "gereed")
    blocked = dossiers.publish(woo_ctx, SYSTEM, did)
    assert not blocked.ok and not blocked.published
    roles, types = allow_open_findings(woo_ctx, did)
    assert roles == {"inventarislijst"}, (roles, types)
    result = dossiers.publish(woo_ctx, SYSTEM, did)
    assert result.ok, result.blockers.as_dict()
    publishable = {items[k][0] for k in ("besluit", "inventarislijst", "1001", "1002")}
    assert set(result.published) == publishable
    drain(woo_ctx)  # the feeds job writes the stored sitemaps

    found = crawl(site)
    assert {urlparse(loc).path.split("/")[2] for loc in found} == publishable
    for loc, url in found.items():
        rec = parse_diwoo_document(url)
        assert rec.is_part_of is not None and rec.is_part_of.url == f"{site}/dossiers/{did}"
        assert rec.is_part_of.title == "Woo-besluit haven" and rec.informatiecategorieen == [TWO_I]
    soorten = {urlparse(loc).path.split("/")[2]: parse_diwoo_document(u).documentsoorten for loc, u in found.items()}
    assert soorten[items["besluit"][0]] == [tooi.documentsoort("beslissing op Wob-/Woo-verzoek").uri]
    assert soorten[items["inventarislijst"][0]] == [tooi.documentsoort("publicatie").uri]

    page = requests.get(f"{site}/dossiers/{did}", timeout=10)
    assert page.status_code == 200
    html = page.text
    assert "Woo-besluit haven" in html and "Deels openbaar" in html and "op tijd" in html
    for k in ("1001", "1002"):
        assert f"/publicaties/{items[k][0]}/bestand" in html
    for k in ("1003",):  # niet openbaar: its grounds, never a file link
        assert f"/publicaties/{items[k][0]}" not in html
    assert "5.1.2e" in html and "https://www.rijksoverheid.nl/documenten/rapport-1004" in html
    csv_text = requests.get(f"{site}/dossiers/{did}/inventarislijst.csv", timeout=10).content.decode("utf-8-sig")
    lines = csv_text.splitlines()
    row_1003 = next(line for line in lines if line.startswith("1003;"))
    assert "Niet openbaar" in row_1003 and "5.1.2e" in row_1003 and "/publicaties/" not in row_1003
    assert f"/publicaties/{items['1001'][0]}/bestand" in csv_text
    xlsx = requests.get(f"{site}/dossiers/{did}/inventarislijst.xlsx", timeout=10)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    search = requests.get(f"{site}/publicaties", params={"q": "haven"}, timeout=10).text
    assert f"/dossiers/{did}" in search

    with woo_ctx.unit_of_work() as s:
        actions = [e.detail.get("dossier") and e.action for e in s.execute(select(Event)).scalars()]
        assert {"dossier.created", "dossier.imported", "dossier.status", "dossier.published"} <= set(actions)

    withdrawn = dossiers.withdraw(woo_ctx, SYSTEM, did, PRIVACY)
    assert set(withdrawn) == publishable
    for doc_id in publishable:
        assert requests.get(f"{site}/publicaties/{doc_id}/bestand", timeout=10).status_code == 410
    assert requests.get(f"{site}/dossiers/{did}", timeout=10).status_code == 410
    assert "Sitemap:" not in requests.get(f"{site}/robots.txt", timeout=10).text


def test_meeting_dossier(woo_ctx, tmp_path, site):
    files = meeting_files(tmp_path / "in")
    report = dossier_import.import_dossier(woo_ctx, SYSTEM, _org(woo_ctx),
                                           {"title": "Raadsvergadering 12 maart", "kind": "vergadering"},
                                           files["zip"], files["inventory"], "stukken.csv")
    assert report.ok, report.problems
    did = report.dossier_id
    drain(woo_ctx)
    items = _by_number(woo_ctx, did)
    assert set(items) == {"A1", "A2", "A3"}  # no besluit, no inventarislijst for a meeting
    with woo_ctx.unit_of_work() as s:
        cats = {k: s.get(Document, v[0]).category for k, v in items.items()}
    assert cats == {"A1": tooi.category_by_code("2c").uri, "A2": tooi.category_by_code("2c").uri,
                    "A3": tooi.category_by_code("2a").uri}
    with pytest.raises(dossiers.DossierError, match="Alleen een Woo-besluit"):
        dossiers.open_for_requester(woo_ctx, SYSTEM, did)
    dossiers.set_status(woo_ctx, SYSTEM, did, "gereed")
    result = dossiers.publish(woo_ctx, SYSTEM, did)
    assert result.ok and set(result.published) == {v[0] for v in items.values()}
    drain(woo_ctx)
    found = crawl(site)
    assert {urlparse(loc).path.split("/")[2] for loc in found} == set(result.published)
    assert all(parse_diwoo_document(u).is_part_of.url.endswith(f"/dossiers/{did}") for u in found.values())
    oai = requests.get(f"{site}/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc",
                                              "set": "dossier:vergadering"}, timeout=10).text
    assert all(v[0] in oai for v in items.values())
    assert "noRecordsMatch" in requests.get(f"{site}/oai", params={"verb": "ListIdentifiers",
                                                                  "metadataPrefix": "oai_dc",
                                                                  "set": "dossier:woo-besluit"}, timeout=10).text
    assert "dossier:publicatie" in requests.get(f"{site}/oai", params={"verb": "ListSets"}, timeout=10).text
    page = requests.get(f"{site}/dossiers/{did}", timeout=10).text
    assert "Raadsvergadering 12 maart" in page and "Ingekomen stuk" in page
    dossiers.withdraw(woo_ctx, SYSTEM, did, PRIVACY)
    for doc_id in result.published:
        assert requests.get(f"{site}/publicaties/{doc_id}/bestand", timeout=10).status_code == 410


def test_publish_is_all_or_nothing_and_judging(woo_ctx, tmp_path):
    report = import_woo_besluit(woo_ctx, tmp_path)
    did = report.dossier_id
    items = _by_number(woo_ctx, did)
    dossiers.set_status(woo_ctx, SYSTEM, did, "gereed")
    # jobs not run yet: everything publishable is blocked, nothing is published
    result = dossiers.publish(woo_ctx, SYSTEM, did)
    assert not result.ok and items["1001"][0] in result.blockers.documents
    with woo_ctx.unit_of_work() as s:
        assert all(s.get(Document, v[0]).status != "published" for v in items.values())
        assert dossiers.get(s, did).status == "gereed"
    drain(woo_ctx)
    # judgements cannot change once gereed -> back to concept, judge, the inventarislijst follows
    with pytest.raises(dossiers.DossierError, match="kan niet meer"):
        dossiers.judge(woo_ctx, SYSTEM, did, items["1001"][0], "niet openbaar", "5.1.2i")
    dossiers.set_status(woo_ctx, SYSTEM, did, "concept")
    with woo_ctx.unit_of_work() as s:
        inv = s.get(Document, items["inventarislijst"][0]).file("original").sha256
    with pytest.raises(dossiers.DossierError, match="weigeringsgrond"):
        dossiers.judge(woo_ctx, SYSTEM, did, items["1001"][0], "niet openbaar")
    dossiers.judge_bulk(woo_ctx, SYSTEM, did, [items["1001"][0]], "deels openbaar", "5.1.2e")
    dossiers.judge(woo_ctx, SYSTEM, did, items["1004"][0], "reeds openbaar",
                   public_link="https://www.rijksoverheid.nl/documenten/rapport-1004")
    with woo_ctx.unit_of_work() as s:
        # remade in the background: the previous list stays until the new one is stored, one job for both changes
        inv_doc = s.get(Document, items["inventarislijst"][0])
        assert inv_doc.file("original").sha256 == inv
        assert [(j.kind, j.status) for j in inv_doc.jobs if j.kind == "inventory"] == [("inventory", "queued")]
        assert any("Inventarislijst bijwerken" in r for r in dossiers.blockers(s, did).documents[inv_doc.id])
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, items["inventarislijst"][0]).file("original").sha256 != inv  # regenerated
        b = dossiers.blockers(s, did)
        # 1001 came in as an openbaar (unredacted) file: 'deels openbaar' now needs redactions
        assert any("niets gelakt" in r for r in b.documents[items["1001"][0]])
    dossiers.set_status(woo_ctx, SYSTEM, did, "gereed")
    assert not dossiers.publish(woo_ctx, SYSTEM, did).ok
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, items["1002"][0]).status != "published"

    # online voor verzoeker: a secret link that expires
    dossiers.set_status(woo_ctx, SYSTEM, did, "concept")
    dossiers.judge(woo_ctx, SYSTEM, did, items["1001"][0], "openbaar")
    drain(woo_ctx)
    allow_open_findings(woo_ctx, did)
    dossiers.set_status(woo_ctx, SYSTEM, did, "gereed")
    token = dossiers.open_for_requester(woo_ctx, SYSTEM, did, days=7)
    with woo_ctx.unit_of_work() as s:
        assert dossiers.requester_dossier(s, did, token) is not None
        assert dossiers.requester_dossier(s, did, token + "x") is None
        from datetime import datetime, timedelta, timezone
        assert dossiers.requester_dossier(s, did, token, now=datetime.now(timezone.utc) + timedelta(days=8)) is None
    assert dossiers.publish(woo_ctx, SYSTEM, did).ok


def test_import_problems_are_reported_and_nothing_is_stored(woo_ctx, tmp_path):
    org = _org(woo_ctx)
    files = woo_besluit_files(tmp_path / "a", rows=[
        ("1", "Openbaar", "", "31-02-2024", ""), ("1", "Openbaar", "", "", ""), ("2", "Misschien", "", "", ""),
        ("3", "Niet openbaar", "10.2e", "", ""), ("4", "Deels openbaar", "", "", "")],
        extra_members={"los-bestand.pdf": b"%PDF-1.4\n"})
    with zipfile.ZipFile(files["zip"], "a") as zf:
        pass
    inventory = write_xlsx(tmp_path / "a" / "extra.xlsx", ["id", "DOCUMENT NR", "beoordeling", "Beoordelings grond",
                                                           "Titel"],
                           [["7", "7", "Openbaar", "", "=HYPERLINK(\"http://x\")"], ["8", "8", "Openbaar", "", "ok"]])
    values = {"title": "Fout dossier", "kind": "woo-besluit"}
    with woo_ctx.unit_of_work() as s:
        before = s.query(Document).count()
    report = dossier_import.import_dossier(woo_ctx, SYSTEM, org, values, files["zip"], files["inventory"],
                                           "inventaris.xlsx", None, None)
    text = "\n".join(report.problems)
    assert not report.ok and report.dossier_id is None
    assert "besluitbrief" in text and "31-02-2024" in text and "komt dubbel voor" in text
    assert "onbekende beoordeling 'Misschien'" in text and "10.2e" in text
    assert "los-bestand.pdf hoort bij geen enkele rij" in text and "minstens één weigeringsgrond" in text
    report = dossier_import.import_dossier(woo_ctx, SYSTEM, org, values, files["zip"], inventory, "extra.xlsx",
                                           files["decision"], "besluit.pdf")
    text = "\n".join(report.problems)
    assert "formule" in text and "ID 7" in text and "er is geen bestand" in text
    bad = tmp_path / "a" / "kapot.csv"
    bad.write_text("Naam;Iets\nx;y\n", encoding="utf-8")
    report = dossier_import.import_dossier(woo_ctx, SYSTEM, org, values, files["zip"], bad, "kapot.csv",
                                           files["decision"], "besluit.pdf")
    assert "verplichte kolom" in report.problems[0] and "Beoordelingsgrond" in report.problems[0]
    evil = tmp_path / "a" / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../1.pdf", b"%PDF-1.4")
    report = dossier_import.import_dossier(woo_ctx, SYSTEM, org, values, evil, files["inventory"],
                                           "inventaris.xlsx", files["decision"], "besluit.pdf")
    assert any("buiten het archief" in p for p in report.problems)
    with woo_ctx.unit_of_work() as s:
        assert s.query(Document).count() == before
        assert dossiers.list_dossiers(s, None) == []


def test_import_report_counts_every_document_it_created(woo_ctx, tmp_path):
    """What the import reports equals what it made: the inventory's documents, the decision letter and the
    generated inventarislijst of a Woo-besluit; a meeting's stukken alone (it gets no inventarislijst)."""
    report = import_woo_besluit(woo_ctx, tmp_path / "besluit")
    with woo_ctx.unit_of_work() as s:
        roles = [i.role for i in dossiers.items(s, report.dossier_id)]
    assert sorted(set(roles)) == ["besluit", "document", "inventarislijst"]
    assert report.documents == len(roles) == report.rows + 2
    files = meeting_files(tmp_path / "vergadering")
    meeting = dossier_import.import_dossier(woo_ctx, SYSTEM, _org(woo_ctx), {"title": "Raad 12 maart",
                                                                             "kind": "vergadering"},
                                            files["zip"], files["inventory"], "stukken.csv")
    assert meeting.ok, meeting.problems
    with woo_ctx.unit_of_work() as s:
        assert meeting.documents == len(dossiers.items(s, meeting.dossier_id)) == meeting.rows == 3


def test_parse_dates():
    from datetime import date
    p = dossier_import.parse_date
    assert p(45369) == date(2024, 3, 18) and p("45369") == date(2024, 3, 18)
    assert p("18-03-2024") == p("18/3/2024") == p("18.03.2024") == p("18 maart 2024") == date(2024, 3, 18)
    assert p("2024-03-18T10:00:00") == p("maandag 18 mrt 2024") == date(2024, 3, 18)
    assert p("31-02-2024") is None and p("gisteren") is None


def test_import_from_a_7z_archive(woo_ctx, tmp_path):
    """The same Woo-besluit with its documents in a 7z archive (folders inside) instead of a ZIP."""
    import py7zr

    files = woo_besluit_files(tmp_path / "in")
    seven = tmp_path / "documenten.7z"
    with zipfile.ZipFile(files["zip"]) as zf, py7zr.SevenZipFile(seven, "w") as z:
        for info in zf.infolist():
            z.writestr(zf.read(info), info.filename)
    report = dossier_import.import_dossier(
        woo_ctx, SYSTEM, _org(woo_ctx), {"title": "Woo-besluit 7z", "kind": "woo-besluit",
                                         "decision_date": "2024-03-25"},
        seven, files["inventory"], "inventaris.xlsx", files["decision"], "besluit.pdf")
    assert report.ok, report.problems
    assert report.files == 4 and report.documents == 6  # and the decision letter and the inventarislijst
    numbers = _by_number(woo_ctx, report.dossier_id)
    assert {"1001", "1002", "1003", "1004", "besluit"} <= set(numbers)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, numbers["1001"][0])
        assert doc.file("original").size > 0 and woo_ctx.store.get_bytes(doc.file("original").object_key)[:4] == b"%PDF"
    # classification of a dossier's documents weighs the dossier: a Woo-besluit's documents lean to 2i, with why
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        suggestion = s.get(Document, numbers["1001"][0]).suggestion
    assert suggestion["category"] == TWO_I
    assert any(r.startswith("Context: Het document hoort bij een Woo-besluit") for r in suggestion["reasons"])


def _letter(s, dossier_id):
    return next(i.document for i in dossiers.items(s, dossier_id) if i.role == "besluit")


def test_decision_letter_gets_the_dossier_date_when_attached_and_edited(woo_ctx, tmp_path):
    """The dossier's decision date is written onto its decision letter where the dates are set: when the
    letter is attached (the import) and when the officer changes the decision date, not by the blocker check."""
    did = import_woo_besluit(woo_ctx, tmp_path).dossier_id
    with woo_ctx.unit_of_work() as s:
        letter = _letter(s, did)
        assert letter.document_date.date().isoformat() == "2024-03-25"
        assert letter.metadata_["date_from_dossier"] == did
        letter.document_date = None  # a letter dated before the rule wrote it (or whose date was cleared)
    dossiers.edit(woo_ctx, SYSTEM, did, {"decision_date": "2024-03-27"})
    with woo_ctx.unit_of_work() as s:
        assert _letter(s, did).document_date.date().isoformat() == "2024-03-27"


def test_blocker_check_only_reads(woo_ctx, tmp_path):
    """Listing what blocks publication changes no row, and still does not count a missing date against a
    letter the dossier dates (the transition writes that date first)."""
    from woo.domain.worklist import DATE_REASON

    did = import_woo_besluit(woo_ctx, tmp_path).dossier_id
    with woo_ctx.unit_of_work() as s:
        letter = _letter(s, did)
        letter_id = letter.id
        letter.document_date = None
        letter.metadata_ = {k: v for k, v in letter.metadata_.items() if k != "date_from_dossier"}
    with woo_ctx.unit_of_work() as s:
        b = dossiers.blockers(s, did)
        assert not (s.dirty or s.new or s.deleted)
        assert not any(s.is_modified(o) for o in s.identity_map.values())
        assert DATE_REASON not in b.documents.get(letter_id, [])
        late = dossiers.late_blockers(s, dossiers.get(s, did))  # the same check, for late documents
        assert not (s.dirty or s.new or s.deleted)
        assert DATE_REASON not in late.get(letter_id, [])
    with woo_ctx.unit_of_work() as s:
        letter = s.get(Document, letter_id)
        assert letter.document_date is None and "date_from_dossier" not in letter.metadata_
