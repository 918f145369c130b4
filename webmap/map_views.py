"""The map and approach-search pages (issue 9): a folium/Leaflet page served offline, filled and
refreshed by polling JSON endpoints; :func:`register` adds these, the case and the export blueprints.

Offline: Leaflet comes from the xstatic-leaflet package on ``/static/leaflet``; folium's CDN list is
replaced, and the only remote URL a page may name is the configured tile URL (``FOXHUNT_TILE_URL``
in the app config or the environment); without one the map draws on a plain background.
Script safety: the page runs no script but its own files and folium's map setup, allowed by a
per-response nonce; data arrive as JSON and are put in the page with ``textContent``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import folium
import xstatic.pkg.leaflet as xleaflet
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request, \
    send_from_directory
from markupsafe import Markup

from webmap import map_data
from webmap.map_approach import ApproachGuide
from webmap.map_seed import CENTRE
from webmap.registers import RegisterCache
from webmap.security import current_user, requires

@dataclass(frozen=True)
class MapServices:
    """Per-app state of these pages: the approach guide's cache and the parsed registers."""

    guide: ApproachGuide
    registers: RegisterCache


mapview = Blueprint("mapview", __name__, static_folder="static", static_url_path="/static/fh")

#: The overlays of the layer control, in order: (key the script fills, label).
LAYERS = (("sensors", "Sensors"), ("vehicles", "Vehicle tracks"), ("targets", "Targets"),
          ("regions", "95 % regions"), ("tracks", "Target tracks"), ("heat", "Readings (heat)"),
          ("sites", "Licensed sites"))
MAX_HOURS = 72.0
_UNSAFE_IN_SCRIPT = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(obj) -> Markup:
    """JSON safe inside a <script type="application/json"> element: no character that could end the
    element or open a comment, and no line separators (they end a JS string in old engines)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _UNSAFE_IN_SCRIPT[m.group()], text))


def tile_url() -> str | None:
    url = current_app.config.get("FOXHUNT_TILE_URL") or os.environ.get("FOXHUNT_TILE_URL")
    return url or None


def _csp(nonce: str) -> str:
    img = "'self' data:"
    url = tile_url()
    if url and url.startswith(("http://", "https://")):
        parts = urlsplit(url)
        img += f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return (f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; "
            f"img-src {img}; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")


def _with_nonce(html: str, nonce: str) -> str:
    return re.sub(r"<(script|style)(?=[\s>])", lambda m: f'<{m.group(1)} nonce="{nonce}"', html)


def folium_map(leaflet_js: str, leaflet_css: str) -> tuple[folium.Map, dict[str, str]]:
    """The map skeleton: Leaflet from local URLs, empty overlay groups under a layer control, the tile
    layer if one is configured. Returns the map and the JS names of the map and each overlay."""
    m = folium.Map(location=CENTRE, zoom_start=13, tiles=None, control_scale=True, prefer_canvas=True)
    m.default_js = [("leaflet", leaflet_js)]
    m.default_css = [("leaflet_css", leaflet_css)]
    url = tile_url()
    if url:
        folium.TileLayer(tiles=url, attr="map tiles: configured server", name="Base map", max_zoom=19).add_to(m)
    groups = {key: folium.FeatureGroup(name=label).add_to(m) for key, label in LAYERS}
    folium.LayerControl(collapsed=False).add_to(m)
    return m, {"map": m.get_name(), **{k: g.get_name() for k, g in groups.items()}}


def html_page(template: str, nonce: str | None = None, **context) -> Response:
    nonce = nonce or secrets.token_urlsafe(16)
    html = render_template(template, nonce=nonce, user=current_user(), **context)
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = _csp(nonce)
    resp.headers["Cache-Control"] = "no-store"
    return resp


@mapview.get("/static/leaflet/<path:name>")
def leaflet_static(name: str):
    return send_from_directory(xleaflet.BASE_DIR, name, max_age=86400)


@mapview.get("/map")
@requires("liaison")
def map_page():
    m, names = folium_map("/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css")
    fig = m.get_root()
    fig.render()
    nonce = secrets.token_urlsafe(16)
    parts = {k: Markup(_with_nonce(getattr(fig, k).render(), nonce)) for k in ("header", "html", "script")}
    config = {"names": names, "tiles": tile_url() is not None, "data_url": "/map/data.json",
              "detail_url": "/map/targets/", "poll_s": current_app.config.get("FOXHUNT_MAP_POLL_S", 10), "max_hours": MAX_HOURS,
              "can_open_cases": current_user().can("coordinator")}
    return html_page("map.html", nonce=nonce, folium=parts, folium_tiles=config["tiles"], config=script_json(config))


def _at_hours() -> tuple[float, float]:
    try:
        at = float(request.args.get("at", time.time()))
        hours = float(request.args.get("hours", 3))
    except ValueError:
        abort(400, "at, hours: expected numbers (at in Unix seconds)")
    if not (0 < hours <= MAX_HOURS) or not at > 0:
        abort(400, f"hours: expected 0..{MAX_HOURS:g}; at: Unix seconds")
    return min(at, time.time()), hours


@mapview.get("/map/data.json")
@requires("liaison")
def map_json():
    at, hours = _at_hours()
    heat_target = request.args.get("heat_target", type=int)
    with current_app.extensions["foxhunt"].store.read() as conn:
        doc = map_data.snapshot(conn, current_app.extensions["foxhunt_map"].registers, at, hours,
                                heat_target=heat_target)
    return compressed_json(doc)


def compressed_json(doc) -> Response:
    """JSON, gzipped when the browser accepts it (a van on a mobile link polls this every few seconds)."""
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    resp = Response(body, mimetype="application/json")
    resp.vary.add("Accept-Encoding")
    if len(body) > 1024 and request.accept_encodings["gzip"]:
        resp.set_data(gzip.compress(body, 5))
        resp.headers["Content-Encoding"] = "gzip"
    return resp


@mapview.get("/map/targets/<int:target_id>.json")
@requires("liaison")
def target_json(target_id: int):
    at, hours = _at_hours()
    with current_app.extensions["foxhunt"].store.read() as conn:
        out = map_data.target_detail(conn, target_id, at, hours)
    if out is None:
        abort(404, f"target {target_id}: no such target")
    return jsonify(out)


@mapview.get("/approach/<int:target_id>")
@requires("liaison")
def approach_page(target_id: int):
    node = request.args.get("node", "")
    config = {"state_url": f"/approach/{target_id}.json", "node": node, "target_id": target_id,
              "case_url": f"/api/v1/targets/{target_id}/case", "can_record": current_user().can("field")}
    return html_page("approach.html", config=script_json(config), node=node)


@mapview.get("/approach/<int:target_id>.json")
@requires("liaison")
def approach_json(target_id: int):
    node = request.args.get("node", "")
    with current_app.extensions["foxhunt"].store.read() as conn:
        out = current_app.extensions["foxhunt_map"].guide.state(conn, target_id, node)
    if out is None:
        abort(404, f"target {target_id} or node {node!r}: unknown")
    return jsonify(out)


def register(app: Flask) -> None:
    """Add the map, case and export blueprints to the app (called by webmap.app.create_app)."""
    from webmap.cases_views import cases_bp
    from webmap.export_views import export_bp
    app.extensions["foxhunt_map"] = MapServices(ApproachGuide(app.extensions["foxhunt"].relocator), RegisterCache())
    app.register_blueprint(mapview)
    app.register_blueprint(cases_bp)
    app.register_blueprint(export_bp)
