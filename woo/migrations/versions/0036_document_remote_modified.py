"""document remote_modified: the source system's own last modification date (OpenBesluitvorming
date_modified, ZGW beginRegistratie), kept so that a harvester's lastmod includes it (issue 16)

Revision ID: 0036
Revises: 0032
"""
import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("remote_modified", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("remote_modified")
