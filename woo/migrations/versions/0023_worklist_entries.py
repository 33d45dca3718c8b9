"""work lists as rows: each working document's work lists, kept in the transaction that changes it, so the
"Mijn werk" counts and the dashboard's waiting figures are indexed counts

Revision ID: 0023
Revises: 0014

The table starts empty: woo.services.worklist assesses the working documents without rows the first time the
counts are read (and `woo report recount` assesses them all again), so this migration needs no model code.
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worklist_entries",
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("list_key", sa.String(20), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_worklist_entries_org_list", "worklist_entries",
                    ["organisation_id", "list_key", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_worklist_entries_org_list", table_name="worklist_entries")
    op.drop_table("worklist_entries")
