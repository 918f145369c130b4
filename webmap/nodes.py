"""Sensor nodes and their bearer tokens.

A token is 32 random bytes shown once; the store keeps its SHA-256 (a random token needs no slow
hash: there is nothing to guess), so a stolen database does not let anyone post as a node.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from webmap import audit
from webmap.errors import WebmapError
from webmap.schema import nodes
from webmap.store import Store, now

TOKEN_PREFIX = "fxn_"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    created_at: float
    expires_at: float | None
    revoked_at: float | None
    last_seen_at: float | None

    def to_json(self) -> dict:
        return {"name": self.name, "created_at": self.created_at, "expires_at": self.expires_at,
                "revoked": self.revoked_at is not None, "last_seen_at": self.last_seen_at}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def _node(row) -> Node:
    return Node(row.id, row.name, row.created_at, row.expires_at, row.revoked_at, row.last_seen_at)


def add_node(store: Store, name: str, *, valid_days: float | None = None, actor: str = "cli") -> tuple[Node, str]:
    """Register ``name``; returns the node and its token (the only time the token exists in clear)."""
    if not _NAME.fullmatch(name):
        raise WebmapError(f"node name {name!r}: expected 1-64 characters [A-Za-z0-9._-] starting with a letter or digit")
    if valid_days is not None and not valid_days > 0:
        raise WebmapError(f"--valid-days {valid_days}: expected a positive number of days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    t = now()
    expires = t + valid_days * 86400 if valid_days is not None else None
    with store.write() as conn:
        if conn.execute(select(nodes.c.id).where(nodes.c.name == name)).first() is not None:
            raise WebmapError(f"node {name!r} exists already; revoke it or choose another name")
        nid = conn.execute(insert(nodes).values(name=name, token_hash=token_hash(token), created_at=t,
                                                expires_at=expires)).inserted_primary_key[0]
        audit.record(conn, actor, "node.add", {"node": name, "expires_at": expires})
    return Node(nid, name, t, expires, None, None), token


def list_nodes(conn: Connection) -> list[Node]:
    return [_node(r) for r in conn.execute(select(nodes).order_by(nodes.c.name))]


def revoke_node(store: Store, name: str, *, actor: str = "cli") -> None:
    with store.write() as conn:
        done = conn.execute(update(nodes).where(nodes.c.name == name, nodes.c.revoked_at.is_(None))
                            .values(revoked_at=now())).rowcount
        if not done:
            raise WebmapError(f"node {name!r}: no such node, or revoked already")
        audit.record(conn, actor, "node.revoke", {"node": name})


def authenticate(conn: Connection, authorization: str | None) -> Node | None:
    """The node an ``Authorization: Bearer`` header belongs to, or None (missing, unknown, revoked, expired)."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[7:].strip()
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    row = conn.execute(select(nodes).where(nodes.c.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now()):
        return None
    return _node(row)
