"""subscriptions: citizens follow a category, onderwerp, dossier kind or search query by e-mail

Revision ID: 0016
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("address_sealed", sa.Text(), nullable=False),
        sa.Column("follow_kind", sa.String(20), nullable=False),
        sa.Column("follow_value", sa.String(500), nullable=False),
        sa.Column("follow_params", sa.JSON(), nullable=True),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("base_url", sa.String(300), nullable=False),
        sa.Column("organisation_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("digest_cursor", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
    )
    op.create_index("ix_subscriptions_address_hash", "subscriptions", ["address_hash"])
    op.create_index("ix_subscriptions_due", "subscriptions", ["status", "frequency", "id"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_due", table_name="subscriptions")
    op.drop_index("ix_subscriptions_address_hash", table_name="subscriptions")
    op.drop_table("subscriptions")
