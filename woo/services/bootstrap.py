"""First start of an instance: schema, bucket, default organisation and a first admin."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from woo.adapters import db
from woo.adapters.models import Organisation, User
from woo.config import Settings
from woo.domain import tooi
from woo.domain.roles import Role
from woo.services import accounts
from woo.services.context import SYSTEM, Context, build_context


@dataclass
class BootstrapResult:
    admin_username: str | None
    admin_password: str | None  # only when it was just created


def ensure_organisation(ctx: Context, code_or_uri: str, public_base_url: str | None = None) -> int:
    org_ref = tooi.organisation(code_or_uri)
    if org_ref is None:
        raise ValueError(f"Onbekende TOOI-organisatie: {code_or_uri}")
    with ctx.unit_of_work() as session:
        org = session.execute(select(Organisation).where(Organisation.tooi_uri == org_ref.uri)).scalar_one_or_none()
        if org is None:
            org = Organisation(tooi_uri=org_ref.uri, code=org_ref.code, name=org_ref.label,
                               public_base_url=public_base_url)
            session.add(org)
            session.flush()
        return org.id


def bootstrap_instance(settings: Settings, ctx: Context | None = None) -> BootstrapResult:
    db.upgrade(settings.database_url)
    ctx = ctx or build_context(settings)
    ctx.store.ensure_bucket()
    ensure_organisation(ctx, settings.organisation, settings.base_url)
    with ctx.unit_of_work() as session:
        if session.execute(select(func.count(User.id))).scalar_one():
            return BootstrapResult(None, None)
        password = secrets.token_urlsafe(12)
        accounts.create_user(session, SYSTEM, "admin", password, [(Role.ADMIN, None)], "Beheerder")
        return BootstrapResult("admin", password)
