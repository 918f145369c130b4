"""Exports: GeoJSON (RFC 7946), KML 2.2 with attacker strings escaped twice in descriptions, CSV with
formula injection neutralised, readings in the READINGS.csv columns of INTERFACES.md; every target
export says whether its region is open, and KML does not draw an open region as an answer."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from map_station import HOSTILE_LABEL, HOSTILE_PS, client_for, seeded_app
from webmap.export import READING_COLUMNS, TARGET_COLUMNS, csv_cell, region_open

KML = "{http://www.opengis.net/kml/2.2}"
#: The targets.csv columns before the open-region flag: spreadsheets and scripts read them by position.
FIRST_TARGET_COLUMNS = ("id", "key", "kind", "channel", "freq_hz", "mcc", "mnc", "lac", "cell_id", "arfcn", "pi",
                        "ps", "label", "verdict", "score", "reasons", "first_seen", "last_seen", "n_observations",
                        "lat", "lon", "radius_95_m", "crlb_m", "case_state")


@pytest.fixture(scope="module")
def liaison(tmp_path_factory):
    app, city = seeded_app(tmp_path_factory.mktemp("export"))
    yield client_for(app, "liaison")[0], city
    app.extensions["foxhunt"].store.dispose()


@pytest.mark.parametrize("value, cell", [("=1+1", "'=1+1"), ("+31", "'+31"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
                                         ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (-61.7, -61.7),
                                         (None, ""), (True, "true")])
def test_csv_cell(value, cell):
    assert csv_cell(value) == cell


def test_geojson(liaison):
    c, city = liaison
    r = c.get("/export/targets.geojson")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    fc = r.json
    assert fc["type"] == "FeatureCollection"
    points = [f for f in fc["features"] if f["properties"]["feature"] == "estimate"]
    regions = {f["properties"]["id"]: f for f in fc["features"] if f["properties"]["feature"] == "region_95"}
    assert len(points) >= 3
    fixes = {t["id"]: t["fix"]["fix"] for t in c.get("/api/v1/targets").json["targets"] if t.get("fix")}
    for p in points:
        lon, lat = p["geometry"]["coordinates"]
        assert 121 < lon < 122 and 31 < lat < 32                    # RFC 7946: longitude first
        geom = regions[p["properties"]["id"]]["geometry"]
        assert geom == fixes[p["properties"]["id"]]["region"]           # the locator's region, as stored
        assert (lon, lat) == (fixes[p["properties"]["id"]]["lon"], fixes[p["properties"]["id"]]["lat"])
    pirate = next(p for p in points if p["properties"]["key"] == "fm:fm-91.3")
    assert pirate["properties"]["identity"]["ps"] == HOSTILE_PS


def test_kml_parses_and_escapes(liaison):
    c, _ = liaison
    r = c.get("/export/targets.kml")
    assert r.mimetype == "application/vnd.google-earth.kml+xml"
    root = ET.fromstring(r.data)
    marks = root.findall(f".//{KML}Placemark")
    assert len(marks) >= 3
    pirate = next(m for m in marks if m.get("id").endswith(str(_pirate_id(c))))
    assert pirate.find(f"{KML}name").text == HOSTILE_LABEL                 # name is plain text in Google Earth
    desc = pirate.find(f"{KML}description").text                          # description is HTML there
    assert "<img" not in desc and "&lt;img src=x onerror=alert(1)&gt;" in desc and "</script>" not in desc
    data = {d.get("name"): d.find(f"{KML}value").text for d in pirate.iter(f"{KML}Data")}
    assert data["label"] == HOSTILE_LABEL
    coords = pirate.find(f".//{KML}Polygon//{KML}coordinates").text.split()
    lon, lat, _ = map(float, coords[0].split(","))
    assert 121 < lon < 122 and 31 < lat < 32


def _pirate_id(c) -> int:
    return next(t["id"] for t in c.get("/map/data.json").json["targets"] if t["key"] == "fm:fm-91.3")


def test_targets_csv_neutralises_formulas(liaison):
    c, city = liaison
    rows = list(csv.DictReader(io.StringIO(c.get("/export/targets.csv").data.decode())))
    assert list(rows[0]) == list(TARGET_COLUMNS) and len(rows) == len(city.emitters)
    pirate = next(r for r in rows if r["key"] == "fm:fm-91.3")
    assert pirate["label"] == "'" + HOSTILE_LABEL and pirate["ps"] == HOSTILE_PS
    rogue = next(r for r in rows if r["key"].startswith("gsm:62"))
    assert rogue["verdict"] == "rogue" and float(rogue["lat"]) > 31 and rogue["mnc"] == "00"


def test_readings_csv_is_the_locate_input(liaison):
    c, city = liaison
    r = c.get("/export/readings.csv")
    rows = list(csv.reader(io.StringIO(r.data.decode())))
    assert tuple(rows[0]) == READING_COLUMNS
    body = rows[1:]
    assert 0 < len(body) <= city.n_readings
    times = [float(x[0]) for x in body]
    assert times == sorted(times)
    assert {x[1] for x in body} >= {"van-1", "fixed-01"}
    assert all(-111 < float(x[5]) < 0 and x[6] for x in body)
    since = times[len(times) // 2]
    later = list(csv.reader(io.StringIO(c.get(f"/export/readings.csv?since={since}").data.decode())))[1:]
    assert 0 < len(later) < len(body) and all(float(x[0]) >= since for x in later)


def _open_by_id(c) -> dict[int, bool]:
    """Per located target, whether the station's own fix says its region is open."""
    return {t["id"]: t["fix"]["fix"]["region_bounded"] is False
            for t in c.get("/api/v1/targets").json["targets"] if t.get("fix")}


