"""The store's tables (SQLAlchemy Core); migrations under webmap/migrations create exactly these.

Times are Unix seconds (double precision) so SQLite and PostgreSQL compare them the same way;
the observation as received is kept verbatim (``raw``, JSON text) beside the columns queries need.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table,
                        Text)

from webmap.roles import ROLES  # noqa: F401 (re-exported: the users table's roles)

metadata = MetaData()

nodes = Table(
    "nodes", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float),
    Column("revoked_at", Float),
    Column("last_seen_at", Float),
    Column("last_lat", Float),
    Column("last_lon", Float),
    Column("last_health", Text),
)

targets = Table(
    "targets", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(160), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),          # gsm | fm | air
    Column("channel", String(64), nullable=False),      # the wire's power-reading key, gsm-947.4
    Column("freq_hz", Float, nullable=False),
    Column("identity", Text),                           # JSON: what identifies it (cell identity, RDS)
    Column("first_seen_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("n_observations", Integer, nullable=False, default=0),   # refreshed by the worker
    Column("verdict_class", String(16)),
    Column("verdict_score", Float),
    Column("verdict", Text),                            # JSON {"class","score","reasons"}
    Column("status", String(24), nullable=False, default="new"),
    Column("label", String(200)),
    Column("dirty_since", Float),                       # readings arrived since the last fix
    Column("located_at", Float),
    Index("ix_targets_channel", "channel"),
)

observations = Table(
    "observations", metadata,
    Column("id", String(36), primary_key=True),         # the node's UUID: the idempotency key
    Column("node_id", Integer, ForeignKey("nodes.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("time", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("freq_hz", Float),
    Column("power_dbm", Float),
    Column("floor", Boolean),
    Column("channel", String(64)),
    Column("target_id", Integer, ForeignKey("targets.id")),
    Column("raw", Text, nullable=False),
    Index("ix_observations_target_time", "target_id", "time"),
    Index("ix_observations_node_time", "node_id", "time"),
    Index("ix_observations_kind_time", "kind", "time"),
)

fixes = Table(
    "fixes", metadata,
    Column("id", Integer, primary_key=True),
    Column("target_id", Integer, ForeignKey("targets.id"), nullable=False),
    Column("computed_at", Float, nullable=False),
    Column("window_start", Float, nullable=False),
    Column("window_end", Float, nullable=False),
    Column("n_readings", Integer, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("radius_95_m", Float),
    Column("fix", Text, nullable=False),                # the locator's Fix.to_json(), or its error
    Index("ix_fixes_target_time", "target_id", "computed_at"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("disabled_at", Float),
    Column("session_epoch", Integer, nullable=False, default=0),  # bump to end every session
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("actor", String(80), nullable=False),        # user:<name>, node:<name>, cli, system
    Column("action", String(40), nullable=False),
    Column("target_id", Integer),
    Column("detail", Text, nullable=False),             # JSON: before/after
)

registers = Table(
    "registers", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),          # cells | fm
    Column("format", String(16), nullable=False),       # cells | opencellid | fm (webmap.registers.KINDS)
    Column("version", Integer, nullable=False),
    Column("loaded_at", Float, nullable=False),
    Column("source", String(300), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("n_rows", Integer, nullable=False),
    Column("content", Text, nullable=False),            # the CSV verbatim: what a verdict was judged against
)
