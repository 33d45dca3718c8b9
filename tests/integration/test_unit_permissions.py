"""Units bound what a user may do, not only what they see (issue 14 item 7): a user in units may edit,
review, publish and hand over work of their units and work of no unit; another unit's document or dossier is
refused (403, Dutch reason on the page and in the API) unless they are an admin or in no unit of that
organisation (organisation-wide). One decision: woo.services.organisations.unit_refusal. Both databases."""
from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_pdf
from tests.integration.security_world import CSRF, build_world
from woo.adapters.models import Document, Dossier, User
from woo.services import accounts
from woo.services import dossiers as dossiersvc
from woo.services import ingest as ingestsvc
from woo.services import organisations as orgsvc
from woo.services.context import SYSTEM

REFUSAL = "hoort bij een andere afdeling (Financiën)"


def _world(ctx, tmp_path):
    world = build_world(ctx, tmp_path)
    vg = orgsvc.add_unit(ctx, SYSTEM, world.org_a, "Vergunningen")
    fin = orgsvc.add_unit(ctx, SYSTEM, world.org_a, "Financiën")
    for who in ("officer", "publisher"):
        orgsvc.add_member(ctx, SYSTEM, vg, who)
    docs = {}
    for unit, name in ((vg, "eigen"), (fin, "ander"), (None, "niemands")):
        pdf = make_pdf(tmp_path / f"{name}.pdf", [f"Stuk {name} van 3 maart 2025 voor de gemeenteraad."])
        docs[name] = ingestsvc.ingest(ctx, SYSTEM, world.org_a, f"{name}.pdf", path=pdf, title=name).document_id
        if unit:
            orgsvc.hand_over_document(ctx, SYSTEM, docs[name], unit)
    return world, vg, fin, docs


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": CSRF, **data}, headers={"X-CSRF-Token": CSRF})


def _title(ctx, doc_id):
    with ctx.unit_of_work() as s:
        return ((s.get(Document, doc_id).metadata_ or {}).get("confirmed") or {}).get("title")


def test_pages_refuse_another_units_work(woo_ctx, tmp_path):
    ctx = woo_ctx
    world, vg, fin, docs = _world(ctx, tmp_path)
    officer = world.client("officer")

    for name in ("eigen", "niemands"):  # own unit's work and work of no unit: allowed
        resp = _post(officer, f"/documenten/{docs[name]}/metadata", field="title", value=f"Titel {name}")
        assert resp.status_code == 302, name
    resp = _post(officer, f"/documenten/{docs['ander']}/metadata", field="title", value="Titel ander")
    assert resp.status_code == 403 and REFUSAL in resp.get_data(as_text=True)
    for url, data in ((f"/documenten/{docs['ander']}/privacy", {"decision": "allow", "finding": "1"}),
                      (f"/documenten/{docs['ander']}/afdeling", {"unit_id": str(vg)})):
        resp = _post(officer, url, **data)
        assert resp.status_code == 403 and REFUSAL in resp.get_data(as_text=True), url
    with ctx.unit_of_work() as s:
        assert s.get(Document, docs["ander"]).unit_id == fin  # not taken over
    # the publisher in Vergunningen may not publish or withdraw Financiën's document
    for url in (f"/documenten/{docs['ander']}/publiceren", f"/documenten/{docs['ander']}/intrekken"):
        # a withdrawal as asked for (confirmed, a known reason): the service refuses it, not the form check
        resp = _post(world.client("publisher"), url, bevestig="1", reden="correctie_procedurele_fout")
        assert resp.status_code == 403 and REFUSAL in resp.get_data(as_text=True), url

    # the page explains it and offers no form that would be refused
    page = officer.get(f"/documenten/{docs['ander']}").get_data(as_text=True)
    assert REFUSAL in page and "Overdragen aan afdeling" not in page
    assert f'action="/documenten/{docs["ander"]}/metadata"' not in page
    own = officer.get(f"/documenten/{docs['eigen']}").get_data(as_text=True)
    assert 'id="andere-afdeling"' not in own and "Overdragen aan afdeling" in own

    # an admin, and a user in no unit of the organisation (organisation-wide), may act on it
    assert _post(world.client("admin"), f"/documenten/{docs['ander']}/metadata", field="title",
                 value="Door beheerder").status_code == 302
    assert _title(ctx, docs["ander"]) == "Door beheerder"
    orgsvc.remove_member(ctx, SYSTEM, vg, "officer")
    assert _post(world.client("officer"), f"/documenten/{docs['ander']}/metadata", field="title",
                 value="Organisatiebreed").status_code == 302
    assert _title(ctx, docs["ander"]) == "Organisatiebreed"


