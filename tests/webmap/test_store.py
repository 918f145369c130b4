"""The store: migrations build exactly the tables the code uses; SQLite runs in WAL mode."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from webmap.schema import metadata
from webmap.store import Store, open_store


def test_migrations_match_the_schema(db_url):
    store = open_store(db_url)
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": lambda obj, name, type_, *_:
                                                     type_ != "table" or name in metadata.tables})
        diff = [d for d in compare_metadata(ctx, metadata)
                if not (d[0] == "remove_table" and d[1].name not in metadata.tables)]
    assert diff == []
    store.migrate()                                        # a second start changes nothing
    store.dispose()


def test_sqlite_is_wal_and_durable(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'x' / 'fox.db'}")
    with store.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2     # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    store.dispose()


def test_bad_urls_are_one_line_errors(tmp_path):
    import pytest

    from webmap.errors import WebmapError
    for url in ("nonsense", "mysql://x/y"):
        with pytest.raises(WebmapError, match="--db"):
            Store(url)
    with pytest.raises(WebmapError, match="sqlite_synchronous"):
        Store(f"sqlite:///{tmp_path}/a.db", sqlite_synchronous="OFF")
