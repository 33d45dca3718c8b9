"""sources: registered remote systems (OpenBesluitvorming, ZGW Documenten API) with their sync state, and
the mapping of remote ids to documents and dossiers that keeps a sync idempotent

Revision ID: 0014
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("auto_publish", sa.JSON(), nullable=False),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("changes_cursor", sa.Text(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("run_token", sa.String(40), nullable=True),
        sa.Column("rq_id", sa.String(100), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("freshness", sa.JSON(), nullable=True),
        sa.Column("freshness_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sources_next_run_at", "sources", ["next_run_at"])
    op.create_table(
        "source_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("remote_id", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("document_id", sa.String(32), nullable=True),
        sa.Column("dossier_id", sa.String(32), nullable=True),
        sa.Column("meeting_remote_id", sa.String(500), nullable=True),
        sa.Column("agenda_item", sa.String(1000), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("remote_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_url", sa.Text(), nullable=True),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source_id", "remote_id"),
    )
    op.create_index("ix_source_items_meeting", "source_items", ["source_id", "meeting_remote_id"])
    op.create_index("ix_source_items_document_id", "source_items", ["document_id"])


def downgrade() -> None:
    op.drop_table("source_items")
    op.drop_table("sources")
