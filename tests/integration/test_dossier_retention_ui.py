"""Per-dossier retention for the archivist, in the CLI (`woo retention dossier`, `woo retention list create
--dossier`, `woo retention transfer --dossier`) and on the archivist's dossier page: the Selectielijst class and
brondatum for the whole dossier, the dossier on a destruction list whole, the dossier in a transfer package."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env, drain
from tests.integration.retention_helpers import logged_in_client, make_record, users
from tests.integration.test_dossier_archive import _woo_besluit
from woo.adapters.models import Document, Publication
from woo.app import create_app
from woo.domain import tooi
from woo.services import accounts, dossiers
from woo.services import destruction as ds
from woo.services.context import SYSTEM


def test_cli_dossier_retention_destruction_and_transfer(woo_ctx, tmp_path):
    from woo.cli import main

    users(woo_ctx)
    did, besluit, docs, members = _woo_besluit(woo_ctx)
    env, data, run = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")], CliRunner()

    shown = run.invoke(main, ["retention", "dossier", did, "--json", *data], env=env)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["documents"] == len(members)
    refused = run.invoke(main, ["retention", "dossier", did, "6.2", "--reason", "x", "--user", "beoordelaar-r",
                                *data], env=env)
    assert refused.exit_code == 1 and "rol" in refused.output
    no_reason = run.invoke(main, ["retention", "dossier", did, "6.2", "--user", "archivaris-a", *data], env=env)
    assert no_reason.exit_code == 1 and "reden" in no_reason.output
    bad_date = run.invoke(main, ["retention", "dossier", did, "6.2", "--reason", "r", "--brondatum", "morgen",
                                 "--user", "archivaris-a", *data], env=env)
    assert bad_date.exit_code != 0
    ok = run.invoke(main, ["retention", "dossier", did, "6.2", "--reason", "Afgewezen verzoek",
                           "--brondatum", "2015-07-01", "--user", "archivaris-a", "--json", *data], env=env)
    assert ok.exit_code == 0, ok.output
    info = json.loads(ok.output)
    assert info["resultaat"] == "6.2" and info["brondatum"] == "2015-07-01" and info["source"] == "archivaris"
    assert info["archiefactiedatum"] == "2016-07-01" and info["inherited"] == info["documents"] == len(members)
    with woo_ctx.unit_of_work() as s:
        assert {(d.retention_resultaat, d.archiefactiedatum) for d in s.execute(
            select(Document).where(Document.publication_id == did)).scalars()} == {("6.2", date(2016, 7, 1))}

    # a destruction list with the dossier, whole
    partial = run.invoke(main, ["retention", "list", "create", "Deel", docs[0], "--user", "archivaris-a", *data],
                         env=env)
    assert partial.exit_code == 1 and "alleen in zijn geheel vernietigd" in partial.output
    made = run.invoke(main, ["retention", "list", "create", "Dossierlijst", "--dossier", did,
                             "--user", "archivaris-a", *data], env=env)
    assert made.exit_code == 0 and f"met {len(members)} records" in made.output, made.output
    with woo_ctx.unit_of_work() as s:
        lst = ds.lists(s)[0]
        assert {i.document_id for i in ds.items(s, lst.id)} == set(members)
    ds.cancel(woo_ctx, users_actor(woo_ctx, "archivaris-a"), lst.id, "Proef")

    # a transfer package of one dossier, whole (a B class first)
    cat = tooi.category_by_label("wetten_en_algemeen_verbindende_voorschriften").uri
    old = datetime(2001, 5, 1, tzinfo=timezone.utc)
    recs = [make_record(woo_ctx, f"Verordening {n}", category="wetten_en_algemeen_verbindende_voorschriften",
                        document_date=old) for n in ("afval", "parkeren")]
    with woo_ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    vid = dossiers.create(woo_ctx, SYSTEM, org, {"title": "Verordeningen 2001", "kind": "publicatie", "category": cat})
    dossiers.add_documents(woo_ctx, SYSTEM, vid, recs)
    with woo_ctx.unit_of_work() as s:  # published long ago
        for doc in s.execute(select(Document).where(Document.id.in_(recs))).scalars():
            doc.status, doc.published_at = "published", datetime(2001, 6, 1, tzinfo=timezone.utc)
    assert run.invoke(main, ["retention", "dossier", vid, "2.1.1", "--reason", "Verordening: blijvend",
                             "--brondatum", "2001-06-01", "--user", "archivaris-a", *data], env=env).exit_code == 0
    dry = run.invoke(main, ["retention", "transfer", "--dossier", vid, *data], env=env)
    assert dry.exit_code == 0 and "2 records, in zijn geheel" in dry.output and "Proefdraai" in dry.output
    out = tmp_path / "pakket"
    done = run.invoke(main, ["retention", "transfer", "--dossier", vid, "--execute", "--out", str(out),
                             "--user", "archivaris-a", *data], env=env)
    assert done.exit_code == 0 and "3 records" in done.output, done.output  # the dossier and its two records
    pid = re.search(r"Pakket ([0-9a-f]{32}):", done.output).group(1)
    twice = run.invoke(main, ["retention", "transfer", "--dossier", vid, "--execute", "--out", str(out),
                              "--user", "archivaris-a", *data], env=env)
    assert twice.exit_code == 1 and f"al in overbrengingspakket {pid}" in twice.output
    early = run.invoke(main, ["retention", "transfer", "--confirm", pid, "--execute", "--user", "archivaris-b", *data],
                       env=env)
    assert early.exit_code == 1 and "nog niet verzonden" in early.output
    sent = run.invoke(main, ["retention", "transfer", "--sent", pid, "--destination", "Regionaal Archief", "--execute",
                             "--user", "archivaris-a", *data], env=env)
    assert sent.exit_code == 0 and "verzonden naar Regionaal Archief" in sent.output, sent.output
    confirmed = run.invoke(main, ["retention", "transfer", "--confirm", pid, "--execute", "--user", "archivaris-b",
                                  *data], env=env)
    assert confirmed.exit_code == 0 and "2 records overgebracht" in confirmed.output, confirmed.output
    with woo_ctx.unit_of_work() as s:
        assert {d.transferred_to for d in s.execute(select(Document).where(Document.id.in_(recs))).scalars()} \
            == {f"Regionaal Archief (pakket {pid})"}
    assert run.invoke(main, ["retention", "transfer", "--dossier", "bestaat-niet", *data], env=env).exit_code == 1


def users_actor(ctx, name):
    from woo.adapters.models import User
    from woo.services.context import Actor

    with ctx.unit_of_work() as s:
        u = s.execute(select(User).where(User.username == name)).scalar_one()
        return Actor("user", u.id, name)


def test_archivist_dossier_page(woo_ctx):
    u = users(woo_ctx)
    did, besluit, docs, members = _woo_besluit(woo_ctx)
    client = logged_in_client(create_app(ctx=woo_ctx), woo_ctx, u["archivaris-a"], "csrf-test")
    page = client.get(f"/archief/dossiers/{did}").get_data(as_text=True)
    assert "Bewaartermijn: Woo-besluit archief" in page and f"{len(members)} (" in page
    r = client.post(f"/archief/dossiers/{did}", data={"csrf_token": "csrf-test", "resultaat": "6.2",
                                                      "reason": "", "brondatum": ""}, follow_redirects=True)
    assert "reden" in r.get_data(as_text=True).lower()
    r = client.post(f"/archief/dossiers/{did}", data={"csrf_token": "csrf-test", "resultaat": "6.2",
                                                      "reason": "Afgewezen", "brondatum": "2015-07-01"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Selectielijstklasse 6.2 vastgelegd voor het hele dossier" in html and "01-07-2016" in html
    with woo_ctx.unit_of_work() as s:
        assert s.get(Publication, did).retention_resultaat == "6.2"
        assert {d.retention_resultaat for d in s.execute(select(Document).where(
            Document.publication_id == did)).scalars()} == {"6.2"}
    r = client.post(f"/archief/dossiers/{did}/vernietigingslijst", data={"csrf_token": "csrf-test",
                                                                         "name": "Dossier archief"},
                    follow_redirects=True)
    assert r.status_code == 200 and "in zijn geheel op een vernietigingslijst" in r.get_data(as_text=True)
    with woo_ctx.unit_of_work() as s:
        lst = ds.lists(s)[0]
        assert lst.name == "Dossier archief" and {i.document_id for i in ds.items(s, lst.id)} == set(members)
    again = client.post(f"/archief/dossiers/{did}/vernietigingslijst", data={"csrf_token": "csrf-test"},
                        follow_redirects=True).get_data(as_text=True)
    assert "al op open vernietigingslijst" in again
    # an officer without the archivist's role may not
    officer = logged_in_client(create_app(ctx=woo_ctx), woo_ctx, u["beoordelaar-r"], "csrf-x")
    assert officer.get(f"/archief/dossiers/{did}").status_code == 403
    assert client.get("/archief/dossiers/bestaat-niet").status_code == 404


def _b_dossier(ctx, archivist, title="Verordeningen 2001"):
    """A published dossier of two regulations of 2001, blijvend te bewaren (2.1.1) and due for transfer."""
    from woo.services import retention as retsvc

    cat = tooi.category_by_label("wetten_en_algemeen_verbindende_voorschriften").uri
    recs = [make_record(ctx, f"{title}: verordening {n}", category="wetten_en_algemeen_verbindende_voorschriften",
                        document_date=datetime(2001, 5, 1, tzinfo=timezone.utc)) for n in ("afval", "parkeren")]
    with ctx.unit_of_work() as s:
        org = accounts.default_organisation(s).id
    did = dossiers.create(ctx, SYSTEM, org, {"title": title, "kind": "publicatie", "category": cat})
    dossiers.add_documents(ctx, SYSTEM, did, recs)
    with ctx.unit_of_work() as s:  # published long ago
        for doc in s.execute(select(Document).where(Document.id.in_(recs))).scalars():
            doc.status, doc.published_at = "published", datetime(2001, 6, 1, tzinfo=timezone.utc)
    retsvc.set_dossier_class(ctx, archivist, did, "2.1.1", "Verordening: blijvend", date(2001, 6, 1))
    return did, recs


def test_archivist_makes_sends_and_confirms_a_dossier_transfer_package(woo_ctx, tmp_path):
    import bagit

    from rq import Queue

    from woo.adapters.models import Event, TransferJob, TransferPackage
    from woo.domain.roles import Role
    from woo.services import transfer as tr

    u = users(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        accounts.create_user(s, SYSTEM, "medewerker-o", None, [(Role.OFFICER, None)])
    officer = users_actor(woo_ctx, "medewerker-o")
    woo_ctx.settings = woo_ctx.settings.replace(transfer_dir=str(tmp_path / "e-depot"))
    did, recs = _b_dossier(woo_ctx, u["archivaris-a"])
    other, _ = _b_dossier(woo_ctx, u["archivaris-a"], "Verordeningen 2002")
    app = create_app(ctx=woo_ctx)
    a = logged_in_client(app, woo_ctx, u["archivaris-a"], "csrf-a")
    b = logged_in_client(app, woo_ctx, u["archivaris-b"], "csrf-b")
    page = a.get(f"/archief/dossiers/{did}").get_data(as_text=True)
    assert "nog geen overbrengingspakket" in page and "Overbrengingspakket maken" in page

    # an officer may neither see the page nor make a package
    o = logged_in_client(app, woo_ctx, officer, "csrf-o")
    assert o.get(f"/archief/dossiers/{did}").status_code == 403
    assert o.post(f"/archief/dossiers/{did}/overbrenging", data={"csrf_token": "csrf-o"}).status_code == 403
    with woo_ctx.unit_of_work() as s:
        assert s.query(TransferPackage).count() == 0

    # make: the whole dossier in a BagIt package under WOO_TRANSFER_DIR, by a worker on the heavy queue that
    # calls the service the CLI calls; the page follows it
    queued = a.post(f"/archief/dossiers/{did}/overbrenging", data={"csrf_token": "csrf-a"}, follow_redirects=True)
    html = queued.get_data(as_text=True)
    assert "Het overbrengingspakket wordt gemaakt; de voortgang staat op deze pagina." in html
    assert "<strong>Overbrengingspakket wordt gemaakt</strong>: 0 van 3 records" in html
    assert queued.headers["Refresh"] == f"2; url=/archief/dossiers/{did}" and "Overbrengingspakket maken" not in html
    busy = a.post(f"/archief/dossiers/{did}/overbrenging", data={"csrf_token": "csrf-a"},
                  follow_redirects=True).get_data(as_text=True)
    assert "wordt al gemaakt (0 van 3 records)" in busy
    with woo_ctx.unit_of_work() as s:
        assert s.query(TransferPackage).count() == 0
    assert "woo.worker.run_transfer" in [j.func_name for j in Queue("woo-heavy", connection=woo_ctx.queue.redis).jobs]
    drain(woo_ctx)
    done = a.get(f"/archief/dossiers/{did}")
    html = done.get_data(as_text=True)
    assert "Refresh" not in done.headers and "wordt gemaakt" not in html
    with woo_ctx.unit_of_work() as s:
        package = s.query(TransferPackage).one()
        pid, path = package.id, package.path
        assert package.status == tr.MADE and package.records == 3 and package.created_by == "user:archivaris-a"
        assert {d.legal_hold for d in s.execute(select(Document).where(Document.id.in_(recs))).scalars()} == {True}
    assert f"Overbrengingspakket {pid} gemaakt: 3 records, 4 bestanden" in html
    with woo_ctx.unit_of_work() as s:
        job = s.execute(select(TransferJob)).scalar_one()
        assert (job.status, job.done, job.total, job.package_id) == (tr.DONE, 3, 3, pid)
    assert path.startswith(str(tmp_path / "e-depot")) and bagit.Bag(path).is_valid()
    row = html.split('id="transfer-packages"')[1].split("</table>")[0]
    assert pid in row and 'class="transfer-status">gemaakt</td>' in row
    assert "Als verzonden markeren" in row and "Ontvangst bevestigen" not in row  # only what the state allows
    assert "Overbrengingspakket maken" not in html and f"al in overbrengingspakket {pid}" in html

    # a second make while this one is open: refused in Dutch, no second package, no second hold
    again = a.post(f"/archief/dossiers/{did}/overbrenging", data={"csrf_token": "csrf-a"},
                   follow_redirects=True).get_data(as_text=True)
    assert f"zit al in overbrengingspakket {pid} (gemaakt)" in again and "geen tweede pakket" in again
    # and the receipt cannot be confirmed before the package was sent
    early = b.post(f"/archief/dossiers/{did}/overbrenging/{pid}/ontvangst", data={"csrf_token": "csrf-b"},
                   follow_redirects=True).get_data(as_text=True)
    assert "nog niet verzonden" in early
    with woo_ctx.unit_of_work() as s:
        assert s.query(TransferPackage).count() == 1 and s.get(TransferPackage, pid).status == tr.MADE
    # a package is handled on its own dossier's page only
    assert a.post(f"/archief/dossiers/{other}/overbrenging/{pid}/verzonden",
                  data={"csrf_token": "csrf-a"}).status_code == 404

    # mark sent
    html = a.post(f"/archief/dossiers/{did}/overbrenging/{pid}/verzonden",
                  data={"csrf_token": "csrf-a", "destination": "Regionaal Archief e-Depot"},
                  follow_redirects=True).get_data(as_text=True)
    assert f"Overbrengingspakket {pid} is verzonden naar Regionaal Archief e-Depot" in html
    row = html.split('id="transfer-packages"')[1].split("</table>")[0]
    assert "Als verzonden markeren" not in row and "Ontvangst bevestigen" in row
    # the maker's button is disabled with the four-eyes reason; the other archivist's is not
    assert "disabled" in row and "een andere archivaris bevestigt de ontvangst (vier ogen)" in row
    other_row = b.get(f"/archief/dossiers/{did}").get_data(as_text=True).split('id="transfer-packages"')[1]
    assert "Ontvangst bevestigen" in other_row and "disabled" not in other_row.split("</table>")[0]
    resent = a.post(f"/archief/dossiers/{did}/overbrenging/{pid}/verzonden",
                    data={"csrf_token": "csrf-a", "destination": "x"}, follow_redirects=True).get_data(as_text=True)
    assert "is al verzonden" in resent
    assert "vier ogen" in a.post(f"/archief/dossiers/{did}/overbrenging/{pid}/ontvangst",
                                 data={"csrf_token": "csrf-a"}, follow_redirects=True).get_data(as_text=True)

    # confirm receipt, by the other archivist
    html = b.post(f"/archief/dossiers/{did}/overbrenging/{pid}/ontvangst", data={"csrf_token": "csrf-b"},
                  follow_redirects=True).get_data(as_text=True)
    assert "Ontvangst bevestigd: 2 records zijn overgebracht" in html
    row = html.split('id="transfer-packages"')[1].split("</table>")[0]
    assert "ontvangstbevestiging" in row and "Regionaal Archief e-Depot" in row and "<button" not in row
    assert "Overbrengingspakket maken" not in html and "geen records (meer)" in html
    with woo_ctx.unit_of_work() as s:
        package = s.get(TransferPackage, pid)
        assert package.status == tr.CONFIRMED and package.confirmed_by == "user:archivaris-b"
        assert {(d.status, d.transferred_to) for d in s.execute(select(Document).where(Document.id.in_(recs)))
                .scalars()} == {("archived", f"Regionaal Archief e-Depot (pakket {pid})")}
        trail = [(e.action, e.actor) for e in s.execute(select(Event).where(Event.action.like("transfer.%"))
                                                         .order_by(Event.id)).scalars()
                 if e.detail.get("pakket") == pid]
        assert trail == [("transfer.prepared", "user:archivaris-a"), ("transfer.sent", "user:archivaris-a"),
                         ("transfer.confirmed", "user:archivaris-b")]


def test_archivist_cancels_an_unconfirmed_transfer_package(woo_ctx, tmp_path):
    """The archive refuses a package: cancelling it (page or CLI) lifts its hold, so the dossier can go into a
    new package; another hold stays; a confirmed package cannot be cancelled."""
    from woo.adapters.models import Event, TransferPackage
    from woo.cli import main
    from woo.services import retention as retsvc
    from woo.services import transfer as tr

    u = users(woo_ctx)
    woo_ctx.settings = woo_ctx.settings.replace(transfer_dir=str(tmp_path / "e-depot"))
    did, recs = _b_dossier(woo_ctx, u["archivaris-a"])
    retsvc.set_legal_hold(woo_ctx, u["archivaris-a"], [recs[0]], True, "Rechtszaak 2026")
    first = tr.prepare(woo_ctx, u["archivaris-a"], tmp_path / "e-depot", None, dossier_ids=[did]).id
    tr.mark_sent(woo_ctx, u["archivaris-a"], first, "Regionaal Archief")
    app = create_app(ctx=woo_ctx)
    a = logged_in_client(app, woo_ctx, u["archivaris-a"], "csrf-a")
    page = a.get(f"/archief/dossiers/{did}").get_data(as_text=True)
    row = page.split('id="transfer-packages"')[1].split("</table>")[0]
    assert "Pakket annuleren" in row and "Reden van annuleren" in row and 'name="zeker"' in row
    assert "Overbrengingspakket maken" not in page

    no_reason = a.post(f"/archief/dossiers/{did}/overbrenging/{first}/annuleren",
                       data={"csrf_token": "csrf-a", "reason": " "}, follow_redirects=True).get_data(as_text=True)
    assert "Geef een reden op om het overbrengingspakket te annuleren." in no_reason
    officer = logged_in_client(app, woo_ctx, u["beoordelaar-r"], "csrf-r")
    assert officer.post(f"/archief/dossiers/{did}/overbrenging/{first}/annuleren",
                        data={"csrf_token": "csrf-r", "reason": "x"}).status_code == 403
    with woo_ctx.unit_of_work() as s:
        assert s.get(TransferPackage, first).status == tr.SENT

    html = a.post(f"/archief/dossiers/{did}/overbrenging/{first}/annuleren",
                  data={"csrf_token": "csrf-a", "reason": "Archief weigert: bestandsformaat", "zeker": "ja"},
                  follow_redirects=True).get_data(as_text=True)
    assert f"Overbrengingspakket {first} is geannuleerd; de 2 records kunnen in een nieuw pakket." in html
    row = html.split('id="transfer-packages"')[1].split("</table>")[0]
    assert ('class="transfer-status">geannuleerd<br><small>archivaris-a: Archief weigert: bestandsformaat</small>'
            in row and "<button" not in row)
    assert "Overbrengingspakket maken" in html and "transfer-refusal" not in html
    with woo_ctx.unit_of_work() as s:
        assert s.get(TransferPackage, first).status == tr.CANCELLED
        holds = {d.id: (d.legal_hold, d.legal_hold_reason) for d in s.execute(
            select(Document).where(Document.id.in_(recs))).scalars()}
        assert holds == {recs[0]: (True, "Rechtszaak 2026"), recs[1]: (False, None)}  # the court's hold stays
        ev = s.execute(select(Event).where(Event.action == "transfer.cancelled")).scalar_one()
        assert ev.actor == "user:archivaris-a" and ev.detail["pakket"] == first
        assert ev.detail["reden"] == "Archief weigert: bestandsformaat" and ev.detail["records"] == 2
    again = a.post(f"/archief/dossiers/{did}/overbrenging/{first}/annuleren",
                   data={"csrf_token": "csrf-a", "reason": "nogmaals"}, follow_redirects=True).get_data(as_text=True)
    assert f"Overbrengingspakket {first} is al geannuleerd." in again
    for step in (lambda: tr.mark_sent(woo_ctx, u["archivaris-a"], first, "x"),
                 lambda: tr.confirm(woo_ctx, u["archivaris-b"], first)):
        try:
            step()
            raise AssertionError("a cancelled package went on")
        except tr.TransferError as exc:
            assert "geannuleerd" in str(exc)

    # the records go into a new package, which the CLI cancels (dry run first) ... and one that is confirmed
    env, data, run = cli_env(woo_ctx.settings), ["--data-dir", str(tmp_path / "d")], CliRunner()
    second = tr.prepare(woo_ctx, u["archivaris-a"], tmp_path / "e-depot", None, dossier_ids=[did]).id
    dry = run.invoke(main, ["retention", "transfer", "--cancel", second, "--reason", "Verkeerd", "--user",
                            "archivaris-a", *data], env=env)
    assert dry.exit_code == 0 and "Proefdraai" in dry.output, dry.output
    with woo_ctx.unit_of_work() as s:
        assert s.get(TransferPackage, second).status == tr.MADE
    refused = run.invoke(main, ["retention", "transfer", "--cancel", second, "--reason", "Verkeerd", "--execute",
                                "--user", "beoordelaar-r", *data], env=env)
    assert refused.exit_code == 1 and "rol" in refused.output
    done = run.invoke(main, ["retention", "transfer", "--cancel", second, "--reason", "Verkeerd", "--execute",
                             "--user", "archivaris-a", *data], env=env)
    assert done.exit_code == 0 and f"Pakket {second} geannuleerd; 2 records" in done.output, done.output
    third = tr.prepare(woo_ctx, u["archivaris-a"], tmp_path / "e-depot", None, dossier_ids=[did]).id
    tr.mark_sent(woo_ctx, u["archivaris-a"], third, "Regionaal Archief")
    tr.confirm(woo_ctx, u["archivaris-b"], third)
    late = run.invoke(main, ["retention", "transfer", "--cancel", third, "--reason", "Te laat", "--execute",
                             "--user", "archivaris-a", *data], env=env)
    assert late.exit_code == 1 and "ontvangst al bevestigd" in late.output, late.output
    with woo_ctx.unit_of_work() as s:
        assert s.get(TransferPackage, third).status == tr.CONFIRMED
        assert {d.status for d in s.execute(select(Document).where(Document.id.in_(recs))).scalars()} == {"archived"}


def _nothing_made(ctx, recs, where) -> None:
    from woo.adapters.models import TransferItem, TransferPackage

    with ctx.unit_of_work() as s:
        assert s.query(TransferPackage).count() == 0 and s.query(TransferItem).count() == 0
        assert {(d.legal_hold, d.legal_hold_reason) for d in s.execute(select(Document).where(
            Document.id.in_(recs))).scalars()} == {(False, None)}
    assert not where.is_dir() or list(where.iterdir()) == []


def test_a_failed_transfer_job_leaves_nothing_and_says_why(woo_ctx, tmp_path):
    """WOO_TRANSFER_DIR is not a writable folder: the worker's job fails, the page says why in Dutch, and there is
    no package row, no hold and no file; with the folder fixed the next try makes the package."""
    from woo.adapters.models import Event, TransferJob, TransferPackage
    from woo.services import transfer as tr

    u = users(woo_ctx)
    blocked = tmp_path / "e-depot"
    blocked.write_text("geen map")  # a file where the folder should be: nothing can be written under it
    woo_ctx.settings = woo_ctx.settings.replace(transfer_dir=str(blocked))
    did, recs = _b_dossier(woo_ctx, u["archivaris-a"])
    a = logged_in_client(create_app(ctx=woo_ctx), woo_ctx, u["archivaris-a"], "csrf-a")
    a.post(f"/archief/dossiers/{did}/overbrenging", data={"csrf_token": "csrf-a"}, follow_redirects=True)
    drain(woo_ctx)
    page = a.get(f"/archief/dossiers/{did}")
    html = page.get_data(as_text=True)
    assert "Refresh" not in page.headers and "wordt gemaakt" not in html
    failed = html.split('id="transfer-failed"')[1].split("</p>")[0]
    assert "Het overbrengingspakket is niet gemaakt" in failed and f"de map {blocked} (WOO_TRANSFER_DIR)" in failed
    assert "Error" not in failed and "Overbrengingspakket maken" in html  # Dutch, and one may try again
    _nothing_made(woo_ctx, recs, tmp_path / "nergens")
    assert blocked.read_text() == "geen map"
    with woo_ctx.unit_of_work() as s:
        job = s.execute(select(TransferJob)).scalar_one()
        assert job.status == tr.FAILED and job.package_id is None
        ev = s.execute(select(Event).where(Event.action == "transfer.failed")).scalar_one()
        assert ev.detail["dossier"] == did and ev.detail["taak"] == job.id

    blocked.unlink()  # the CLI queues the same job the page does
    from woo.cli import main

    env = {**cli_env(woo_ctx.settings), "WOO_TRANSFER_DIR": str(blocked)}
    queued = CliRunner().invoke(main, ["retention", "transfer", "--dossier", did, "--execute", "--queue", "--user",
                                       "archivaris-a", "--data-dir", str(tmp_path / "d")], env=env)
    assert queued.exit_code == 0 and "wordt door de worker gemaakt" in queued.output, queued.output
    drain(woo_ctx)
    html = a.get(f"/archief/dossiers/{did}").get_data(as_text=True)
    assert 'id="transfer-failed"' not in html and 'id="transfer-made"' in html
    with woo_ctx.unit_of_work() as s:
        assert s.query(TransferPackage).one().records == 3


@pytest.mark.parametrize("backend", ["postgresql"])  # PostgreSQL enforces the length of transfer_packages.path
def test_a_transfer_that_fails_after_writing_the_bag_removes_it(woo_ctx, tmp_path):
    """The bag is complete but the package row cannot be stored: the transaction rolls back and prepare removes
    the bag, so nothing half-made remains."""
    from woo.services import transfer as tr

    u = users(woo_ctx)
    deep = tmp_path.joinpath(*["d" * 200] * 5)  # > the 1000 characters of transfer_packages.path
    woo_ctx.settings = woo_ctx.settings.replace(transfer_dir=str(deep))
    did, recs = _b_dossier(woo_ctx, u["archivaris-a"])
    job_id = tr.start(woo_ctx, u["archivaris-a"], did)
    drain(woo_ctx)
    with woo_ctx.unit_of_work() as s:
        job = s.get(tr.TransferJob, job_id)
        assert job.status == tr.FAILED and "onverwachte fout; er is niets achtergebleven" in job.error
        assert job.done == 3  # the bag was written in full before the failure
    _nothing_made(woo_ctx, recs, deep)
