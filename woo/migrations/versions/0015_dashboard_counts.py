"""compliance dashboard: counters per organisation, category and year, kept in the transaction of the change

Revision ID: 0015
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_counts",
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("metric", sa.String(20), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("category", sa.String(200), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_publications_org_kind", "publications", ["organisation_id", "kind"])
    # The history so far, counted once from the rows (afterwards the service layer keeps the counters).
    from woo.domain.dashboard import count_history

    conn = op.get_bind()
    docs = conn.execute(sa.text(
        "SELECT organisation_id, status, category, document_date, published_at, withdrawn_at, withdraw_reason "
        "FROM documents WHERE published_at IS NOT NULL").columns(  # typed: SQLite hands back text otherwise
        organisation_id=sa.Integer(), status=sa.String(), category=sa.String(), document_date=sa.DateTime(),
        published_at=sa.DateTime(), withdrawn_at=sa.DateTime(), withdraw_reason=sa.String()))
    redactions = conn.execute(sa.text(
        "SELECT d.organisation_id, d.category, d.published_at, f.ground, COUNT(*) AS n FROM privacy_findings f "
        "JOIN documents d ON d.id = f.document_id WHERE d.published_at IS NOT NULL AND f.decision = 'redact' "
        "AND f.file_role IS NULL GROUP BY d.organisation_id, d.category, d.published_at, f.ground").columns(
        sa.column("organisation_id", sa.Integer()), sa.column("category", sa.String()),
        sa.column("published_at", sa.DateTime()), sa.column("ground", sa.String()), sa.column("n", sa.Integer())))
    rows = count_history(list(docs), list(redactions))
    if rows:
        op.bulk_insert(sa.table("dashboard_counts", sa.column("organisation_id", sa.Integer()),
                                sa.column("metric", sa.String()), sa.column("year", sa.Integer()),
                                sa.column("category", sa.String()), sa.column("key", sa.String()),
                                sa.column("n", sa.BigInteger()), sa.column("last_at", sa.DateTime(timezone=True))),
                       rows)


def downgrade() -> None:
    op.drop_index("ix_publications_org_kind", table_name="publications")
    op.drop_table("dashboard_counts")
