"""Channel history (webmap.history_schema): hours each channel was listened to and heard.

Revision ID: 0003
Revises: 0002

Rows are written by ingest from here on. The decodes already stored fill ``channel_heard`` here
(so the hours on the air and the earlier decodes reach back at once); ``channel_listened`` needs
each observation's hop from its raw JSON and starts empty: hours listened to and watches count
from the upgrade.
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
    # CAST alone rounds on PostgreSQL and truncates on SQLite: floor first (times are positive)
    hour = ("CAST(floor(time / 3600) AS INTEGER)" if op.get_bind().dialect.name == "postgresql"
            else "CAST(time / 3600 AS INTEGER)")
    op.execute(f"INSERT INTO channel_heard (channel, hour, node_id, time) SELECT channel, {hour}, node_id, MIN(time) "
               f"FROM observations WHERE kind IN ('gsm_cell', 'fm_station') AND channel IS NOT NULL "
               f"GROUP BY channel, {hour}, node_id")


def downgrade() -> None:
    op.drop_table("channel_heard")
    op.drop_table("channel_listened")
