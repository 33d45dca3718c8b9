"""transfer jobs: a transfer package made from the archivist's page is written by a worker on the heavy queue;
the page polls the job's row (done / total records, the Dutch failure). And who cancelled a package, and why.

Revision ID: 0037
Revises: 0036
"""
import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("dossier_id", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("package_id", sa.String(32), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_transfer_jobs_dossier_id", "transfer_jobs", ["dossier_id"])
    with op.batch_alter_table("transfer_packages") as batch:
        batch.add_column(sa.Column("cancelled_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transfer_packages") as batch:
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_by")
    op.drop_index("ix_transfer_jobs_dossier_id", "transfer_jobs")
    op.drop_table("transfer_jobs")
