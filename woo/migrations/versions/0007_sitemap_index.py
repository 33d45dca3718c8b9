"""sitemaps: (category, status, id) index so a category's published documents are read in id order

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_documents_category_status_id", "documents", ["category", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_documents_category_status_id", table_name="documents")
