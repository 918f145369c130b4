"""The map page (offline, nonced scripts), its JSON (sensors, targets, heat, sites, replay) and the
approach view's JSON."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from locator.geodesy import distance_bearing
from map_station import HOSTILE_PS, client_for, seeded_app, target_id
from webmap.map_approach import trend
from webmap.map_views import script_json


@pytest.fixture(scope="module")
def city_app(tmp_path_factory):
    app, city = seeded_app(tmp_path_factory.mktemp("map"))
    yield app, city
    app.extensions["foxhunt"].store.dispose()


@pytest.fixture(scope="module")
def liaison(city_app):
    return client_for(city_app[0], "liaison")[0]


def test_script_json_cannot_end_the_script_element():
    evil = {"ps": "</script><script>alert(1)</script><!--", "rt": "a\u2028b\u2029c & d > e"}
    out = str(script_json(evil))
    assert not set("<>&\u2028\u2029") & set(out)
    assert json.loads(out) == evil


def test_map_page_is_offline_and_runs_only_nonced_or_own_scripts(liaison):
    r = liaison.get("/map")
    assert r.status_code == 200
    html = r.data.decode()
    assert not re.findall(r"https?://", html), "no CDN or other remote URL without a configured tile server"
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert 'type="application/json"' in tag or "src=\"/static/" in tag or f'nonce="{nonce}"' in tag, tag
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert liaison.get("/static/leaflet/leaflet.js").status_code == 200
    assert b"Leaflet 1.9.3" in liaison.get("/static/leaflet/leaflet.js").data[:200]
    assert liaison.get("/static/leaflet/leaflet.css").status_code == 200
    assert liaison.get("/map").headers["Content-Security-Policy"] != r.headers["Content-Security-Policy"]   # fresh nonce


def test_configured_tile_url_is_the_only_remote_url(city_app, liaison):
    app = city_app[0]
    app.config["FOXHUNT_TILE_URL"] = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    try:
        r = liaison.get("/map")
    finally:
        del app.config["FOXHUNT_TILE_URL"]
    urls = set(re.findall(r"https?://[^\s\"']+", r.data.decode()))
    assert urls == {"https://{s}.tiles.example.org/{z}/{x}/{y}.png"}
    assert "img-src 'self' data: https://*.tiles.example.org" in r.headers["Content-Security-Policy"]


def test_map_needs_login(city_app):
    c = city_app[0].test_client()
    assert c.get("/map").status_code == 302
    assert c.get("/map/data.json").status_code == 302


def test_map_json_has_sensors_targets_regions_heat_and_sites(city_app, liaison):
    app, city = city_app
    r = liaison.get("/map/data.json?hours=3")
    assert r.status_code == 200 and r.mimetype == "application/json"
    d = r.json
    van = next(s for s in d["sensors"] if s["name"] == "van-1")
    assert van["moving"] and van["heading_deg"] is not None and len(van["track"]) > 10
    assert all(not s["moving"] and not s["track"] for s in d["sensors"] if s["name"] != "van-1")
    assert len(d["sensors"]) == 7
    by_key = {t["key"]: t for t in d["targets"]}
    assert len(by_key) == len(city.emitters)
    located = [t for t in d["targets"] if t["fix"]]
    assert len(located) >= 3
    stored = {t["id"]: t["fix"]["fix"]["region"] for t in liaison.get("/api/v1/targets").json["targets"] if t.get("fix")}
    for t in located:
        assert t["fix"]["region"]["type"] in ("Polygon", "MultiPolygon")
        assert t["fix"]["region"] == stored[t["id"]]
        assert t["fix"]["radius_95_m"] > 0 and t["fix"]["crlb_m"] > 0
    rogue = by_key["gsm:62:36:460-00-4361-20821"]
    assert rogue["verdict"]["class"] == "rogue" and rogue["verdict"]["reasons"]
    assert set(rogue["verdict"]) == {"class", "score", "reasons"}
    assert by_key["fm:fm-91.3"]["identity"]["ps"] == HOSTILE_PS          # data, verbatim, as JSON
    assert len(d["heat"]["cells"]) > 10 and all(-111 < c[2] < 0 for c in d["heat"]["cells"])
    assert {s["kind"] for s in d["sites"]} == {"cell", "fm"} and len(d["sites"]) == len(city.emitters) - 2


def test_heat_of_one_target_is_a_subset(city_app, liaison):
    tid = target_id(city_app[0], "gsm:62:36:460-00-4361-20821")
    every = liaison.get("/map/data.json").json["heat"]["cells"]
    one = liaison.get(f"/map/data.json?heat_target={tid}").json["heat"]["cells"]
    assert 0 < sum(c[3] for c in one) < sum(c[3] for c in every)


def test_time_slider_replays_the_past(city_app, liaison):
    now = liaison.get("/map/data.json").json
    past = liaison.get(f"/map/data.json?hours=1&at={now['at'] - 3600}").json
    assert all(t["fix"] is None for t in past["targets"])                 # every fix was computed later
    van = next(s for s in past["sensors"] if s["name"] == "van-1")
    assert max(p[2] for p in van["track"]) <= now["at"] - 3600
    assert liaison.get("/map/data.json?hours=0").status_code == 400
    assert liaison.get("/map/data.json?at=soon").status_code == 400


def test_popup_detail_has_every_decoded_parameter_and_the_nodes(city_app, liaison):
    tid = target_id(city_app[0], "fm:fm-91.3")
    d = liaison.get(f"/map/targets/{tid}.json").json
    assert d["decoded"]["rds"]["rt"].startswith("<img src=x onerror=alert(1)>")
    assert {"occupied_bw_hz", "peak_deviation_hz", "stereo"} <= set(d["decoded"])
    assert {n["name"] for n in d["nodes"]} >= {"van-1", "fixed-01"}
    assert liaison.get("/map/targets/999999.json").status_code == 404


def test_approach_points_at_the_estimate(city_app, liaison):
    tid = target_id(city_app[0], "gsm:62:36:460-00-4361-20821")
    s = liaison.get(f"/approach/{tid}.json?node=van-1").json
    v, e = s["vehicle"], s["estimate"]
    d, b = distance_bearing(v["lat"], v["lon"], e["lat"], e["lon"])
    assert s["distance_m"] == pytest.approx(float(d), abs=0.1)
    assert s["bearing_deg"] == pytest.approx(float(b) % 360, abs=0.1)
    assert s["next_waypoint"] is not None and s["next_waypoint"]["gain_bits"] >= 0
    assert s["levels"] and all(len(lv) == 3 for lv in s["levels"])
    assert s["trend"] in ("hotter", "colder", "steady")
    assert liaison.get(f"/approach/{tid}.json?node=nobody").status_code == 404


def test_approach_says_when_the_region_is_open(city_app, liaison):
    import json
    from sqlalchemy import select, update
    from webmap.schema import fixes
    tid = target_id(city_app[0], "gsm:62:36:460-00-4361-20821")
    store = city_app[0].extensions["foxhunt"].store
    with store.read() as conn:
        row = conn.execute(select(fixes.c.id, fixes.c.fix).where(fixes.c.target_id == tid)
                           .order_by(fixes.c.id.desc()).limit(1)).one()
    try:
        for bounded in (True, False):
            doc = dict(json.loads(row.fix), region_bounded=bounded)
            with store.write() as conn:
                conn.execute(update(fixes).where(fixes.c.id == row.id).values(fix=json.dumps(doc)))
            assert liaison.get(f"/approach/{tid}.json?node=van-1").json["estimate"]["open"] is not bounded
    finally:
        with store.write() as conn:
            conn.execute(update(fixes).where(fixes.c.id == row.id).values(fix=row.fix))
    page = liaison.get(f"/approach/{tid}?node=%3Cb%3Evan")
    assert b"<b>van" not in page.data and b"&lt;b&gt;van" in page.data


@pytest.mark.parametrize("levels, expected", [([-90, -88, -85, -80, -75, -70], "hotter"),
                                              ([-70, -72, -80, -85, -88, -90], "colder"),
                                              ([-80, -81, -79, -80, -80, -81], "steady"),
                                              ([-80, -70], "unknown")])
def test_trend(levels, expected):
    assert trend(levels) == expected


def test_map_json_is_gzipped_when_accepted(liaison):
    plain = liaison.get("/map/data.json")
    packed = liaison.get("/map/data.json", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers and packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.data) < len(plain.data) / 3
    assert json.loads(gzip.decompress(packed.data))["targets"] == plain.json["targets"]
