"""The same dossier service through the API (/api/v1/dossiers), the CLI (woo dossier ...) and the officer UI."""
from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.integration.dossier_helpers import meeting_files, woo_besluit_files
from tests.integration.test_dossiers import allow_open_findings
from tests.integration.test_web_api import _csrf, login
from woo.adapters.models import Dossier, User
from woo.app import create_app
from woo.services import accounts
from woo.services.context import SYSTEM


def _token(ctx, scopes="ingest read edit publish"):
    with ctx.unit_of_work() as s:
        admin = s.execute(select(User).where(User.username == "admin")).scalar_one()
        return accounts.create_token(s, SYSTEM, admin, "zaaksysteem", scopes=scopes)


def test_api_import_judge_publish_withdraw(woo_ctx, tmp_path):
    client = create_app(ctx=woo_ctx).test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"/dossiers", "/dossiers/import", "/dossiers/{dossier_id}/publish"} <= set(spec["paths"])
    auth = {"Authorization": f"Bearer {_token(woo_ctx)}"}
    assert client.get("/api/v1/dossiers").status_code == 401
    bad = client.post("/api/v1/dossiers", json={"title": "", "kind": "woo-besluit"}, headers=auth)
    assert bad.status_code == 422 and "titel" in bad.get_json()["detail"]
    files = woo_besluit_files(tmp_path / "in")
    with open(files["zip"], "rb") as z, open(files["inventory"], "rb") as inv:
        refused = client.post("/api/v1/dossiers/import", headers=auth, data={
            "title": "Via de API", "kind": "woo-besluit", "zip": (z, "d.zip"), "inventory": (inv, "inventaris.xlsx")})
    # the import is a background job (as from the officer's page): 202 with the URL of its status
    assert refused.status_code == 202 and refused.headers["Location"] == refused.get_json()["status_url"]
    assert refused.get_json()["status"] == "wachtend" and not refused.get_json()["finished"]
    drain(woo_ctx)
    failed = client.get(refused.get_json()["status_url"], headers=auth).get_json()
    assert failed["status"] == "mislukt" and any("besluitbrief" in p for p in failed["problems"])
    assert failed["dossier_id"] is None
    with open(files["zip"], "rb") as z, open(files["inventory"], "rb") as inv, open(files["decision"], "rb") as dl:
        resp = client.post("/api/v1/dossiers/import", headers=auth, data={
            "title": "Via de API", "kind": "woo-besluit", "decision": "deels-openbaar", "zip": (z, "d.zip"),
            "inventory": (inv, "inventaris.xlsx"), "decision_letter": (dl, "besluit.pdf")})
    assert resp.status_code == 202, resp.get_json()
    assert "/dossiers/imports/{import_id}" in spec["paths"]
    assert "202" in spec["paths"]["/dossiers/import"]["post"]["responses"]
    assert client.get("/api/v1/dossiers/imports/bestaat-niet", headers=auth).status_code == 404
    drain(woo_ctx)
    done = client.get(resp.headers["Location"], headers=auth).get_json()
    assert done["status"] == "klaar" and done["finished"] and done["done"] == done["total"] == 6, done
    body = client.get(done["dossier_url"], headers=auth).get_json()
    did = body["id"]
    by_number = {d["number"]: d for d in body["documents"] if d["number"]}
    r = client.post(f"/api/v1/dossiers/{did}/judgements", headers=auth,
                    json={"documents": [by_number["1001"]["id"]], "judgement": "niet openbaar"})
    assert r.status_code == 422 and "weigeringsgrond" in r.get_json()["detail"]
    r = client.post(f"/api/v1/dossiers/{did}/judgements", headers=auth,
                    json={"documents": [by_number["1001"]["id"]], "judgement": "niet openbaar", "grounds": ["5.1.2i"]})
    assert r.status_code == 200 and {d["id"]: d for d in r.get_json()["documents"]}[by_number["1001"]["id"]][
        "grounds"] == ["5.1.2i"]
    assert client.post(f"/api/v1/dossiers/{did}/status", headers=auth, json={"status": "gereed"}).status_code == 200
    blocked = client.post(f"/api/v1/dossiers/{did}/publish", headers=auth)
    assert blocked.status_code == 409 and blocked.get_json()["blockers"]["documents"]
    drain(woo_ctx)
    client.post(f"/api/v1/dossiers/{did}/status", headers=auth, json={"status": "concept"})
    allow_open_findings(woo_ctx, did)
    client.post(f"/api/v1/dossiers/{did}/status", headers=auth, json={"status": "gereed"})
    ok = client.post(f"/api/v1/dossiers/{did}/publish", headers=auth)
    assert ok.status_code == 200 and ok.get_json()["status"] == "openbaar", ok.get_json()
    assert client.get(f"/dossiers/{did}").status_code == 200
    w = client.post(f"/api/v1/dossiers/{did}/withdraw", headers=auth, json={"reason": "correctie_procedurele_fout"})
    assert w.status_code == 200 and w.get_json()["status"] == "ingetrokken"
    read_only = {"Authorization": f"Bearer {_token(woo_ctx, 'read')}"}
    assert client.post(f"/api/v1/dossiers/{did}/publish", headers=read_only).status_code == 403
    assert [d["id"] for d in client.get("/api/v1/dossiers", headers=read_only).get_json()["items"]] == [did]


