"""Organisations and their units (afdelingen): the one path for the admin page (/beheer/organisaties), the
CLI (`woo organisation ...`) and the pages that hand work over between units.

The rules (TOOI code, URLs, contact details) are woo.domain.organisations; this module reads and writes the
rows and records every change in the audit chain. Documents and dossiers carry an optional ``unit_id``; an
officer's lists default to the work of their units (woo.services.documents.DocumentFilter.unit_ids).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from woo.adapters.models import ApiToken, Document, Dossier, Organisation, RoleAssignment, Unit, UnitMember, User
from woo.domain import organisations as rules
from woo.domain.organisations import OrganisationError
from woo.domain.roles import Role, allowed
from woo.services import audit
from woo.services.context import Actor, Context

__all__ = ["OrganisationError", "OrganisationView", "UnitView", "list_organisations", "add", "ensure", "change",
           "resolve", "add_unit", "rename_unit", "add_member", "remove_member", "units_of_user",
           "units_for", "default_unit", "hand_over_document", "hand_over_dossier", "unit_refusal", "may_act",
           "check_unit", "check_unit_of", "check_unit_in", "UnitRefused", "delete_unit", "set_logo", "set_tokens",
           "theme_file", "tokens_text", "actionable_unit_ids", "has_units", "unassigned_count",
           "upload_units", "unit_choice", "UnitChoiceError", "NO_UNIT"]


@dataclass
class UnitView:
    id: int
    name: str
    members: list[str] = field(default_factory=list)  # usernames
    documents: int = 0
    dossiers: int = 0


@dataclass
class OrganisationView:
    id: int
    code: str
    tooi_uri: str
    tooi_label: str
    name: str
    public_base_url: str | None
    theme_css_url: str | None
    logo_url: str | None
    contact: dict
    units: list[UnitView] = field(default_factory=list)


def resolve(session: Session, ref: str | int) -> Organisation:
    """By id, code ("gm0363") or TOOI URI; Dutch error when woo holds no such organisation."""
    if isinstance(ref, int):
        org = session.get(Organisation, ref)
    else:
        key = (ref or "").strip()
        org = session.execute(select(Organisation).where(
            (Organisation.code == key.lower()) | (Organisation.tooi_uri == key))).scalar_one_or_none()
        if org is None and key.isdigit() and len(key) < 10:
            org = session.get(Organisation, int(key))
    if org is None:
        raise OrganisationError(f"Organisatie ‘{str(ref)[:60]}’ bestaat niet in deze installatie.")
    return org


def _view(session: Session, org: Organisation, with_units: bool = True) -> OrganisationView:
    from woo.domain import tooi

    ref = tooi.organisation(org.tooi_uri)
    view = OrganisationView(org.id, org.code, org.tooi_uri, ref.label if ref else org.name, org.name,
                            org.public_base_url, org.theme_css_url, org.logo_url, dict(org.contact or {}))
    if with_units:
        view.units = units_for(session, org.id)
    return view


def list_organisations(session: Session) -> list[OrganisationView]:
    orgs = session.execute(select(Organisation).order_by(Organisation.name, Organisation.id)).scalars().all()
    return [_view(session, o) for o in orgs]


def get(session: Session, ref: str | int) -> OrganisationView:
    return _view(session, resolve(session, ref))


def units_for(session: Session, organisation_id: int) -> list[UnitView]:
    units = session.execute(select(Unit).where(Unit.organisation_id == organisation_id)
                            .order_by(Unit.name)).scalars().all()
    views = {u.id: UnitView(u.id, u.name) for u in units}
    if not views:
        return []
    for unit_id, username in session.execute(
            select(UnitMember.unit_id, User.username).join(User, User.id == UnitMember.user_id)
            .where(UnitMember.unit_id.in_(views)).order_by(User.username)):
        views[unit_id].members.append(username)
    for unit_id, n in session.execute(select(Document.unit_id, func.count()).where(Document.unit_id.in_(views))
                                      .group_by(Document.unit_id)):
        views[unit_id].documents = n
    for unit_id, n in session.execute(select(Dossier.unit_id, func.count()).where(Dossier.unit_id.in_(views))
                                      .group_by(Dossier.unit_id)):
        views[unit_id].dossiers = n
    return list(views.values())


def _check_host_free(session: Session, url: str | None, org_id: int | None) -> None:
    if not url:
        return
    other = session.execute(select(Organisation.id).where(Organisation.public_base_url == url,
                                                          Organisation.id != (org_id or 0))).first()
    if other:
        raise OrganisationError(f"Het openbare adres {url} hoort al bij een andere organisatie.")


def _empty_none(value: str | None) -> str | None:
    return value or None


def add(ctx: Context, actor: Actor, code_or_uri: str, *, name: str | None = None,
        public_base_url: str | None = None, theme_css_url: str | None = None, logo_url: str | None = None,
        contact: dict | None = None) -> int:
    """Make an organisation from its TOOI entry; the name defaults to the TOOI label."""
    ref = rules.tooi_organisation(code_or_uri)
    ch = rules.check_changes(name=name if name and name.strip() else ref.label, public_base_url=public_base_url,
                             theme_css_url=theme_css_url, logo_url=logo_url, contact=contact)
    with ctx.unit_of_work() as session:
        if session.execute(select(Organisation.id).where(Organisation.tooi_uri == ref.uri)).first():
            raise OrganisationError(f"{ref.label} ({ref.code}) bestaat al in deze installatie.")
        _check_host_free(session, ch.public_base_url, None)
        org = Organisation(tooi_uri=ref.uri, code=ref.code, name=ch.name,
                           public_base_url=_empty_none(ch.public_base_url),
                           theme_css_url=_empty_none(ch.theme_css_url), logo_url=_empty_none(ch.logo_url),
                           contact=ch.contact or None)
        session.add(org)
        session.flush()
        audit.record(session, actor.label, "organisation.added", None, organisation=ref.code, name=ch.name,
                     public_base_url=org.public_base_url)
        org_id = org.id
    if ch.contact:
        from woo.services import contact_details

        contact_details.refresh(ctx, actor, org_id)
    return org_id


def ensure(ctx: Context, actor: Actor, code_or_uri: str, public_base_url: str | None = None) -> int:
    """The organisation's id, made (with ``add``, audited) when this installation does not have it yet: the
    bootstrap's first organisation. A public address ``add`` refuses (a path, plain http off localhost) is
    left out rather than stopping the first start; set it later with ``woo organisation set``."""
    ref = rules.tooi_organisation(code_or_uri)
    with ctx.unit_of_work() as session:
        found = session.execute(select(Organisation.id).where(Organisation.tooi_uri == ref.uri)).scalar()
    if found is not None:
        return found
    try:
        return add(ctx, actor, ref.uri, public_base_url=public_base_url)
    except OrganisationError:
        if not public_base_url:
            raise
        return add(ctx, actor, ref.uri)


def change(ctx: Context, actor: Actor, ref: str | int, **fields) -> list[str]:
    """Change name, public host, theme or contact details (None: leave as is; "" clears). Returns the
    names of the fields that changed (nothing changed: an empty list, and no event)."""
    allowed = {"name", "public_base_url", "theme_css_url", "logo_url", "contact"}
    unknown = set(fields) - allowed
    if unknown:
        raise OrganisationError(f"Onbekend veld: {sorted(unknown)[0]}.")
    ch = rules.check_changes(**fields)
    with ctx.unit_of_work() as session:
        org = resolve(session, ref)
        changed = []
        for key in ("name", "public_base_url", "theme_css_url", "logo_url"):
            value = getattr(ch, key)
            if value is None:
                continue
            if key == "public_base_url":
                _check_host_free(session, value, org.id)
            value = value or None
            if getattr(org, key) != value:
                setattr(org, key, value)
                changed.append(key)
        if ch.contact is not None and (org.contact or {}) != ch.contact:
            org.contact = ch.contact or None
            changed.append("contact")
        if changed:
            audit.record(session, actor.label, "organisation.changed", None, organisation=org.code,
                         fields=changed)
        org_id = org.id
    if {"contact", "name"} & set(changed):  # the published bereikbaarheidsgegevens follow (a new version)
        from woo.services import contact_details

        contact_details.refresh(ctx, actor, org_id)
    return changed


# --------------------------------------------------------------------------- theme (logo, design tokens)

THEME_PREFIX = "theme"  # object store keys: theme/<code>/<name>; served as /thema/<code>/<name>


def _theme_url(code: str, name: str) -> str:
    return f"/thema/{code}/{name}"


def _store_theme_file(ctx: Context, code: str, kind: str, ext: str, data: bytes, mime: str) -> str:
    """Keep a theme file under a name made of its content hash (so it can be cached for good) and return
    its URL on this site."""
    import hashlib

    name = f"{kind}-{hashlib.sha256(data).hexdigest()[:16]}.{ext}"
    ctx.store.put_bytes(f"{THEME_PREFIX}/{code}/{name}", data, mime)
    return _theme_url(code, name)


def set_logo(ctx: Context, actor: Actor, ref: str | int, data: bytes) -> str:
    """Check (size, type by python-magic, an SVG that only draws) and keep an organisation's logo in the
    object store; officer and public pages show it from then on. Returns its URL."""
    import magic

    ext = rules.check_logo(data, magic.from_buffer(data[:65536], mime=True) if data else "")
    with ctx.unit_of_work() as session:
        org = resolve(session, ref)
        url = _store_theme_file(ctx, org.code, "logo", ext,
                                data, "image/png" if ext == "png" else "image/svg+xml")
        org.logo_url = url
        audit.record(session, actor.label, "organisation.logo_set", None, organisation=org.code, url=url,
                     size=len(data), type=ext)
        return url


def set_tokens(ctx: Context, actor: Actor, ref: str | int, text: str) -> int:
    """Set an organisation's design tokens (CSS custom properties) from ``--naam: waarde`` lines; kept as a
    CSS file in the object store that every page loads after the example theme. Empty: back to the
    example theme. Returns the number of tokens."""
    tokens = rules.check_tokens(text)
    with ctx.unit_of_work() as session:
        org = resolve(session, ref)
        url = None
        if tokens:
            url = _store_theme_file(ctx, org.code, "tokens", "css", rules.tokens_css(tokens).encode(), "text/css")
        org.theme_css_url = url
        audit.record(session, actor.label, "organisation.theme_set", None, organisation=org.code, url=url,
                     tokens=len(tokens))
        return len(tokens)


def theme_file(ctx: Context, code: str, name: str) -> tuple[bytes, str] | None:
    """A stored theme file (bytes, content type) by its public name; None when there is no such file."""
    if not rules.THEME_FILE.fullmatch(name or "") or not code.isalnum() or len(code) > 20:
        return None
    key = f"{THEME_PREFIX}/{code}/{name}"
    if ctx.store.stat(key) is None:
        return None
    data = ctx.store.get_bytes(key)
    ext = name.rsplit(".", 1)[1]
    return data, {"png": "image/png", "svg": "image/svg+xml", "css": "text/css; charset=utf-8"}[ext]


def tokens_text(ctx: Context, theme_css_url: str | None) -> str:
    """The tokens of a woo-made token CSS as the admin form's lines (empty for none or another file)."""
    parts = (theme_css_url or "").split("/")
    if len(parts) != 4 or parts[1] != "thema":
        return ""
    found = theme_file(ctx, parts[2], parts[3])
    if found is None:
        return ""
    try:
        return "".join(f"{k}: {v}\n" for k, v in rules.check_tokens(found[0].decode()).items())
    except (OrganisationError, UnicodeDecodeError):
        return ""


