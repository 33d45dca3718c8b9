"""pre-rendered sitemaps: feed outbox, stable page slots per document, stored sitemap pages

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.String(32), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sitemap_slots",
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
    )
    op.create_index("ix_sitemap_slots_page", "sitemap_slots", ["organisation_id", "category", "page"])
    op.create_table(
        "sitemap_pages",
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("category", sa.String(200), primary_key=True),
        sa.Column("page", sa.Integer(), primary_key=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("url_count", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=True),
        sa.Column("base_url", sa.String(500), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sitemap_pages_stale", "sitemap_pages", ["stale"])
    # Documents published before this revision: noted once, so the feeds job places and renders them.
    op.execute("INSERT INTO feed_outbox (document_id, created_at) "
               "SELECT id, CURRENT_TIMESTAMP FROM documents WHERE status = 'published'")


def downgrade() -> None:
    op.drop_index("ix_sitemap_pages_stale", table_name="sitemap_pages")
    op.drop_table("sitemap_pages")
    op.drop_index("ix_sitemap_slots_page", table_name="sitemap_slots")
    op.drop_table("sitemap_slots")
    op.drop_table("feed_outbox")
