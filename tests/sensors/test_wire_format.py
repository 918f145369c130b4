"""The wire contract: the documented example and the node's own encoder both satisfy the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from sensors.wire import HopInfo, Observation, Position, WireError, batch_body, power_target

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA = json.loads((DOCS / "wire" / "observations-v1.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _doc_example() -> dict:
    text = (DOCS / "wire-format.md").read_text()
    block = text.split("## Full example", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)```", block, re.S).group(1))


def test_schema_is_valid_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_documented_example_validates_and_has_every_kind():
    example = _doc_example()
    VALIDATOR.validate(example)
    assert {o["kind"] for o in example["observations"]} == {"gsm_cell", "fm_station", "power",
                                                           "health", "position"}


@pytest.mark.parametrize("mutate, where", [
    (lambda b: b.update(version=2), "version"),
    (lambda b: b.update(node_id="bad id with spaces"), "node_id"),
    (lambda b: b.update(sent_at="2026-11-28 19:04:07"), "sent_at"),
    (lambda b: b["observations"][0].update(id="not-a-uuid"), "id"),
    (lambda b: b["observations"][0].update(hop=None), "hop"),
    (lambda b: b["observations"][1]["payload"].update(freq_hz=5.0), "freq_hz"),
    (lambda b: b["observations"][1]["payload"].pop("floor"), "floor"),
    (lambda b: b["observations"][2]["payload"]["rds"].update(pi="13a1"), "pi"),
    (lambda b: b["observations"][0]["payload"].update(mcc=460), "mcc"),
    (lambda b: b["observations"][5].update(position=None), "position"),
    (lambda b: b.update(extra=1), "additional"),
    (lambda b: b.update(observations=[]), "observations"),
])
def test_schema_rejects_broken_batches(mutate, where):
    body = _doc_example()
    mutate(body)
    assert not VALIDATOR.is_valid(body), where


def test_encoder_output_validates():
    pos = Position(31.1884, 121.4365, alt_m=40.0, speed_m_s=0.0, fix="surveyed", source="config")
    hop = HopInfo(947e6, 2.4e6, None, 1.9, band="gsm900")
    cell = _doc_example()["observations"][0]["payload"]
    obs = [Observation("gsm_cell", 1_790_000_000.25, pos, hop, cell),
           Observation("power", 1_790_000_000.25, pos, hop,
                       {"freq_hz": 947.4e6, "power_dbm": -80.0, "target": power_target("gsm", 947.4e6),
                        "floor": True}),
           Observation("health", 1_790_000_000.0, None, None,
                       {"uptime_s": 1.0, "hops_per_min": 0.0, "cpu_percent": None, "spool_depth": 0,
                        "last_upload": None}),
           Observation("position", 1_790_000_000.0, pos, None, {})]
    body = json.loads(batch_body("xuhui-01", [o.to_json() for o in obs], 1_790_000_001.0))
    VALIDATOR.validate(body)
    assert body["observations"][0]["time"] == "2026-09-21T14:13:20.250Z"
    assert len({o["id"] for o in body["observations"]}) == 4


def test_power_targets():
    assert power_target("gsm", 947.4e6) == "gsm-947.4"
    assert power_target("fm", 98.735e6) == "fm-98.735"
    assert power_target("fm", 87_899_842.7) == "fm-87.9"
    assert power_target("gsm", 947_400_310.0) == "gsm-947.4"
    assert power_target("air", 121.5e6) == "air-121.500"


def test_encoder_refuses_what_the_schema_would_reject():
    with pytest.raises(WireError, match="kind"):
        Observation("cell", 0.0, None, None, {})
    with pytest.raises(WireError, match="hop"):
        Observation("power", 0.0, None, None, {})
    with pytest.raises(WireError, match="heading"):
        Position(0, 0, heading_deg=360.0)
    with pytest.raises(WireError, match="1..500"):
        batch_body("n", [], 0.0)