# --------------------------------------------------------------------------- units


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        raise OrganisationError("Deze afdeling bestaat niet.")
    return unit


def add_unit(ctx: Context, actor: Actor, organisation: str | int, name: str) -> int:
    name = rules.check_unit_name(name)
    with ctx.unit_of_work() as session:
        org = resolve(session, organisation)
        if session.execute(select(Unit.id).where(Unit.organisation_id == org.id,
                                                 func.lower(Unit.name) == name.lower())).first():
            raise OrganisationError(f"{org.name} heeft al een afdeling ‘{name}’.")
        unit = Unit(organisation_id=org.id, name=name)
        session.add(unit)
        session.flush()
        audit.record(session, actor.label, "unit.added", None, organisation=org.code, unit=unit.id, name=name)
        return unit.id


def rename_unit(ctx: Context, actor: Actor, unit_id: int, name: str) -> None:
    name = rules.check_unit_name(name)
    with ctx.unit_of_work() as session:
        unit = _unit(session, unit_id)
        if session.execute(select(Unit.id).where(Unit.organisation_id == unit.organisation_id, Unit.id != unit.id,
                                                 func.lower(Unit.name) == name.lower())).first():
            raise OrganisationError(f"Er is al een afdeling ‘{name}’.")
        old, unit.name = unit.name, name
        audit.record(session, actor.label, "unit.renamed", None, unit=unit.id, old=old, name=name)


