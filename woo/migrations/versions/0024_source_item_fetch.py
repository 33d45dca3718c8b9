"""source items: the remote record whose file is still to be fetched, and the fetch's state, so a sync only
records what the remote says and the files come in afterwards as background jobs per item

Revision ID: 0024
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_items") as batch:
        batch.add_column(sa.Column("record", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("fetch_state", sa.String(20), nullable=True))
        batch.add_column(sa.Column("fetch_token", sa.String(100), nullable=True))
        batch.add_column(sa.Column("fetch_queued_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_source_items_fetch", "source_items", ["source_id", "fetch_state"])


def downgrade() -> None:
    op.drop_index("ix_source_items_fetch", table_name="source_items")
    with op.batch_alter_table("source_items") as batch:
        batch.drop_column("fetch_queued_at")
        batch.drop_column("fetch_token")
        batch.drop_column("fetch_state")
        batch.drop_column("record")
