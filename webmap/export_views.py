"""Download routes for the exports of webmap.export (any logged-in role may export)."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, request, stream_with_context

from webmap import export
from webmap.security import requires

export_bp = Blueprint("export", __name__, url_prefix="/export")


def _store():
    return current_app.extensions["foxhunt"].store


def _download(body, mimetype: str, name: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@export_bp.get("/targets.geojson")
@requires("liaison")
def targets_geojson():
    with _store().read() as conn:
        doc = export.targets_geojson(conn, time.time())
    return _download(json.dumps(doc, ensure_ascii=False), "application/geo+json", "foxhunt-targets.geojson")


@export_bp.get("/targets.kml")
@requires("liaison")
def targets_kml():
    with _store().read() as conn:
        doc = export.targets_kml(conn, time.time())
    return _download(doc, "application/vnd.google-earth.kml+xml", "foxhunt-targets.kml")


@export_bp.get("/targets.csv")
@requires("liaison")
def targets_csv():
    with _store().read() as conn:
        rows = list(export.target_rows(conn, time.time()))
    return _download("".join(export.csv_text(rows, export.TARGET_COLUMNS)), "text/csv; charset=utf-8",
                     "foxhunt-targets.csv")


@export_bp.get("/readings.csv")
@requires("liaison")
def readings_csv():
    since = request.args.get("since", type=float)
    until = request.args.get("until", type=float)
    target = request.args.get("target", type=int)
    store = _store()

    def lines():
        with store.read() as conn:
            yield from export.csv_text(export.reading_rows(conn, since=since, until=until, target_id=target),
                                       export.READING_COLUMNS)

    return _download(stream_with_context(lines()), "text/csv; charset=utf-8", "foxhunt-readings.csv")
