"""The demo's map file (foxhunt/demo/mapfile.py): closed 95 % regions filled, open ones (reaching the
edge of the searched area) a bare dashed outline drawn beneath them, and said to be open in the popup;
as written (static checks, no browser) and as opened offline in Chromium."""

from __future__ import annotations

import html
import json
import re

import pytest

import recordings
from foxhunt.demo.mapfile import OPEN_TEXT, is_open, region_style, write_map
from sensors.scenario import load_scenario


def _square(lat: float, lon: float, half_deg: float) -> dict:
    ring = [[lon - half_deg, lat - half_deg], [lon + half_deg, lat - half_deg], [lon + half_deg, lat + half_deg],
            [lon - half_deg, lat + half_deg], [lon - half_deg, lat - half_deg]]
    return {"type": "Polygon", "coordinates": [ring]}


class _Client:
    def __init__(self, snap: dict):
        self.snap = snap

    def get(self, path: str) -> dict:
        assert path.startswith("/map/data.json")
        return self.snap


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    city = load_scenario(recordings.path("demo_city.toml"))
    n = city.nodes[0]
    target = {"verdict": None, "track": []}
    snap = {"sensors": [{"name": n.id + " <i>",  "lat": n.lat, "lon": n.lon, "track": []}],
            "targets": [   # the closed one first in the snapshot: the file must still draw it last
                {**target, "key": "gsm:closed", "verdict": {"class": "rogue", "reasons": []},
                 "fix": {"lat": n.lat, "lon": n.lon, "radius_95_m": 412.0, "region": _square(n.lat, n.lon, 0.004),
                         "region_bounded": True}},
                {**target, "key": "fm:open <b>x</b>",
                 "fix": {"lat": n.lat + 0.1, "lon": n.lon, "radius_95_m": 17_500.0,
                         "region": _square(n.lat + 0.1, n.lon, 0.15), "region_bounded": False}},
                {**target, "key": "gsm:unlocated", "fix": None}]}
    folder = tmp_path_factory.mktemp("mapfile")
    return write_map(folder, _Client(snap), city)


@pytest.fixture(scope="module")
def page(written):
    return written.read_text()


def test_open_region_is_drawn_dashed_unfilled_beneath_the_closed_one(page):
    styles = [json.loads(s) for s in re.findall(r"_styler\(feature\) \{\s*switch\(feature.id\) \{\s*default:\s*return (\{.*?\});",
                                                  page)]
    assert len(styles) == 2, styles
    open_, closed = styles
    assert open_["fill"] is False and open_["dashArray"], open_
    assert closed.get("fill", True) is not False and closed["fillOpacity"] > 0 and "dashArray" not in closed, closed


def test_popup_says_open_instead_of_a_radius(page):
    assert html.escape(OPEN_TEXT) in page
    assert "r95 412 m" in page and "r95 17500" not in page
    # strings from the station (node names, keys) go into Leaflet tooltips and popups, which parse HTML
    assert "<b>x</b>" not in page and html.escape("fm:open <b>x</b>") in page
    assert " <i>" not in page and html.escape(" <i>") in page


def test_only_an_explicit_false_is_open():
    assert is_open({"region_bounded": False})
    assert not is_open({"region_bounded": True}) and not is_open({"region_bounded": None}) and not is_open({})
    assert region_style("#000", True)["fill"] is False and "fill" not in region_style("#000", False)


def test_the_file_draws_everything_offline_in_a_browser(browser, written):
    p = browser.new_page(viewport={"width": 1000, "height": 800})
    errors, urls = [], []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("request", lambda r: urls.append(r.url))
    p.goto(written.as_uri())
    p.wait_for_selector(".leaflet-control-layers", timeout=10_000)   # the last thing the page's script adds
    assert not errors, errors
    assert urls and all(u.startswith("file://") for u in urls), urls
    # SVG here: the regions in drawing order, open (dashed, no fill) beneath the closed (filled)
    paths = p.eval_on_selector_all("path[stroke-dasharray='8 6'], path[fill-opacity='0.08']",
                                   "ps => ps.map(e => [e.getAttribute('fill'), e.getAttribute('stroke-dasharray')])")
    assert paths == [["none", "8 6"], ["#c0392b", None]], paths
    # a click on the closed target's marker, inside its region, opens its popup
    ident = [k for k in p.evaluate("Object.keys(window)") if k.startswith("circle_marker_")]
    where = p.evaluate("ks => ks.map(k => { const m = window[k]; const q = m._map.latLngToContainerPoint(m.getLatLng());"
                       " return [m.options.radius, m.options.color, q.x, q.y]; })", ident)
    box = p.locator(".folium-map").bounding_box()
    x, y = next((x, y) for r, c, x, y in where if r == 7 and c == "#c0392b")
    p.mouse.click(box["x"] + x, box["y"] + y)
    p.wait_for_selector(".leaflet-popup-content:has-text('r95 412 m')", timeout=5_000)
    texts = p.evaluate("""() => {
        const out = [];
        for (const k of Object.keys(window)) {
            const l = window[k];
            if (k.startsWith('circle_marker_') && l.getPopup && l.getPopup()) { l.openPopup(); out.push(l.getPopup().getElement().innerText); }
        }
        return out; }""")
    assert len(texts) == 2, texts
    assert any("r95 412 m" in t for t in texts) and any(OPEN_TEXT in t and "fm:open <b>x</b>" in t for t in texts), texts
    assert p.evaluate("() => [...document.querySelectorAll('b')].every(b => b.textContent !== 'x')")
    p.close()
