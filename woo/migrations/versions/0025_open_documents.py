"""open JSON API for documents: the search index also holds each published document's documentsoort and
document date, so /api/v1/openbaar/documenten filters on them (and on the dossier's onderwerp) while paging
in SQL. Rows indexed before this revision are filled here from the documents themselves.

Revision ID: 0025
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_documents", sa.Column("documentsoort", sa.String(200), nullable=True))
    op.add_column("search_documents", sa.Column("document_date", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_search_documents_soort", "search_documents", ["documentsoort"])
    bind = op.get_bind()
    sd = sa.table("search_documents", sa.column("document_id", sa.String), sa.column("documentsoort", sa.String),
                  sa.column("document_date", sa.DateTime))
    docs = sa.table("documents", sa.column("id", sa.String), sa.column("metadata", sa.JSON),
                    sa.column("document_date", sa.DateTime))
    from woo.publish.search import indexed_documentsoort  # the same rule index_document applies

    rows = bind.execute(sa.select(docs.c.id, docs.c.metadata, docs.c.document_date)
                        .join(sd, sd.c.document_id == docs.c.id)).all()
    for doc_id, metadata, when in rows:
        bind.execute(sa.update(sd).where(sd.c.document_id == doc_id).values(
            documentsoort=indexed_documentsoort(metadata), document_date=when))


def downgrade() -> None:
    op.drop_index("ix_search_documents_soort", table_name="search_documents")
    with op.batch_alter_table("search_documents") as batch:
        batch.drop_column("document_date")
        batch.drop_column("documentsoort")
