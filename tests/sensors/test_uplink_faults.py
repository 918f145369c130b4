"""Fault test on loopback: the node's spool + uplink against a station that fails in every way.

Every observation must end up stored exactly once at the station: none lost, none stored twice
(resends carry the same id), whatever the link did in between.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from sensors.spool import Spool
from sensors.uplink import Uplink
from sensors.wire import HopInfo, Observation, Position
from tests.sensors.stub_station import StubStation

N = 1200
POS = Position(31.19, 121.44, fix="surveyed", source="config")
HOP = HopInfo(947e6, 2.4e6, 30.0, 0.235, band="gsm900")


def _obs(k: int) -> Observation:
    return Observation("power", 1.79e9 + k, POS, HOP,
                       {"freq_hz": 947.4e6, "power_dbm": -60.0 - k % 30, "target": "gsm-947.4", "floor": False})


@pytest.fixture
def station():
    st = StubStation(slow_s=0.3)
    st.start()
    yield st
    st.kill()


def test_every_observation_arrives_exactly_once_through_faults(tmp_path, station):
    spool = Spool(tmp_path / "spool.db")
    up = Uplink(spool, station.url, "t0ken", "xuhui-01", batch_size=40, timeout_s=0.15,
                backoff_base_s=0.005, backoff_max_s=0.05, rng=random.Random(7))
    all_ids: list[str] = []
    stop = threading.Event()
    produced = threading.Event()

    def produce():
        for start in range(0, N, 48):     # spread over ~1.5 s: two rounds of every fault
            chunk = [_obs(k) for k in range(start, start + 48)]
            spool.put(chunk)
            all_ids.extend(o.id for o in chunk)
            up.wake.set()
            time.sleep(0.06)
        produced.set()

    # A schedule of faults, repeated: every kind meets real traffic.
    faults = [("ok", 0.05), ("drop", 0.12), ("500", 0.1), ("timeout", 0.25), ("kill", 0.12),
              ("refuse-restart", 0.0)]

    def chaos():
        while not stop.is_set():
            for mode, hold in faults:
                if stop.is_set():
                    return
                if mode == "kill":
                    station.kill()
                elif mode == "refuse-restart":
                    station.mode = "ok"
                    station.start()
                else:
                    station.mode = mode
                time.sleep(hold)

    threads = [threading.Thread(target=produce), threading.Thread(target=chaos),
               threading.Thread(target=up.run, args=(stop,))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (produced.is_set() and spool.depth() == 0):
        time.sleep(0.02)
    stop.set()
    up.wake.set()
    for t in threads:
        t.join(timeout=5)
    if station._server is None:
        station.start()

    assert produced.is_set() and spool.depth() == 0, f"{spool.depth()} observations never acknowledged"
    assert set(station.stored) == set(all_ids) and len(all_ids) == N
    assert spool.dead_count() == 0
    # The faults happened and forced resends that the id made harmless.
    for mode in ("500", "timeout", "drop", "killed"):
        assert station.faults[mode] > 0, (mode, station.faults)
    assert sum(station.receipts.values()) > N
    assert max(station.receipts.values()) >= 2


def test_rejected_observations_go_to_dead_letter_not_the_queue(tmp_path, station):
    spool = Spool(tmp_path / "spool.db")
    spool.put([_obs(k) for k in range(5)])
    bad = spool.peek(1)[0].id
    original = station.handle

    def reject_one(h):
        station.handle = original
        import json
        body = json.loads(h.rfile.read(int(h.headers["Content-Length"])))
        res = [{"id": o["id"], "status": "rejected" if o["id"] == bad else "stored",
                **({"error": "observations[0].payload.freq_hz: out of range"} if o["id"] == bad else {})}
               for o in body["observations"]]
        station._reply(h, 200, {"version": 1, "results": res})

    station.handle = reject_one
    out = Uplink(spool, station.url, "t0ken", "n1").post_once()
    assert (out.acked, out.rejected, spool.depth(), spool.dead_count()) == (4, 1, 0, 1)


def test_wrong_token_keeps_the_spool(tmp_path, station):
    spool = Spool(tmp_path / "spool.db")
    spool.put([_obs(k) for k in range(3)])
    out = Uplink(spool, station.url, "wrong", "n1", backoff_max_s=60).post_once()
    assert out.status == "http 401" and out.retry_after_s == 60 and spool.depth() == 3


_CHILD = textwrap.dedent("""
    import sys
    from sensors.spool import Spool
    from sensors.wire import Observation, Position, HopInfo
    spool = Spool(sys.argv[1])
    pos, hop = Position(31.19, 121.44), HopInfo(947e6, 2.4e6, None, 0.2)
    k = 0
    while True:
        o = Observation("power", 1.79e9 + k, pos, hop,
                        {"freq_hz": 947.4e6, "power_dbm": -70.0, "target": None, "floor": True})
        spool.put(o)
        print(o.id, flush=True)
        k += 1
""")


def test_kill_9_loses_nothing_already_spooled_and_it_all_arrives_after_restart(tmp_path, station):
    db = tmp_path / "spool.db"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db)], stdout=subprocess.PIPE, text=True,
                             cwd=os.getcwd())
    confirmed = []
    try:
        while len(confirmed) < 300:
            line = child.stdout.readline()
            assert line, "the spooling child died"
            confirmed.append(line.strip())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    spool = Spool(db)
    assert spool._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert set(confirmed) <= spool.ids()
    up = Uplink(spool, station.url, "t0ken", "n1", batch_size=500)
    while spool.depth():
        assert up.post_once().status == "ok"
    assert set(confirmed) <= set(station.stored)
    assert all(station.receipts[i] == 1 for i in confirmed)
