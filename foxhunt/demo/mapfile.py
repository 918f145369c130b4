"""The map as a file (``--no-serve``): the station's map snapshot (``GET /map/data.json``) drawn
with folium beside the scenario's truth, Leaflet copied next to it so it opens offline."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xleaflet

from foxhunt.demo.client import StationClient
from sensors.scenario import Scenario

COLOURS = {"rogue": "#c0392b", "suspicious": "#e67e22", "licensed": "#2e7d32", None: "#607d8b"}
# a region still reaching the edge of the searched area says where the target is not, not where it is
OPEN_TEXT = "open: the sensors' geometry does not bound it — more readings needed (drive around it)"
# folium's Popup builds its node with jQuery, ``$(`<div>…</div>`)[0]``, and the file ships Leaflet alone
# (offline): without this stand-in the page's script stopped at the first popup, drawing no target
DOLLAR = ("<script>function $(markup) { var t = document.createElement('template');"
          " t.innerHTML = markup.trim(); return [t.content.firstElementChild]; }</script>")


def is_open(fix: dict) -> bool:
    """The station says the fix's region runs off the searched area (None: stored before it said)."""
    return fix.get("region_bounded") is False


def region_style(colour: str, open_: bool) -> dict:
    """Leaflet path style: a closed region filled, an open one (tens of km) a bare dashed outline."""
    if open_:
        return {"color": colour, "weight": 2, "opacity": 0.8, "dashArray": "8 6", "fill": False}
    return {"color": colour, "weight": 1, "fillOpacity": 0.08}


def write_map(folder: Path, client: StationClient, scenario: Scenario) -> Path:
    """``folder/map.html`` (and ``folder/leaflet/``); returns the page's path."""
    snap = client.get("/map/data.json?hours=72")
    shutil.copytree(xleaflet.BASE_DIR, folder / "leaflet", dirs_exist_ok=True)
    lats = [n.lat for n in scenario.nodes]
    lons = [n.lon for n in scenario.nodes]
    m = folium.Map(location=(sum(lats) / len(lats), sum(lons) / len(lons)), zoom_start=14, tiles=None,
                   control_scale=True)
    m.default_js = [("leaflet", "leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", "leaflet/leaflet.css")]
    m.get_root().header.add_child(folium.Element(DOLLAR))
    # drawn in this order: the regions under the targets, or a click on a marker hits its region
    layers = {name: folium.FeatureGroup(name=name).add_to(m)
              for name in ("Sensors", "Vehicle track", "95 % regions", "Targets", "Target tracks", "Scenario truth")}
    for s in snap["sensors"]:
        folium.CircleMarker((s["lat"], s["lon"]), radius=6, color="#1565c0", fill=True,
                            tooltip=f"sensor {html.escape(s['name'])}").add_to(layers["Sensors"])
        if s["track"]:
            folium.PolyLine([(p[0], p[1]) for p in s["track"]], color="#1565c0", weight=2,
                            tooltip=f"{html.escape(s['name'])} track").add_to(layers["Vehicle track"])
    located = [t for t in snap["targets"] if t.get("fix")]
    # open regions first, so the closed ones (the answers) are drawn filled on top of them
    for t in sorted(located, key=lambda t: not is_open(t["fix"])):
        if t["fix"].get("region"):
            verdict = (t.get("verdict") or {}).get("class")
            folium.GeoJson(t["fix"]["region"], style_function=lambda _f, s=region_style(
                COLOURS.get(verdict, COLOURS[None]), is_open(t["fix"])): s).add_to(layers["95 % regions"])
    for t in located:
        fix = t["fix"]
        verdict = (t.get("verdict") or {}).get("class")
        reasons = "".join(f"<li>{html.escape(r['text'])}</li>" for r in (t.get("verdict") or {}).get("reasons", []))
        region = OPEN_TEXT if is_open(fix) else f"r95 {fix['radius_95_m']:.0f} m"
        popup = folium.Popup(f"<b>{html.escape(t['key'])}</b><br>{html.escape(verdict or 'not judged')}"
                             f" · {html.escape(region)}<ul>{reasons}</ul>", max_width=420)
        folium.CircleMarker((fix["lat"], fix["lon"]), radius=7, color=COLOURS.get(verdict, COLOURS[None]),
                            fill=True, fill_opacity=0.9, popup=popup, tooltip=html.escape(t["key"])).add_to(layers["Targets"])
        if len(t.get("track") or ()) > 1:      # a moving target: its fixes in time order
            folium.PolyLine([(p[0], p[1]) for p in t["track"]], color=COLOURS.get(verdict, COLOURS[None]), weight=3,
                            tooltip=f"{html.escape(t['key'])}: track of {len(t['track'])} fixes").add_to(layers["Target tracks"])
    for e in (*scenario.cells, *scenario.fm):
        label = f"truth: {e.id}{'' if e.licensed else ' (rogue)'}"
        route = getattr(e, "path", None)
        if route is not None:
            folium.PolyLine(route.points, color="#000", weight=2, dash_array="4 6",
                            tooltip=label + ", its route").add_to(layers["Scenario truth"])
        else:
            folium.Marker((e.lat, e.lon), tooltip=label,
                          icon=folium.DivIcon(html="<div style='font:bold 14px sans-serif'>×</div>")
                          ).add_to(layers["Scenario truth"])
    folium.LayerControl(collapsed=False).add_to(m)
    page = folder / "map.html"
    m.save(str(page))
    return page
