"""Fixtures: a store on SQLite and on a real PostgreSQL server started here on loopback, an app
over it, registered nodes and users, and batches in the wire format built from the document."""

from __future__ import annotations

import copy
import glob
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

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


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return Path(dirs[-1]) if dirs else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away PostgreSQL cluster on 127.0.0.1 (initdb + pg_ctl), or skip saying why."""
    bindir = _pg_bin()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="foxhunt-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:   # initdb refuses to run as root: run the server as an unprivileged user
        user = next((u for u in ("postgres", "nobody") if _user_exists(u)), None)
        if user is None:
            pytest.skip("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")
        pw = pwd.getpwnam(user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", user, "--"]
    data, port = root / "data", _free_port()
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(run_as + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "foxhunt",
                             "--no-sync", "-E", "UTF8"], check=True, capture_output=True, env=env)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
                             "-w", "-t", "30", "start"], check=True, capture_output=True, env=env)
    try:
        yield f"postgresql+psycopg://foxhunt@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(run_as + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, env=env)
        shutil.rmtree(root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


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
