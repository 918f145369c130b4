"""People who use the central station: roles, hashed passwords (werkzeug's scrypt).

Roles, least to most trusted: ``liaison`` (public security: reads targets and case files, changes
nothing), ``field`` (a vehicle team: adds field notes), ``coordinator`` (changes targets and cases),
``admin`` (also users and nodes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from webmap import audit
from webmap.errors import WebmapError
from webmap.schema import ROLES, users
from webmap.store import Store, now

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 10
PASSWORD_METHOD = "scrypt"     # werkzeug's default: memory-hard
# Checked against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password of anyone", method=PASSWORD_METHOD)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    session_epoch: int

    def can(self, role: str) -> bool:
        """Whether this user has at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def to_json(self) -> dict:
        return {"username": self.username, "role": self.role}


def add_user(store: Store, username: str, password: str, role: str, *, actor: str = "cli") -> User:
    if not _NAME.fullmatch(username):
        raise WebmapError(f"user name {username!r}: expected 1-64 characters [A-Za-z0-9._@-]")
    if role not in ROLES:
        raise WebmapError(f"--role {role!r}: expected one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise WebmapError(f"password: at least {MIN_PASSWORD} characters")
    with store.write() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first() is not None:
            raise WebmapError(f"user {username!r} exists already")
        uid = conn.execute(insert(users).values(username=username, password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                                                role=role, created_at=now(), session_epoch=0)
                           ).inserted_primary_key[0]
        audit.record(conn, actor, "user.add", {"user": username, "role": role})
    return User(uid, username, role, 0)


def disable_user(store: Store, username: str, *, actor: str = "cli") -> None:
    with store.write() as conn:
        done = conn.execute(update(users).where(users.c.username == username, users.c.disabled_at.is_(None))
                            .values(disabled_at=now(), session_epoch=users.c.session_epoch + 1)).rowcount
        if not done:
            raise WebmapError(f"user {username!r}: no such user, or disabled already")
        audit.record(conn, actor, "user.disable", {"user": username})


def list_users(conn: Connection) -> list[dict]:
    return [{"username": r.username, "role": r.role, "disabled": r.disabled_at is not None}
            for r in conn.execute(select(users).order_by(users.c.username))]


def check_login(conn: Connection, username: str, password: str) -> User | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    ok = check_password_hash(row.password_hash if row else _DUMMY_HASH, password)
    if row is None or not ok or row.disabled_at is not None:
        return None
    return User(row.id, row.username, row.role, row.session_epoch)


def load_user(conn: Connection, user_id: int, epoch: int) -> User | None:
    """The user a session names, if the session is still valid (same epoch, not disabled)."""
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None or row.disabled_at is not None or row.session_epoch != epoch:
        return None
    return User(row.id, row.username, row.role, row.session_epoch)
