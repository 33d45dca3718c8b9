"""A dossier import started by the officer runs as a background job: a progress page that refreshes itself,
a JSON status endpoint with counts done/total, and the problems when nothing could be stored."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import drain
from tests.integration.dossier_helpers import woo_besluit_files
from tests.integration.retention_helpers import logged_in_client
from woo.adapters.models import Dossier, DossierImport
from woo.app import create_app
from woo.domain.roles import Role
from woo.services import accounts
from woo.services.context import SYSTEM, Actor


def _officer(ctx):
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
        user = accounts.create_user(s, SYSTEM, "officer-import", None, [(Role.OFFICER, None)])
        return org, Actor("user", user.id, "officer-import")


def _upload(client, org, files, title):
    with open(files["zip"], "rb") as a, open(files["inventory"], "rb") as i, open(files["decision"], "rb") as d:
        return client.post("/dossiers/import", data={
            "csrf_token": "csrf-import", "organisation_id": org, "title": title, "kind": "woo-besluit",
            "decision_date": "2024-03-25", "archive": (a, "documenten.zip"), "inventory": (i, "inventaris.xlsx"),
            "decision_letter": (d, "besluit.pdf")}, content_type="multipart/form-data")


def test_import_job_progress_and_outcome(woo_ctx, tmp_path):
    org, officer = _officer(woo_ctx)
    client = logged_in_client(create_app(ctx=woo_ctx), woo_ctx, officer, "csrf-import")

    resp = _upload(client, org, woo_besluit_files(tmp_path / "goed"), "Woo-besluit via de pagina")
    assert resp.status_code == 302 and "/dossiers/import/" in resp.location
    page = client.get(resp.location)
    assert page.status_code == 200 and page.headers["Refresh"] == "2" and "Wacht op verwerking" in page.get_data(as_text=True)
    status_url = resp.location + "/status.json"
    assert client.get(status_url).get_json()["status"] == "wachtend"
    import_id = resp.location.rsplit("/", 1)[1]
    assert list(woo_ctx.store.list(f"imports/{import_id}/"))  # the upload waits in the bucket for the worker

    drain(woo_ctx)
    status = client.get(status_url).get_json()
    assert status["status"] == "klaar" and status["finished"] and status["problems"] == []
    assert status["done"] == status["total"] == 6  # besluit, inventarislijst and the four inventoried documents
    with woo_ctx.unit_of_work() as s:
        d = s.get(Dossier, status["dossier_id"])
        assert d.title == "Woo-besluit via de pagina"
    page = client.get(resp.location)
    assert "Refresh" not in page.headers and f"/dossiers/{status['dossier_id']}/beheer" in page.get_data(as_text=True)
    assert not list(woo_ctx.store.list(f"imports/{import_id}/"))  # the uploaded files are gone again

    # an import with problems: nothing stored, the officer sees the list
    files = woo_besluit_files(tmp_path / "fout", rows=[("2001", "Openbaar", "", "2024-03-18", ""),
                                                         ("2002", "Niet openbaar", "5.9.9z", "31-02-2024", "")])
    bad = _upload(client, org, files, "Woo-besluit met fouten")
    drain(woo_ctx)
    status = client.get(bad.location + "/status.json").get_json()
    assert status["status"] == "mislukt" and status["dossier_id"] is None
    assert any("5.9.9z" in p for p in status["problems"])
    html = client.get(bad.location).get_data(as_text=True)
    assert "Er is niets opgeslagen" in html and "5.9.9z" in html
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Dossier).where(Dossier.title == "Woo-besluit met fouten")).first() is None
        assert {r.status for r in s.execute(select(DossierImport)).scalars()} == {"klaar", "mislukt"}

    # someone else's import is not there for a user of another organisation: 404, never its problems
    assert client.get("/dossiers/import/" + "0" * 32).status_code == 404
