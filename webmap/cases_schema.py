"""The case tables (issue 9): a case per target, its chain-of-custody events, and evidence files.

Created by migration 0002; the target, user and audit tables are webmap.schema's.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from webmap.schema import metadata

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True),
    Column("target_id", Integer, ForeignKey("targets.id"), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("assignee", String(64)),
    Column("dismissed_reason", Text),
    Column("opened_at", Float, nullable=False),
    Column("opened_by", String(80), nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("found_lat", Float),
    Column("found_lon", Float),
    Column("found_at", Float),
    Column("found_by", String(80)),
    Column("found_method", String(200)),
)

case_events = Table(
    "case_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("at", Float, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("kind", String(24), nullable=False),        # open | state | assign | note | found | attach | notify
    Column("detail", Text, nullable=False),            # JSON
    Index("ix_case_events_case", "case_id", "id"),
)

attachments = Table(
    "attachments", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_at", Float, nullable=False),
    Column("uploaded_by", String(80), nullable=False),
    Column("description", Text),
    Index("ix_attachments_case", "case_id"),
)