def delete_unit(ctx: Context, actor: Actor, unit_id: int) -> str:
    """Remove a unit that holds no work; its members leave it (they stay users). A unit with documents or
    dossiers is refused: hand them over to another unit first (nothing moves by itself, so no work lands
    where no one chose to put it). Returns the unit's name."""
    with ctx.unit_of_work() as session:
        unit = _unit(session, unit_id)
        docs = session.execute(select(func.count()).select_from(Document)
                               .where(Document.unit_id == unit.id)).scalar()
        dossiers = session.execute(select(func.count()).select_from(Dossier)
                                   .where(Dossier.unit_id == unit.id)).scalar()
        if docs or dossiers:
            raise OrganisationError(rules.unit_not_empty_nl(unit.name, docs, dossiers))
        members = [m for (m,) in session.execute(select(User.username).join(UnitMember, UnitMember.user_id == User.id)
                                                 .where(UnitMember.unit_id == unit.id).order_by(User.username))]
        session.execute(UnitMember.__table__.delete().where(UnitMember.unit_id == unit.id))
        org = session.get(Organisation, unit.organisation_id)
        name = unit.name
        session.delete(unit)
        audit.record(session, actor.label, "unit.deleted", None, organisation=org.code, unit=unit_id, name=name,
                     members=members)
        return name


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == (username or "").strip())).scalar_one_or_none()
    if user is None:
        raise OrganisationError(f"Gebruiker ‘{(username or '').strip()[:60]}’ bestaat niet.")
    return user


