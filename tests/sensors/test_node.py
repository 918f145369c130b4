"""The sensor node: configuration, observations from a hop, a simulated node posting to a stub
station, and a clean stop on SIGTERM."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from sensors.decoders import Peak
from sensors.node import ConfigError, Node, load_config, observations
from sensors.plan import PlannedHop, node_schedule
from sensors.scan import HopResult, analyse, capture
from sensors.sim import SimSource
from sensors.spool import Spool
from sensors.wire import Position, batch_body
from tests.sensors.stub_station import StubStation

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "wire" / "observations-v1.schema.json").read_text())
DEMO = REPO / "recordings" / "demo_city.toml"


def _config(tmp_path, **over) -> Path:
    body = {"id": '"xh-xujiahui"', "source": f'"sim:{DEMO}:xh-xujiahui"', "gain_db": "30.0",
            "bands": '["fm", "air"]', "spool": '"spool.db"', "health_interval_s": "0.5"}
    body.update(over)
    text = "[node]\n" + "".join(f"{k} = {v}\n" for k, v in body.items() if v is not None)
    p = tmp_path / "node.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("over, message", [
    ({"id": '"bad id"'}, r"\[node\]\.id"),
    ({"bands": '["lte"]'}, r"\[node\]\.bands"),
    ({"gain_db": '"loud"'}, r"gain_db"),
    ({"source": None}, r"missing key 'source'"),
])
def test_bad_configs_name_the_key(tmp_path, over, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_config(tmp_path, **over))


def test_uplink_without_token_is_refused(tmp_path):
    p = _config(tmp_path)
    p.write_text(p.read_text() + '[uplink]\nurl = "http://127.0.0.1:9"\n')
    with pytest.raises(ConfigError, match="neither token nor token_file"):
        load_config(p)


def test_observations_of_a_hop_follow_the_wire_schema():
    hop = PlannedHop("air", 121e6, 120.04e6, 121.96e6, 0.25, "air")
    pos = Position(31.19, 121.43, speed_m_s=0.0, fix="surveyed", source="config")
    spur = {"freq_hz": 121.5e6, "power_dbfs": -70.0, "related_to_hz": 98.7e6}
    res = HopResult(hop, 121e6, 2.4e6, 30.0, 1.79e9, 0.25, None, spurious=(spur,),
                    peaks=(Peak(121.5e6, 25e3, -70.0, 20.0), Peak(120.1e6, 25e3, -80.0, 12.0)),
                    floor_dbfs_hz=-150.0)
    known = {"air-121.500": 121.5e6, "air-121.000": 121.0e6, "air-125.000": 125.0e6, "fm-98.7": 98.7e6}
    obs = observations(res, full_scale_dbm=0.0, fallback=pos, known=known)
    assert [o.kind for o in obs] == ["spurious"] + ["power"] * 3
    assert obs[0].payload == spur and obs[0].hop.band == "air"        # the decode, verbatim
    obs = obs[1:]
    assert obs[0].payload["power_dbm"] == -100.0 and obs[0].payload["related_to_hz"] == 98.7e6
    assert obs[1].payload["target"] == "air-120.100" and obs[1].position == pos
    # 121.000 was seen before and is in this hop's slice but silent now: a censored reading.
    assert obs[2].payload == {"freq_hz": 121e6, "power_dbm": round(-150 + 10 * np.log10(25e3) - 30, 2),
                              "target": "air-121.000", "floor": True, "bandwidth_hz": 25e3,
                              "power_dbfs": round(-150 + 10 * np.log10(25e3), 2)}
    body = json.loads(batch_body("xh-xujiahui", [o.to_json() for o in obs], 1.79e9))
    jsonschema.validate(body, SCHEMA)
    # uncalibrated: no power readings, the decode still
    assert [o.kind for o in observations(res, full_scale_dbm=None, fallback=pos)] == ["spurious"]


def test_a_hop_says_nothing_of_its_blind_zone():
    """A known carrier on the hop's centre is misread or lost there (sensors.plan.BLIND_HZ), so the
    hop sends no censored 'silent' reading for it: another hop of the plan holds it."""
    hop = PlannedHop("air", 121e6, 120.04e6, 121.96e6, 0.25, "air", blind_hz=6.25e3)
    pos = Position(31.19, 121.43, speed_m_s=0.0, fix="surveyed", source="config")
    res = HopResult(hop, 121e6, 2.4e6, 30.0, 1.79e9, 0.25, None, floor_dbfs_hz=-150.0)
    obs = observations(res, full_scale_dbm=0.0, fallback=pos, known={"air-121.000": 121.0e6, "air-121.500": 121.5e6})
    assert [(o.payload["target"], o.payload["floor"]) for o in obs] == [("air-121.500", True)]


def test_simulated_node_posts_schema_valid_observations(tmp_path):
    station = StubStation()
    station.start()
    try:
        p = _config(tmp_path)
        p.write_text(p.read_text() + f'[uplink]\nurl = "{station.url}"\ntoken = "t0ken"\ntimeout_s = 2\n')
        node = Node(load_config(p))
        plan = list(itertools.islice(node_schedule(["fm", "air"], node.source.sample_rate), 60))
        # the FM hop that holds Metro Traffic (87.9 MHz) clear of its blind zone, and an air hop
        fm = next(h for h in plan if h.band == "fm" and h.holds(87.9e6))
        node.run(hops=[fm, next(h for h in plan if h.band == "air")])
    finally:
        station.kill()
    kinds = sorted(o["kind"] for o in station.stored.values())
    assert "fm_station" in kinds and "power" in kinds
    for o in station.stored.values():
        jsonschema.validate({"version": 1, "node_id": "n", "sent_at": "2026-11-28T12:00:00Z",
                             "observations": [o]}, SCHEMA)
    fm = next(o for o in station.stored.values() if o["kind"] == "fm_station")
    assert fm["payload"]["rds"]["pi"] == "C201" and fm["position"]["source"] == "sim"
    # The calibrated reading matches what the simulated antenna received.
    truth = SimSource.from_file(DEMO, "xh-xujiahui")
    truth.tune(fm["hop"]["center_freq_hz"])
    rx = next(h.rx_dbm for h in truth.heard() if h.key == "fm-879")
    reading = next(o for o in station.stored.values() if o["kind"] == "power" and o["payload"]["target"] == "fm-87.9")
    assert reading["payload"]["power_dbm"] == pytest.approx(rx, abs=1.0)
    assert Spool(tmp_path / "spool.db").depth() == 0


def test_sigterm_stops_the_node_cleanly(tmp_path):
    cfg = _config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "foxhunt", "sensor", "--config", str(cfg)],
                            stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        deadline = time.monotonic() + 120   # generous: CI machines are shared
        while time.monotonic() < deadline:
            if (tmp_path / "spool.db").exists() and Spool(tmp_path / "spool.db").depth() > 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the node spooled nothing")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert "stopped after" in err and "Traceback" not in err
    assert Spool(tmp_path / "spool.db").depth() > 0


def test_unidentified_carriers_steer_the_identity_dwell(tmp_path):
    node = Node(load_config(_config(tmp_path, bands='["gsm900"]')))
    hop = PlannedHop("gsm900", 947e6, 946e6, 948e6, 0.235, "detect")
    seen = {"freq_hz": 947.0e6, "bsic": {"ncc": 2, "bcc": 4}, "mcc": None}
    known = {"freq_hz": 946.2e6, "bsic": {"ncc": 1, "bcc": 1}, "mcc": "460"}
    node._note_carriers(HopResult(hop, 947e6, 2.4e6, 30.0, 1000.0, 0.235, None, cells=(seen, known)))
    assert node._unidentified() == [947.0e6]
    node._note_carriers(HopResult(hop, 947e6, 2.4e6, 30.0, 1002.0, 1.9, None, cells=(dict(seen, mcc="460"),)))
    assert node._unidentified() == []
    node._note_carriers(HopResult(hop, 947e6, 2.4e6, 30.0, 1400.0, 0.235, None, cells=(seen,)))
    assert node._unidentified() == [947.0e6]          # five minutes on: read its identity again
    node.spool.close()


def _power_readings(obs) -> dict[str, dict]:
    got: dict[str, dict] = {}
    for o in obs:
        if o.kind == "power":
            assert o.payload["target"] not in got, f"two readings for {o.payload['target']}"
            got[o.payload["target"]] = o.payload
    return got


def test_an_undecoded_gsm_carrier_still_gives_a_power_reading():
    hop = PlannedHop("gsm900", 947e6, 946e6, 948e6, 0.235, "detect")
    cell = {"freq_hz": 947.0e6, "arfcn": 60, "bsic": {"ncc": 2, "bcc": 4}, "mcc": None, "power_dbfs": -30.0}
    peaks = (Peak(947.0e6, 200e3, -30.2, 40.0), Peak(947.4e6, 200e3, -41.0, 29.0))
    res = HopResult(hop, 947e6, 2.4e6, 20.0, 1000.0, 0.235, None, cells=(cell,), peaks=peaks, floor_dbfs_hz=-120.0)
    got = _power_readings(observations(res, full_scale_dbm=-10.0, fallback=None))
    assert set(got) == {"gsm-947.0", "gsm-947.4"}
    assert got["gsm-947.0"]["power_dbfs"] == -30.0          # the decoded cell's own figure, once
    assert got["gsm-947.4"]["power_dbm"] == -71.0 and got["gsm-947.4"]["floor"] is False


def test_a_carrier_too_short_to_decode_is_read_like_a_decoded_one():
    src = SimSource.from_file(DEMO, "xh-xujiahui")
    src.skip_to(100.0)                       # the blaster is on air
    src.set_gain(10.0)
    truth = {}
    readings = {}
    for dwell in (0.02, 0.235):              # 20 ms holds no FCCH burst for sure; 235 ms holds five
        hop = PlannedHop("gsm900", 947.0e6, 946e6, 948e6, dwell, "detect")
        src.tune(hop.center_hz)
        truth[dwell] = next(h.rx_dbm for h in src.heard() if h.key == "blaster-1")
        res = analyse(capture(src, hop), hop)
        readings[dwell] = (res.cells, _power_readings(observations(res, src.node.full_scale_dbm, None)))
    assert readings[0.02][0] == () and [c["freq_hz"] for c in readings[0.235][0]] == [947.0e6]
    for dwell, (_, got) in readings.items():
        assert got["gsm-947.0"]["power_dbm"] == pytest.approx(truth[dwell], abs=1.5)