def test_review_queue_offers_only_what_the_user_may_decide(woo_ctx, tmp_path):
    from tests.conftest import drain

    ctx = woo_ctx
    world, vg, fin, docs = _world(ctx, tmp_path)
    drain(ctx)  # the suggestions that put documents in the queue
    queue = world.client("officer").get("/beoordelen").get_data(as_text=True)
    assert f'data-id="{docs["eigen"]}"' in queue and f'data-id="{docs["niemands"]}"' in queue
    assert f'data-id="{docs["ander"]}"' not in queue  # Financiën's: it would be refused
    assert f'data-id="{docs["ander"]}"' in world.client("admin").get("/beoordelen").get_data(as_text=True)
    resp = _post(world.client("officer"), f"/beoordelen/{docs['ander']}")
    assert resp.status_code == 403 and REFUSAL in resp.get_data(as_text=True)


def test_dossier_pages_refuse_another_units_dossier(woo_ctx, tmp_path):
    ctx = woo_ctx
    world, vg, fin, _docs = _world(ctx, tmp_path)
    d_other = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Begroting", "kind": "woo-besluit"})
    orgsvc.hand_over_dossier(ctx, SYSTEM, d_other, fin)
    d_none = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Raadsvoorstel", "kind": "woo-besluit"})
    officer = world.client("officer")
    resp = _post(officer, f"/dossiers/{d_other}/status", status="gereed")
    assert resp.status_code == 403 and REFUSAL in resp.get_data(as_text=True)
    resp = _post(officer, f"/dossiers/{d_other}/afdeling", unit_id=str(vg))
    assert resp.status_code == 403
    with ctx.unit_of_work() as s:
        assert s.get(Dossier, d_other).status == "concept" and s.get(Dossier, d_other).unit_id == fin
    page = officer.get(f"/dossiers/{d_other}/beheer").get_data(as_text=True)
    assert REFUSAL in page and "Gereed melden" not in page and "Document toevoegen" not in page
    assert "Gereed melden" in officer.get(f"/dossiers/{d_none}/beheer").get_data(as_text=True)
    assert _post(officer, f"/dossiers/{d_none}/afdeling", unit_id=str(vg)).status_code == 302


def test_api_refuses_another_units_work(woo_ctx, tmp_path):
    ctx = woo_ctx
    world, vg, fin, docs = _world(ctx, tmp_path)
    with ctx.unit_of_work() as s:
        officer = s.get(User, world.users["officer"])
        token = accounts.create_token(s, SYSTEM, officer, "zaaksysteem", "read edit review")
        publisher = s.get(User, world.users["publisher"])
        pub_token = accounts.create_token(s, SYSTEM, publisher, "publicatie", "read publish")
    client = world.app.test_client()

    def call(method, url, tok=token, **body):
        return client.open(f"/api/v1{url}", method=method, json=body,
                           headers={"Authorization": f"Bearer {tok}"})

    assert call("PATCH", f"/documents/{docs['eigen']}/metadata", title="Eigen titel").status_code == 200
    assert call("PATCH", f"/documents/{docs['niemands']}/metadata", title="Niemands titel").status_code == 200
    for method, url, body in (("PATCH", f"/documents/{docs['ander']}/metadata", {"title": "x"}),
                              ("POST", f"/documents/{docs['ander']}/unit", {"unit_id": vg}),
                              ("POST", f"/documents/{docs['ander']}/privacy", {"findings": [1],
                                                                               "decision": "allow"})):
        r = call(method, url, **body)
        assert r.status_code == 403 and REFUSAL in r.get_json()["detail"], url
    r = call("POST", f"/documents/{docs['ander']}/withdraw", pub_token, reason="correctie_procedurele_fout")
    assert r.status_code == 403 and REFUSAL in r.get_json()["detail"]
    assert call("GET", f"/documents/{docs['ander']}").status_code == 200  # reading is not bounded

    d_id = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Begroting", "kind": "woo-besluit"})
    orgsvc.hand_over_dossier(ctx, SYSTEM, d_id, fin)
    r = call("POST", f"/dossiers/{d_id}/status", status="gereed")
    assert r.status_code == 403 and REFUSAL in r.get_json()["detail"]
    with ctx.unit_of_work() as s:
        assert s.get(Document, docs["ander"]).unit_id == fin
        assert s.execute(select(Dossier.status).where(Dossier.id == d_id)).scalar() == "concept"