@pytest.mark.parametrize("fix, expected", [({"region_bounded": False}, True), ({"region_bounded": True}, False),
                                           ({"lat": 31.2}, None), (None, None)])
def test_region_open_reads_the_locators_flag(fix, expected):
    assert region_open(fix) is expected


def test_geojson_says_which_regions_are_open(liaison):
    c, _ = liaison
    want = _open_by_id(c)
    assert set(want.values()) == {True, False}          # the seeded city has both kinds
    feats = c.get("/export/targets.geojson").json["features"]
    for kind in ("estimate", "region_95"):
        got = {f["properties"]["id"]: f["properties"]["region_open"] for f in feats
               if f["properties"]["feature"] == kind}
        assert got == want, kind


def test_kml_draws_an_open_region_as_a_bare_outline_and_says_why(liaison):
    c, _ = liaison
    want = _open_by_id(c)
    root = ET.fromstring(c.get("/export/targets.kml").data)
    styles = {s.get("id"): s for s in root.iter(f"{KML}Style")}
    for m in root.findall(f".//{KML}Placemark"):
        is_open = want[int(m.get("id").removeprefix("target-"))]
        data = {d.get("name"): d.find(f"{KML}value").text for d in m.iter(f"{KML}Data")}
        assert data["region_open"] == ("true" if is_open else "false")
        style = styles[m.find(f"{KML}styleUrl").text.removeprefix("#")]
        poly = style.find(f"{KML}PolyStyle")
        desc = m.find(f"{KML}description").text
        name = m.find(f"{KML}name").text
        if is_open:
            assert poly.find(f"{KML}fill").text == "0" and poly.find(f"{KML}outline").text == "1"
            assert desc.startswith("Region open: ") and "lower bounds" in desc
            assert name.endswith(" (region open)")
        else:
            assert poly.find(f"{KML}fill") is None and poly.find(f"{KML}color").text.startswith("40")
            assert "Region open" not in desc and not name.endswith("(region open)")


def test_targets_csv_adds_region_open_as_its_last_column(liaison):
    c, _ = liaison
    want = _open_by_id(c)
    rows = list(csv.reader(io.StringIO(c.get("/export/targets.csv").data.decode())))
    assert tuple(rows[0]) == FIRST_TARGET_COLUMNS + ("region_open",) == TARGET_COLUMNS
    got = {int(r[0]): r[-1] for r in rows[1:]}
    assert {i: got[i] for i in want} == {i: "true" if o else "false" for i, o in want.items()}
    assert all(v == "" for i, v in got.items() if i not in want)       # not located: no flag
