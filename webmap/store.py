"""The store: one SQLAlchemy engine (SQLite in WAL mode by default, PostgreSQL by URL), migrated
by Alembic to the head revision when the server or a command opens it.

SQLite allows one writer at a time; write transactions start with ``BEGIN IMMEDIATE`` so two
writers queue on the busy timeout instead of failing when one upgrades a read lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from webmap.errors import WebmapError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_url(data_dir: str | Path) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / 'foxhunt.db'}"


def now() -> float:
    return time.time()


class Store:
    """Connections to the database: :meth:`read` and :meth:`write` are transactions."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 8):
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise WebmapError(f"--db {url!r}: expected an SQLAlchemy URL such as sqlite:///data/foxhunt.db "
                              "or postgresql+psycopg://user@host/db") from None
        self.url = url
        self.dialect = parsed.get_backend_name()
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else nullcontext()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            if sqlite_synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
                raise WebmapError(f"sqlite_synchronous {sqlite_synchronous!r}: expected FULL, NORMAL or EXTRA")
            self.engine = self._sqlite_engine(url, sqlite_synchronous.upper())
            self.reader = self._sqlite_engine(url, sqlite_synchronous.upper(), immediate=False)
        elif self.dialect == "postgresql":
            self.engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
            self.reader = self.engine
        else:
            raise WebmapError(f"--db {url!r}: the store supports sqlite and postgresql URLs")

    @staticmethod
    def _sqlite_engine(url: str, synchronous: str, immediate: bool = True) -> Engine:
        # a pool of connections handed to one thread at a time: opening one (and its PRAGMAs) per
        # request costs more than the request's own queries
        engine = create_engine(url, pool_size=16, max_overflow=16,
                               connect_args={"timeout": 30, "isolation_level": None, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def write(self) -> Iterator[Connection]:
        # SQLite's busy handler polls with growing sleeps, so under load some writers starve for
        # seconds; queueing this process's writers on a lock first keeps the wait short and fair.
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.reader.begin() as conn:
            yield conn

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` (idempotent; every start runs it)."""
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def dispose(self) -> None:
        self.engine.dispose()
        self.reader.dispose()


def open_store(url: str, **kwargs) -> Store:
    """A migrated store."""
    store = Store(url, **kwargs)
    store.migrate()
    return store
