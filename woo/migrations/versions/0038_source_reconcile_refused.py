"""source reconcile_refused: the more-than-half guard's refusal of a full listing, kept apart from the source's
note (which a full-sync request or an expired cursor overwrites), so "Forceer afstemming" stays offered until a
listing is reconciled. A refusal standing in the note now is carried over.

Revision ID: 0038
Revises: 0037
"""
import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

GUARD_REFUSED = "Afstemming gestopt:"  # woo.services.sources.GUARD_REFUSED when this was written


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("reconcile_refused", sa.Text(), nullable=True))
    sources = sa.table("sources", sa.column("note", sa.Text()), sa.column("reconcile_refused", sa.Text()))
    op.execute(sources.update().where(sources.c.note.like(GUARD_REFUSED + "%"))
               .values(reconcile_refused=sources.c.note))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("reconcile_refused")
