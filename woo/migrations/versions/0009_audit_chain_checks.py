"""audit chain: re-verify the existing chain and record what was found (forks included)

Before this revision an append read the chain head with SELECT ... FOR UPDATE, which on SQLite locks
nothing, so two processes could append after the same event: a fork. Appends are serialised from now on
(woo.services.audit.record writes the head before reading it). This migration walks the chain that was
written before, with the same rules as `woo audit verify` (woo.domain.auditchain), and keeps the result
in audit_chain_checks: how many events were checked, every fork (event id and the id it points at), and
where and why the walk stopped if a link is broken or an event changed. History is never rewritten: no
event is changed, moved or removed. `woo audit verify` reports the recorded forks and accepts only those.
It also makes sure the chain head row exists, so concurrent first appends cannot race to create it.

Revision ID: 0009
Revises: 0008
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from woo.domain.auditchain import GENESIS, Walk

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SOURCE = "migratie 0009"

events = sa.table("events", sa.column("id", sa.Integer()), sa.column("at", sa.DateTime(timezone=True)),
                  sa.column("actor", sa.String()), sa.column("action", sa.String()),
                  sa.column("document_id", sa.String()), sa.column("detail", sa.JSON()),
                  sa.column("prev_hash", sa.String()), sa.column("hash", sa.String()))
head = sa.table("chain_head", sa.column("id", sa.Integer()), sa.column("last_hash", sa.String()),
                sa.column("last_event_id", sa.Integer()))


def upgrade() -> None:
    checks = op.create_table(
        "audit_chain_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("broken_event_id", sa.Integer(), nullable=True),
        sa.Column("forks", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    conn = op.get_bind()
    last = conn.execute(sa.select(events.c.id, events.c.hash).order_by(events.c.id.desc()).limit(1)).first()
    current = conn.execute(sa.select(head.c.last_event_id, head.c.last_hash).where(head.c.id == 1)).first()
    if current is None:
        conn.execute(head.insert().values(id=1, last_hash=last[1] if last else GENESIS,
                                          last_event_id=last[0] if last else 0))
    if last is None:
        return  # a new installation: nothing was written before appends were serialised

    walk, last_id, stopped, reason, seen_head = Walk(), 0, None, None, current is None or current[0] == 0

    def parent_of(hash_: str, before: int):
        return conn.execute(sa.select(events.c.id).where(events.c.hash == hash_, events.c.id < before)).scalar()

    while stopped is None:
        rows = conn.execute(sa.select(events).where(events.c.id > last_id).order_by(events.c.id).limit(5000)).all()
        if not rows:
            break
        for r in rows:
            problem = walk.step(r.id, r.prev_hash, r.hash, r.at, r.actor, r.action, r.document_id, r.detail,
                                parent_of)
            if problem == "broken":
                stopped, reason = r.id, (f"Schakel verbroken bij gebeurtenis {r.id} ({r.action}): de verwijzing "
                                         "naar de vorige gebeurtenis klopt niet (verwijderd of ingevoegd).")
                break
            if problem == "changed":
                stopped, reason = r.id, (f"Gebeurtenis {r.id} ({r.action}, {r.at}) is gewijzigd: de inhoud past "
                                         "niet bij de vastgelegde hash.")
                break
            if current is not None and r.id == current[0]:
                seen_head = r.hash == current[1]
            last_id = r.id
    if stopped is None and not seen_head:
        reason = (f"De keten is ingekort: de laatst vastgelegde gebeurtenis {current[0]} ontbreekt of is "
                  "vervangen.")
    if walk.forks and reason is None:
        reason = (f"{len(walk.forks)} vork(en): gebeurtenissen die naar een eerdere gebeurtenis verwijzen die al "
                  f"een opvolger had (gelijktijdig toegevoegd vóór deze migratie); de eerste is gebeurtenis "
                  f"{walk.forks[0][0]}.")
    conn.execute(checks.insert().values(at=datetime.now(timezone.utc), source=SOURCE, checked=walk.checked,
                                        last_event_id=last[0], ok=reason is None, broken_event_id=stopped,
                                        forks=[list(f) for f in walk.forks], reason=reason))
    # Said where the operator runs `woo db upgrade` (and `woo up`); the table keeps it.
    print(f"Auditketen opnieuw gecontroleerd: {walk.checked} gebeurtenissen"
          + (f", {len(walk.forks)} vork(en) vastgelegd" if walk.forks else "")
          + (f". {reason}" if reason else ", in orde."))


def downgrade() -> None:
    op.drop_table("audit_chain_checks")
