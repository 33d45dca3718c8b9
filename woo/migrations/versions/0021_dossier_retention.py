"""dossier retention: the Selectielijst class and brondatum of a dossier, inherited by its documents;
onderwerpen can be retired (no longer offered, kept on the dossiers that have them); a dossier import runs
as a background job whose progress the officer sees (dossier_imports)

Revision ID: 0021
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = (("retention_resultaat", sa.String(20)), ("retention_source", sa.String(20)),
           ("retention_reason", sa.Text()), ("retention_brondatum", sa.Date()),
           ("retention_brondatum_bron", sa.String(20)))


def upgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        for name, type_ in COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("dossier_topics") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "dossier_imports",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("phase", sa.String(30), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("dossier_id", sa.String(32), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dossier_imports_status", "dossier_imports", ["status"])


def downgrade() -> None:
    op.drop_index("ix_dossier_imports_status", "dossier_imports")
    op.drop_table("dossier_imports")
    with op.batch_alter_table("dossier_topics") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("publications") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
