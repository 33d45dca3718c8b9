"""retention: Selectielijst class on documents, destruction lists, transfer packages

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

def _doc_columns() -> list[sa.Column]:
    return [
        sa.Column("retention_resultaat", sa.String(20), nullable=True),
        sa.Column("retention_source", sa.String(20), nullable=True),
        sa.Column("retention_waardering", sa.String(1), nullable=True),
        sa.Column("retention_bewaartermijn", sa.String(20), nullable=True),
        sa.Column("retention_brondatum", sa.Date(), nullable=True),
        sa.Column("retention_brondatum_bron", sa.String(20), nullable=True),
        sa.Column("archiefactiedatum", sa.Date(), nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("legal_hold_reason", sa.Text(), nullable=True),
        sa.Column("transferred_to", sa.String(500), nullable=True),
        sa.Column("transferred_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for col in _doc_columns():
            batch.add_column(col)
    op.create_index("ix_documents_archiefactie", "documents", ["archiefactiedatum", "id"])
    op.create_table(
        "destruction_lists",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("execute_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_by", sa.String(200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(200), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("verklaring_document_id", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_destruction_lists_status", "destruction_lists", ["status"])
    op.create_table(
        "destruction_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("list_id", sa.Integer(), sa.ForeignKey("destruction_lists.id", ondelete="CASCADE"), nullable=False),
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("review", sa.String(20), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("object_keys", sa.JSON(), nullable=True),
        sa.Column("versions_deleted", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("list_id", "document_id"),
    )
    op.create_index("ix_destruction_items_doc", "destruction_items", ["document_id", "review"])
    op.create_table(
        "transfer_packages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(200), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destination", sa.String(500), nullable=True),
    )
    op.create_table(
        "transfer_items",
        sa.Column("package_id", sa.String(32), sa.ForeignKey("transfer_packages.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("transfer_items")
    op.drop_table("transfer_packages")
    op.drop_index("ix_destruction_items_doc", "destruction_items")
    op.drop_table("destruction_items")
    op.drop_index("ix_destruction_lists_status", "destruction_lists")
    op.drop_table("destruction_lists")
    op.drop_index("ix_documents_archiefactie", "documents")
    with op.batch_alter_table("documents") as batch:
        for col in reversed(_doc_columns()):
            batch.drop_column(col.name)
