"""Channel history (webmap.history_schema): hours each channel was listened to and heard.

Revision ID: 0003
Revises: 0002

Rows are written by ingest from here on; observations stored before this revision leave no rows,
so a channel's history starts when the store is upgraded.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_listened",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        sa.Column("first_at", sa.Float, nullable=False),
    )
    op.create_table(
        "channel_heard",
        sa.Column("channel", sa.String(64), primary_key=True),
        sa.Column("hour", sa.Integer, primary_key=True),
        sa.Column("node_id", sa.Integer, sa.ForeignKey("nodes.id"), primary_key=True),
        sa.Column("time", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("channel_heard")
    op.drop_table("channel_listened")
