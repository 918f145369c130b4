"""Targets: grouping across nodes (GSM ARFCN+BSIC+identity, clones, FM channels), power readings
attributed to the cell the node decoded, and re-location off the request path leaving a track."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from sqlalchemy import select

from locator.geodesy import destination, distance_bearing
from webmap.grouping import channel_of
from webmap.nodes import add_node
from webmap.schema import fixes, observations, targets

URL = "/api/v1/observations"
T0 = 1795892645.0
HOP = {"center_freq_hz": 947e6, "sample_rate_hz": 2.4e6, "gain_db": 30.0, "dwell_s": 1.0}


def _iso(t: float) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _obs(kind, t, lat, lon, payload, hop=HOP) -> dict:
    return {"id": str(uuid.uuid4()), "kind": kind, "time": _iso(t),
            "position": {"lat": float(lat), "lon": float(lon), "alt_m": None, "speed_m_s": 0.0,
                         "heading_deg": None, "fix": "surveyed", "source": "config"},
            "hop": hop, "payload": payload}


def _cell(arfcn, freq_hz, bsic, identity=(460, 0, 4361, 20821)):
    mcc, mnc, lac, ci = identity if identity else (None,) * 4
    return {"arfcn": arfcn, "freq_hz": freq_hz, "bsic": {"ncc": bsic[0], "bcc": bsic[1]},
            "mcc": None if mcc is None else f"{mcc:03d}", "mnc": None if mnc is None else f"{mnc:02d}",
            "lac": lac, "cell_id": ci, "power_dbfs": -30.0}


def _power(freq_hz, dbm, target=None, floor=False):
    return {"freq_hz": freq_hz, "power_dbm": dbm, "target": target, "floor": floor}


class Nodes:
    """Registered nodes posting batches through the test client."""

    def __init__(self, client, station):
        self.client, self.station, self.tokens = client, station, {}

    def post(self, name: str, observations_: list[dict]):
        if name not in self.tokens:
            self.tokens[name] = add_node(self.station.store, name)[1]
        r = self.client.post(URL, json={"version": 1, "node_id": name, "sent_at": _iso(T0),
                                        "observations": observations_},
                             headers={"Authorization": f"Bearer {self.tokens[name]}"})
        assert r.status_code in (200, 201) and r.json["rejected"] == 0, r.json
        return r.json


@pytest.fixture
def fleet(client, station):
    return Nodes(client, station)


def _targets(station) -> dict:
    with station.store.read() as conn:
        return {r.key: r for r in conn.execute(select(targets))}


def test_channel_keys_follow_the_wire_rule():
    assert channel_of(947.4e6) == "gsm-947.4" and channel_of(1842.8e6) == "gsm-1842.8"
    assert channel_of(98.7e6) == "fm-98.7" and channel_of(98.735e6) == "fm-98.735"
    assert channel_of(121.5e6) == "air-121.500"


def test_same_cell_heard_by_two_nodes_is_one_target(fleet, station):
    for name, lat in (("a", 31.20), ("b", 31.21)):
        fleet.post(name, [_obs("gsm_cell", T0, lat, 121.45, _cell(62, 947.4e6, (3, 5)))])
    assert list(_targets(station)) == ["gsm:62:35:460-00-4361-20821"]


def test_clone_on_another_arfcn_and_co_channel_cells_are_separate(fleet, station):
    fleet.post("a", [_obs("gsm_cell", T0, 31.20, 121.45, _cell(62, 947.4e6, (3, 5)))])
    fleet.post("b", [_obs("gsm_cell", T0, 31.25, 121.50, _cell(70, 949.0e6, (3, 5)))])        # clone
    fleet.post("c", [_obs("gsm_cell", T0, 31.30, 121.55, _cell(62, 947.4e6, (1, 2), (460, 0, 9, 9)))])  # reuse
    keys = set(_targets(station))
    assert keys == {"gsm:62:35:460-00-4361-20821", "gsm:70:35:460-00-4361-20821", "gsm:62:12:460-00-9-9"}


def test_carrier_without_identity_joins_the_known_cell(fleet, station):
    fleet.post("a", [_obs("gsm_cell", T0, 31.20, 121.45, _cell(62, 947.4e6, (3, 5)))])
    fleet.post("b", [_obs("gsm_cell", T0 + 5, 31.21, 121.45, _cell(62, 947.4e6, (3, 5), None))])
    station.relocator.run_once(settle=False)            # the worker keeps the counts
    t = _targets(station)
    assert list(t) == ["gsm:62:35:460-00-4361-20821"] and t["gsm:62:35:460-00-4361-20821"].n_observations == 2


def test_power_readings_go_to_the_cell_the_node_decoded(fleet, station):
    fleet.post("a", [_obs("gsm_cell", T0, 31.20, 121.45, _cell(62, 947.4e6, (3, 5)))])
    fleet.post("c", [_obs("gsm_cell", T0, 31.30, 121.55, _cell(62, 947.4e6, (1, 2), (460, 0, 9, 9)))])
    # later batches: power only; the node's earlier decode on the channel names the cell
    fleet.post("a", [_obs("power", T0 + 30, 31.20, 121.45, _power(947.4e6, -60.0, "gsm-947.4"))])
    fleet.post("c", [_obs("power", T0 + 30, 31.30, 121.55, _power(947.4e6, -70.0, None))])
    fleet.post("b", [_obs("power", T0 + 30, 31.25, 121.50, _power(947.4e6, -105.0, "gsm-947.4", floor=True))])
    t = _targets(station)
    with station.store.read() as conn:
        rows = {r.power_dbm: r for r in conn.execute(select(observations).where(observations.c.kind == "power"))}
    assert rows[-60.0].target_id == t["gsm:62:35:460-00-4361-20821"].id
    assert rows[-70.0].target_id == t["gsm:62:12:460-00-9-9"].id
    assert rows[-105.0].target_id is None and rows[-105.0].channel == "gsm-947.4"   # counts for both cells


def _ring(fleet, tx, t, channel="fm-98.7", freq=98.7e6, n=10, seed=0):
    """Fixed nodes on a ring around ``tx`` report log-distance powers (exponent 3, 2 dB noise)."""
    rng = np.random.default_rng(seed)
    brg = np.arange(n) * 360.0 / n + rng.uniform(0, 10)
    dist = rng.uniform(400, 2500, n)
    lat, lon = destination(np.full(n, tx[0]), np.full(n, tx[1]), brg, dist)
    p = 10.0 - 30.0 * np.log10(dist) + rng.normal(0, 2.0, n)
    for i in range(n):
        fleet.post(f"ring-{i}", [_obs("power", t + i, lat[i], lon[i], _power(freq, float(p[i]), channel),
                                      hop={**HOP, "center_freq_hz": freq})])


def test_relocation_runs_off_request_and_keeps_a_track(fleet, station, login):
    start = (31.2000, 121.4500)
    _ring(fleet, start, T0, seed=1)
    with station.store.read() as conn:
        assert conn.execute(select(fixes)).first() is None        # ingest itself located nothing
    assert station.relocator.run_once(settle=False) == 1
    moved = (31.2100, 121.4600)                                   # ~1.5 km north-east, 20 min later
    _ring(fleet, moved, T0 + 1200, seed=3)
    station.relocator.run_once(settle=False)
    c, _ = login("liaison")
    tid = _targets(station)["fm:fm-98.7"].id
    track = c.get(f"/api/v1/targets/{tid}").json["track"]
    assert len(track) == 2
    for fix, truth in zip(track, (start, moved)):
        err = float(distance_bearing(truth[0], truth[1], fix["lat"], fix["lon"])[0])
        assert err < fix["radius_95_m"] and err < 600, (err, fix["radius_95_m"])
        assert fix["n_readings"] == 10                            # the older ring is outside the window
    listed = c.get("/api/v1/targets").json["targets"][0]
    assert listed["fix"]["computed_at"] == track[-1]["computed_at"]
    assert station.relocator.pending() == 0


def test_relocation_waits_for_readings_to_settle(fleet, station):
    station.relocator.debounce_s = 3600.0
    _ring(fleet, (31.2, 121.45), T0)
    assert station.relocator.run_once() == 0 and station.relocator.pending() == 1


def test_worker_thread_relocates_in_the_background(fleet, station):
    station.relocator.debounce_s = 0.05
    station.relocator.start()
    try:
        _ring(fleet, (31.2, 121.45), T0, seed=1)
        import time
        deadline = time.time() + 60
        while time.time() < deadline:
            with station.store.read() as conn:
                if conn.execute(select(fixes)).first() is not None:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the worker located nothing within 60 s")
    finally:
        station.relocator.stop()


def test_a_failing_locator_does_not_stop_the_worker(fleet, station):
    _ring(fleet, (31.2, 121.45), T0, seed=1)
    _ring(fleet, (31.2, 121.45), T0, channel="fm-101.1", freq=101.1e6, seed=3)
    real, calls = station.relocator.locate_fn, []

    def flaky(readings):
        calls.append(readings.target)
        if len(calls) == 1:
            raise RuntimeError("locator bug")
        return real(readings)

    station.relocator.locate_fn = flaky
    assert station.relocator.run_once(settle=False) == 2
    with station.store.read() as conn:
        located = conn.execute(select(targets.c.key).join(fixes, fixes.c.target_id == targets.c.id)).scalars().all()
    assert located == [calls[1]] and len(calls) == 2
    assert 'outcome="locator_failed"} 1' in station.metrics.render({})
