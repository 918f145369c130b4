"""The scenario format and the demo city (its contents and its licence registers)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dsp.bands import AIR
from sensors.scenario import ScenarioError, cell_register_rows, fm_register_rows, load_scenario

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
DEMO = RECORDINGS / "demo_city.toml"


def test_demo_city_has_what_the_issue_asks_for():
    s = load_scenario(DEMO)
    fixed = [n for n in s.nodes if n.kind == "fixed"]
    vehicles = [n for n in s.nodes if n.kind == "vehicle"]
    licensed = [c for c in s.cells if c.licensed]
    pseudo = [c for c in s.cells if not c.licensed]
    fm = [f for f in s.fm if f.licensed]
    black = [f for f in s.fm if not f.licensed]
    assert len(fixed) >= 4 and len(vehicles) == 1
    assert len(licensed) >= 8 and len({(c.mcc, c.mnc) for c in licensed}) == 2
    assert len(pseudo) == 1 and pseudo[0].path is not None and pseudo[0].on is not None
    p = pseudo[0]
    assert p.position(0) != p.position(300)                 # it moves
    assert p.on_air(100) and not p.on_air(1600)             # it appears and vanishes
    assert len(fm) >= 6 and len(black) == 1
    assert AIR.contains(black[0].spurious_hz)
    assert len({c.freq_hz for c in s.cells}) == len(s.cells)


@pytest.mark.parametrize("name, rows", [("cells", cell_register_rows), ("fm", fm_register_rows)])
def test_registers_match_the_scenario(name, rows):
    with open(RECORDINGS / f"demo_city_{name}.csv", newline="", encoding="utf-8") as f:
        on_disk = list(csv.DictReader(f))
    expected = [{k: str(v) for k, v in r.items()} for r in rows(load_scenario(DEMO))]
    assert on_disk == expected


def test_vehicle_drives_its_route_at_its_speed():
    s = load_scenario(DEMO)
    van = s.node("van-01")
    lat0, lon0, v, heading = van.position(0.0)
    lat1, lon1, _, _ = van.position(100.0)
    from sensors.gps import haversine_m
    assert v == 8.0 and heading == pytest.approx(90, abs=0.5)
    assert haversine_m(lat0, lon0, lat1, lon1) == pytest.approx(800, rel=0.01)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('mnc = "01"', "mnc = 1", 1), r"gsm_cell\[5\]\.mnc: expected a string"),
    (lambda t: t.replace("arfcn = 12", "arfcn = 300", 1), r"gsm_cell\[0\]\.arfcn: expected an ARFCN of gsm900"),
    (lambda t: t.replace('pi = "C201"', 'pi = "XYZ1"', 1), r"fm_station\[0\]\.pi: expected 4 hex digits"),
    (lambda t: t.replace("cro_db = 62", "cro_db = 61"), r"cro_db: expected an even number"),
    (lambda t: t.replace("noise_figure_db = 6.0", "noise_figure = 6.0"), r"node\[0\]: unknown key\(s\) noise_figure"),
    (lambda t: t.replace('start = "2026-11-28T12:00:00Z"', 'start = "tonight"'), r"scenario\.start"),
    (lambda t: t + "\n[[fm_station]]\nid = \"fm-879\"\nfreq_hz = 88e6\nlat = 31.2\nlon = 121.4\neirp_dbm = 40.0\n",
     "duplicate id"),
])
def test_bad_scenarios_name_file_table_and_key(tmp_path, edit, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(edit(DEMO.read_text()))
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(bad)
    assert str(bad) in str(err.value) and "\n" not in str(err.value)
