"""An air-band hop's emission traced to the FM carriers the node heard on its other hops (ITU-R
SM.1009 third-order intermodulation): the demo city's pirate mixes 95.35 + 105.7 − 87.9 MHz into
113.15 MHz, and a one-tuner node never holds those carriers and the air band in one capture."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from dsp.fm.aviation import frequency_relations
from sensors.carriers import HeardCarriers
from sensors.errors import SensorError
from sensors.node import Node, load_config
from sensors.plan import PlannedHop
from sensors.scenario import load_scenario
from sensors.wire import batch_body

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "recordings" / "demo_city.toml"
SCHEMA = json.loads((REPO / "docs" / "wire" / "observations-v1.schema.json").read_text())
SPUR_HZ = 113.15e6
#: The pirate, the campus station and Metro Traffic: f1 + f2 − f3 = 113.15 MHz.
SOURCES_HZ = (95.35e6, 105.7e6, 87.9e6)


def _fm_hop(freq_hz: float) -> PlannedHop:
    # the carrier 400 kHz off the tuner's centre (clear of its DC spike); 0.3 s: no RDS, just the carrier
    return PlannedHop("fm", freq_hz - 0.4e6, freq_hz - 0.5e6, freq_hz + 0.5e6, 0.3, "fm")


AIR_HOP = PlannedHop("air", 113.0e6, 112.5e6, 113.5e6, 0.25, "air")


def _spurious_sent(tmp_path, hops) -> list:
    cfg = tmp_path / "node.toml"
    cfg.write_text(f'[node]\nid = "xh-xujiahui"\nsource = "sim:{DEMO}:xh-xujiahui"\ngain_db = 30.0\n'
                   'bands = ["fm", "air"]\nspool = "spool.db"\n')
    node = Node(load_config(cfg))
    sent: list = []
    node.run(hops=hops, on_result=lambda result, obs: sent.extend(obs), drain_s=0.0)
    body = json.loads(batch_body("xh-xujiahui", [o.to_json() for o in sent], 1.79e9))
    jsonschema.validate(body, SCHEMA)
    return [o.payload for o in sent if o.kind == "spurious"]


def test_the_demo_citys_spur_is_one_third_order_product_and_the_pirate_is_in_it():
    city = load_scenario(DEMO)
    (pirate,) = [s for s in city.fm if not s.licensed]
    found = frequency_relations(pirate.spurious_hz, [s.freq_hz for s in city.fm], tolerance_hz=5e3)
    assert [(r.mechanism, r.sources_hz) for r in found] == [("f1+f2-f3", SOURCES_HZ)]
    assert pirate.freq_hz in found[0].sources_hz


def test_an_air_hop_spur_is_attributed_to_the_fm_carriers_heard_before(tmp_path):
    spurs = _spurious_sent(tmp_path, [_fm_hop(f) for f in SOURCES_HZ] + [AIR_HOP])
    (spur,) = [s for s in spurs if abs(s["freq_hz"] - SPUR_HZ) < 5e3]
    assert spur["mechanism"] == "f1+f2-f3"
    assert spur["sources_hz"] == pytest.approx(SOURCES_HZ, abs=3e3)      # f1, f2 of the sum, then f3
    assert spur["related_to_hz"] == pytest.approx(95.35e6, abs=3e3)      # the node's first guess: f1


def test_without_the_fm_hops_the_spur_is_related_to_nothing(tmp_path):
    spurs = _spurious_sent(tmp_path, [AIR_HOP])
    (spur,) = [s for s in spurs if abs(s["freq_hz"] - SPUR_HZ) < 5e3]
    assert spur["related_to_hz"] is None and spur["mechanism"] is None and spur["sources_hz"] == []


def test_one_source_missing_leaves_the_product_unexplained(tmp_path):
    spurs = _spurious_sent(tmp_path, [_fm_hop(f) for f in SOURCES_HZ[:2]] + [AIR_HOP])
    (spur,) = [s for s in spurs if abs(s["freq_hz"] - SPUR_HZ) < 5e3]
    assert spur["related_to_hz"] is None


def test_heard_carriers_merge_sightings_expire_and_leave_out_the_capture_span():
    heard = HeardCarriers(memory_s=600.0)
    heard.note([95.3502e6, 87.9e6], t=1000.0)
    heard.note([95.3497e6], t=1300.0)                    # the same pirate measured again
    assert heard.recent(1300.0) == (87.9e6, 95.3497e6)
    assert heard.recent(1300.0, outside=(87e6, 89e6)) == (95.3497e6,)
    assert heard.recent(1700.0) == (95.3497e6,)          # 87.9 last heard 700 s before
    assert heard.recent(2000.0) == ()
    with pytest.raises(SensorError, match="memory_s"):
        HeardCarriers(memory_s=0.0)
