"""A throw-away PostgreSQL cluster on loopback (initdb + pg_ctl in a temp folder), for the tests
and benchmarks that need a real server. Not for production: no fsync, trust authentication."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from webmap.errors import WebmapError


def pg_bindir() -> Path | None:
    """Where initdb and pg_ctl are (PATH first, then Debian's /usr/lib/postgresql/N/bin), or None."""
    found = shutil.which("pg_ctl")
    if found and (Path(found).resolve().parent / "initdb").exists():
        return Path(found).resolve().parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name)
                  if Path(d).parent.name.isdigit() else 0)
    return Path(dirs[-1]) if dirs and (Path(dirs[-1]) / "initdb").exists() else None


def why_unavailable() -> str | None:
    """None when a cluster can be started here, else the reason (for a test's skip message)."""
    if pg_bindir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not installed: apt-get install postgresql"
    if os.geteuid() == 0 and _unprivileged_user() is None:
        return "running as root with no unprivileged user (postgres, nobody) to run PostgreSQL as"
    return None


def _unprivileged_user() -> str | None:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_cluster(*, fsync: bool = False, settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start a cluster on 127.0.0.1 and a free port; yields its SQLAlchemy URL; stops and deletes it.
    ``settings``: more server settings (``-c name=value``), e.g. to load pg_stat_statements."""
    reason = why_unavailable()
    if reason:
        raise WebmapError(reason)
    bindir = pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="foxhunt-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:   # initdb refuses to run as root: run the server as an unprivileged user
        user = pwd.getpwnam(_unprivileged_user())
        os.chown(root, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", user.pw_name, "--"]
    data, port = root / "data", _free_port()
    env = {**os.environ, "LC_ALL": "C"}
    ctl = run_as + [str(bindir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(run_as + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "foxhunt",
                                 "--no-sync", "-E", "UTF8"], check=True, capture_output=True, env=env)
        opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
                + ("" if fsync else " -c fsync=off -c full_page_writes=off -c synchronous_commit=off")
                + "".join(f" -c {k}={v}" for k, v in (settings or {}).items()))
        subprocess.run(ctl + ["-o", opts, "-l", str(root / "log"), "-w", "-t", "30", "start"],
                       check=True, capture_output=True, env=env)
        yield f"postgresql+psycopg://foxhunt@127.0.0.1:{port}/postgres"
    except subprocess.CalledProcessError as exc:
        raise WebmapError(f"PostgreSQL cluster did not start: {exc.stderr.decode(errors='replace')[-500:]}") from None
    finally:
        subprocess.run(ctl + ["-m", "immediate", "stop"], capture_output=True, env=env)
        shutil.rmtree(root, ignore_errors=True)
