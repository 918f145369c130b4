"""What the map draws, as plain JSON: sensors and vehicle tracks, targets with their latest fix and
track, a gridded heat of readings and licensed sites, as of a moment (the time slider replays the past).

Every string here may come off the air (RDS PS/RT, operator names): the browser receives it as
JSON and sets it with ``textContent``; nothing in this module builds markup.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict

from sqlalchemy import Connection, func, literal_column, select

from webmap.cases_schema import cases
from webmap.registers import RegisterCache
from webmap.schema import fixes, nodes, observations, targets

TRACK_POINTS = 200            # per vehicle or target, after thinning
MOVING_SPREAD_M = 50.0        # a node whose positions spread further than this is a vehicle
HEAT_CELL_DEG = 0.002         # ~200 m: the heat layer's grid
M_PER_DEG = 111_320.0
SITES_MAX = 5000


def _spread_m(pts: list[tuple[float, float, float]]) -> float:
    lats = [p[1] for p in pts]
    lons = [p[2] for p in pts]
    c = math.cos(math.radians(sum(lats) / len(lats)))
    return math.hypot((max(lats) - min(lats)) * M_PER_DEG, (max(lons) - min(lons)) * M_PER_DEG * c)


def _heading(a: tuple, b: tuple) -> float | None:
    dn = (b[1] - a[1]) * M_PER_DEG
    de = (b[2] - a[2]) * M_PER_DEG * math.cos(math.radians(b[1]))
    if math.hypot(dn, de) < 1.0:
        return None
    return round(math.degrees(math.atan2(de, dn)) % 360.0, 1)


def _thin(pts: list, n: int = TRACK_POINTS) -> list:
    if len(pts) <= n:
        return pts
    step = len(pts) / n
    return [pts[int(i * step)] for i in range(n - 1)] + [pts[-1]]


def sensors(conn: Connection, start: float, at: float) -> list[dict]:
    """Every node with its position at ``at``; vehicles (positions spread over 50 m) with their track
    since ``start`` and heading."""
    # one row per place a node reported from (a sweep shares its position): a fixed node is one row
    last = func.max(observations.c.time).label("last_at")
    rows = conn.execute(
        select(observations.c.node_id, last, observations.c.lat, observations.c.lon)
        .where(observations.c.time.between(start, at), observations.c.lat.is_not(None),
               observations.c.kind == "power")
        .group_by(observations.c.node_id, observations.c.lat, observations.c.lon)
        .order_by(observations.c.node_id, last)).all()
    per: dict[int, list] = defaultdict(list)
    for r in rows:
        per[r.node_id].append((r.last_at, r.lat, r.lon))
    out = []
    for n in conn.execute(select(nodes.c.id, nodes.c.name, nodes.c.last_lat, nodes.c.last_lon,
                                 nodes.c.last_seen_at, nodes.c.revoked_at).order_by(nodes.c.name)):
        pts = per.get(n.id)
        if pts:
            moving = _spread_m(pts) > MOVING_SPREAD_M
            last = pts[-1]
            out.append({"name": n.name, "lat": last[1], "lon": last[2], "seen_at": last[0], "moving": moving,
                        "heading_deg": _heading(pts[-2], last) if moving and len(pts) > 1 else None,
                        "track": [[round(p[1], 6), round(p[2], 6), p[0]] for p in _thin(pts)] if moving else []})
        elif n.last_lat is not None and n.revoked_at is None:
            out.append({"name": n.name, "lat": n.last_lat, "lon": n.last_lon, "seen_at": n.last_seen_at,
                        "moving": False, "heading_deg": None, "track": []})
    return out


def _fix_summary(f) -> dict:
    fx = json.loads(f.fix)
    return {"computed_at": f.computed_at, "lat": f.lat, "lon": f.lon, "radius_95_m": f.radius_95_m,
            "n_readings": f.n_readings, "crlb_m": fx.get("crlb_m"), "area_95_m2": fx.get("area_95_m2"),
            "tx_power_dbm": fx.get("tx_power_dbm"), "region": fx.get("region"),
            "modes": fx.get("modes", []),
            "moving": bool(fx.get("moving")), "region_bounded": fx.get("region_bounded")}


def map_targets(conn: Connection, start: float, at: float) -> list[dict]:
    """Targets seen by ``at`` with their newest fix computed by then and, when moving, their track of fixes."""
    trows = conn.execute(select(targets, cases.c.id.label("case_id"), cases.c.state.label("case_state"))
                         .outerjoin(cases, cases.c.target_id == targets.c.id)
                         .where(targets.c.first_seen_at <= at)
                         .order_by(targets.c.id)).all()
    frows = conn.execute(select(fixes.c.id, fixes.c.target_id, fixes.c.computed_at, fixes.c.lat, fixes.c.lon,
                                fixes.c.radius_95_m, fixes.c.n_readings, fixes.c.fix, fixes.c.window_end)
                         .where(fixes.c.window_end <= at, fixes.c.lat.is_not(None))
                         .order_by(fixes.c.target_id, fixes.c.id)).all()
    by_target: dict[int, list] = defaultdict(list)
    for f in frows:
        by_target[f.target_id].append(f)
    out = []
    for t in trows:
        fl = by_target.get(t.id, [])
        latest = _fix_summary(fl[-1]) if fl else None
        track = [[f.lat, f.lon, f.window_end] for f in fl if f.window_end >= start]
        # the station says when it located a target as moving; the scatter of a static target's
        # early, kilometre-wide fixes is not a track
        moving = latest is not None and latest["moving"]
        out.append({"id": t.id, "key": t.key, "kind": t.kind, "channel": t.channel, "freq_hz": t.freq_hz,
                    "identity": json.loads(t.identity) if t.identity else None, "label": t.label,
                    "verdict": _verdict(t.verdict),
                    "first_seen_at": t.first_seen_at, "last_seen_at": min(t.last_seen_at, at),
                    "n_observations": t.n_observations,
                    "case": {"id": t.case_id, "state": t.case_state} if t.case_id else None,
                    "fix": latest,
                    "track": _thin(track) if moving else []})
    return out


def _verdict(raw: str | None) -> dict | None:
    """Class, score and the reasons that fired (the rules that abstained stay in the target API)."""
    if not raw:
        return None
    v = json.loads(raw)
    return {"class": v.get("class"), "score": v.get("score"), "reasons": v.get("reasons", [])}


def heat(conn: Connection, start: float, at: float, target_id: int | None = None) -> dict:
    """Readings above the floor averaged on a ~200 m grid: ``cells`` of [lat, lon, mean dBm, count]."""
    cell = literal_column(repr(HEAT_CELL_DEG))     # inline, so PostgreSQL sees one expression in SELECT and GROUP BY
    glat = func.round(observations.c.lat / cell)
    glon = func.round(observations.c.lon / cell)
    q = (select(glat.label("i"), glon.label("j"), func.avg(observations.c.power_dbm), func.count())
         .where(observations.c.kind == "power", observations.c.floor.is_(False),
                observations.c.lat.is_not(None), observations.c.time.between(start, at))
         .group_by(glat, glon))
    if target_id is not None:
        q = q.where(observations.c.target_id == target_id)
    cells = [[round(i * HEAT_CELL_DEG, 6), round(j * HEAT_CELL_DEG, 6), round(float(p), 1), int(n)]
             for i, j, p, n in conn.execute(q)]
    return {"cell_deg": HEAT_CELL_DEG, "cells": cells}


def licensed_sites(conn: Connection, cache: RegisterCache, near: list[dict], margin_deg: float = 0.2,
                   limit: int = SITES_MAX) -> list[dict]:
    """Licensed cells and FM stations of the current registers within ``margin_deg`` of the sensors."""
    if not near:
        return []
    lats = [s["lat"] for s in near]
    lons = [s["lon"] for s in near]
    box = (min(lats) - margin_deg, max(lats) + margin_deg, min(lons) - margin_deg, max(lons) + margin_deg)
    out = []
    cells = cache.get(conn, "cells")
    for c in cells.cells if cells is not None else ():
        if box[0] <= c.lat <= box[1] and box[2] <= c.lon <= box[3]:
            out.append({"kind": "cell", "lat": c.lat, "lon": c.lon,
                        "row": {"operator": c.operator, "mcc": c.mcc, "mnc": c.mnc, "lac": c.lac,
                                "cell_id": c.cell_id, "arfcn": c.arfcn, "bsic": c.bsic}})
    fm = cache.get(conn, "fm")
    for lic in fm.licences if fm is not None else ():
        if box[0] <= lic.lat <= box[1] and box[2] <= lic.lon <= box[3]:
            out.append({"kind": "fm", "lat": lic.lat, "lon": lic.lon,
                        "row": {"name": lic.name, "freq_mhz": round(lic.freq_hz / 1e6, 3), "pi": lic.pi,
                                "ps": lic.ps, "erp_w": lic.erp_w, "licence_id": lic.licence_id}})
    return out[:limit]


def snapshot(conn: Connection, cache: RegisterCache, at: float, hours: float, *,
             heat_target: int | None = None) -> dict:
    """The whole map state as of ``at`` over the ``hours`` before it."""
    start = at - hours * 3600.0
    near = sensors(conn, start, at)
    return {"at": at, "start": start, "sensors": near,
            "targets": map_targets(conn, start, at), "heat": heat(conn, start, at, heat_target),
            "sites": licensed_sites(conn, cache, near)}


def target_detail(conn: Connection, target_id: int, at: float, hours: float) -> dict | None:
    """For the popup: the newest decoded carrier (every parameter), and which nodes hear it."""
    start = at - hours * 3600.0
    if conn.execute(select(targets.c.id).where(targets.c.id == target_id)).first() is None:
        return None
    decoded = conn.execute(select(observations.c.raw, observations.c.time)
                           .where(observations.c.target_id == target_id,
                                  observations.c.kind.in_(("gsm_cell", "fm_station")),
                                  observations.c.time <= at)
                           .order_by(observations.c.time.desc()).limit(1)).first()
    heard = conn.execute(select(nodes.c.name, func.count(), func.max(observations.c.power_dbm),
                                func.max(observations.c.time))
                         .join(nodes, nodes.c.id == observations.c.node_id)
                         .where(observations.c.target_id == target_id, observations.c.kind == "power",
                                observations.c.floor.is_(False), observations.c.time.between(start, at))
                         .group_by(nodes.c.name).order_by(nodes.c.name)).all()
    return {"id": target_id,
            "decoded": json.loads(decoded.raw)["payload"] if decoded else None,
            "decoded_at": decoded.time if decoded else None,
            "nodes": [{"name": n, "readings": c, "max_dbm": p, "last_at": t} for n, c, p, t in heard]}