def add_member(ctx: Context, actor: Actor, unit_id: int, username: str) -> bool:
    """Put a user in a unit (a user may be in several); False when they were in it already."""
    with ctx.unit_of_work() as session:
        unit, user = _unit(session, unit_id), _user(session, username)
        if session.get(UnitMember, (unit.id, user.id)) is not None:
            return False
        session.add(UnitMember(unit_id=unit.id, user_id=user.id))
        audit.record(session, actor.label, "unit.member_added", None, unit=unit.id, username=user.username)
        return True


def remove_member(ctx: Context, actor: Actor, unit_id: int, username: str) -> bool:
    with ctx.unit_of_work() as session:
        unit, user = _unit(session, unit_id), _user(session, username)
        member = session.get(UnitMember, (unit.id, user.id))
        if member is None:
            return False
        session.delete(member)
        audit.record(session, actor.label, "unit.member_removed", None, unit=unit.id, username=user.username)
        return True


def units_of_user(session: Session, user_id: int | None) -> dict[int, str]:
    """The units a user is in: id -> name (an API token or the system: none)."""
    if user_id is None:
        return {}
    rows = session.execute(select(Unit.id, Unit.name).join(UnitMember, UnitMember.unit_id == Unit.id)
                           .where(UnitMember.user_id == user_id).order_by(Unit.name))
    return {i: n for i, n in rows}


def default_unit(session: Session, actor: Actor, organisation_id: int) -> int | None:
    """The unit new work of this actor lands in: their one unit in that organisation (none, or several: no
    unit; the officer hands it over)."""
    if actor.kind != "user" or actor.id is None:
        return None
    ids = session.execute(select(Unit.id).join(UnitMember, UnitMember.unit_id == Unit.id)
                          .where(UnitMember.user_id == actor.id, Unit.organisation_id == organisation_id)
                          .limit(2)).scalars().all()
    return ids[0] if len(ids) == 1 else None


def _member_of(session: Session, user_id: int | None, organisation_id: int) -> set[int]:
    """The ids of a user's units in one organisation (an API token without a user or the system: none)."""
    if user_id is None:
        return set()
    return set(session.execute(
        select(Unit.id).join(UnitMember, UnitMember.unit_id == Unit.id)
        .where(UnitMember.user_id == user_id, Unit.organisation_id == organisation_id)).scalars())


def _refusal(session: Session, user_id: int | None, is_admin, action: str, organisation_id: int,
             unit_id: int | None) -> str | None:
    """The one decision (the rule: woo.domain.organisations.unit_allows); ``is_admin``: a callable, asked only
    when it matters. None: allowed; else the Dutch refusal naming the unit."""
    if unit_id is None or action not in rules.UNIT_BOUND_ACTIONS or user_id is None:
        return None
    member_of = _member_of(session, user_id, organisation_id)
    if rules.unit_allows(action, bool(member_of) and is_admin(), member_of, unit_id):
        return None
    return rules.unit_refusal_nl(session.execute(select(Unit.name).where(Unit.id == unit_id)).scalar())


