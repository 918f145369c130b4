"""Exports: GeoJSON (RFC 7946), KML 2.2 with attacker strings escaped twice in descriptions, CSV with
formula injection neutralised, readings in the READINGS.csv columns of INTERFACES.md."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from map_station import HOSTILE_LABEL, HOSTILE_PS, client_for, seeded_app
from webmap.export import READING_COLUMNS, TARGET_COLUMNS, csv_cell

KML = "{http://www.opengis.net/kml/2.2}"


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