def _with_worker(ctx, invoke):
    """Run a CLI command that waits for a background job while this thread works the queue off."""
    import threading
    import time

    out = {}
    t = threading.Thread(target=lambda: out.update(result=invoke()))
    t.start()
    while t.is_alive():
        drain(ctx)
        time.sleep(0.2)
    t.join()
    return out["result"]


def test_cli_dossier_commands(woo_ctx, tmp_path):
    from woo.cli import main

    env, data = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")]
    files = meeting_files(tmp_path / "in")
    run = CliRunner()
    # the import is a background job: the command shows its progress and waits for the worker (here: this test)
    bad = _with_worker(woo_ctx, lambda: run.invoke(main, [
        "dossier", "import", str(files["zip"]), "--inventory", str(files["zip"]), "--title", "X",
        "--kind", "vergadering", *data], env=env))
    assert bad.exit_code == 1 and "Niets opgeslagen" in bad.output and "XLSX- of CSV" in bad.output
    res = _with_worker(woo_ctx, lambda: run.invoke(main, [
        "dossier", "import", str(files["zip"]), "--inventory", str(files["inventory"]), "--title", "Raad 12 maart",
        "--kind", "vergadering", "--json", *data], env=env))
    assert res.exit_code == 0, res.output
    report = json.loads(res.output.strip().splitlines()[-1])
    did = report["dossier"]
    assert report["documents"] == 3 and report["problems"] == [] and report["status"] == "klaar"
    # --no-wait: the id at once; import-status tells how far it is
    other = meeting_files(tmp_path / "in2")
    queued = run.invoke(main, ["dossier", "import", str(other["zip"]), "--inventory", str(other["inventory"]),
                               "--title", "Raad 12 maart (2)", "--kind", "vergadering", "--no-wait", *data], env=env)
    import_id = queued.output.strip()
    assert queued.exit_code == 0 and len(import_id) == 32, queued.output
    st = run.invoke(main, ["dossier", "import-status", import_id, *data], env=env)
    assert st.exit_code == 0 and "Wacht op verwerking" in st.output
    # no worker running: --timeout stops waiting with a Dutch hint and exit 3; the import stays queued
    waited = run.invoke(main, ["dossier", "import-status", import_id, "--wait", "--timeout", "0.5", *data], env=env)
    assert waited.exit_code == 3, waited.output
    assert "geen worker" in waited.output and "woo worker" in waited.output
    assert f"woo dossier import-status {import_id} --wait" in waited.output
    again = run.invoke(main, ["dossier", "import", str(other["zip"]), "--inventory", str(other["inventory"]),
                              "--title", "Raad 12 maart (3)", "--kind", "vergadering", "--timeout", "0", "--json",
                              *data], env=env)
    answer = next(json.loads(line) for line in again.output.splitlines() if line.startswith("{"))
    assert again.exit_code == 3 and answer["finished"] is False and answer["status"] == "wachtend", again.output
    drain(woo_ctx)
    st = run.invoke(main, ["dossier", "import-status", import_id, "--json", *data], env=env)
    later = json.loads(st.output)
    assert later["status"] == "klaar" and later["documents"] == 3 and later["dossier"] not in (None, did)
    assert run.invoke(main, ["dossier", "import-status", "bestaat-niet", *data], env=env).exit_code == 1
    # a document whose work is not done (here: a text extraction queued again) blocks the whole dossier
    from woo.services import dossiers as dsvc
    from woo.services import jobs

    with woo_ctx.unit_of_work() as s:
        job_id = jobs.add_job(s, dsvc.items(s, did)[0].document_id, "extract").id
    refused = run.invoke(main, ["dossier", "publish", did, *data], env=env)
    assert refused.exit_code == 1 and "Niets gepubliceerd" in refused.output
    jobs.dispatch(woo_ctx, job_id)
    drain(woo_ctx)
    shown = run.invoke(main, ["dossier", "show", did, "--json", *data], env=env)
    info = json.loads(shown.output)
    assert info["kind"] == "vergadering" and len(info["documents"]) == 3 and info["status"] == "gereed"
    # judging from the CLI: the same service call as the pages and the API, refusals in Dutch, all or none;
    # judgements change only in a concept, so the dossier goes back to concept first
    first = info["documents"][0]["document"]
    judge = ["dossier", "judge", did]
    closed = run.invoke(main, [*judge, first, "--judgement", "openbaar", *data], env=env)
    assert closed.exit_code == 1 and "status 'Gereed'" in closed.output
    opened = run.invoke(main, ["dossier", "status", did, "concept", *data], env=env)
    assert opened.exit_code == 0 and "concept" in opened.output, opened.output
    bad = run.invoke(main, [*judge, first, "--judgement", "misschien", *data], env=env)
    assert bad.exit_code == 1 and "Onbekende beoordeling" in bad.output
    stray = run.invoke(main, [*judge, first, "bestaat-niet", "--judgement", "niet-openbaar", "--ground", "5.1.2e",
                              *data], env=env)
    assert stray.exit_code == 1 and "Niet in dit dossier: bestaat-niet" in stray.output
    refused = run.invoke(main, [*judge, first, "--judgement", "niet-openbaar", "--ground", "9.9", *data], env=env)
    assert refused.exit_code == 1 and "Onbekende weigeringsgrond" in refused.output
    assert [d["judgement"] for d in json.loads(run.invoke(main, ["dossier", "show", did, "--json", *data],
                                                          env=env).output)["documents"]] == \
        [d["judgement"] for d in info["documents"]]  # nothing changed by the refusals
    judged = run.invoke(main, [*judge, first, "--judgement", "niet-openbaar", "--ground", "5.1.2e", *data], env=env)
    assert judged.exit_code == 0 and "1 document beoordeeld" in judged.output, judged.output
    docs = json.loads(run.invoke(main, ["dossier", "show", did, "--json", *data], env=env).output)["documents"]
    assert docs[0]["judgement"] == "niet-openbaar" and docs[0]["grounds"] == ["5.1.2e"], docs[0]
    back = run.invoke(main, [*judge, first, "--judgement", "openbaar", *data], env=env)
    assert back.exit_code == 0, back.output
    # back to concept is the officer's choice; the CLI publish moves concept -> gereed itself
    ok = run.invoke(main, ["dossier", "publish", did, *data], env=env)
    assert ok.exit_code == 0 and "3 bestanden openbaar" in ok.output, ok.output
    w = run.invoke(main, ["dossier", "withdraw", did, "--reason", "correctie_procedurele_fout", *data], env=env)
    assert w.exit_code == 0 and "3 documenten" in w.output
    c = run.invoke(main, ["dossier", "create", "--title", "Losse publicatie", "--kind", "publicatie", *data], env=env)
    assert c.exit_code == 1 and "informatiecategorie" in c.output
    c = run.invoke(main, ["dossier", "create", "--title", "Losse publicatie", "--kind", "publicatie",
                          "--category", "adviezen", *data], env=env)
    assert c.exit_code == 0 and len(c.output.strip()) == 32


