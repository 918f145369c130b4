"""End to end: ``foxhunt demo --minutes 1 --no-serve`` (simulated nodes → HTTP → central station →
verdicts, fixes, cases) and its summary against the demo city's truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import recordings
from sensors.scenario import load_scenario

KEYS = {"kind", "label", "verdict", "truth", "error_m", "inside_region_95"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    r = subprocess.run([sys.executable, "-m", "foxhunt", "demo", "--minutes", "1", "--no-serve", "--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, json.loads((out / "summary.json").read_text()), r


def test_summary_has_every_emitter_of_the_city_in_the_contract_shape(demo):
    _, summary, _ = demo
    city = load_scenario(recordings.path("demo_city.toml"))
    assert set(summary) == {"targets"}
    rows = summary["targets"]
    assert all(set(r) == KEYS for r in rows), rows
    assert len(rows) == len(city.cells) + len(city.fm)
    assert sorted(r["truth"] for r in rows) == sorted(
        "licensed" if e.licensed else "rogue" for e in (*city.cells, *city.fm))
    assert {r["kind"] for r in rows} == {"gsm", "fm"}
    for r in rows:
        assert r["verdict"] in ("licensed", "suspicious", "rogue", None)
        assert (r["error_m"] is None) == (r["inside_region_95"] is None), r


def test_every_rogue_is_flagged_and_located_inside_its_region(demo):
    _, summary, run = demo
    rogues = [r for r in summary["targets"] if r["truth"] == "rogue"]
    assert len(rogues) == 2
    for r in rogues:
        said = "never seen it" if r["verdict"] is None else f"judged it {r['verdict']}"
        assert r["verdict"] in ("rogue", "suspicious"), f"{r['label']}: the pipeline {said}\n{run.stdout}"
        assert r["error_m"] is not None, f"{r['label']}: flagged but never located\n{run.stdout}"
        assert r["inside_region_95"], (f"{r['label']}: the estimate is {r['error_m']:.0f} m from the truth "
                                       f"and its 95 % region does not contain it\n{run.stdout}")


def test_no_licensed_emitter_is_called_rogue(demo):
    _, summary, run = demo
    wrong = [r["label"] for r in summary["targets"] if r["truth"] == "licensed" and r["verdict"] == "rogue"]
    assert not wrong, run.stdout


def test_cases_notifications_map_and_table(demo):
    out, summary, r = demo
    n_rogue = sum(1 for t in summary["targets"] if t["verdict"] == "rogue")
    notes = sorted((out / "cases").glob("case-*.json"))
    assert len(notes) >= n_rogue > 0
    doc = json.loads(notes[0].read_text())
    assert doc["signature"]["alg"] == "Ed25519" and doc["verdict"]["class"] == "rogue"
    assert (out / "cases" / notes[0].with_suffix(".pdf").name).read_bytes().startswith(b"%PDF")
    page = (out / "map.html").read_text()
    assert "leaflet/leaflet.js" in page and (out / "leaflet" / "leaflet.js").exists()
    assert "black-9535" in page
    assert "blaster-1" in r.stdout and "in 95 %" in r.stdout
    assert "city" in r.stderr        # progress lines


def test_a_moving_emitter_is_compared_where_it_was_when_its_fix_was_made():
    from foxhunt.demo import summary
    city = load_scenario(recordings.path("demo_city.toml"))
    blaster = next(c for c in city.cells if not c.licensed)
    end = city.start_unix + 100.0
    lat, lon = blaster.position(100.0)
    d = 0.002                               # ~200 m square around where it was at the fix's end
    region = {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d],
                                                  [lon - d, lat + d], [lon - d, lat - d]]]}
    target = {"kind": "gsm", "key": "gsm:60:24:x", "n_observations": 10, "verdict": {"class": "rogue", "reasons": []},
              "identity": {"arfcn": blaster.arfcn, "bsic": {"ncc": blaster.ncc, "bcc": blaster.bcc},
                           "mcc": blaster.mcc, "mnc": blaster.mnc, "lac": blaster.lac, "cell_id": blaster.cell_id},
              "fix": {"lat": lat, "lon": lon, "window_end": end, "radius_95_m": 280.0,
                      "fix": {"region": region, "moving": True, "region_bounded": True}}}
    row = next(r for r in summary.rows(city, [target]) if r.truth == "rogue" and r.kind == "gsm")
    assert row.error_m < 1.0 and row.inside_region_95 and row.moving
    later = {**target, "fix": {**target["fix"], "window_end": end + 120.0}}   # it drove on 720 m
    row = next(r for r in summary.rows(city, [later]) if r.truth == "rogue" and r.kind == "gsm")
    assert row.error_m > 500 and not row.inside_region_95
    assert "(moving)" in summary.table([row])
