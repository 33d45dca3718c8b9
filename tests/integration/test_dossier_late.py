"""A late attachment: a document added to a dossier that is already public goes through the same gate and is
published with the dossier once it passes (or shows as blocked with its reason on the dossier page), and the
inventarislijst of a Woo-besluit is regenerated (as a correction of the published list, through its gate)."""
from __future__ import annotations

from urllib.parse import urlparse

import requests

from tests.conftest import drain
from tests.factories import unique_mark
from tests.integration.dossier_helpers import meeting_files
from tests.integration.retention_helpers import logged_in_client
from tests.integration.test_dossiers import _by_number, _org, allow_open_findings, import_woo_besluit, site  # noqa: F401
from tests.integration.test_harvest import crawl
from tests.integration.test_publish import make_pdf
from woo.adapters.models import Document, Event
from woo.app import create_app
from woo.services import dossier_import, dossiers, privacy
from woo.services.context import SYSTEM


def _published_woo_besluit(ctx, tmp_path) -> str:
    did = import_woo_besluit(ctx, tmp_path).dossier_id
    drain(ctx)
    dossiers.set_status(ctx, SYSTEM, did, "gereed")
    allow_open_findings(ctx, did)
    result = dossiers.publish(ctx, SYSTEM, did)
    assert result.ok, result.blockers.as_dict()
    drain(ctx)
    return did


def _inventory_sha(ctx, did) -> tuple[str, str]:
    with ctx.unit_of_work() as s:
        item = next(i for i in dossiers.items(s, did) if i.role == "inventarislijst")
        from woo.services.publication import public_file

        return item.document_id, public_file(item.document).sha256


def test_late_document_of_a_woo_besluit(woo_ctx, tmp_path, site):  # noqa: F811
    did = _published_woo_besluit(woo_ctx, tmp_path)
    inv_id, inv_before = _inventory_sha(woo_ctx, did)
    late_pdf = make_pdf(tmp_path / "nagekomen.pdf", ["Nagekomen memo over de haven", f"Kenmerk {unique_mark()}"])
    late = dossiers.ingest_document(woo_ctx, SYSTEM, did, late_pdf, "nagekomen.pdf", title="Nagekomen memo haven")
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, late).status != "published"
        state = dossiers.late_state(s, did)
    assert state.documents[late] == ["Dit nagekomen document is nog niet beoordeeld."]

    # the officer's dossier page shows it as blocked, with the reason
    from woo.domain.roles import Role
    from woo.services import accounts
    from woo.services.context import Actor

    with woo_ctx.unit_of_work() as s:
        user = accounts.create_user(s, SYSTEM, "ambtenaar-laat", None, [(Role.OFFICER, None)])
        officer = Actor("user", user.id, "ambtenaar-laat")
    client = logged_in_client(create_app(ctx=woo_ctx), woo_ctx, officer, "csrf-test")
    html = client.get(f"/dossiers/{did}/beheer").get_data(as_text=True)
    assert "Wat nagekomen documenten tegenhoudt" in html and "nog niet beoordeeld" in html and late[:8] in html

    # judged on the page: it passes the gate and goes out with the dossier
    r = client.post(f"/dossiers/{did}/beoordelen", data={"csrf_token": "csrf-test", "document_id": late,
                                                         "judgement": "openbaar"}, follow_redirects=True)
    assert r.status_code == 200
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        doc = s.get(Document, late)
        assert doc.status == "published" and doc.publication_id == did
        actions = [e.action for e in s.query(Event).filter(Event.action == "dossier.late_published")]
    assert actions == ["dossier.late_published"]

    # the inventarislijst is regenerated: a correction of the published list, which the gate holds (its
    # dates look like birth dates) until the officer allows them; then the new list is the public one
    with woo_ctx.unit_of_work() as s:
        state = dossiers.late_state(s, did)
    assert "De bijgewerkte inventarislijst wacht" in " ".join(state.documents.get(inv_id, [])), state.documents
    assert _inventory_sha(woo_ctx, did)[1] == inv_before  # the old list stays public meanwhile
    with woo_ctx.unit_of_work() as s:
        open_ids = [f.id for f in privacy.findings(s, inv_id) if f.decision == "open"]
    privacy.decide(woo_ctx, SYSTEM, inv_id, open_ids, "allow", reason="Documentdatum, geen persoonsgegeven.")
    drain(woo_ctx)
    assert _inventory_sha(woo_ctx, did)[1] != inv_before
    csv_text = requests.get(f"{site}/dossiers/{did}/inventarislijst.csv", timeout=10).content.decode("utf-8-sig")
    assert "Nagekomen memo haven" in csv_text and f"/publicaties/{late}/bestand" in csv_text
    with woo_ctx.unit_of_work() as s:
        assert dossiers.late_state(s, did).empty

    # harvested with isPartOf, shown on the public dossier page
    found = crawl(site)
    assert late in {urlparse(loc).path.split("/")[2] for loc in found}
    assert f"/publicaties/{late}/bestand" in requests.get(f"{site}/dossiers/{did}", timeout=10).text

    # withdrawing the dossier takes the late document down too
    dossiers.withdraw(woo_ctx, SYSTEM, did, "correctie_privacygevoelige_gegevens")
    assert requests.get(f"{site}/publicaties/{late}/bestand", timeout=10).status_code == 410


def test_late_stuk_of_a_meeting_goes_out_when_its_jobs_are_done(woo_ctx, tmp_path, site):  # noqa: F811
    files = meeting_files(tmp_path / "in")
    report = dossier_import.import_dossier(woo_ctx, SYSTEM, _org(woo_ctx),
                                           {"title": "Raadsvergadering 9 april", "kind": "vergadering"},
                                           files["zip"], files["inventory"], "stukken.csv")
    did = report.dossier_id
    drain(woo_ctx)
    dossiers.set_status(woo_ctx, SYSTEM, did, "gereed")
    assert dossiers.publish(woo_ctx, SYSTEM, did).ok
    # a stuk with a BSN in it: the gate stops it until the officer decides; the others are not held back
    clean = make_pdf(tmp_path / "na1.pdf", ["Nagekomen raadsvoorstel over de haven", f"Kenmerk {unique_mark()}"])
    risky = make_pdf(tmp_path / "na2.pdf", ["Nagekomen brief van een bewoner, BSN 111222333, over de haven",
                                            f"Kenmerk {unique_mark()}"])
    ok_id = dossiers.ingest_document(woo_ctx, SYSTEM, did, clean, "na1.pdf", role="vergaderstuk",
                                     title="Nagekomen raadsvoorstel haven")
    held_id = dossiers.ingest_document(woo_ctx, SYSTEM, did, risky, "na2.pdf", role="ingekomen-stuk",
                                       title="Nagekomen brief haven")
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, ok_id).status != "published"  # its jobs have not run yet
    drain(woo_ctx)  # the job runner publishes it once its chain is done
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, ok_id).status == "published"
        assert s.get(Document, held_id).status != "published"
        state = dossiers.late_state(s, did)
        open_ids = [f.id for f in privacy.findings(s, held_id) if f.decision == "open"]
    assert state.documents.get(held_id) and open_ids
    privacy.decide(woo_ctx, SYSTEM, held_id, open_ids, "redact", ground="5.1.1e")
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        assert s.get(Document, held_id).status == "published"
    found = {urlparse(loc).path.split("/")[2] for loc in crawl(site)}
    assert {ok_id, held_id} <= found
