"""dossier retention: the Selectielijst class and brondatum of a dossier, inherited by its documents;
onderwerpen can be retired (no longer offered, kept on the dossiers that have them)

Revision ID: 0021
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = (("retention_resultaat", sa.String(20)), ("retention_source", sa.String(20)),
           ("retention_reason", sa.Text()), ("retention_brondatum", sa.Date()),
           ("retention_brondatum_bron", sa.String(20)))


def upgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("dossier_topics") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_topics") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("publications") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
