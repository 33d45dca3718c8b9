"""Every route of the app, requested anonymously and as each role, answers as woo/web/acl.py says.

A route that is not in acl.RULES fails here: decide who may use it and add it to the table.
"""
from __future__ import annotations

import pytest
from flask import url_for

from tests.integration.security_world import CSRF, FOREIGN, ROLE_USERS, build_world
from woo.domain.roles import Role, allowed
from woo.web import acl

IDENTITIES = [None, *ROLE_USERS, "admin", FOREIGN]
ROLE_OF = {**{name: set(roles) for name, roles in ROLE_USERS.items()}, "admin": {Role.ADMIN}}


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _sample_args(world, rule) -> dict:
    samples = {"document_id": world.document_id, "role": "original", "job_id": world.job_id,
               "filename": "woo.css", "name": "sitemap.xml", "organisation_id": world.org_a}
    # An unknown argument gets a value that names nothing: allowed users then see 404, which still
    # proves they were not refused; add a real sample above when a route needs one to be meaningful.
    return {arg: samples.get(arg, 999999 if "int" in str(rule._converters.get(arg, "")).lower() else "x")
            for arg in rule.arguments}


def _expect_allowed(who: str | None, rule: acl.Rule, endpoint_has_object: bool) -> bool:
    if rule.access == acl.PUBLIC:
        return True
    if who is None:
        return False
    if rule.access == acl.LOGIN:
        return True
    if who == FOREIGN:
        # every role except admin, but elsewhere: an admin-only route refuses it anywhere
        return allowed(set(Role) - {Role.ADMIN}, rule.action) and not (rule.scoped and endpoint_has_object)
    return allowed(ROLE_OF[who], rule.action)


def _request(client, method, url, rule: acl.Rule, world, token=None):
    headers = {"X-CSRF-Token": CSRF}
    if token:
        headers = {"Authorization": f"Bearer {token}"}
    data = {k: v.format(org=world.org_a, org_code=world.org_a_code) for k, v in rule.form}
    resp = client.open(url, method=method, headers=headers, data=data or None)
    resp.get_data()  # consume streamed bodies (downloads) so their request context ends here
    resp.close()
    return resp


def _is_login_wall(resp) -> bool:
    """401, or the redirect to the login page that carries ?next= (a logout's plain redirect is not one)."""
    return resp.status_code == 401 or (resp.status_code in (301, 302, 303) and "/login?next=" in resp.location)


@pytest.mark.parametrize("backend", ["sqlite"])  # authorisation does not depend on the database
def test_every_route_answers_as_the_acl_table_says(woo_ctx, tmp_path):
    world = build_world(woo_ctx, tmp_path)
    app = world.app
    missing = sorted({r.endpoint for r, _ in _routes(app) if acl.rule_for(r.endpoint) is None})
    assert not missing, f"routes without an entry in woo/web/acl.py RULES: {missing}"

    failures, checked = [], 0
    for rule, method in _routes(app):
        spec = acl.rule_for(rule.endpoint)
        with app.test_request_context():
            url = url_for(rule.endpoint, **_sample_args(world, rule))
        has_object = bool({"document_id", "job_id"} & set(rule.arguments)) or any("{org" in v for _, v in spec.form)
        for who in IDENTITIES:
            resp = _request(world.client(who), method, url, spec, world)
            checked += 1
            expect = _expect_allowed(who, spec, has_object)
            label = f"{method} {url} as {who or 'anonymous'} ({rule.endpoint}: {spec.access} {spec.action or ''})"
            if resp.status_code >= 500:
                failures.append(f"{label}: {resp.status_code}")
            elif expect and (resp.status_code == 403 or (spec.access != acl.PUBLIC and _is_login_wall(resp))):
                failures.append(f"{label}: refused with {resp.status_code} but should be allowed")
            elif not expect and who is None and not _is_login_wall(resp):
                failures.append(f"{label}: anonymous got {resp.status_code}, expected the login wall")
            elif not expect and who is not None and resp.status_code not in (403, 404):
                failures.append(f"{label}: got {resp.status_code}, expected 403/404")
    assert not failures, "\n".join(failures)
    assert checked >= len(IDENTITIES) * 20


@pytest.mark.parametrize("backend", ["sqlite"])
def test_api_routes_respect_token_scopes(woo_ctx, tmp_path):
    """A token lacking the route's scope gets 403; a wrong or revoked token 401; the right scope passes."""
    world = build_world(woo_ctx, tmp_path)
    app = world.app
    from woo.adapters.models import User
    from woo.services import accounts
    from woo.services.context import SYSTEM

    scoped = [(r, m) for r, m in _routes(app) if (acl.rule_for(r.endpoint) or acl.Rule("x")).scope]
    assert scoped, "no API routes with a token scope in the table"
    scopes = {acl.rule_for(r.endpoint).scope for r, _ in scoped}
    with woo_ctx.unit_of_work() as s:
        admin = s.get(User, world.users["admin"])
        tokens = {sc: accounts.create_token(s, SYSTEM, admin, f"zonder-{sc}", " ".join(scopes - {sc}))
                  for sc in scopes}
        full = accounts.create_token(s, SYSTEM, admin, "alles", " ".join(scopes))
        revoked = accounts.create_token(s, SYSTEM, admin, "ingetrokken", " ".join(scopes))
        accounts.revoke_token(s, SYSTEM, accounts.find_token(s, revoked[:12]).id)
    client = app.test_client()
    failures = []
    for rule, method in scoped:
        spec = acl.rule_for(rule.endpoint)
        with app.test_request_context():
            url = url_for(rule.endpoint, **_sample_args(world, rule))
        for token, want in ((tokens[spec.scope], {403}), ("woo_fout", {401}), (revoked, {401})):
            got = _request(client, method, url, spec, world, token=token).status_code
            if got not in want:
                failures.append(f"{method} {url} with token {token[:12]}: {got}, expected {want}")
        got = _request(client, method, url, spec, world, token=full).status_code
        if got in (401, 403) or got >= 500:
            failures.append(f"{method} {url} with a full-scope admin token: {got}")
    assert not failures, "\n".join(failures)