def test_officer_pages_create_add_judge_publish(woo_ctx, tmp_path):
    from tests.integration.test_publish import make_pdf

    app = create_app(ctx=woo_ctx)
    app.config["TESTING"] = True
    client = app.test_client()
    login(client, woo_ctx=woo_ctx)
    page = client.get("/dossiers")
    assert page.status_code == 200 and "Nieuw dossier" in page.get_data(as_text=True)
    with woo_ctx.unit_of_work() as s:
        org_id = accounts.default_organisation(s).id
    r = client.post("/dossiers", data={"csrf_token": _csrf(client, "/dossiers"), "title": "Adviezen haven",
                                       "kind": "publicatie", "category": "adviezen", "organisation_id": org_id})
    assert r.status_code == 302
    with woo_ctx.unit_of_work() as s:
        did = s.execute(select(Dossier.id)).scalar_one()
    detail = f"/dossiers/{did}/beheer"
    pdf = make_pdf(tmp_path / "advies.pdf", ["Advies over de haven"])
    with open(pdf, "rb") as fh:
        client.post(f"/dossiers/{did}/documenten", data={"csrf_token": _csrf(client, detail), "role": "document",
                                                         "title": "Advies over de haven",
                                                         "file": (fh, "advies.pdf")})
    drain(woo_ctx)
    html = client.get(detail).get_data(as_text=True)
    assert "Advies over de haven" in html and "Openbaar" in html
    client.post(f"/dossiers/{did}/status", data={"csrf_token": _csrf(client, detail), "status": "gereed"})
    client.post(f"/dossiers/{did}/publiceren", data={"csrf_token": _csrf(client, detail)})
    html = client.get(detail).get_data(as_text=True)
    assert "Dossier gepubliceerd (1 bestanden openbaar)" in html and "Openbare pagina" in html
    public = client.get(f"/dossiers/{did}").get_data(as_text=True)
    assert "Adviezen haven" in public and "adviezen" in public
