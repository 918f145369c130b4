"""Exports of targets and readings: GeoJSON (RFC 7946), KML 2.2 (OGC 07-147r2, opens in Google Earth)
and CSV (RFC 4180; readings in the READINGS.csv columns of INTERFACES.md, so ``foxhunt locate`` reads them).

A region that runs off the locator's searched area (the fix's ``region_bounded`` false) is "open": the
transmitter may lie beyond it, so its radius is no answer. Every export says so (``region_open``: true,
false, or null when there is no fix or it predates the flag); KML draws an open region as a bare
outline, as the map does, and its description opens with what that means.

Strings may come off the air. KML: text is XML-escaped, and a ``description`` — which Google Earth
renders as HTML — is HTML-escaped first, then XML-escaped. CSV: a text cell starting with
= + - @ TAB or CR is prefixed with ' so a spreadsheet does not run it as a formula.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from xml.sax.saxutils import escape as xml_escape

from sqlalchemy import Connection, select

from locator.estimate import MAX_SEARCH_MARGIN_M
from webmap.map_data import map_targets
from webmap.schema import nodes, observations, targets

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What an open region means, in words an inspector can act on (the map says it too: map.js OPEN_TEXT).
OPEN_REGION_TEXT = (f"Region open: the readings do not bound the transmitter's position. Its 95 % region still "
                    f"reaches the edge of the area the locator searched ({MAX_SEARCH_MARGIN_M / 1000:g} km around the "
                    f"places readings were taken), so the transmitter may lie beyond that edge; the "
                    f"radius and area given are lower bounds and the estimate is not a located position. Take "
                    f"readings from other sides of it (drive around it) before acting on the position.")
VERDICT_KML_COLOURS = {"rogue": "ff1c19d7", "suspicious": "ff3c8dfd", "licensed": "ff419a1a", None: "ff8a6a6a"}
TARGET_COLUMNS = ("id", "key", "kind", "channel", "freq_hz", "mcc", "mnc", "lac", "cell_id", "arfcn", "pi", "ps",
                  "label", "verdict", "score", "reasons", "first_seen", "last_seen", "n_observations", "lat", "lon",
                  "radius_95_m", "crlb_m", "case_state", "region_open")
READING_COLUMNS = ("timestamp", "node_id", "lat", "lon", "freq_hz", "power_dbm", "target")


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def csv_cell(v) -> str | float | int:
    """A value as a CSV cell: numbers as they are, text neutralised against formula injection."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return v
    s = str(v)
    return "'" + s if s.startswith(_FORMULA_START) else s


