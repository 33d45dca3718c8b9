"""Authentication: login throttling across workers, logout everywhere, token revocation, open redirects."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import cli_env
from tests.integration.security_world import PASSWORD, build_world, make_app
from woo.adapters.models import ApiToken, User
from woo.cli import main
from woo.services import accounts
from woo.services.context import SYSTEM

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _login(client, username, password, next_url=None, addr="10.0.0.1"):
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    path = "/login" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(path, data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


def test_login_is_throttled_per_user_and_address_across_workers(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    worker_a, worker_b = world.app, make_app(woo_ctx)  # two app instances = two gunicorn workers
    for i in range(5):
        app = worker_a if i % 2 else worker_b
        assert _login(app.test_client(), "officer", "fout-wachtwoord-123").status_code == 401
    blocked = _login(worker_a.test_client(), "officer", PASSWORD)  # even the right password now waits
    assert blocked.status_code == 429
    assert "Te veel mislukte inlogpogingen" in blocked.get_data(as_text=True)
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    # another address, or another user from this address, is not affected
    assert _login(worker_b.test_client(), "officer", PASSWORD, addr="10.0.0.2").status_code == 302
    assert _login(worker_b.test_client(), "publisher", PASSWORD).status_code == 302
    with woo_ctx.unit_of_work() as s:
        from woo.adapters.models import Event
        actions = [e.action for e in s.execute(select(Event).where(Event.action.like("auth.%"))).scalars()]
    assert actions.count("auth.login_failed") == 5 and "auth.login_blocked" in actions


def test_successful_login_resets_the_failure_count(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    for _ in range(4):
        _login(world.app.test_client(), "reviewer", "fout-wachtwoord-123")
    assert _login(world.app.test_client(), "reviewer", PASSWORD).status_code == 302
    for _ in range(4):
        assert _login(world.app.test_client(), "reviewer", "fout-wachtwoord-123").status_code == 401
    assert _login(world.app.test_client(), "reviewer", PASSWORD).status_code == 302


def test_logout_everywhere_ends_other_sessions(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    laptop, phone = world.app.test_client(), world.app.test_client()
    assert _login(laptop, "officer", PASSWORD).status_code == 302
    assert _login(phone, "officer", PASSWORD).status_code == 302
    assert phone.get("/documenten").status_code == 200
    html = laptop.get("/documenten").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert laptop.post("/logout/overal", data={"csrf_token": token}).status_code == 302
    resp = phone.get("/documenten")
    assert resp.status_code == 302 and "/login" in resp.location
    assert _login(phone, "officer", PASSWORD).status_code == 302  # a fresh login works again
    assert phone.get("/documenten").status_code == 200


def test_deactivated_user_loses_session(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    client = world.app.test_client()
    assert _login(client, "publisher", PASSWORD).status_code == 302
    with woo_ctx.unit_of_work() as s:
        accounts.set_active(s, SYSTEM, s.get(User, world.users["publisher"]), False)
    assert client.get("/documenten").status_code == 302
    assert _login(client, "publisher", PASSWORD).status_code == 401


OFF_SITE = ["//evil.example/", "/\\evil.example", "\\\\evil.example", "https://evil.example/",
            "/\t/evil.example", "javascript:alert(1)", "///evil.example", "/%0d%0aSet-Cookie:x=1", "evil.example",
            "/\\/evil.example", "%2F%2Fevil.example", "/%5Cevil.example"]


def test_login_never_redirects_off_site(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    for target in OFF_SITE:
        resp = _login(world.app.test_client(), "officer", PASSWORD, next_url=target)
        assert resp.status_code == 302
        location = resp.location
        assert location == "/werk", (target, location)  # the start page ("Mijn werk")


def test_login_keeps_a_local_next(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    resp = _login(world.app.test_client(), "officer", PASSWORD, next_url="/beoordelen?x=1")
    assert resp.location == "/beoordelen?x=1"


def test_cli_lists_and_revokes_tokens(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    with woo_ctx.unit_of_work() as s:
        secret = accounts.create_token(s, SYSTEM, s.get(User, world.users["officer"]), "zaaksysteem", "ingest read")
    s_ = woo_ctx.settings
    env = cli_env(s_)
    client = world.app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/documents", headers=auth).status_code == 200

    listed = CliRunner().invoke(main, ["user", "tokens", "--data-dir", str(tmp_path / "d")], env=env)
    assert listed.exit_code == 0 and secret[:12] in listed.output and secret not in listed.output
    assert "actief" in listed.output

    revoked = CliRunner().invoke(main, ["user", "revoke-token", secret[:12], "--data-dir", str(tmp_path / "d")],
                                 env=env)
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/documents", headers=auth).status_code == 401
    with woo_ctx.unit_of_work() as s:
        assert s.execute(select(ApiToken)).scalar_one().revoked_at is not None
    unknown = CliRunner().invoke(main, ["user", "revoke-token", "woo_bestaatniet", "--data-dir",
                                        str(tmp_path / "d")], env=env)
    assert unknown.exit_code == 1 and "Onbekend token" in unknown.output

    out = CliRunner().invoke(main, ["user", "logout-everywhere", "officer", "--data-dir", str(tmp_path / "d")],
                             env=env)
    assert out.exit_code == 0
    with woo_ctx.unit_of_work() as s:
        assert s.get(User, world.users["officer"]).session_epoch == 1


def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(woo_ctx, tmp_path):
    from woo.app import create_app

    build_world(woo_ctx, tmp_path)
    proxied = create_app(settings=woo_ctx.settings.replace(proxy_hops=1), ctx=woo_ctx)
    direct = make_app(woo_ctx)  # no proxy configured: X-Forwarded-For is a client's claim, ignored

    def login(app, client_ip, password="fout-wachtwoord-123"):
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        return client.post("/login", data={"username": "archivist", "password": password, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "172.16.0.1"}, headers={"X-Forwarded-For": client_ip})

    for _ in range(5):
        assert login(proxied, "203.0.113.7").status_code == 401
    assert login(proxied, "203.0.113.7", PASSWORD).status_code == 429  # that client waits
    assert login(proxied, "198.51.100.9", PASSWORD).status_code == 302  # a colleague behind the same proxy does not
    # without the setting every request comes from the proxy's address, so a forged header changes nothing
    for _ in range(5):
        login(direct, "192.0.2.1", PASSWORD + "x")
    assert login(direct, "192.0.2.99", PASSWORD).status_code == 429


def test_parallel_wrong_password_logins_get_at_most_the_limit_of_password_checks(woo_ctx, tmp_path, live_server):
    """40 attempts at once through a threaded server: each is counted before its password is checked."""
    import threading

    import requests

    build_world(woo_ctx, tmp_path)
    n, barrier = 40, threading.Barrier(40)
    sessions = []
    for _ in range(n):  # each attacker has its own session cookie and CSRF token
        http = requests.Session()
        html = http.get(f"{live_server}/login", timeout=30).text
        sessions.append((http, re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)))
    statuses: list[int] = []

    def attack(http, token):
        barrier.wait(timeout=60)
        resp = http.post(f"{live_server}/login", timeout=120, allow_redirects=False,
                         data={"username": "officer", "password": "fout-wachtwoord-123", "csrf_token": token})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=attack, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    with woo_ctx.unit_of_work() as s:
        from woo.adapters.models import Event
        actions = [e.action for e in s.execute(select(Event).where(Event.action.like("auth.%"))).scalars()]
    assert len(statuses) == n
    assert statuses.count(401) == actions.count("auth.login_failed") <= 5, statuses  # password checks
    assert statuses.count(429) == actions.count("auth.login_blocked") == n - statuses.count(401)
    # and the right password waits too, until the window ends
    assert _login(make_app(woo_ctx).test_client(), "officer", PASSWORD, addr="127.0.0.1").status_code == 429
