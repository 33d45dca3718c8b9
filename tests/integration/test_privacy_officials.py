"""Officials in their public role are proposed as 'publiek ambtsdrager' (one click allows them with that
reason); producer metadata that the public PDF drops is recorded without needing a decision."""
from __future__ import annotations

import pikepdf

from tests.conftest import drain
from tests.factories import make_pdf
from woo.services import accounts, privacy, publication
from woo.services.context import Actor
from woo.services.ingest import ingest

OFFICER = Actor("user", None, "officer-test")


def test_officials_are_proposed_and_allowed_in_one_click(woo_ctx, tmp_path):
    pdf = make_pdf(tmp_path / "regeling.pdf", [
        "Regeling van de minister. Artikel 1. Deze regeling treedt in werking op 1 januari 2025. "
        "Verzoeker mevrouw Ayse Yilmaz heeft gereageerd.",
        "De Minister van Binnenlandse Zaken en Koninkrijksrelaties, R.H.A. Plasterk",
    ])
    with pikepdf.open(pdf) as doc:  # what a print driver writes into the file
        doc.docinfo["/Producer"] = "PScript5.dll Version 5.2.2"
        doc.docinfo["/Creator"] = "Microsoft Word - regeling.docx"
        doc.save(tmp_path / "regeling-printed.pdf")
    pdf = tmp_path / "regeling-printed.pdf"
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    doc_id = ingest(woo_ctx, OFFICER, org, "regeling.pdf", path=pdf).document_id
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        rows = privacy.findings(s, doc_id)
        by_text = {f.text: f for f in rows}
        doc = s.get(privacy.Document, doc_id)
        blockers = privacy.blockers(s, doc)
    official = by_text["R.H.A. Plasterk"]
    assert official.decision == privacy.PROPOSED_OFFICIAL and "minister" in official.reason
    assert by_text["Ayse Yilmaz"].decision == privacy.OPEN  # a citizen stays an open finding
    removed = [f for f in rows if f.type == "hidden" and f.decision == privacy.REMOVED]
    assert len(removed) == 2 and any("PScript5.dll" in f.text for f in removed)
    assert all(f.reason == privacy.REMOVED_REASON and f.decided_by is None for f in removed)
    assert not any(f.decision == privacy.OPEN for f in rows if f.type == "hidden")
    assert any("ambtsdrager" in b for b in blockers)

    assert privacy.allow_officials(woo_ctx, OFFICER, doc_id) == 1
    with woo_ctx.unit_of_work() as s:
        official = next(f for f in privacy.findings(s, doc_id) if f.text == "R.H.A. Plasterk")
        assert official.decision == privacy.ALLOW and official.reason.startswith(privacy.OFFICIAL_REASON)
        assert official.decided_by == OFFICER.label
        citizen = next(f for f in privacy.findings(s, doc_id) if f.text == "Ayse Yilmaz")
    # redacting without a ground: the default ground of the kind (names 5.1.2e)
    privacy.decide(woo_ctx, OFFICER, doc_id, [citizen.id], "redact")
    with woo_ctx.unit_of_work() as s:
        citizen = next(f for f in privacy.findings(s, doc_id) if f.text == "Ayse Yilmaz")
        assert citizen.ground == "5.1.2e"
        doc = s.get(privacy.Document, doc_id)
        assert not any("ambtsdrager" in b or "niet beoordeeld" in b for b in privacy.blockers(s, doc))
    with woo_ctx.unit_of_work() as s:
        doc = s.get(privacy.Document, doc_id)
        assert doc.file("redacted") is not None  # every finding decided: the public rendition exists


def test_officials_over_api_and_cli(woo_ctx, tmp_path):
    from click.testing import CliRunner
    from sqlalchemy import select

    from tests.conftest import cli_env
    from woo.adapters.models import User
    from woo.app import create_app
    from woo.cli import main

    pdf = make_pdf(tmp_path / "brief.pdf", [
        "Geachte heer Bakker, uw verzoek is ontvangen.",
        "De Staatssecretaris van Financien, E.D. Wiebes. De burgemeester van Voorbeeld, J. Jansen"])
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        token = accounts.create_token(s, OFFICER, admin, "zaaksysteem", "read review")
    doc_id = ingest(woo_ctx, OFFICER, org, "brief.pdf", path=pdf).document_id
    drain(woo_ctx)

    env = cli_env(woo_ctx.settings)
    listed = CliRunner().invoke(main, ["privacy", "findings", doc_id, "--data-dir", str(tmp_path / "d")], env=env)
    assert listed.exit_code == 0, listed.output
    assert "voorstel publiek ambtsdrager" in listed.output and "standaard 5.1.2e" in listed.output

    client = create_app(ctx=woo_ctx).test_client()
    url = f"/api/v1/documents/{doc_id}/privacy"
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get(url, headers=auth).get_json()
    proposed = [f for f in body["findings"] if f["decision"] == privacy.PROPOSED_OFFICIAL]
    assert {f["text"] for f in proposed} == {"E.D. Wiebes", "J. Jansen"}
    assert all(f["default_ground"] == "5.1.2e" for f in body["findings"] if f["type"] == "person_name")
    ok = client.post(url, headers=auth, json={"findings": "officials", "decision": "allow_official"})
    assert ok.status_code == 200, ok.get_json()
    allowed = [f for f in ok.get_json()["findings"] if f["text"] in ("E.D. Wiebes", "J. Jansen")]
    assert all(f["decision"] == "allow" and f["reason"].startswith(privacy.OFFICIAL_REASON) for f in allowed)

    # the rest in one go with each kind's default ground (no ground given)
    decided = CliRunner().invoke(main, ["privacy", "decide", doc_id, "--all-open", "--redact", "--user", "admin",
                                        "--data-dir", str(tmp_path / "d")], env=env)
    assert decided.exit_code == 0, decided.output
    with woo_ctx.unit_of_work() as s:
        bakker = next(f for f in privacy.findings(s, doc_id) if f.text == "Bakker")
        assert bakker.decision == "redact" and bakker.ground == "5.1.2e"
    none_left = CliRunner().invoke(main, ["privacy", "decide", doc_id, "--officials", "--data-dir",
                                          str(tmp_path / "d")], env=env)
    assert none_left.exit_code == 0 and "0 publieke ambtsdrager" in none_left.output
