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
from webmap.schema import audit_log, fixes, observations, targets

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


def test_carrier_first_seen_without_identity_joins_its_cell_once_identified(fleet, station):
    fleet.post("a", [_obs("gsm_cell", T0, 31.20, 121.45, _cell(62, 947.4e6, (3, 5), None)),
                     _obs("power", T0, 31.20, 121.45, _power(947.4e6, -60.0, "gsm-947.4"))])
    assert list(_targets(station)) == ["gsm:62:35"]
    fleet.post("b", [_obs("gsm_cell", T0 + 10, 31.21, 121.45, _cell(62, 947.4e6, (3, 5)))])
    fleet.post("a", [_obs("gsm_cell", T0 + 20, 31.20, 121.45, _cell(62, 947.4e6, (3, 5), None))])
    station.relocator.run_once(settle=False)          # the worker merges the partial target
    t = _targets(station)
    assert list(t) == ["gsm:62:35:460-00-4361-20821"] and t["gsm:62:35:460-00-4361-20821"].n_observations == 4
    with station.store.read() as conn:
        kinds = {r.target_id for r in conn.execute(select(observations))}
        log = conn.execute(select(audit_log.c.detail).where(audit_log.c.action == "target.merged")).scalars().all()
    assert kinds == {t["gsm:62:35:460-00-4361-20821"].id}
    assert len(log) == 1 and '"from": "gsm:62:35"' in log[0]


def test_carrier_without_identity_on_a_shared_arfcn_and_bsic_goes_to_what_its_node_decoded(fleet, station):
    fleet.post("a", [_obs("gsm_cell", T0, 31.20, 121.45, _cell(62, 947.4e6, (3, 5)))])
    fleet.post("c", [_obs("gsm_cell", T0, 31.30, 121.55, _cell(62, 947.4e6, (3, 5), (460, 0, 9, 9)))])  # a clone
    fleet.post("a", [_obs("gsm_cell", T0 + 30, 31.20, 121.45, _cell(62, 947.4e6, (3, 5), None))])
    fleet.post("c", [_obs("gsm_cell", T0 + 30, 31.30, 121.55, _cell(62, 947.4e6, (3, 5), None))])
    fleet.post("d", [_obs("gsm_cell", T0 + 30, 31.25, 121.50, _cell(62, 947.4e6, (3, 5), None))])  # heard both? unknown
    station.relocator.run_once(settle=False)
    t = _targets(station)
    assert set(t) == {"gsm:62:35:460-00-4361-20821", "gsm:62:35:460-00-9-9", "gsm:62:35"}
    station.relocator.run_once(settle=False)          # an ambiguous partial target is never merged
    assert t["gsm:62:35:460-00-4361-20821"].n_observations == 2 and t["gsm:62:35:460-00-9-9"].n_observations == 2
    assert _targets(station)["gsm:62:35"].n_observations == 1


def _capture(arfcn, freq, bsic, dbfs, identity=(460, 1, 41018, 3342)):
    return {**_cell(arfcn, freq, bsic, identity), "power_dbfs": dbfs}


def test_a_ghost_of_a_strong_carrier_is_neither_judged_nor_located(fleet, station):
    from webmap import registers
    registers.load(station.store, "cells", "operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon\n"
                   "CU,460,01,41018,3342,110,44,31.20,121.45\n", "reg.csv")
    for i, name in enumerate(("a", "b", "c", "d")):   # every decode of ARFCN 115 beside a stronger 110, same BSIC
        lat = 31.20 + 0.01 * i
        fleet.post(name, [_obs("gsm_cell", T0 + i, lat, 121.45, _capture(110, 957.0e6, (5, 4), -58.0)),
                          _obs("gsm_cell", T0 + i, lat, 121.45, _capture(115, 958.0e6, (5, 4), -62.5, None)),
                          _obs("power", T0 + i, lat, 121.45, _power(958.0e6, -62.5 - 30, "gsm-958.0"))])
    # a real cell sharing the BSIC: heard alone at one node, so not a ghost
    fleet.post("e", [_obs("gsm_cell", T0, 31.3, 121.5, _capture(112, 957.4e6, (5, 4), -70.0, None))])
    station.relocator.run_once(settle=False)
    t = _targets(station)
    assert t["gsm:115:54"].verdict_class is None and t["gsm:115:54"].label == "ghost of gsm:110:54:460-01-41018-3342"
    assert t["gsm:112:54"].label is None and t["gsm:112:54"].verdict_class is not None
    assert t["gsm:110:54:460-01-41018-3342"].verdict_class is not None
    with station.store.read() as conn:
        assert conn.execute(select(fixes).where(fixes.c.target_id == t["gsm:115:54"].id)).first() is None
    # the same capture with the ghost only 1 dB down: two cells, not a ghost
    fleet.post("f", [_obs("gsm_cell", T0, 31.1, 121.4, _capture(20, 939.0e6, (2, 3), -60.0)),
                     _obs("gsm_cell", T0, 31.1, 121.4, _capture(24, 939.8e6, (2, 3), -61.0, None))])
    station.relocator.run_once(settle=False)
    assert _targets(station)["gsm:24:23"].label is None


