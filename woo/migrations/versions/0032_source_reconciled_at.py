"""source reconciled_at: when a source without a change feed for deletions (ZGW Documenten API) last had its
full listing compared with the stored remote ids (the maintenance tick does it once a day)

Revision ID: 0032
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("reconciled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("reconciled_at")
