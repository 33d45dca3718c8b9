"""A small installation for the security tests: two organisations, a user per role, one document.

Users log in through the session cookie the app itself issues (user id + epoch), set directly so the
tests do not spend a scrypt check per request; the CSRF token is set the same way and sent as header.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tests.factories import make_pdf
from woo.adapters.models import Job, User
from woo.app import create_app
from woo.domain.roles import Role
from woo.services import accounts, organisations
from woo.services import ingest as ingestsvc
from woo.services.context import SYSTEM

PASSWORD = "een-lang-test-wachtwoord"
CSRF = "test-csrf-token-value"
ROLE_USERS = {"officer": [Role.OFFICER], "publisher": [Role.PUBLISHER], "archivist": [Role.ARCHIVIST],
              "reviewer": [Role.REVIEWER]}
# Every role, but only for the other organisation: must see nothing of organisation A.
FOREIGN = "foreign"


@dataclass
class World:
    app: object
    ctx: object
    org_a: int
    org_b: int
    org_a_code: str
    document_id: str
    job_id: int
    users: dict[str, int] = field(default_factory=dict)

    def client(self, who: str | None):
        """A test client logged in as `who` (None: anonymous)."""
        client = self.app.test_client()
        with client.session_transaction() as sess:
            sess["csrf"] = CSRF
            if who is not None:
                with self.ctx.unit_of_work() as s:  # a route under test may have logged the user out everywhere
                    epoch = s.get(User, self.users[who]).session_epoch
                sess["user_id"], sess["epoch"] = self.users[who], epoch
        return client


def make_app(ctx):
    app = create_app(ctx=ctx)
    app.config["TESTING"] = True
    if "public.robots" not in app.view_functions:  # public site registered separately for now
        from woo.web import public

        public.init_app(app)
    return app


def build_world(ctx, tmp_path) -> World:
    org_b = organisations.add(ctx, SYSTEM, "gm0599")  # Rotterdam, from the TOOI list, as an admin would
    with ctx.unit_of_work() as s:
        org_a_row = accounts.default_organisation(s)
        org_a, org_a_code = org_a_row.id, org_a_row.code
        users = {}
        for name, roles in ROLE_USERS.items():
            users[name] = accounts.create_user(s, SYSTEM, name, PASSWORD, [(r, org_a) for r in roles]).id
        users[FOREIGN] = accounts.create_user(s, SYSTEM, FOREIGN, PASSWORD,
                                              [(r, org_b) for r in Role if r != Role.ADMIN]).id
        users["admin"] = s.execute(select(User).where(User.username == "admin")).scalar_one().id
    pdf = make_pdf(tmp_path / "concept.pdf", ["Vertrouwelijk conceptadvies over de begroting."])
    result = ingestsvc.ingest(ctx, SYSTEM, org_a, "concept.pdf", path=pdf, source="cli", title="Conceptadvies")
    assert result.status == "accepted", result
    with ctx.unit_of_work() as s:
        job_id = s.execute(select(Job.id).where(Job.document_id == result.document_id)).scalars().first()
    return World(make_app(ctx), ctx, org_a, org_b, org_a_code, result.document_id, job_id, users)
