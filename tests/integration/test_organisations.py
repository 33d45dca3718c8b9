"""Organisations and units (issue 14 item 7): the service, `woo organisation ...` and the admin page make and
change organisations (TOOI code from the lists, public host, theme, contact details); units with members;
new work lands in the uploader's unit; officers' lists default to their units' work with a visible filter
for the whole organisation; a document or dossier is handed over to another unit, audited. Both databases."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env
from tests.factories import make_pdf
from tests.integration.security_world import CSRF, build_world
from woo.adapters.models import Document, Dossier, Event, Organisation, Unit
from woo.cli import main
from woo.domain import tooi
from woo.services import dossiers as dossiersvc
from woo.services import ingest as ingestsvc
from woo.services import organisations as orgsvc
from woo.services.context import SYSTEM, Actor
from woo.web import labels


def _events(ctx, action):
    with ctx.unit_of_work() as s:
        return list(s.execute(select(Event).where(Event.action == action).order_by(Event.id)).scalars())


def test_service_adds_and_changes_organisations_from_tooi(woo_ctx):
    ctx = woo_ctx
    org_id = orgsvc.add(ctx, SYSTEM, "ws0636", public_base_url="https://open.waterschap.example",
                        theme_css_url="/thema/ws.css", logo_url="/thema/ws.svg",
                        contact={"email": "info@waterschap.example", "phone": "+31 30 123 4567"})
    ref = tooi.organisation("ws0636")
    with ctx.unit_of_work() as s:
        org = s.get(Organisation, org_id)
        assert (org.tooi_uri, org.code, org.name) == (ref.uri, "ws0636", ref.label)
        assert org.contact == {"email": "info@waterschap.example", "phone": "+31 30 123 4567"}
    with pytest.raises(orgsvc.OrganisationError, match="bestaat al"):
        orgsvc.add(ctx, SYSTEM, ref.uri)
    with pytest.raises(orgsvc.OrganisationError, match="TOOI"):
        orgsvc.add(ctx, SYSTEM, "gm9999")
    with pytest.raises(orgsvc.OrganisationError, match="andere organisatie"):
        orgsvc.add(ctx, SYSTEM, "gm0599", public_base_url="https://open.waterschap.example")

    changed = orgsvc.change(ctx, SYSTEM, "ws0636", name="Waterschap (SSC)", logo_url="",
                            contact={"email": "woo@waterschap.example", "address": "Dijkweg 1"})
    assert changed == ["name", "logo_url", "contact"]
    assert orgsvc.change(ctx, SYSTEM, "ws0636", name="Waterschap (SSC)") == []  # nothing changed: no event
    with pytest.raises(orgsvc.OrganisationError, match="pad op deze site"):
        orgsvc.change(ctx, SYSTEM, "ws0636", theme_css_url="https://cdn.example/x.css")
    with ctx.unit_of_work() as s:
        view = orgsvc.get(s, "ws0636")
    assert view.name == "Waterschap (SSC)" and view.logo_url is None and view.theme_css_url == "/thema/ws.css"
    assert view.contact == {"email": "woo@waterschap.example", "address": "Dijkweg 1"}
    assert [e.detail.get("fields") for e in _events(ctx, "organisation.changed")] == [["name", "logo_url",
                                                                                       "contact"]]
    # the bootstrap's first organisation went through the same service (audited), then ws0636
    assert [e.detail["organisation"] for e in _events(ctx, "organisation.added")] == ["gm0363", "ws0636"]


def test_bootstrap_makes_its_organisation_through_the_service(woo_ctx):
    ctx = woo_ctx
    with ctx.unit_of_work() as s:
        first = s.execute(select(Organisation).where(Organisation.code == "gm0363")).scalar_one()
        assert first.public_base_url == ctx.settings.base_url
    assert orgsvc.ensure(ctx, SYSTEM, "gm0363", "https://elders.example") == first.id  # there already: as is
    # an address add() refuses (a path, plain http off localhost) is left out, not a failed first start
    org_id = orgsvc.ensure(ctx, SYSTEM, "gm0599", "http://woo.intern/pad")
    with ctx.unit_of_work() as s:
        assert s.get(Organisation, org_id).public_base_url is None
    with pytest.raises(orgsvc.OrganisationError, match="TOOI"):
        orgsvc.ensure(ctx, SYSTEM, "gm9999")
    assert [e.detail["organisation"] for e in _events(ctx, "organisation.added")] == ["gm0363", "gm0599"]


def _two_units(ctx, org_id):
    return orgsvc.add_unit(ctx, SYSTEM, org_id, "Vergunningen"), orgsvc.add_unit(ctx, SYSTEM, org_id, "Financiën")


def test_units_members_default_unit_and_hand_over(woo_ctx, tmp_path):
    ctx = woo_ctx
    world = build_world(ctx, tmp_path)
    vg, fin = _two_units(ctx, world.org_a)
    with pytest.raises(orgsvc.OrganisationError, match="al een afdeling"):
        orgsvc.add_unit(ctx, SYSTEM, world.org_a, "vergunningen")
    other = orgsvc.add_unit(ctx, SYSTEM, world.org_b, "Vergunningen")  # the same name elsewhere is fine
    assert orgsvc.add_member(ctx, SYSTEM, vg, "officer") is True
    assert orgsvc.add_member(ctx, SYSTEM, vg, "officer") is False
    assert orgsvc.add_member(ctx, SYSTEM, fin, "publisher")
    with pytest.raises(orgsvc.OrganisationError, match="bestaat niet"):
        orgsvc.add_member(ctx, SYSTEM, vg, "niemand")

    officer = Actor("user", world.users["officer"], "officer")
    pdf = make_pdf(tmp_path / "vg.pdf", ["Besluit op de aanvraag omgevingsvergunning van 3 maart 2025."])
    doc_id = ingestsvc.ingest(ctx, officer, world.org_a, "vg.pdf", path=pdf, title="Besluit vergunning").document_id
    d_id = dossiersvc.create(ctx, officer, world.org_a, {"title": "Woo-verzoek bouwplan", "kind": "woo-besluit"})
    with ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).unit_id == vg  # the uploader's one unit
        assert s.get(Dossier, d_id).unit_id == vg
        assert s.get(Document, world.document_id).unit_id is None  # the system's upload: no unit
        assert orgsvc.units_of_user(s, world.users["officer"]) == {vg: "Vergunningen"}
    orgsvc.add_member(ctx, SYSTEM, fin, "officer")  # in two units of one organisation: no default
    pdf2 = make_pdf(tmp_path / "twee.pdf", ["Tweede stuk van 4 maart 2025 over de begroting."])
    doc2 = ingestsvc.ingest(ctx, officer, world.org_a, "twee.pdf", path=pdf2, title="Tweede stuk").document_id
    with ctx.unit_of_work() as s:
        assert s.get(Document, doc2).unit_id is None

    assert orgsvc.hand_over_document(ctx, officer, doc_id, fin) is True
    assert orgsvc.hand_over_document(ctx, officer, doc_id, fin) is False
    with pytest.raises(orgsvc.OrganisationError, match="dezelfde organisatie"):
        orgsvc.hand_over_document(ctx, officer, doc_id, other)
    dossiersvc.add_documents(ctx, officer, d_id, [doc2])
    with ctx.unit_of_work() as s:
        in_dossier = set(s.execute(select(Document.id).where(Document.publication_id == d_id)).scalars())
    assert doc2 in in_dossier and doc_id not in in_dossier
    assert orgsvc.hand_over_dossier(ctx, officer, d_id, fin) == len(in_dossier)  # its documents go with it
    with ctx.unit_of_work() as s:
        assert s.get(Document, doc_id).unit_id == fin and s.get(Document, doc2).unit_id == fin
        assert s.get(Dossier, d_id).unit_id == fin
        assert {s.get(Document, i).unit_id for i in in_dossier} == {fin}
    (ev,) = _events(ctx, "document.handed_over")
    assert ev.document_id == doc_id and ev.actor == "user:officer"
    assert ev.detail["from_unit"] == vg and ev.detail["to_unit"] == fin
    assert _events(ctx, "dossier.handed_over")[0].detail["documents"] == len(in_dossier)
    for action in ("document.handed_over", "dossier.handed_over", "unit.added", "unit.member_added",
                   "organisation.added", "organisation.changed"):
        assert labels.ACTIONS_NL[action][0].isupper()

    assert orgsvc.remove_member(ctx, SYSTEM, fin, "officer") is True
    orgsvc.rename_unit(ctx, SYSTEM, fin, "Financiën en control")
    with ctx.unit_of_work() as s:
        assert s.get(Unit, fin).name == "Financiën en control"
        units = {u.name: u for u in orgsvc.units_for(s, world.org_a)}
    assert units["Financiën en control"].members == ["publisher"]
    assert units["Financiën en control"].documents == len(in_dossier | {doc_id})


def test_cli_organisation_add_list_set_and_units(woo_ctx, tmp_path):
    env = cli_env(woo_ctx.settings)
    run = CliRunner()

    def woo(*args):
        return run.invoke(main, ["organisation", *args, "--data-dir", str(tmp_path / "d")], env=env)

    r = woo("add", "gm0599", "--public-url", "https://open.rotterdam.example", "--email", "woo@rotterdam.example")
    assert r.exit_code == 0, r.output
    assert "gemeente Rotterdam (gm0599)" in r.output and tooi.organisation("gm0599").uri in r.output
    r = woo("add", "gm9999")
    assert r.exit_code == 1 and "TOOI" in r.output and "Traceback" not in r.output
    r = woo("set", "gm0599", "--phone", "+31 10 267 1234", "--theme-css", "/thema/rotterdam.css")
    assert r.exit_code == 0 and "theme_css_url" in r.output and "contact" in r.output, r.output
    r = woo("set", "gm0599", "--public-url", "rotterdam.nl")
    assert r.exit_code == 1 and "https" in r.output
    r = woo("unit-add", "gm0599", "Burgerzaken")
    assert r.exit_code == 0, r.output
    unit_id = int(re.search(r"Afdeling (\d+) toegevoegd", r.output).group(1))
    r = woo("member-add", str(unit_id), "admin")
    assert r.exit_code == 0 and "lid van afdeling" in r.output
    r = woo("list")
    assert r.exit_code == 0 and "gm0599\tgemeente Rotterdam\thttps://open.rotterdam.example" in r.output
    assert f"afdeling {unit_id}: Burgerzaken (admin; 0 documenten)" in r.output
    r = woo("list", "--json")
    (rdam,) = [o for o in __import__("json").loads(r.output) if o["code"] == "gm0599"]
    assert rdam["contact"] == {"email": "woo@rotterdam.example", "phone": "+31 10 267 1234"}  # set kept the e-mail
    assert rdam["theme_css_url"] == "/thema/rotterdam.css"
    r = woo("hand-over", "--unit", str(unit_id))
    assert r.exit_code == 1 and "--document of --dossier" in r.output


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": CSRF, **data})


def test_admin_page_makes_and_changes_organisations_and_units(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    admin = world.client("admin")
    page = admin.get("/beheer/organisaties").get_data(as_text=True)
    assert "Organisatie toevoegen" in page and "gemeente Rotterdam" in page
    assert 'href="/beheer/organisaties">Organisaties</a>' in page  # in the navigation, for the admin
    for who in ("officer", "publisher", "archivist", "reviewer"):
        assert world.client(who).get("/beheer/organisaties").status_code == 403
        assert "/beheer/organisaties" not in world.client(who).get("/werk").get_data(as_text=True)

    resp = _post(admin, "/beheer/organisaties", tooi="gm9999")
    assert resp.status_code == 302
    assert "staat niet in de TOOI-lijsten" in admin.get(resp.location).get_data(as_text=True)
    resp = _post(admin, "/beheer/organisaties", tooi="ws0636", name="", public_base_url="https://ws.example",
                 theme_css_url="/thema/ws.css", logo_url="", contact_email="info@ws.example", contact_phone="",
                 contact_address="Dijkweg 1", contact_url="")
    assert resp.status_code == 302 and "/beheer/organisaties/" in resp.location
    detail = admin.get(resp.location).get_data(as_text=True)
    assert tooi.organisation("ws0636").uri in detail and 'value="Dijkweg 1"' in detail
    org_id = int(resp.location.rstrip("/").rsplit("/", 1)[1])

    resp = _post(admin, f"/beheer/organisaties/{org_id}", name="Waterschap SSC", public_base_url="https://ws.example",
                 theme_css_url="https://cdn.example/x.css", logo_url="", contact_email="info@ws.example")
    assert "pad op deze site" in admin.get(resp.location).get_data(as_text=True)
    _post(admin, f"/beheer/organisaties/{org_id}", name="Waterschap SSC", public_base_url="https://ws.example",
          theme_css_url="/thema/ws.css", logo_url="/thema/ws.svg", contact_email="woo@ws.example",
          contact_phone="+31 30 123 4567", contact_address="", contact_url="")
    with woo_ctx.unit_of_work() as s:
        org = s.get(Organisation, org_id)
        assert (org.name, org.logo_url) == ("Waterschap SSC", "/thema/ws.svg")
        assert org.contact == {"email": "woo@ws.example", "phone": "+31 30 123 4567"}

    _post(admin, f"/beheer/organisaties/{org_id}/afdelingen", name="Beheer en onderhoud")
    with woo_ctx.unit_of_work() as s:
        unit = s.execute(select(Unit).where(Unit.organisation_id == org_id)).scalar_one()
        unit_id = unit.id
    _post(admin, f"/beheer/afdelingen/{unit_id}/leden", username="officer")
    page = admin.get(f"/beheer/organisaties/{org_id}").get_data(as_text=True)
    assert "Beheer en onderhoud" in page and "officer" in page
    _post(admin, f"/beheer/afdelingen/{unit_id}/leden", username="officer", remove="1")
    with woo_ctx.unit_of_work() as s:
        assert orgsvc.units_of_user(s, world.users["officer"]) == {}
    assert world.client("officer").post(f"/beheer/organisaties/{org_id}/afdelingen",
                                        data={"csrf_token": CSRF, "name": "x"}, headers={"X-CSRF-Token": CSRF}
                                        ).status_code == 403


def test_the_theme_follows_the_organisation_page(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    orgsvc.change(woo_ctx, SYSTEM, world.org_a_code, theme_css_url="/thema/a.css", logo_url="/thema/a.svg",
                  contact={"email": "woo@a.example", "phone": "+31 20 555 0000"})
    page = world.app.test_client().get("/zoeken").get_data(as_text=True)
    assert 'href="/thema/a.css"' in page and 'src="/thema/a.svg"' in page
    assert "+31 20 555 0000 · woo@a.example" in page


def test_officer_lists_default_to_their_units_and_hand_over_in_the_browser(woo_ctx, tmp_path):
    ctx = woo_ctx
    world = build_world(ctx, tmp_path)
    vg, fin = _two_units(ctx, world.org_a)
    orgsvc.add_member(ctx, SYSTEM, vg, "officer")
    docs = {}
    for unit, name in ((vg, "Vergunningstuk"), (fin, "Begrotingsstuk")):
        pdf = make_pdf(tmp_path / f"{name}.pdf", [f"{name} van 3 maart 2025 voor de gemeenteraad."])
        docs[name] = ingestsvc.ingest(ctx, SYSTEM, world.org_a, f"{name}.pdf", path=pdf, title=name).document_id
        orgsvc.hand_over_document(ctx, SYSTEM, docs[name], unit)
    officer = world.client("officer")
    mine = officer.get("/documenten").get_data(as_text=True)
    assert "Vergunningstuk" in mine and "Begrotingsstuk" not in mine
    assert "Conceptadvies" in mine  # work of no unit stays in view
    assert "U ziet het werk van uw afdeling (Vergunningen)" in mine and 'name="afdelingen"' in mine
    everything = officer.get("/documenten?afdelingen=alle").get_data(as_text=True)
    assert "Vergunningstuk" in everything and "Begrotingsstuk" in everything
    assert "hele organisatie" in everything
    start = officer.get("/werk").get_data(as_text=True)
    assert "Mijn afdelingen" in start
    # someone in no unit sees everything, as before units existed; their filter offers only the work of no
    # unit ("Nog niet toegewezen", issue 14), no "Mijn afdelingen" (changed on purpose: there was no filter)
    publisher = world.client("publisher").get("/documenten").get_data(as_text=True)
    assert "Begrotingsstuk" in publisher and "Mijn afdelingen" not in publisher
    assert "U ziet het werk van alle afdelingen." in publisher and '<option value="geen">' in publisher

    page = officer.get(f"/documenten/{docs['Vergunningstuk']}").get_data(as_text=True)
    assert "Overdragen aan afdeling" in page and f'<option value="{fin}">Financiën</option>' in page
    resp = _post(officer, f"/documenten/{docs['Vergunningstuk']}/afdeling", unit_id=str(fin))
    assert resp.status_code == 302
    assert "overgedragen" in officer.get(resp.location).get_data(as_text=True)
    mine = officer.get("/documenten").get_data(as_text=True)
    assert "Vergunningstuk" not in mine  # handed over: now the other unit's work
    (ev,) = [e for e in _events(ctx, "document.handed_over") if e.actor == "user:officer"]
    assert ev.document_id == docs["Vergunningstuk"]
    audit = world.client("admin").get(f"/audit?document={docs['Vergunningstuk']}").get_data(as_text=True)
    assert "Overgedragen aan andere afdeling" in audit
    # the foreign organisation's user may not hand over organisation A's work
    assert _post(world.client("foreign"), f"/documenten/{docs['Begrotingsstuk']}/afdeling",
                 unit_id=str(vg)).status_code in (403, 404)
    assert world.client("reviewer").post(f"/documenten/{docs['Begrotingsstuk']}/afdeling",
                                         data={"csrf_token": CSRF, "unit_id": str(vg)},
                                         headers={"X-CSRF-Token": CSRF}).status_code == 403

    d_id = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Raadsvoorstel", "kind": "woo-besluit"})
    page = officer.get(f"/dossiers/{d_id}/beheer").get_data(as_text=True)
    assert "Hoort nog bij geen afdeling." in page
    assert "Raadsvoorstel" in officer.get("/dossiers").get_data(as_text=True)  # of no unit: in view
    _post(officer, f"/dossiers/{d_id}/afdeling", unit_id=str(fin))
    with ctx.unit_of_work() as s:
        assert s.get(Dossier, d_id).unit_id == fin
    listing = officer.get("/dossiers").get_data(as_text=True)
    assert "Raadsvoorstel" not in listing and "U ziet het werk van uw afdeling" in listing
    assert "Raadsvoorstel" in officer.get("/dossiers?afdelingen=alle").get_data(as_text=True)


def test_api_lists_organisations_and_hands_over(woo_ctx, tmp_path):
    from woo.adapters.models import User
    from woo.services import accounts

    ctx = woo_ctx
    world = build_world(ctx, tmp_path)
    vg, fin = _two_units(ctx, world.org_a)
    other = orgsvc.add_unit(ctx, SYSTEM, world.org_b, "Elders")
    with ctx.unit_of_work() as s:
        officer = s.get(User, world.users["officer"])
        edit = accounts.create_token(s, SYSTEM, officer, "zaaksysteem", "read edit")
        read = accounts.create_token(s, SYSTEM, officer, "lezen", "read")
    client = world.app.test_client()

    def call(method, url, token, **body):
        return client.open(f"/api/v1{url}", method=method, json=body or None,
                           headers={"Authorization": f"Bearer {token}"})

    listing = call("GET", "/organisations", read).get_json()["items"]
    assert [o["code"] for o in listing] == [world.org_a_code]  # only the organisations it holds roles in
    assert {u["name"] for u in listing[0]["units"]} == {"Vergunningen", "Financiën"}

    url = f"/documents/{world.document_id}/unit"
    assert call("POST", url, read, unit_id=vg).status_code == 403  # scope 'edit' needed
    assert call("POST", url, edit).status_code == 400
    r = call("POST", url, edit, unit_id=other)
    assert r.status_code == 422 and "dezelfde organisatie" in r.get_json()["detail"]
    r = call("POST", url, edit, unit_id=vg)
    assert r.status_code == 200 and r.get_json() == {"document_id": world.document_id, "unit_id": vg,
                                                     "changed": True}
    assert call("POST", "/documents/onbekend/unit", edit, unit_id=vg).status_code == 404
    d_id = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Raadsvoorstel", "kind": "woo-besluit"})
    r = call("POST", f"/dossiers/{d_id}/unit", edit, unit_id=fin)
    assert r.status_code == 200 and r.get_json()["documents"] == 0
    with ctx.unit_of_work() as s:
        assert s.get(Document, world.document_id).unit_id == vg and s.get(Dossier, d_id).unit_id == fin
    assert [e.actor for e in _events(ctx, "document.handed_over")] == ["token:officer/zaaksysteem"]
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/organisations", "/documents/{document_id}/unit", "/dossiers/{dossier_id}/unit"} <= set(paths)


def test_documents_of_an_imported_dossier_get_the_dossier_unit(woo_ctx, tmp_path):
    """The bulk import (woo.services.dossier_import) files its documents as an upload into the dossier does:
    under the dossier's unit, the importing officer's one unit."""
    from tests.integration.dossier_helpers import woo_besluit_files
    from woo.adapters.models import DossierDocument
    from woo.services import dossier_import

    ctx = woo_ctx
    world = build_world(ctx, tmp_path)
    vg, _fin = _two_units(ctx, world.org_a)
    orgsvc.add_member(ctx, SYSTEM, vg, "officer")
    officer = Actor("user", world.users["officer"], "officer")
    files = woo_besluit_files(tmp_path / "in")
    report = dossier_import.import_dossier(
        ctx, officer, world.org_a, {"title": "Woo-besluit haven", "kind": "woo-besluit",
                                    "decision": "deels openbaar"},
        files["zip"], files["inventory"], "inventaris.xlsx", files["decision"], "besluit.pdf")
    assert report.ok, report.problems
    with ctx.unit_of_work() as s:
        assert s.get(Dossier, report.dossier_id).unit_id == vg
        units = s.execute(select(Document.unit_id).join(DossierDocument, DossierDocument.document_id == Document.id)
                          .where(DossierDocument.dossier_id == report.dossier_id)).scalars().all()
    assert len(units) == report.documents >= 5  # the generated inventarislijst included
    assert set(units) == {vg}


def test_a_unit_with_work_cannot_be_deleted_an_empty_one_can(woo_ctx, tmp_path):
    """Deleting a unit (admin page and CLI): refused in Dutch while it holds documents or dossiers; an empty
    one goes, its members leave it, and it is audited."""
    ctx = woo_ctx
    world = build_world(ctx, tmp_path)
    full = orgsvc.add_unit(ctx, SYSTEM, world.org_a, "Vergunningen")
    empty = orgsvc.add_unit(ctx, SYSTEM, world.org_a, "Archief oud")
    orgsvc.add_member(ctx, SYSTEM, empty, "officer")
    pdf = make_pdf(tmp_path / "a.pdf", ["Besluit van 3 maart 2025 over de kapvergunning."])
    doc_id = ingestsvc.ingest(ctx, SYSTEM, world.org_a, "a.pdf", path=pdf, title="a").document_id
    orgsvc.hand_over_document(ctx, SYSTEM, doc_id, full)
    d_id = dossiersvc.create(ctx, SYSTEM, world.org_a, {"title": "Kap", "kind": "woo-besluit"})
    orgsvc.hand_over_dossier(ctx, SYSTEM, d_id, full)

    admin = world.client("admin")
    page = admin.get(f"/beheer/organisaties/{world.org_a}").get_data(as_text=True)
    assert f'action="/beheer/afdelingen/{empty}/verwijderen"' in page
    assert f'action="/beheer/afdelingen/{full}/verwijderen"' not in page and "draag die eerst over" in page
    resp = _post(admin, f"/beheer/afdelingen/{full}/verwijderen")
    assert resp.status_code == 302
    page = admin.get(f"/beheer/organisaties/{world.org_a}").get_data(as_text=True)
    assert "De afdeling ‘Vergunningen’ heeft nog 1 document en 1 dossier" in page
    with ctx.unit_of_work() as s:
        assert s.get(Unit, full) is not None and s.get(Document, doc_id).unit_id == full
    assert world.client("officer").post(f"/beheer/afdelingen/{empty}/verwijderen",
                                        data={"csrf_token": CSRF}).status_code == 403

    env = cli_env(ctx.settings)
    r = CliRunner().invoke(main, ["organisation", "unit-delete", str(full), "--data-dir", str(tmp_path / "d")],
                           env=env)
    assert r.exit_code == 1 and "heeft nog 1 document en 1 dossier" in r.output and "Traceback" not in r.output

    assert _post(admin, f"/beheer/afdelingen/{empty}/verwijderen").status_code == 302
    with ctx.unit_of_work() as s:
        assert s.get(Unit, empty) is None
        assert orgsvc.units_of_user(s, world.users["officer"]) == {}
        ev = s.execute(select(Event).where(Event.action == "unit.deleted")).scalars().one()
        assert ev.actor == "user:admin" and ev.detail["name"] == "Archief oud" and ev.detail["members"] == ["officer"]

    ruimte = orgsvc.add_unit(ctx, SYSTEM, world.org_a, "Ruimte")
    orgsvc.hand_over_dossier(ctx, SYSTEM, d_id, ruimte)
    orgsvc.hand_over_document(ctx, SYSTEM, doc_id, ruimte)  # handed over: now it may go
    r = CliRunner().invoke(main, ["organisation", "unit-delete", str(full), "--data-dir", str(tmp_path / "d")],
                           env=env)
    assert r.exit_code == 0 and "verwijderd" in r.output, r.output


def _png(width=40, height=20) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (1, 104, 155)).save(buf, "PNG")
    return buf.getvalue()


CLEAN_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20"><defs><linearGradient id="g">'
             b'<stop offset="0" stop-color="#01689b"/></linearGradient></defs>'
             b'<rect width="80" height="20" fill="url(#g)"/></svg>')


def test_logo_and_design_tokens_are_uploaded_through_woo(woo_ctx, tmp_path):
    """An admin uploads the logo (PNG/SVG, checked) and sets design tokens; both are kept in the object store,
    served by woo with cache headers, and shown on officer and public pages."""
    import io

    ctx = woo_ctx
    world = build_world(ctx, tmp_path)
    admin = world.client("admin")
    org = world.org_a

    def upload(data: bytes, name: str):
        return admin.post(f"/beheer/organisaties/{org}/logo", content_type="multipart/form-data",
                          data={"csrf_token": CSRF, "logo": (io.BytesIO(data), name)})

    def flash_after(resp) -> str:
        return admin.get(resp.location).get_data(as_text=True)

    png = _png()
    assert "Logo opgeslagen" in flash_after(upload(png, "logo.png"))
    with ctx.unit_of_work() as s:
        logo_url = s.get(Organisation, org).logo_url
    assert logo_url.startswith(f"/thema/{world.org_a_code}/logo-") and logo_url.endswith(".png")
    key = "theme/" + logo_url.removeprefix("/thema/")
    assert ctx.store.get_bytes(key) == png  # in S3, through the object store
    served = world.app.test_client().get(logo_url)
    assert served.status_code == 200 and served.data == png and served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    for page in (world.app.test_client().get("/zoeken"), admin.get("/werk")):  # public and officer pages
        assert f'src="{logo_url}"' in page.get_data(as_text=True)

    refused = {
        "script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                   "scripts en ingebedde inhoud"),
        "onload": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', "scriptattribuut"),
        "external": (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                     b'<image xlink:href="https://tracker.example/x.png"/></svg>', "buiten het bestand"),
        "css": (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);</style></svg>',
                "stijlregels"),
        "html": (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">'
                 b'x</div></foreignObject></svg>', "foreignObject"),
        "gif": (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00"
                b"\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "PNG- of SVG-bestand"),
        "large": (_png() + b"\0" * (600 * 1024), "te groot"),
    }
    for what, (data, message) in refused.items():
        page = flash_after(upload(data, f"{what}.svg"))
        assert message in page, what
    with ctx.unit_of_work() as s:
        assert s.get(Organisation, org).logo_url == logo_url  # none of them replaced the logo

    assert "Logo opgeslagen" in flash_after(upload(CLEAN_SVG, "logo.svg"))
    with ctx.unit_of_work() as s:
        svg_url = s.get(Organisation, org).logo_url
    served = world.app.test_client().get(svg_url)
    assert served.mimetype == "image/svg+xml" and served.data == CLEAN_SVG
    assert "sandbox" in served.headers["Content-Security-Policy"]

    resp = admin.post(f"/beheer/organisaties/{org}/thema", data={
        "csrf_token": CSRF, "tokens": "--utrecht-button-primary-action-background-color: #01689b\n"
                                      "--basis-font-family: 'Rijksoverheid Sans', sans-serif;"})
    assert "2 ontwerptokens" in flash_after(resp)
    with ctx.unit_of_work() as s:
        css_url = s.get(Organisation, org).theme_css_url
    css = world.app.test_client().get(css_url)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert ".voorbeeld-theme {" in css.get_data(as_text=True)
    assert "--utrecht-button-primary-action-background-color: #01689b;" in css.get_data(as_text=True)
    for page in (world.app.test_client().get("/zoeken"), admin.get("/werk")):
        assert f'href="{css_url}"' in page.get_data(as_text=True)
    form = admin.get(f"/beheer/organisaties/{org}").get_data(as_text=True)
    assert "--basis-font-family: &#39;Rijksoverheid Sans&#39;, sans-serif" in form  # read back for editing
    for bad in ("--x: url(https://t.example/a.png)", "--x: red} body{display:none", "color: red"):
        page = flash_after(admin.post(f"/beheer/organisaties/{org}/thema", data={"csrf_token": CSRF, "tokens": bad}))
        assert "token" in page.lower(), bad
    with ctx.unit_of_work() as s:
        assert s.get(Organisation, org).theme_css_url == css_url
        actions = [e.action for e in s.execute(select(Event).where(Event.action.like("organisation.%_set"))).scalars()]
    assert actions == ["organisation.logo_set", "organisation.logo_set", "organisation.theme_set"]
    assert world.client("officer").post(f"/beheer/organisaties/{org}/thema",
                                        data={"csrf_token": CSRF, "tokens": ""}).status_code == 403
    assert world.app.test_client().get(f"/thema/{world.org_a_code}/logo-0000000000000000.png").status_code == 404

    # the CLI: the same checks
    bad_svg = tmp_path / "bad.svg"
    bad_svg.write_bytes(refused["script"][0])
    r = CliRunner().invoke(main, ["organisation", "theme", world.org_a_code, "--logo", str(bad_svg),
                                  "--data-dir", str(tmp_path / "d")], env=cli_env(ctx.settings))
    assert r.exit_code == 1 and "<script>" in r.output and "Traceback" not in r.output
