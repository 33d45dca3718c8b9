"""dossiers: the publications table becomes the dossier (status, dates, decision, requester link), documents'
role and judgement in their dossier, the managed list of onderwerpen

Revision ID: 0010
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publications") as t:
        t.add_column(sa.Column("status", sa.String(30), nullable=False, server_default="concept"))
        t.add_column(sa.Column("category", sa.String(200), nullable=True))
        t.add_column(sa.Column("summary", sa.Text(), nullable=True))
        t.add_column(sa.Column("topics", sa.JSON(), nullable=True))
        t.add_column(sa.Column("received_date", sa.Date(), nullable=True))
        t.add_column(sa.Column("decision_date", sa.Date(), nullable=True))
        t.add_column(sa.Column("extended", sa.Boolean(), nullable=False, server_default=sa.false()))
        t.add_column(sa.Column("suspension_days", sa.Integer(), nullable=False, server_default="0"))
        t.add_column(sa.Column("decision", sa.String(30), nullable=True))
        t.add_column(sa.Column("requester_token_hash", sa.String(64), nullable=True))
        t.add_column(sa.Column("requester_link_expires", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("created_by", sa.String(200), nullable=True))
        t.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        t.add_column(sa.Column("withdraw_reason", sa.String(200), nullable=True))
    op.create_index("ix_publications_status", "publications", ["status"])
    op.create_index("ix_documents_publication", "documents", ["publication_id"])
    op.create_table(
        "dossier_documents",
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("dossier_id", sa.String(32), sa.ForeignKey("publications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("judgement", sa.String(30), nullable=True),
        sa.Column("grounds", sa.JSON(), nullable=True),
        sa.Column("remark", sa.Text(), nullable=True),
        sa.Column("number", sa.String(100), nullable=True),
        sa.Column("public_link", sa.String(1000), nullable=True),
        sa.Column("supplied_redacted", sa.Boolean(), nullable=False),
        sa.Column("inventory", sa.JSON(), nullable=True),
        sa.Column("judged_by", sa.String(200), nullable=True),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_dossier_documents_dossier", "dossier_documents", ["dossier_id", "position"])
    op.create_table(
        "dossier_topics",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("dossier_topics")
    op.drop_index("ix_dossier_documents_dossier", "dossier_documents")
    op.drop_table("dossier_documents")
    op.drop_index("ix_documents_publication", "documents")
    op.drop_index("ix_publications_status", "publications")
    with op.batch_alter_table("publications") as t:
        for name in ("withdraw_reason", "withdrawn_at", "published_at", "updated_at", "created_by",
                     "requester_link_expires", "requester_token_hash", "decision", "suspension_days", "extended",
                     "decision_date", "received_date", "topics", "summary", "category", "status"):
            t.drop_column(name)