def _moving_readings(seed=0):
    """Eight fixed nodes on a 1.5 km ring read a car driving 6 m/s east for ten minutes (every 10 s)."""
    from locator.readings import Readings
    rng = np.random.default_rng(seed)
    centre = (31.20, 121.45)
    n, times = 8, np.arange(0.0, 600.0, 10.0)
    nlat, nlon = destination(np.full(n, centre[0]), np.full(n, centre[1]), np.arange(n) * 45.0, np.full(n, 1500.0))
    shadow = rng.normal(0, 3.0, n)
    rows = []
    for t in times:
        clat, clon = destination(np.array([centre[0]]), np.array([centre[1] - 0.018]), np.array([90.0]),
                                 np.array([6.0 * t]))
        d = distance_bearing(nlat, nlon, np.full(n, clat[0]), np.full(n, clon[0]))[0]
        p = 10.0 - 31.0 * np.log10(np.hypot(d, 10.0)) + shadow + rng.normal(0, 1.0, n)
        rows += [(T0 + t, f"n{i}", nlat[i], nlon[i], 947e6, p[i]) for i in range(n)]
    cols = list(zip(*rows))
    truth = destination(np.array([centre[0]]), np.array([centre[1] - 0.018]), np.array([90.0]), np.array([6.0 * 590]))
    return Readings.of(cols[0], list(cols[1]), cols[2], cols[3], cols[4], cols[5], target="car"), truth


def test_a_moving_target_is_located_on_its_newest_readings():
    import shapely
    from shapely.geometry import shape

    from locator.estimate import locate
    from webmap.relocate import MOVING_WINDOW_S, locate_json
    r, (lat, lon) = _moving_readings()
    fix = locate_json(locate, r)
    static = locate(r)
    err = float(distance_bearing(lat, lon, np.array([fix["lat"]]), np.array([fix["lon"]]))[0][0])
    static_err = float(distance_bearing(lat, lon, np.array([static.lat]), np.array([static.lon]))[0][0])
    assert fix["moving"] and fix["motion"]["p_value"] < 1e-3
    assert fix["window"][1] - fix["window"][0] <= MOVING_WINDOW_S and fix["n_readings"] < len(r)
    assert err < 0.5 * static_err, (err, static_err)
    assert shape(fix["region"]).covers(shapely.Point(lon[0], lat[0]))
    assert fix["motion_allowance_m"] > 0


def test_floor_readings_beside_heard_ones_are_missed_detections():
    from locator.readings import Readings
    from webmap.relocate import credible_floors
    r = Readings.of([0, 5, 100, 0, 50], ["a", "a", "a", "b", "b"], [31.2] * 5, [121.45] * 5, 947e6,
                    [-80, -107, -107, -107, -107], [False, True, True, True, True])
    kept = credible_floors(r)
    assert list(zip(kept.node_id, kept.timestamp)) == [("a", 0), ("a", 100), ("b", 0), ("b", 50)]


def test_node_gains_are_shrunk_by_their_own_error():
    from collections import namedtuple

    from webmap.relocate import shrunk_gains
    Row = namedtuple("Row", "name")
    rows = [Row(n) for n in ("a", "b") for _ in range(9)]
    tx = np.array([i for _ in range(2) for i in range(9)])        # each node hears nine cells
    big = shrunk_gains({"a": 8.0, "b": -8.0}, 5.0, tx, rows)       # error ±1.7 dB: offsets kept
    small = shrunk_gains({"a": 1.5, "b": -1.5}, 5.0, tx, rows)     # offsets within their error: gone
    assert 7.0 < big["a"] < 8.0 and -8.0 < big["b"] < -7.0
    assert small == {"a": 0.0, "b": 0.0}


def test_a_weaker_clone_with_the_whole_identity_is_not_a_ghost(fleet, station):
    for i, name in enumerate(("a", "b")):      # the copy 6 dB under the original in every capture
        fleet.post(name, [_obs("gsm_cell", T0 + i, 31.2, 121.45, _capture(110, 957.0e6, (5, 4), -58.0)),
                          _obs("gsm_cell", T0 + i, 31.2, 121.45, _capture(113, 957.6e6, (5, 4), -64.0))])
    station.relocator.run_once(settle=False)
    assert _targets(station)["gsm:113:54:460-01-41018-3342"].label is None


def test_the_map_draws_a_track_for_targets_located_as_moving_only(station):
    import json
    import time

    from sqlalchemy import insert

    from webmap.map_data import map_targets
    now = time.time()
    with station.store.write() as conn:
        for key, moving in (("gsm:60:24:460-00-1-1", True), ("gsm:12:21:460-00-2-2", False)):
            tid = conn.execute(insert(targets).values(key=key, kind="gsm", channel="gsm-947.0", freq_hz=947e6,
                                                      identity="{}", first_seen_at=now - 600, last_seen_at=now,
                                                      n_observations=1, status="new")).inserted_primary_key[0]
            for i in range(3):      # fixes 1 km apart
                conn.execute(insert(fixes).values(target_id=tid, computed_at=now - 300 + i, window_start=now - 400,
                                                  window_end=now - 300 + 100 * i, n_readings=10, lat=31.2 + 0.01 * i,
                                                  lon=121.45, radius_95_m=3000.0, fix=json.dumps({"moving": moving})))
    with station.store.read() as conn:
        drawn = {t["key"]: t["track"] for t in map_targets(conn, now - 3600, now)}
    assert len(drawn["gsm:60:24:460-00-1-1"]) == 3 and drawn["gsm:12:21:460-00-2-2"] == []
