"""Users, roles and API tokens. Passwords: werkzeug's scrypt hash; tokens: only their SHA-256 is kept."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from woo.adapters.models import ApiToken, Organisation, RoleAssignment, User, utcnow
from woo.domain.roles import Role
from woo.services import audit
from woo.services.context import Actor


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    """An authenticated user or token with its roles per organisation (None = every organisation)."""
    actor: Actor
    roles: dict[int | None, frozenset[Role]]
    scopes: frozenset[str] = frozenset()
    user_id: int | None = None  # the user behind a session or an API token (their units bound what they do)

    def roles_for(self, organisation_id: int | None) -> set[Role]:
        result = set(self.roles.get(None, ()))
        if organisation_id is not None:
            result |= set(self.roles.get(organisation_id, ()))
        return result

    def organisation_ids(self) -> set[int | None]:
        return set(self.roles)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(session: Session, actor: Actor, username: str, password: str | None,
                roles: list[tuple[Role, int | None]], display_name: str = "") -> User:
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise AccountError(f"Gebruiker '{username}' bestaat al.")
    if password is not None and len(password) < 12:
        raise AccountError("Een wachtwoord moet minstens 12 tekens hebben.")
    user = User(username=username, display_name=display_name or username,
                password_hash=hash_password(password) if password else None)
    user.roles = [RoleAssignment(role=str(r), organisation_id=o) for r, o in roles]
    session.add(user)
    session.flush()
    audit.record(session, actor.label, "user.created", None, username=username,
                 roles=[f"{r}@{o or '*'}" for r, o in roles])
    return user


def principal_for(user: User) -> Principal:
    roles: dict[int | None, set[Role]] = {}
    for ra in user.roles:
        roles.setdefault(ra.organisation_id, set()).add(Role(ra.role))
    return Principal(Actor("user", user.id, user.username), {k: frozenset(v) for k, v in roles.items()},
                     user_id=user.id)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not user.password_hash:
        check_password_hash(hash_password("x" * 12), password)  # same time whether or not the user exists
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, actor: Actor, user: User, name: str,
                 scopes: str = "ingest read") -> str:
    """Returns the secret once; only its hash is stored."""
    secret = "woo_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, prefix=secret[:12], token_hash=_token_digest(secret),
                         scopes=scopes))
    audit.record(session, actor.label, "token.created", None, user=user.username, name=name, scopes=scopes)
    return secret


def principal_for_token(session: Session, secret: str) -> Principal | None:
    token = session.execute(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret))).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    base = principal_for(token.user)
    return Principal(Actor("token", token.id, f"{token.user.username}/{token.name}"), base.roles,
                     frozenset(token.scopes.split()), user_id=token.user.id)


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise AccountError("Token bestaat niet.")
    token.revoked_at = utcnow()
    audit.record(session, actor.label, "token.revoked", None, token=token.prefix)


def default_organisation(session: Session) -> Organisation:
    org = session.execute(select(Organisation).order_by(Organisation.id).limit(1)).scalar_one_or_none()
    if org is None:
        raise AccountError("Er is nog geen organisatie ingericht (woo db upgrade / woo up).")
    return org


def find_token(session: Session, ref: str) -> ApiToken | None:
    """A token by its id or its (non-secret) prefix, as shown by `woo user tokens`."""
    if ref.isdigit():
        return session.get(ApiToken, int(ref))
    return session.execute(select(ApiToken).where(ApiToken.prefix == ref)).scalar_one_or_none()


def list_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).join(User).order_by(ApiToken.id)
    if username:
        stmt = stmt.where(User.username == username)
    return list(session.execute(stmt).scalars())


def logout_everywhere(session: Session, actor: Actor, user: User) -> None:
    """Every existing session of this user stops working at its next request (epoch checked per request)."""
    user.session_epoch = (user.session_epoch or 0) + 1
    audit.record(session, actor.label, "user.logged_out_everywhere", None, user=user.username)


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    user.active = active
    if not active:
        user.session_epoch = (user.session_epoch or 0) + 1
    audit.record(session, actor.label, "user.activated" if active else "user.deactivated", None,
                 user=user.username)


class LoginThrottle:
    """Login attempts per username+address in Redis, so the limit holds across gunicorn workers.

    Every attempt is counted *before* its password is checked, by one atomic step (MULTI: SET NX with the
    window as expiry, then INCR), and only the first `limit` attempts of a window get a password check;
    the rest are refused until the window ends. So however many attempts arrive at once, at most `limit`
    password hashes are computed per window. A successful login clears the count. If Redis cannot be
    reached the throttle lets the attempt through (the password check still applies) rather than
    locking everyone out.
    """

    def __init__(self, redis, limit: int = 5, window: int = 15 * 60):
        self.redis, self.limit, self.window = redis, limit, window

    def _key(self, username: str, address: str | None) -> str:
        raw = f"{username.strip().lower()}|{address or '-'}".encode()
        return "woo:login-attempts:" + hashlib.sha256(raw).hexdigest()

    def attempt(self, username: str, address: str | None) -> int:
        """Count this attempt; 0 when its password may be checked, else the seconds until the window ends."""
        try:
            key = self._key(username, address)
            pipe = self.redis.pipeline(transaction=True)
            pipe.set(key, 0, ex=self.window, nx=True)  # the window starts at the first attempt
            pipe.incr(key)                              # INCR keeps the expiry
            pipe.ttl(key)
            _, count, ttl = pipe.execute()
            if int(count) <= self.limit:
                return 0
            return max(1, int(ttl))
        except Exception:  # noqa: BLE001 - Redis down: fail open, see the class docstring
            return 0

    def reset(self, username: str, address: str | None) -> None:
        try:
            self.redis.delete(self._key(username, address))
        except Exception:  # noqa: BLE001
            pass


def blocked_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (f"Te veel mislukte inlogpogingen. Probeer het over {minutes} "
            f"{'minuut' if minutes == 1 else 'minuten'} opnieuw.")


def sync_oidc_user(session: Session, actor: Actor, subject: str, username: str, display_name: str,
                   roles: list[tuple[Role, int | None]]) -> User:
    """Create or update the local user behind a single sign-on login, with exactly `roles`.

    The identity provider owns an SSO user's roles: earlier ones that the claim no longer grants are
    removed. A local password account with the same name is never taken over, and a deactivated
    user stays out."""
    if not roles:
        raise AccountError("Uw account heeft geen rol in woo. Vraag uw beheerder om toegang.")
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(username=username, display_name=display_name or username, password_hash=None)
        session.add(user)
        session.flush()
        audit.record(session, actor.label, "user.created", None, username=username, subject=subject,
                     method="oidc")
    elif user.password_hash:
        raise AccountError(f"Gebruiker '{username}' is een lokaal account en kan niet via SSO inloggen.")
    elif not user.active:
        raise AccountError("Dit account is gedeactiveerd. Neem contact op met uw beheerder.")
    if display_name and user.display_name != display_name:
        user.display_name = display_name
    wanted = {(str(r), o) for r, o in roles}
    held = {(ra.role, ra.organisation_id): ra for ra in user.roles}
    if set(held) != wanted:
        # Keep matching rows and change only the difference: re-inserting a kept pair would hit the
        # unique (user, role, organisation) constraint before the delete is flushed.
        user.roles = [ra for key, ra in held.items() if key in wanted] + \
            [RoleAssignment(role=r, organisation_id=o) for r, o in sorted(wanted - set(held), key=str)]
        session.flush()
        audit.record(session, actor.label, "user.roles_changed", None, username=username,
                     roles=sorted(f"{r}@{o or '*'}" for r, o in wanted),
                     removed=sorted(f"{r}@{o or '*'}" for r, o in set(held) - wanted))
    return user
