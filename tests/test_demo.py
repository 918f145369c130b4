"""End to end: ``foxhunt demo --minutes 1 --no-serve`` (simulated nodes → HTTP → central station →
verdicts, fixes, cases) and its summary against the demo city's truth; the summary's rows for an
aviation-band spurious emission and for open regions, on the station's target JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

import recordings
from sensors.scenario import load_scenario

KEYS = {"kind", "label", "verdict", "truth", "error_m", "inside_region_95"}
SPUR = " spurious "          # in the label of a spurious emission's row


def _spurs(city) -> list:
    return [s for s in city.fm if s.spurious_hz and 108e6 <= s.spurious_hz <= 137e6]


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
    assert len(_spurs(city)) == 1                      # black-9535's emission at 113.15 MHz
    assert len(rows) == len(city.cells) + len(city.fm) + len(_spurs(city))
    assert sorted(r["truth"] for r in rows) == sorted(
        ["licensed" if e.licensed else "rogue" for e in (*city.cells, *city.fm)] + ["rogue"] * len(_spurs(city)))
    assert {r["kind"] for r in rows} == {"gsm", "fm"}
    for r in rows:
        assert r["verdict"] in ("licensed", "suspicious", "rogue", None)
        assert (r["error_m"] is None) == (r["inside_region_95"] is None), r


def test_the_aviation_band_spurious_emission_has_its_row_after_its_station(demo):
    _, summary, run = demo
    labels = [r["label"] for r in summary["targets"]]
    spur = next(i for i, label in enumerate(labels) if SPUR in label)
    assert labels[spur].startswith("black-9535 spurious 113.150 MHz (air band) of 95.35 MHz")
    assert labels[spur - 1].startswith("black-9535 95.35 MHz")
    row = summary["targets"][spur]
    assert row["kind"] == "fm" and row["truth"] == "rogue"
    assert "· spurious emission of black-9535 (95.35 MHz) in the scenario; the station attributes it to" in run.stdout


def test_the_aviation_band_spurious_emission_is_attributed_to_the_pirate_and_judged(demo):
    """113.15 MHz = 95.35 + 105.7 − 87.9 MHz: the nodes relate it to the FM carriers of their own FM
    hops, and the station holds it against the pirate (not the two licensed sources)."""
    _, summary, run = demo
    row = next(r for r in summary["targets"] if SPUR in r["label"])
    assert row["verdict"] == "rogue", run.stdout
    assert "the station attributes it to 95.350 MHz (fm:fm-95.350) in that station's verdict" in run.stdout
    reason = "station 95.35 MHz puts spurious emissions into the aviation band at 113.15"
    assert reason in run.stdout and run.stdout.count("puts spurious emissions into the aviation band") == 2


def test_every_rogue_is_flagged_and_located_inside_its_region(demo):
    _, summary, run = demo
    rogues = [r for r in summary["targets"] if r["truth"] == "rogue" and SPUR not in r["label"]]
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
    # a spurious emission's row is judged as the station it is attributed to, whose case covers it
    n_rogue = sum(1 for t in summary["targets"] if t["verdict"] == "rogue" and SPUR not in t["label"])
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


def _pirate_and_spur(city, *, air_verdict=None):
    """Station target JSON for black-9535 (judged rogue) and for its air-band emission, located
    ~100 m from the pirate with an open region that covers it."""
    pirate = next(s for s in city.fm if not s.licensed)
    d = 0.01
    region = {"type": "Polygon", "coordinates": [[[pirate.lon - d, pirate.lat - d], [pirate.lon + d, pirate.lat - d],
                                                  [pirate.lon + d, pirate.lat + d], [pirate.lon - d, pirate.lat + d],
                                                  [pirate.lon - d, pirate.lat - d]]]}
    fm = {"id": 11, "kind": "fm", "key": "fm:fm-95.350", "freq_hz": 95.3497e6, "n_observations": 16,
          "verdict": {"class": "rogue", "reasons": [{"text": "station 95.35 MHz holds no licence for this place"}]}}
    air = {"id": 18, "kind": "air", "key": "air:air-113.150", "freq_hz": 113.14984e6, "n_observations": 9,
           "verdict": air_verdict,
           "fix": {"lat": pirate.lat + 0.0009, "lon": pirate.lon, "window_end": city.start_unix + 100.0,
                   "radius_95_m": 2100.0, "fix": {"region": region, "region_bounded": False}}}
    return fm, air


def test_the_spur_row_is_judged_as_the_carrier_the_station_attributes_it_to():
    from foxhunt.demo import summary
    city = load_scenario(recordings.path("demo_city.toml"))
    fm, air = _pirate_and_spur(city)
    alone = next(r for r in summary.rows(city, [fm, air]) if SPUR in r.label)
    assert alone.seen and alone.verdict is None and alone.attributed_to is None
    assert alone.emission_of == "black-9535 (95.35 MHz)" and alone.truth == "rogue" and alone.kind == "fm"
    assert 90 < alone.error_m < 110 and alone.inside_region_95 and alone.region_open
    row = next(r for r in summary.rows(city, [fm, air], {18: 95.35e6}) if SPUR in r.label)
    assert row.verdict == "rogue" and row.attributed_to == "95.350 MHz (fm:fm-95.350) by its readings alone"
    assert row.reasons == ("station 95.35 MHz holds no licence for this place",)
    # the station's verdict holding the emission against the pirate settles the attribution, readings or not
    said = "station 95.35 MHz puts spurious emissions into the aviation band at 113.150 MHz"
    fm["verdict"]["reasons"].append({"rule": "fm.aviation_spurious", "text": said, "evidence": {"freqs": "113.150 MHz"}})
    other = {"id": 12, "kind": "fm", "key": "fm:fm-105.7", "freq_hz": 105.7e6, "n_observations": 30,
             "verdict": {"class": "licensed", "reasons": [{"rule": "fm.aviation_spurious", "text": "elsewhere",
                                                           "evidence": {"freqs": "121.500 MHz"}}]}}
    row = next(r for r in summary.rows(city, [fm, other, air], {18: 105.7e6}) if SPUR in r.label)
    assert row.attributed_to == "95.350 MHz (fm:fm-95.350) in that station's verdict"
    assert row.verdict == "rogue" and said in row.reasons
    own = {"class": "suspicious", "reasons": [{"text": "an emission in the aviation band"}]}
    fm, air = _pirate_and_spur(city, air_verdict=own)
    row = next(r for r in summary.rows(city, [fm, air], {18: 95.35e6}) if SPUR in r.label)
    assert row.verdict == "suspicious"                 # its own verdict, when the station gives one
    unseen = next(r for r in summary.rows(city, [fm]) if SPUR in r.label)
    assert not unseen.seen and unseen.verdict is None and unseen.error_m is None
    assert "the station never heard it" in summary.table([unseen])


def test_related_carrier_is_what_most_readings_name():
    from foxhunt.demo.summary import related_carrier

    def power(related):
        return {"kind": "power", "payload": {"freq_hz": 113.15e6, "power_dbm": -100.0,
                                             **({} if related is None else {"related_to_hz": related})}}
    assert related_carrier([power(None), power(None)]) is None
    assert related_carrier([power(95.3502e6), power(95.3497e6), power(101.7e6), power(None)]) == 95.35e6
    assert related_carrier([{"kind": "fm_station", "payload": {"related_to_hz": 1e8}}]) is None


def test_the_table_shows_an_open_regions_radius_as_a_lower_bound():
    from foxhunt.demo import summary
    city = load_scenario(recordings.path("demo_city.toml"))
    fm, air = _pirate_and_spur(city)
    row = next(r for r in summary.rows(city, [fm, air], {18: 95.35e6}) if SPUR in r.label)
    line = summary.table([row]).splitlines()[1]
    assert "≥2100 m" in line and " open " in line
    closed = replace(row, region_open=False)
    line = summary.table([closed]).splitlines()[1]
    assert " 2100 m" in line and "≥" not in line and " closed " in line


def test_the_air_hop_is_tuned_off_its_emission_and_still_holds_it():
    """At the tuner's centre the 25 kHz spur sat on the LO leakage the analysis cuts out: no fixed
    node found it there."""
    from foxhunt.demo.plan import demo_plan
    from sensors.plan import USABLE_FRACTION
    city = load_scenario(recordings.path("demo_city.toml"))
    (hop,) = demo_plan(city, 2.4e6).air
    (spur,) = [s.spurious_hz for s in _spurs(city)]
    assert hop.lo_hz <= spur < hop.hi_hz and abs(spur - hop.center_hz) >= 100e3
    assert abs(spur - hop.center_hz) + 12.5e3 <= 2.4e6 * USABLE_FRACTION / 2
