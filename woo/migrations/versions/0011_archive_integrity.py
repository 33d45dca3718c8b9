"""archive integrity: checksums of woo's own bucket objects, findings per file, the retention override reason

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_objects",
        sa.Column("object_key", sa.String(300), primary_key=True),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.String(200), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_archive_objects_document_id", "archive_objects", ["document_id"])
    with op.batch_alter_table("privacy_findings") as batch:
        batch.add_column(sa.Column("file_role", sa.String(30), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("retention_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("retention_reason")
    with op.batch_alter_table("privacy_findings") as batch:
        batch.drop_column("file_role")
    op.drop_index("ix_archive_objects_document_id", table_name="archive_objects")
    op.drop_table("archive_objects")
