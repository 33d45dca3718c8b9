"""harvest registrations: the collection URLs an organisation registered in ROO for the Woo-index

Revision ID: 0018
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_registrations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("category_uri", sa.String(200), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("registered_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation_id", "category_uri"),
    )
    op.create_index("ix_harvest_registrations_organisation_id", "harvest_registrations", ["organisation_id"])


def downgrade() -> None:
    op.drop_index("ix_harvest_registrations_organisation_id", "harvest_registrations")
    op.drop_table("harvest_registrations")
