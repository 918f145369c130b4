"""Fixtures: a store on SQLite and on a real PostgreSQL server started here on loopback, an app
over it, registered nodes and users, and batches in the wire format built from the document."""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from webmap import devdb
from webmap.app import create_app
from webmap.nodes import add_node
from webmap.users import add_user

DOCS = Path(__file__).resolve().parents[2] / "docs"
PASSWORD = "correct horse battery"


def doc_example() -> dict:
    block = (DOCS / "wire-format.md").read_text().split("## Full example", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)```", block, re.S).group(1))


def fresh_ids(batch: dict) -> dict:
    b = copy.deepcopy(batch)
    for o in b["observations"]:
        o["id"] = str(uuid.uuid4())
    return b


@pytest.fixture(autouse=True)
def _quick_password_hashing(monkeypatch):
    """scrypt at its production cost takes ~0.2 s per hash on a loaded CI machine; these tests check
    behaviour, not the cost factor, so they hash with cheap PBKDF2 (test_auth checks the real one)."""
    from werkzeug.security import generate_password_hash
    monkeypatch.setattr("webmap.users.PASSWORD_METHOD", "pbkdf2:sha256:1000")
    monkeypatch.setattr("webmap.users._DUMMY_HASH", generate_password_hash("x", method="pbkdf2:sha256:1000"))


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL cluster on 127.0.0.1 for the session, or skip saying why."""
    reason = devdb.why_unavailable()
    if reason:
        pytest.skip(reason)
    with devdb.postgres_cluster() as url:
        yield url


def _wipe_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The store URL, once per back end; PostgreSQL starts empty for every test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'foxhunt.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _wipe_postgres(url)
        yield url


@pytest.fixture
def settings(tmp_path, db_url) -> dict:
    return {"data_dir": str(tmp_path / "data"), "db": db_url, "relocate": False,
            "relocate_debounce_s": 0.0}


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["foxhunt"].store.dispose()


@pytest.fixture
def station(app):
    return app.extensions["foxhunt"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def node_token(station) -> str:
    """The token of node ``xuhui-01`` (the document's example node)."""
    return add_node(station.store, "xuhui-01")[1]


@pytest.fixture
def auth(node_token) -> dict:
    return {"Authorization": f"Bearer {node_token}"}


@pytest.fixture
def login(app, station):
    """``login(role)`` → a test client logged in as a new user of that role, and its CSRF token."""
    def _login(role: str, name: str | None = None):
        name = name or f"{role}-user"
        add_user(station.store, name, PASSWORD, role)
        c = app.test_client()
        token = c.get("/api/v1/session").json["csrf_token"]
        r = c.post("/api/v1/session", json={"username": name, "password": PASSWORD},
                   headers={"X-CSRF-Token": token})
        assert r.status_code == 200, r.json
        return c, r.json["csrf_token"]
    return _login
