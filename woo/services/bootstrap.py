"""First start of an instance: schema, bucket, default organisation and a first admin."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from woo.adapters import db
from woo.adapters.models import User
from woo.config import Settings
from woo.domain.roles import Role
from woo.services import accounts, organisations
from woo.services.context import SYSTEM, Context, build_context


@dataclass
class BootstrapResult:
    admin_username: str | None
    admin_password: str | None  # only when it was just created


def bootstrap_instance(settings: Settings, ctx: Context | None = None) -> BootstrapResult:
    db.upgrade(settings.database_url)
    ctx = ctx or build_context(settings)
    ctx.store.ensure_bucket()
    # the first organisation, through the one organisation service (TOOI lookup, checks, audit)
    organisations.ensure(ctx, SYSTEM, settings.organisation, settings.base_url)
    with ctx.unit_of_work() as session:
        if session.execute(select(func.count(User.id))).scalar_one():
            return BootstrapResult(None, None)
        password = secrets.token_urlsafe(12)
        accounts.create_user(session, SYSTEM, "admin", password, [(Role.ADMIN, None)], "Beheerder")
        return BootstrapResult("admin", password)
