"""archive outbox (MDTO sidecar rewrites) and fixity runs/status

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_archive_outbox_document_id", "archive_outbox", ["document_id"])
    op.create_table(
        "fixity_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("mismatches", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "fixity_status",
        sa.Column("file_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_checked", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.String(20), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("fixity_status")
    op.drop_table("fixity_runs")
    op.drop_index("ix_archive_outbox_document_id", "archive_outbox")
    op.drop_table("archive_outbox")
