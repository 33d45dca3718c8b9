"""job queue: the queue a job was routed to at intake (the extraction of a long or scanned document goes to
the heavy queue, so it never waits in front of cheap work); NULL means the queue of its kind

Revision ID: 0026
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("queue", sa.String(30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("queue")
