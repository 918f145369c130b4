"""The append-only audit log: every change to a target, case, node or user, who made it and when.

The database refuses UPDATE and DELETE on the table (a trigger, see the first migration).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, insert, select

from webmap.schema import audit_log
from webmap.store import now


def record(conn: Connection, actor: str, action: str, detail: dict, target_id: int | None = None) -> None:
    """Append one entry inside the caller's transaction, so the change and its record commit together."""
    conn.execute(insert(audit_log).values(at=now(), actor=actor, action=action, target_id=target_id,
                                          detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)))


def entries(conn: Connection, target_id: int | None = None, limit: int = 200) -> list[dict]:
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if target_id is not None:
        q = q.where(audit_log.c.target_id == target_id)
    return [{"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "target_id": r.target_id,
             "detail": json.loads(r.detail)} for r in conn.execute(q)]
