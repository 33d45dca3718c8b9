"""organisations and units (afdelingen): an organisation's theme (token CSS, logo) and its contact details
for the bereikbaarheidsgegevens; units of an organisation, their members (a user may be in several), and
the unit a document or dossier belongs to (nullable: existing rows belong to no unit and stay valid)

Revision ID: 0022
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0014"
branch_labels = None
depends_on = None

ORG_COLUMNS = (("theme_css_url", sa.String(500)), ("logo_url", sa.String(500)), ("contact", sa.JSON()))


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        for name, type_ in ORG_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation_id", "name"),
    )
    op.create_index("ix_units_organisation_id", "units", ["organisation_id"])
    op.create_table(
        "unit_members",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_unit_members_user_id", "unit_members", ["user_id"])
    for table in ("documents", "publications"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(f"fk_{table}_unit_id", "units", ["unit_id"], ["id"])
            batch.create_index(f"ix_{table}_unit_id", ["unit_id"])


def downgrade() -> None:
    for table in ("publications", "documents"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_unit_id")
            batch.drop_constraint(f"fk_{table}_unit_id", type_="foreignkey")
            batch.drop_column("unit_id")
    op.drop_index("ix_unit_members_user_id", "unit_members")
    op.drop_table("unit_members")
    op.drop_index("ix_units_organisation_id", "units")
    op.drop_table("units")
    with op.batch_alter_table("organisations") as batch:
        for name, _ in reversed(ORG_COLUMNS):
            batch.drop_column(name)
