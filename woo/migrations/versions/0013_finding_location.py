"""privacy findings say where they were found: the text (NULL) or the title, file name or metadata

Revision ID: 0013
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("privacy_findings") as batch:
        batch.add_column(sa.Column("location", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("privacy_findings") as batch:
        batch.drop_column("location")