def unit_refusal(session: Session, principal, action: str, organisation_id: int, unit_id: int | None) -> str | None:
    """Whether a principal's units let them act on a document or dossier of unit ``unit_id``: what the pages
    use to explain and hide a form beforehand (``may_act``). The action services enforce the same decision
    themselves (``check_unit``). Roles are checked apart (woo.domain.roles.allowed)."""
    return _refusal(session, principal.user_id, lambda: Role.ADMIN in principal.roles_for(organisation_id),
                    action, organisation_id, unit_id)


class UnitRefused(Exception):
    """A user's units do not let them act on this work: HTTP 403 on the pages and in the API (woo.web.errors),
    an error on the CLI (woo.cli). The message is Dutch and names the unit. Not a ValueError, so that the
    handlers of refused input (which answer 400/422 or flash) let it through to the one 403 handler."""


def _actor_user_id(session: Session, actor: Actor) -> int | None:
    """The user behind an actor: a user, or an API token's user; the system (CLI without --user, worker,
    connectors) has none and works organisation-wide."""
    if actor.kind == "user":
        return actor.id
    if actor.kind == "token" and actor.id is not None:
        return session.execute(select(ApiToken.user_id).where(ApiToken.id == actor.id)).scalar()
    return None


def check_unit(session: Session, actor: Actor, action: str, organisation_id: int, unit_id: int | None) -> None:
    """Raise ``UnitRefused`` when ``actor`` may not do ``action`` to work of unit ``unit_id``: the check every
    action service makes (edit, privacy review, publish, withdraw, correct, hand over, add to a dossier), so
    web, API, CLI ``--user`` and connectors follow one path."""
    user_id = _actor_user_id(session, actor)

    def is_admin() -> bool:
        return session.execute(select(RoleAssignment.id).where(
            RoleAssignment.user_id == user_id, RoleAssignment.role == Role.ADMIN.value,
            or_(RoleAssignment.organisation_id.is_(None), RoleAssignment.organisation_id == organisation_id))
            .limit(1)).first() is not None

    refusal = _refusal(session, user_id, is_admin, action, organisation_id, unit_id)
    if refusal:
        raise UnitRefused(refusal)


def check_unit_of(session: Session, actor: Actor, action: str, obj) -> None:
    """``check_unit`` for a Document or a Dossier, or a document id; an absent one is left to the caller."""
    if actor.kind == "system":
        return
    if isinstance(obj, str):
        obj = session.get(Document, obj)
    if obj is not None:
        check_unit(session, actor, action, obj.organisation_id, obj.unit_id)


def check_unit_in(ctx: Context, actor: Actor, action: str, document_id: str) -> None:
    """``check_unit_of`` in its own unit of work: for a service whose input checks come before its first one
    (the refusal is the answer, not a remark on the input)."""
    if actor.kind != "system":
        with ctx.unit_of_work() as session:
            check_unit_of(session, actor, action, document_id)


def actionable_unit_ids(session: Session, principal, organisation_ids: set[int] | None) -> set[int] | None:
    """The units whose work this principal may act on (with work of no unit: ``unit_clause``), over the
    organisations they see: their own units; every unit of an organisation where they are an admin or in no
    unit. None: every unit (nothing they see is out of reach). The start page's counts under "Hele
    organisatie" use it, so that they count only what the user can work off (the rule: ``unit_allows``)."""
    stmt = select(Unit.id, Unit.organisation_id)
    if organisation_ids is not None:
        stmt = stmt.where(Unit.organisation_id.in_(list(organisation_ids)))
    units = session.execute(stmt).all()
    if principal.user_id is None or not units:
        return None
    mine = set(session.execute(select(UnitMember.unit_id).where(UnitMember.user_id == principal.user_id)).scalars())
    member_orgs = {org for unit, org in units if unit in mine}
    allowed_ = {unit for unit, org in units
                if unit in mine or org not in member_orgs or Role.ADMIN in principal.roles_for(org)}
    return None if len(allowed_) == len(units) else allowed_


def has_units(session: Session, organisation_ids: set[int] | None) -> bool:
    stmt = select(Unit.id)
    if organisation_ids is not None:
        stmt = stmt.where(Unit.organisation_id.in_(list(organisation_ids)))
    return session.execute(stmt.limit(1)).first() is not None


def unassigned_count(session: Session, organisation_ids: set[int] | None) -> int:
    """Documents still on their way to publication that belong to no unit yet ("Nog niet toegewezen")."""
    from woo.domain import worklist

    stmt = select(func.count()).select_from(Document).where(
        Document.unit_id.is_(None), Document.status.in_([s.value for s in worklist.WORKING_STATUSES]))
    if organisation_ids is not None:
        stmt = stmt.where(Document.organisation_id.in_(list(organisation_ids)))
    return session.execute(stmt).scalar_one()