def _unit_of(ctx, doc_id):
    with ctx.unit_of_work() as s:
        return s.get(Document, doc_id).unit_id


def test_lists_show_the_unit(woo_ctx, tmp_path):
    ctx = woo_ctx
    world, vg, fin, docs = _world(ctx, tmp_path)
    d_id = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Begroting", "kind": "woo-besluit"})
    orgsvc.hand_over_dossier(ctx, SYSTEM, d_id, fin)
    officer = world.client("officer")
    listing = officer.get("/documenten?afdelingen=alle").get_data(as_text=True)
    assert '<th scope="col">Afdeling</th>' in listing
    assert '<td class="unit">Financiën</td>' in listing and '<td class="unit">Vergunningen</td>' in listing
    assert '<td class="unit">Geen afdeling</td>' in listing
    dossiers = officer.get("/dossiers?afdelingen=alle").get_data(as_text=True)
    assert '<th scope="col">Afdeling</th>' in dossiers and '<td class="unit">Financiën</td>' in dossiers


def test_unit_choice_at_upload_page_and_api(woo_ctx, tmp_path):
    ctx = woo_ctx
    world, vg, fin, _docs = _world(ctx, tmp_path)
    other_org_unit = orgsvc.add_unit(ctx, SYSTEM, world.org_b, "Elders")
    officer = world.client("officer")
    page = officer.get("/documenten/nieuw").get_data(as_text=True)
    assert '<label class="utrecht-form-label" for="unit_id">Afdeling</label>' in page
    assert f'<option value="{vg}" selected>Vergunningen</option>' in page  # the default: their only unit
    assert "Financiën" not in page  # not theirs to put work in
    assert f'<option value="{fin}">Financiën</option>' in world.client("admin").get("/documenten/nieuw") \
        .get_data(as_text=True)

    def upload(client, name, **fields):
        pdf = make_pdf(tmp_path / f"{name}.pdf", [f"Upload {name} van 4 maart 2025 over de begroting."])
        with pdf.open("rb") as fh:
            return client.post("/documenten/upload", headers={"X-CSRF-Token": CSRF, "X-Requested-With": "fetch"},
                               data={"csrf_token": CSRF, "organisation_id": str(world.org_a), "file": (fh, pdf.name),
                                     **fields})

    r = upload(officer, "standaard")
    assert r.status_code == 200 and _unit_of(ctx, r.get_json()["document_id"]) == vg  # as before: their unit
    r = upload(officer, "zonder", unit_id="geen")
    assert r.status_code == 200 and _unit_of(ctx, r.get_json()["document_id"]) is None
    r = upload(officer, "anders", unit_id=str(fin))
    assert r.status_code == 403 and REFUSAL in r.get_json()["detail"]
    r = upload(world.client("admin"), "beheer", unit_id=str(fin))
    assert r.status_code == 200 and _unit_of(ctx, r.get_json()["document_id"]) == fin

    # the resumable upload keeps the choice until the last chunk
    data = make_pdf(tmp_path / "groot.pdf", ["Groot stuk van 5 maart 2025 over de begroting."]).read_bytes()
    h = {"X-CSRF-Token": CSRF, "X-Requested-With": "fetch"}
    r = officer.post("/documenten/upload/sessies", headers=h, data={
        "organisation_id": str(world.org_a), "filename": "groot.pdf", "size": str(len(data)), "unit_id": "geen"})
    assert r.status_code == 201, r.get_data(as_text=True)
    r = officer.patch(r.get_json()["url"], headers={**h, "Upload-Offset": "0"}, data=data)
    assert r.status_code == 200 and _unit_of(ctx, r.get_json()["document_id"]) is None

    with ctx.unit_of_work() as s:
        token = accounts.create_token(s, SYSTEM, s.get(User, world.users["officer"]), "zaaksysteem", "ingest read")
    client = world.app.test_client()

    def api(name, **fields):
        pdf = make_pdf(tmp_path / f"api-{name}.pdf", [f"API-stuk {name} van 6 maart 2025 over de raad."])
        with pdf.open("rb") as fh:
            return client.post("/api/v1/documents", headers={"Authorization": f"Bearer {token}"},
                               data={"organisation": world.org_a_code, "file": (fh, pdf.name), **fields})

    r = api("standaard")
    assert r.status_code == 201 and _unit_of(ctx, r.get_json()["document_id"]) == vg
    r = api("zonder", unit_id="geen")
    assert r.status_code == 201 and _unit_of(ctx, r.get_json()["document_id"]) is None
    assert api("anders", unit_id=str(fin)).status_code == 403
    r = api("elders", unit_id=str(other_org_unit))
    assert r.status_code == 422 and "van deze organisatie" in r.get_json()["detail"]
    assert api("onzin", unit_id="Financiën").status_code == 400
    spec = client.get("/api/v1/openapi.json").get_json()
    form = spec["paths"]["/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "unit_id" in form["properties"]


def test_action_services_refuse_another_units_work_themselves(woo_ctx, tmp_path):
    """The services check units, not only the pages: a user (or their API token, or the CLI with --user) of
    Vergunningen calling edit, privacy, category review, publish, withdraw, correct, hand-over or add-to-dossier
    on Financiën's work is refused with the Dutch reason, and nothing changes; the system works organisation-wide."""
    import pytest
    from click.testing import CliRunner

    from tests.conftest import cli_env
    from woo.cli import main
    from woo.services import classification, describe, privacy, publication
    from woo.services.context import Actor

    ctx = woo_ctx
    world, vg, fin, docs = _world(ctx, tmp_path)
    with ctx.unit_of_work() as s:
        officer = Actor("user", world.users["officer"], "officer")
        publisher = Actor("user", world.users["publisher"], "publisher")
        token_secret = accounts.create_token(s, SYSTEM, s.get(User, world.users["officer"]), "zaak", "read edit")
        token_id = accounts.principal_for_token(s, token_secret).actor.id
    token = Actor("token", token_id, "officer/zaak")
    d_own = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Vergunning", "kind": "woo-besluit"})
    orgsvc.hand_over_dossier(ctx, SYSTEM, d_own, vg)
    d_other = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Begroting", "kind": "woo-besluit"})
    orgsvc.hand_over_dossier(ctx, SYSTEM, d_other, fin)
    pdf = make_pdf(tmp_path / "correctie.pdf", ["Gecorrigeerd stuk van 3 maart 2025 voor de gemeenteraad."])
    other = docs["ander"]
    attempts = {
        "edit": lambda a: describe.set_metadata(ctx, a, other, {"title": "Overgenomen"}),
        "privacy": lambda a: privacy.decide(ctx, a, other, [1], "allow", reason="openbaar"),
        "override": lambda a: privacy.override_failed_scan(ctx, a, other, "geen scan"),
        "category": lambda a: classification.set_category(ctx, a, other, "convenanten"),
        "publish": lambda a: publication.publish(ctx, a, [other]),
        "withdraw": lambda a: publication.withdraw(ctx, a, [other], "correctie_procedurele_fout"),
        "correct": lambda a: publication.correct(ctx, a, other, pdf, "correctie.pdf"),
        "hand over": lambda a: orgsvc.hand_over_document(ctx, a, other, vg),
        "hand over dossier": lambda a: orgsvc.hand_over_dossier(ctx, a, d_other, vg),
        "add to own dossier": lambda a: dossiersvc.add_documents(ctx, a, d_own, [other]),
        "dossier status": lambda a: dossiersvc.set_status(ctx, a, d_other, "gereed"),
        "dossier edit": lambda a: dossiersvc.edit(ctx, a, d_other, {"title": "Andere titel"}),
    }
    for what, attempt in attempts.items():
        actor = publisher if what in ("publish", "withdraw", "correct") else officer
        for who in (actor, token) if what == "edit" else (actor,):
            with pytest.raises(orgsvc.UnitRefused, match=r"hoort bij een andere afdeling \(Financiën\)"):
                attempt(who)
    with ctx.unit_of_work() as s:
        doc = s.get(Document, other)
        assert doc.unit_id == fin and doc.publication_id is None and not (doc.metadata_ or {}).get("confirmed")
        assert doc.category is None and "privacy_override" not in (doc.metadata_ or {})
        assert s.get(Dossier, d_other).status == "concept" and s.get(Dossier, d_other).title == "Begroting"

    # own unit's and no unit's work: allowed; the system (CLI without --user, worker, connectors): everywhere
    describe.set_metadata(ctx, officer, docs["eigen"], {"title": "Eigen"})
    describe.set_metadata(ctx, token, docs["niemands"], {"title": "Niemands"})
    describe.set_metadata(ctx, SYSTEM, other, {"title": "Door het systeem"})
    assert _title(ctx, other) == "Door het systeem"

    # the CLI with --user follows the same path: a Dutch error, no traceback, nothing changed
    run = CliRunner()
    r = run.invoke(main, ["describe", other, "--set", "title=Via de CLI", "--user", "officer",
                          "--data-dir", str(tmp_path / "d")], env=cli_env(ctx.settings))
    assert r.exit_code == 1 and "hoort bij een andere afdeling (Financiën)" in r.output, r.output
    assert "Traceback" not in r.output and _title(ctx, other) == "Door het systeem"


def _tiles(html: str) -> dict[str, tuple[int, int]]:
    """The start page's tiles: key -> (count, count at other units shown apart)."""
    import re

    out = {}
    for key, count, rest in re.findall(r'<li class="tile tile-([\w-]+)"><a [^>]*><span class="tile-count">(\d+)</span>'
                                       r'(.*?)</li>', html, re.S):
        other = re.search(r"en (\d+) bij andere afdelingen", rest)
        out[key] = (int(count), int(other.group(1)) if other else 0)
    return out


def test_start_page_counts_only_what_the_user_can_act_on_and_lists_unassigned_work(woo_ctx, tmp_path):
    """With "Hele organisatie" the "Mijn werk" counts leave out another unit's work (shown apart, as read-only);
    "Nog niet toegewezen" counts and lists the work of no unit, on the start page and in the document list."""
    from tests.conftest import drain

    ctx = woo_ctx
    world, vg, fin, docs = _world(ctx, tmp_path)
    drain(ctx)
    officer = world.client("officer")
    everything = _tiles(world.client("admin").get("/werk").get_data(as_text=True))  # admin: all, actionable
    whole = _tiles(officer.get("/werk?afdelingen=alle").get_data(as_text=True))
    on_some_list = [k for k, (n, _) in everything.items() if n >= 3 and k != "niet-toegewezen"]
    assert on_some_list, everything  # the three new documents wait on at least one list
    for key in on_some_list:
        assert whole[key] == (everything[key][0] - 1, 1), key  # Financiën's document: apart, not counted
    assert "en 1 bij andere afdelingen (alleen inzien)" in officer.get("/werk?afdelingen=alle").get_data(as_text=True)
    mine = _tiles(officer.get("/werk").get_data(as_text=True))
    for key in on_some_list:
        assert mine[key] == (everything[key][0] - 1, 0)

    with ctx.unit_of_work() as s:  # the world's other documents of no unit, and "niemands"
        unassigned = set(s.execute(select(Document.id).where(Document.unit_id.is_(None),
                                                             Document.organisation_id == world.org_a,
                                                             Document.status.in_(["concept", "ready"]))).scalars())
    assert docs["niemands"] in unassigned and docs["eigen"] not in unassigned
    assert whole["niet-toegewezen"][0] == len(unassigned)
    page = officer.get("/werk").get_data(as_text=True)
    assert 'href="/documenten?afdelingen=geen"' in page
    listing = officer.get("/documenten?afdelingen=geen").get_data(as_text=True)
    assert f'/documenten/{docs["niemands"]}"' in listing
    assert f'/documenten/{docs["eigen"]}"' not in listing and f'/documenten/{docs["ander"]}"' not in listing
    assert "nog bij geen afdeling hoort" in listing and '<option value="geen" selected>' in listing
    # an admin (in no unit) gets the same filter, and can hand the document over from its page
    admin_list = world.client("admin").get("/documenten?afdelingen=geen").get_data(as_text=True)
    assert f'/documenten/{docs["niemands"]}"' in admin_list and f'/documenten/{docs["eigen"]}"' not in admin_list
    assert "Overdragen aan afdeling" in world.client("admin").get(f"/documenten/{docs['niemands']}").get_data(
        as_text=True)
