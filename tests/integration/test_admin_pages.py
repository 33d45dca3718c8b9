"""The admin pages for users and API tokens (woo/web/admin.py), driven like a browser would."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.integration.security_world import CSRF, build_world
from woo.adapters.models import ApiToken, Event, User

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # thin views over woo.services.accounts


def _login(client, username, password):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def _secret(html: str) -> str:
    return re.search(r'id="secret" readonly size="\d+" value="([^"]+)"', html).group(1)


def _post(client, url, **data):
    return client.post(url, data={"csrf_token": CSRF, **data})


def _user_id(ctx, username):
    with ctx.unit_of_work() as s:
        return s.execute(select(User.id).where(User.username == username)).scalar_one()


def test_admin_creates_a_user_whose_shown_password_logs_in(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    admin = world.client("admin")
    page = admin.get("/beheer/gebruikers").get_data(as_text=True)
    assert "Nieuwe gebruiker" in page and 'name="csrf_token"' in page and "officer" in page
    resp = _post(admin, "/beheer/gebruikers", username="jansen", display_name="J. Jansen", role="publisher",
                 organisation_id=str(world.org_a))
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    html = resp.get_data(as_text=True)
    assert "alleen nu" in html
    password = _secret(html)
    assert len(password) >= 12
    assert _login(world.app.test_client(), "jansen", password).status_code == 302
    assert _login(world.app.test_client(), "jansen", password + "x").status_code == 401
    listing = admin.get("/beheer/gebruikers").get_data(as_text=True)
    assert "J. Jansen" in listing and "Publicist" in listing
    assert password not in listing  # shown once only
    with woo_ctx.unit_of_work() as s:
        actors = [e.actor for e in s.execute(select(Event).where(Event.action == "user.created")).scalars()]
    assert actors[-1] == "user:admin"  # audited, with the admin as actor


def test_duplicate_user_shows_the_dutch_error(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    admin = world.client("admin")
    resp = _post(admin, "/beheer/gebruikers", username="officer", role="officer", organisation_id=str(world.org_a))
    assert resp.status_code == 302 and resp.location.endswith("/beheer/gebruikers")
    assert "Gebruiker &#39;officer&#39; bestaat al." in admin.get(resp.location).get_data(as_text=True)


def test_non_admins_are_refused_and_csrf_is_required(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    for who in ("officer", "archivist", "foreign"):
        client = world.client(who)
        assert client.get("/beheer/gebruikers").status_code == 403
        assert client.get("/beheer/tokens").status_code == 403
        assert _post(client, "/beheer/gebruikers", username="indringer", role="admin").status_code == 403
        assert "/beheer/" not in client.get("/documenten").get_data(as_text=True)
    assert "/beheer/gebruikers" in world.client("admin").get("/documenten").get_data(as_text=True)
    anonymous = world.client(None).get("/beheer/gebruikers")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.location
    admin = world.client("admin")
    no_csrf = admin.post("/beheer/gebruikers", data={"username": "zonder", "role": "officer"})
    assert no_csrf.status_code == 400
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(User).where(User.username.in_(["zonder", "indringer"]))).first() is None


def test_token_created_on_the_page_works_until_revoked(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    admin = world.client("admin")
    page = admin.get("/beheer/tokens").get_data(as_text=True)
    for scope in ("ingest", "read", "publish", "review", "edit"):
        assert f'value="{scope}"' in page
    resp = _post(admin, "/beheer/tokens", username="officer", name="zaaksysteem", scopes=["read"])
    assert resp.status_code == 200
    secret = _secret(resp.get_data(as_text=True))
    api = world.app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/documents", headers=bearer).status_code == 200
    assert api.post("/api/v1/documents", headers=bearer).status_code == 403  # no ingest scope
    listing = admin.get("/beheer/tokens").get_data(as_text=True)
    assert secret[:12] in listing and "zaaksysteem" in listing and secret not in listing
    with woo_ctx.unit_of_work() as s:
        token_id = s.execute(select(ApiToken.id).where(ApiToken.name == "zaaksysteem")).scalar_one()
    bad = _post(admin, "/beheer/tokens", username="officer", name="fout", scopes=["alles"])
    assert "geldige scopes" in admin.get(bad.location).get_data(as_text=True)
    resp = _post(admin, f"/beheer/tokens/{token_id}/intrekken")
    assert resp.status_code == 302
    assert "Token ingetrokken" in admin.get(resp.location).get_data(as_text=True)
    assert api.get("/api/v1/documents", headers=bearer).status_code == 401
    assert _post(admin, "/beheer/tokens/999999/intrekken").status_code == 404


def test_deactivate_stops_login_and_activate_restores_it(woo_ctx, tmp_path):
    from tests.integration.security_world import PASSWORD

    world = build_world(woo_ctx, tmp_path)
    admin = world.client("admin")
    uid = _user_id(woo_ctx, "reviewer")
    session_before = world.client("reviewer")
    assert session_before.get("/documenten").status_code == 200
    resp = _post(admin, f"/beheer/gebruikers/{uid}/actief", active="0")
    assert "gedeactiveerd" in admin.get(resp.location).get_data(as_text=True)
    assert _login(world.app.test_client(), "reviewer", PASSWORD).status_code == 401
    assert session_before.get("/documenten").status_code == 302  # the open session ended too
    _post(admin, f"/beheer/gebruikers/{uid}/actief", active="1")
    assert _login(world.app.test_client(), "reviewer", PASSWORD).status_code == 302
    # an admin cannot lock themselves out
    own = _post(admin, f"/beheer/gebruikers/{_user_id(woo_ctx, 'admin')}/actief", active="0")
    assert "eigen account" in admin.get(own.location).get_data(as_text=True)


def test_logout_everywhere_ends_the_users_sessions(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    officer = world.client("officer")
    assert officer.get("/documenten").status_code == 200
    resp = _post(world.client("admin"), f"/beheer/gebruikers/{_user_id(woo_ctx, 'officer')}/overal-uitloggen")
    assert resp.status_code == 302
    assert officer.get("/documenten").status_code == 302
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(Event).where(Event.action == "user.logged_out_everywhere")).first()
