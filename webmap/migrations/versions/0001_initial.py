"""The first schema: nodes, observations, targets, fixes, users, audit log, registers.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

F = sa.Float


def upgrade() -> None:
    op.create_table(
        "nodes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", F, nullable=False),
        sa.Column("expires_at", F), sa.Column("revoked_at", F), sa.Column("last_seen_at", F),
        sa.Column("last_lat", F), sa.Column("last_lon", F), sa.Column("last_health", sa.Text),
    )
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(160), nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("freq_hz", F, nullable=False),
        sa.Column("identity", sa.Text),
        sa.Column("first_seen_at", F, nullable=False),
        sa.Column("last_seen_at", F, nullable=False),
        sa.Column("n_observations", sa.Integer, nullable=False),
        sa.Column("verdict_class", sa.String(16)),
        sa.Column("verdict_score", F),
        sa.Column("verdict", sa.Text),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("dirty_since", F),
        sa.Column("located_at", F),
    )
    op.create_index("ix_targets_channel", "targets", ["channel"])
    op.create_table(
        "observations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("node_id", sa.Integer, sa.ForeignKey("nodes.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("time", F, nullable=False),
        sa.Column("received_at", F, nullable=False),
        sa.Column("lat", F), sa.Column("lon", F), sa.Column("freq_hz", F), sa.Column("power_dbm", F),
        sa.Column("floor", sa.Boolean),
        sa.Column("channel", sa.String(64)),
        sa.Column("target_id", sa.Integer, sa.ForeignKey("targets.id")),
        sa.Column("raw", sa.Text, nullable=False),
    )
    op.create_index("ix_observations_target_time", "observations", ["target_id", "time"])
    op.create_index("ix_observations_node_time", "observations", ["node_id", "time"])
    op.create_index("ix_observations_kind_time", "observations", ["kind", "time"])
    op.create_table(
        "fixes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("target_id", sa.Integer, sa.ForeignKey("targets.id"), nullable=False),
        sa.Column("computed_at", F, nullable=False),
        sa.Column("window_start", F, nullable=False),
        sa.Column("window_end", F, nullable=False),
        sa.Column("n_readings", sa.Integer, nullable=False),
        sa.Column("lat", F), sa.Column("lon", F), sa.Column("radius_95_m", F),
        sa.Column("fix", sa.Text, nullable=False),
    )
    op.create_index("ix_fixes_target_time", "fixes", ["target_id", "computed_at"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", F, nullable=False),
        sa.Column("disabled_at", F),
        sa.Column("session_epoch", sa.Integer, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", F, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target_id", sa.Integer),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_table(
        "registers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("loaded_at", F, nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
    )
    _forbid_audit_changes()


def _forbid_audit_changes() -> None:
    """The audit log is append-only in the database itself, not only in the application."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$")
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


def downgrade() -> None:
    for table in ("registers", "audit_log", "users", "fixes", "observations",
                  "targets", "nodes"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
