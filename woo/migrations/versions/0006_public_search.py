"""public search: one row per published document, FTS5 (SQLite) or a dutch tsvector + GIN (PostgreSQL)

The objects are described in woo/publish/search.py, outside the ORM metadata (FTS5 cannot be modelled and
the tsvector exists only on PostgreSQL). Documents published before this revision are indexed by
`woo search reindex`.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.String(32), nullable=False, unique=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(200), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_search_documents_org_published", "search_documents", ["organisation_id", "published_at"])
    if op.get_bind().dialect.name == "sqlite":
        # stems are written by woo (Snowball dutch); unicode61 only splits them and folds diacritics
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, "
                   "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')")
    else:
        op.execute("ALTER TABLE search_documents ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_index("ix_search_documents_org_published", table_name="search_documents")
    op.drop_table("search_documents")
