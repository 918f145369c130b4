"""The node's durable outbox: observations wait in SQLite until the central station acknowledges them.

WAL journal with ``synchronous=FULL``: a :meth:`Spool.put` that has returned is on disk and survives
kill -9 or a power cut. Rows keep the encoded observation (its id included), so a resend is
byte-identical and the server's idempotent ingest stores it once. Observations the server rejects
move to a dead-letter table instead of blocking the queue.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sensors.errors import SensorError
from sensors.wire import Observation

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    id      TEXT NOT NULL UNIQUE,
    body    TEXT NOT NULL,
    spooled REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letter (
    id      TEXT PRIMARY KEY,
    body    TEXT NOT NULL,
    error   TEXT NOT NULL,
    at      REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class SpoolError(SensorError):
    """The spool file cannot be opened or written (disk full, not a spool, locked by another node)."""


@dataclass(frozen=True)
class Spooled:
    """An observation waiting in the outbox, already encoded for the wire."""

    seq: int
    id: str
    body: dict


class Spool:
    """A SQLite outbox shared by the scanning thread (put) and the uploader (peek/ack)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                       timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise SpoolError(f"{self.path}: cannot open the spool: {exc}") from None
        self._lock = threading.Lock()

    def _write(self, sql: str, rows) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(sql, rows)
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise SpoolError(f"{self.path}: {exc}") from None

    def put(self, observations: list[Observation] | Observation) -> None:
        """Spool observations durably (one transaction; returns once they are on disk)."""
        obs = [observations] if isinstance(observations, Observation) else list(observations)
        now = time.time()
        self._write("INSERT OR IGNORE INTO outbox (id, body, spooled) VALUES (?, ?, ?)",
                    [(o.id, json.dumps(o.to_json(), separators=(",", ":"), allow_nan=False), now)
                     for o in obs])

    def peek(self, limit: int) -> list[Spooled]:
        """The oldest ``limit`` observations not yet acknowledged."""
        with self._lock:
            rows = self._db.execute("SELECT seq, id, body FROM outbox ORDER BY seq LIMIT ?",
                                    (int(limit),)).fetchall()
        return [Spooled(seq, oid, json.loads(body)) for seq, oid, body in rows]

    def ack(self, ids: list[str]) -> None:
        """The server has them (stored or duplicate): forget them."""
        self._write("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def dead_letter(self, rejected: dict[str, str]) -> None:
        """Move observations the server refused (id → its one-line error) out of the queue."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for oid, error in rejected.items():
                    self._db.execute("INSERT OR REPLACE INTO dead_letter (id, body, error, at) "
                                     "SELECT id, body, ?, ? FROM outbox WHERE id = ?",
                                     (error[:500], time.time(), oid))
                    self._db.execute("DELETE FROM outbox WHERE id = ?", (oid,))
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise SpoolError(f"{self.path}: {exc}") from None

    def depth(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]

    def dead_count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM dead_letter").fetchone()[0]

    def ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM outbox")}

    def set_state(self, key: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO state (key, value) VALUES (?, ?)", [(key, value)])

    def state(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
