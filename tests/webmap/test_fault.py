"""Faults: the server killed (SIGKILL) while batches are in flight, then restarted; a batch failing
half-way through its transaction. Nothing acknowledged is lost; nothing is stored twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import func, select

from tests.webmap.conftest import doc_example, fresh_ids
from webmap.app import create_app
from webmap.nodes import add_node
from webmap.schema import observations
from webmap.store import open_store

N_BATCHES = 20
# `foxhunt serve` itself, without importing every other command of the CLI (seconds on a busy machine)
SERVE = ("import argparse, sys; from foxhunt.commands import serve; p = argparse.ArgumentParser(); "
         "serve.register(p.add_subparsers()); a = p.parse_args(); sys.exit(a.func(a))")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db_url: str, data: str, port: int) -> subprocess.Popen:
    os.makedirs(data, exist_ok=True)
    log = open(os.path.join(data, "serve.log"), "wb")   # not a pipe: a full one would block the server
    proc = subprocess.Popen([sys.executable, "-c", SERVE, "serve", "--db", db_url, "--data", data, "--port", str(port)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {open(log.name).read()[-2000:]}")
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not come up in 60 s")


def _batches(n_batches: int, size: int) -> list[dict]:
    template = doc_example()
    power = template["observations"][1]
    return [{**template, "observations": [dict(power, id=str(uuid.uuid4())) for _ in range(size)]}
            for _ in range(n_batches)]


def test_kill_mid_batch_and_restart(db_url, tmp_path):
    store = open_store(db_url)
    token = add_node(store, "xuhui-01")[1]
    port, data = _free_port(), str(tmp_path / "data")
    batches = _batches(N_BATCHES, 100)
    acked: set[str] = set()
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}"}

    def node(mine: list[dict]):
        s = requests.Session()
        for b in mine:
            try:
                r = s.post(f"http://127.0.0.1:{port}/api/v1/observations", json=b, headers=headers, timeout=10)
            except requests.RequestException:
                return                                   # the server is gone: stop, as a node would back off
            if r.status_code in (200, 201):
                with lock:
                    acked.update(x["id"] for x in r.json()["results"] if x["status"] in ("stored", "duplicate"))

    server = _serve(db_url, data, port)
    threads = [threading.Thread(target=node, args=(batches[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    while True:                                          # kill once a few batches are acknowledged
        with lock:
            if len(acked) >= 300:
                break
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait()
    for t in threads:
        t.join()
    assert 300 <= len(acked) < N_BATCHES * 100, "the kill should land while batches are still being sent"

    with store.read() as conn:
        after_kill = set(conn.execute(select(observations.c.id)).scalars())
    assert acked <= after_kill                           # nothing acknowledged was lost

    # restart: a new server over the same store (in this process: a second server start costs
    # seconds of imports and checks nothing more); the node resends everything it sent
    app = create_app({"db": db_url, "data_dir": data, "relocate": False, "node_obs_per_s": 1e9,
                      "node_obs_burst": 1e9, "node_requests_per_s": 1e6})
    client, statuses = app.test_client(), []
    for b in batches:
        r = client.post("/api/v1/observations", json=b, headers=headers)
        assert r.status_code in (200, 201)
        statuses += [(x["id"], x["status"]) for x in r.json["results"]]
    app.extensions["foxhunt"].store.dispose()
    assert {i for i, st in statuses if st == "duplicate"} == after_kill
    with store.read() as conn:
        ids = list(conn.execute(select(observations.c.id)).scalars())
    assert len(ids) == len(set(ids)) == N_BATCHES * 100          # everything once, nothing twice
    store.dispose()


def test_batch_failing_mid_transaction_leaves_nothing(client, station, auth, monkeypatch):
    batch = fresh_ids(doc_example())

    def crash(*_):
        raise RuntimeError("power cut between the inserts and the commit")

    monkeypatch.setattr(type(station.ingest), "_update_node", staticmethod(crash))
    with pytest.raises(RuntimeError):
        client.application.config["PROPAGATE_EXCEPTIONS"] = True
        client.post("/api/v1/observations", json=batch, headers=auth)
    with station.store.read() as conn:
        assert conn.execute(select(func.count()).select_from(observations)).scalar_one() == 0
    monkeypatch.undo()
    r = client.post("/api/v1/observations", json=batch, headers=auth)
    assert r.json["stored"] == 6
