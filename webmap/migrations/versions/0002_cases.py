"""Cases (issue 9): cases, case_events (chain of custody), attachments (evidence files by SHA-256).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

F = sa.Float


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target_id", sa.Integer, sa.ForeignKey("targets.id"), nullable=False, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("dismissed_reason", sa.Text),
        sa.Column("opened_at", F, nullable=False),
        sa.Column("opened_by", sa.String(80), nullable=False),
        sa.Column("updated_at", F, nullable=False),
        sa.Column("found_lat", F), sa.Column("found_lon", F), sa.Column("found_at", F),
        sa.Column("found_by", sa.String(80)), sa.Column("found_method", sa.String(200)),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("at", F, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_case_events_case", "case_events", ["case_id", "id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", F, nullable=False),
        sa.Column("uploaded_by", sa.String(80), nullable=False),
        sa.Column("description", sa.Text),
    )
    op.create_index("ix_attachments_case", "attachments", ["case_id"])


def downgrade() -> None:
    for table in ("attachments", "case_events", "cases"):
        op.drop_table(table)