def csv_text(rows: Iterable[Iterable], header: Iterable[str]) -> Iterator[str]:
    """CSV lines (CRLF, minimal quoting), one string per row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    yield buf.getvalue()
    for row in rows:
        buf.seek(0)
        buf.truncate()
        w.writerow([csv_cell(v) for v in row])
        yield buf.getvalue()


def all_targets(conn: Connection, at: float) -> list[dict]:
    return map_targets(conn, 0.0, at)


def _located(conn: Connection, at: float) -> Iterator[tuple[dict, dict, dict]]:
    """(target, its fix, its export properties) for each located target."""
    for t in all_targets(conn, at):
        if t.get("fix"):
            yield t, t["fix"], _props(t)


def _reasons(t: dict) -> list[str]:
    return [r.get("text", "") for r in (t.get("verdict") or {}).get("reasons", [])]


def region_open(fix: dict | None) -> bool | None:
    """Whether a fix's region is open (runs off the searched area); None without a fix, or for a fix
    stored before the locator said."""
    flag = (fix or {}).get("region_bounded")
    return None if flag is None else not flag


def _props(t: dict) -> dict:
    v = t.get("verdict") or {}
    f = t.get("fix") or {}
    return {"id": t["id"], "key": t["key"], "kind": t["kind"], "channel": t["channel"], "freq_hz": t["freq_hz"],
            "identity": t["identity"], "label": t["label"], "verdict": v.get("class"), "score": v.get("score"),
            "reasons": _reasons(t), "first_seen": _iso(t["first_seen_at"]), "last_seen": _iso(t["last_seen_at"]),
            "n_observations": t["n_observations"], "radius_95_m": f.get("radius_95_m"), "crlb_m": f.get("crlb_m"),
            "area_95_m2": f.get("area_95_m2"), "case_state": (t.get("case") or {}).get("state"),
            "region_open": region_open(t.get("fix"))}


def targets_geojson(conn: Connection, at: float) -> dict:
    """A FeatureCollection: per located target its estimate (Point) and its 95 % region."""
    feats = []
    for t, f, props in _located(conn, at):
        feats.append({"type": "Feature", "id": f"target-{t['id']}",
                      "geometry": {"type": "Point", "coordinates": [f["lon"], f["lat"]]},
                      "properties": {**props, "feature": "estimate"}})
        if f.get("region"):
            feats.append({"type": "Feature", "id": f"target-{t['id']}-region",
                          "geometry": f["region"], "properties": {"id": t["id"], "key": t["key"],
                                                                  "feature": "region_95",
                                                                  "region_open": props["region_open"]}})
    return {"type": "FeatureCollection", "features": feats}


def _kml_coords(ring) -> str:
    return " ".join(f"{lon:.7f},{lat:.7f},0" for lon, lat in ring)


def _kml_polygons(geom: dict) -> list[str]:
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    out = []
    for poly in polys:
        inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r)}</coordinates></LinearRing></innerBoundaryIs>"
                        for r in poly[1:])
        out.append(f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_kml_coords(poly[0])}</coordinates>"
                   f"</LinearRing></outerBoundaryIs>{inner}</Polygon>")
    return out


def _plain_text(v) -> str:
    return "" if v is None else ("true" if v else "false") if isinstance(v, bool) else str(v)


def _kml_text(v) -> str:
    return xml_escape(_plain_text(v))


def _kml_description(lines: list[str]) -> str:
    """Google Earth shows a description as HTML: escape for HTML, then for the XML it sits in."""
    return xml_escape("<br>".join(html.escape(x) for x in lines))


def _kml_style(name: str | None, colour: str, open_: bool) -> str:
    """A closed region filled; an open one a bare outline (KML 2.2 has no dashed lines), so that it
    does not read as the place to search."""
    sid = f"v-{name or 'unjudged'}" + ("-open" if open_ else "")
    poly = "<fill>0</fill><outline>1</outline>" if open_ else f"<color>{'40' + colour[2:]}</color>"
    return (f'<Style id="{sid}"><IconStyle><color>{colour}</color></IconStyle>'
            f'<LineStyle><color>{colour}</color><width>2</width></LineStyle><PolyStyle>{poly}</PolyStyle></Style>')


def targets_kml(conn: Connection, at: float) -> str:
    styles = "".join(_kml_style(name, c, open_) for name, c in VERDICT_KML_COLOURS.items() for open_ in (False, True))
    marks = []
    for t, f, p in _located(conn, at):
        ident = t["identity"] or {}
        name = t["label"] or (f"{t['kind'].upper()} {t['channel']}" + (f" {ident.get('ps')}" if ident.get("ps") else ""))
        name += " (region open)" if p["region_open"] else ""
        lines = [OPEN_REGION_TEXT] if p["region_open"] else []
        lines += [f"{k}: {_plain_text(v)}" for k, v in p.items() if k not in ("reasons", "identity") and v is not None]
        lines += [f"identity.{k}: {v}" for k, v in ident.items() if v is not None]
        lines += [f"reason: {r}" for r in p["reasons"]]
        data = "".join(f'<Data name="{_kml_text(k)}"><value>{_kml_text(v)}</value></Data>'
                       for k, v in p.items() if k not in ("reasons", "identity"))
        geoms = [f"<Point><coordinates>{f['lon']:.7f},{f['lat']:.7f},0</coordinates></Point>"]
        if f.get("region"):
            geoms += _kml_polygons(f["region"])
        marks.append(f"<Placemark id=\"target-{t['id']}\"><name>{_kml_text(name)}</name>"
                     f"<description>{_kml_description(lines)}</description>"
                     f"<styleUrl>#v-{p['verdict'] or 'unjudged'}{'-open' if p['region_open'] else ''}</styleUrl>"
                     f"<ExtendedData>{data}</ExtendedData>"
                     f"<MultiGeometry>{''.join(geoms)}</MultiGeometry></Placemark>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>foxhunt targets {_iso(at)}</name>{styles}{''.join(marks)}</Document></kml>\n")


def target_rows(conn: Connection, at: float) -> Iterator[list]:
    for t in all_targets(conn, at):
        p, ident, f = _props(t), t["identity"] or {}, t.get("fix") or {}
        yield [t["id"], t["key"], t["kind"], t["channel"], t["freq_hz"], ident.get("mcc"), ident.get("mnc"),
               ident.get("lac"), ident.get("cell_id"), ident.get("arfcn"), ident.get("pi"), ident.get("ps"),
               t["label"], p["verdict"], p["score"], " | ".join(p["reasons"]), p["first_seen"], p["last_seen"],
               t["n_observations"], f.get("lat"), f.get("lon"), f.get("radius_95_m"), f.get("crlb_m"), p["case_state"],
               p["region_open"]]


def reading_rows(conn: Connection, *, since: float | None = None, until: float | None = None,
                 target_id: int | None = None) -> Iterator[list]:
    """Power readings above the floor with a position, oldest first, named by target key (else channel)."""
    q = (select(observations.c.time, nodes.c.name, observations.c.lat, observations.c.lon, observations.c.freq_hz,
                observations.c.power_dbm, targets.c.key, observations.c.channel)
         .join(nodes, nodes.c.id == observations.c.node_id)
         .outerjoin(targets, targets.c.id == observations.c.target_id)
         .where(observations.c.kind == "power", observations.c.floor.is_(False), observations.c.lat.is_not(None))
         .order_by(observations.c.time))
    if since is not None:
        q = q.where(observations.c.time >= since)
    if until is not None:
        q = q.where(observations.c.time < until)
    if target_id is not None:
        q = q.where(observations.c.target_id == target_id)
    for r in conn.execute(q.execution_options(yield_per=5000)):
        yield [r.time, r.name, r.lat, r.lon, r.freq_hz, r.power_dbm, r.key or r.channel]