NO_UNIT = "geen"  # the upload form's choice "Geen afdeling"


class UnitChoiceError(OrganisationError):
    """A refused unit choice at upload; ``status``: the HTTP status the pages and the API answer with."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def upload_units(session: Session, principal, organisation_id: int) -> tuple[list[tuple[int, str]], int | None]:
    """The units an uploader may put new work in (their units in the organisation; every unit for an admin or
    a user in no unit of it) and the one new work goes to by default (their only unit, as without a choice)."""
    choices = unit_choices(session, organisation_id)
    mine = _member_of(session, principal.user_id, organisation_id)
    default = next(iter(mine)) if len(mine) == 1 else None
    if mine and Role.ADMIN not in principal.roles_for(organisation_id):
        choices = [(i, n) for i, n in choices if i in mine]
    return choices, default


def unit_choice(session: Session, principal, organisation_id: int, raw) -> int | str | None:
    """The upload's unit field (page or API) as ``ingest(unit=...)``: absent or empty: the default (its dossier's
    or the uploader's only unit); "geen": no unit; a number: that unit, if the uploader may work for it."""
    from woo.services.ingest import DEFAULT_UNIT

    raw = str(raw).strip() if raw is not None else ""
    if not raw:  # an API token uploads for its user: their only unit too (ingest knows only the token)
        return DEFAULT_UNIT if principal.actor.kind == "user" else upload_units(session, principal, organisation_id)[1]
    if raw == NO_UNIT:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise UnitChoiceError("Kies een afdeling uit de lijst (een nummer, of ‘geen’).", 400)
    unit_id = int(raw)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.organisation_id != organisation_id:
        raise UnitChoiceError("Kies een afdeling van deze organisatie.", 422)
    refusal = unit_refusal(session, principal, "document.ingest", organisation_id, unit_id)
    if refusal:
        raise UnitChoiceError(refusal, 403)
    return unit_id


def may_act(session: Session, principal, action: str, organisation_id: int, unit_id: int | None) -> bool:
    """Roles and units together: what the pages use to show or hide a button."""
    return allowed(principal.roles_for(organisation_id), action) and \
        unit_refusal(session, principal, action, organisation_id, unit_id) is None


def unit_choices(session: Session, organisation_id: int) -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in session.execute(
        select(Unit).where(Unit.organisation_id == organisation_id).order_by(Unit.name)).scalars()]


def unit_names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)))}


# --------------------------------------------------------------------------- hand-over


def _target(session: Session, unit_id: int, organisation_id: int) -> Unit:
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None or unit.organisation_id != organisation_id:
        raise OrganisationError("Kies een afdeling van dezelfde organisatie.")
    return unit


def hand_over_document(ctx: Context, actor: Actor, document_id: str, unit_id: int) -> bool:
    """Give a document to another unit of its organisation; False when it is that unit's already."""
    with ctx.unit_of_work() as session:
        doc = session.get(Document, document_id)
        if doc is None:
            raise OrganisationError("Document niet gevonden.")
        check_unit(session, actor, "document.edit", doc.organisation_id, doc.unit_id)
        unit = _target(session, unit_id, doc.organisation_id)
        if doc.unit_id == unit.id:
            return False
        old = doc.unit_id
        doc.unit_id = unit.id
        audit.record(session, actor.label, "document.handed_over", doc.id, from_unit=old, to_unit=unit.id,
                     unit_name=unit.name)
        return True


def hand_over_dossier(ctx: Context, actor: Actor, dossier_id: str, unit_id: int) -> int:
    """Give a dossier and its documents to another unit; returns how many documents went with it."""
    with ctx.unit_of_work() as session:
        dossier = session.get(Dossier, dossier_id)
        if dossier is None:
            raise OrganisationError("Dossier niet gevonden.")
        check_unit(session, actor, "document.edit", dossier.organisation_id, dossier.unit_id)
        unit = _target(session, unit_id, dossier.organisation_id)
        old = dossier.unit_id
        dossier.unit_id = unit.id
        moved = session.execute(update(Document).where(Document.publication_id == dossier.id,
                                                       Document.unit_id.is_distinct_from(unit.id))
                                .values(unit_id=unit.id).execution_options(synchronize_session=False)).rowcount
        audit.record(session, actor.label, "dossier.handed_over", None, dossier=dossier.id, from_unit=old,
                     to_unit=unit.id, unit_name=unit.name, documents=moved)
        return moved
