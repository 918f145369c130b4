"""Approach search for one vehicle and one target: the arrow, the distance, the locator's next
waypoint (locator.approach.guide) and the target's level at the vehicle over the last minutes.

Guidance needs the locator's full Solution, which the stored fix does not keep: it is solved again
from the target's readings and cached per (target, fix, vehicle position rounded to ~25 m).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict

import numpy as np
from sqlalchemy import Connection, select

from locator.approach import guide
from locator.errors import LocatorError
from locator.estimate import solve
from locator.geodesy import distance_bearing
from webmap.cases import latest_fix
from webmap.schema import nodes, observations, targets

log = logging.getLogger(__name__)
LEVEL_WINDOW_S = 600.0        # "the last minutes" of the hotter/colder trace
TREND_DB = 3.0                # a change smaller than the shadowing is no trend
_CACHE_SIZE = 64


class ApproachGuide:
    """One per app: caches the expensive re-solve behind the waypoint suggestion."""

    def __init__(self, relocator):
        self.relocator = relocator
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def _waypoint(self, target_row, fix_id: int, lat: float, lon: float) -> dict | None:
        key = (target_row.id, fix_id, round(lat, 4), round(lon, 4))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        try:
            g = guide(solve(self.relocator.readings(target_row)), lat, lon)
            wp = {"lat": g.next_waypoint.lat, "lon": g.next_waypoint.lon,
                  "gain_bits": round(g.next_waypoint.gain_bits, 3)}
        except LocatorError as exc:
            log.info("no waypoint for target %s: %s", target_row.key, exc)
            wp = None
        with self._lock:
            self._cache[key] = wp
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return wp

    def state(self, conn: Connection, target_id: int, node_name: str, *, waypoint: bool = True) -> dict | None:
        """The approach view's JSON, or None when the target or node is unknown."""
        t = conn.execute(select(targets).where(targets.c.id == target_id)).first()
        node = conn.execute(select(nodes.c.id, nodes.c.name).where(nodes.c.name == node_name)).first()
        if t is None or node is None:
            return None
        rows = conn.execute(
            select(observations.c.time, observations.c.lat, observations.c.lon, observations.c.power_dbm,
                   observations.c.floor, observations.c.target_id)
            .where(observations.c.node_id == node.id, observations.c.kind == "power",
                   observations.c.lat.is_not(None))
            .order_by(observations.c.time.desc()).limit(2000)).all()
        here = rows[0] if rows else None
        newest = here.time if here else None
        levels = [[r.time, r.power_dbm, bool(r.floor)] for r in reversed(rows)
                  if newest - r.time <= LEVEL_WINDOW_S and r.target_id == t.id]
        fix = latest_fix(conn, t.id)
        out = {"target": {"id": t.id, "key": t.key, "kind": t.kind, "channel": t.channel,
                          "identity": json.loads(t.identity) if t.identity else None},
               "vehicle": {"name": node.name, "lat": here.lat, "lon": here.lon, "at": here.time} if here else None,
               "estimate": None, "bearing_deg": None, "distance_m": None, "next_waypoint": None,
               "levels": levels, "trend": trend([lv[1] for lv in levels])}
        if fix is not None and fix.lat is not None:
            # An open region reaches the searched area's edge: its radius is no answer for the van.
            out["estimate"] = {"lat": fix.lat, "lon": fix.lon, "radius_95_m": fix.radius_95_m,
                               "open": json.loads(fix.fix or "{}").get("region_bounded") is False,
                               "computed_at": fix.computed_at}
            if here is not None:
                d, b = distance_bearing(here.lat, here.lon, fix.lat, fix.lon)
                out["distance_m"], out["bearing_deg"] = round(float(d), 1), round(float(b) % 360.0, 1)
                if waypoint:
                    out["next_waypoint"] = self._waypoint(t, fix.id, here.lat, here.lon)
        return out


def trend(levels_dbm: list[float]) -> str:
    """hotter / colder / steady: the newest third of the trace against the oldest third."""
    if len(levels_dbm) < 3:
        return "unknown"
    k = max(1, len(levels_dbm) // 3)
    delta = float(np.median(levels_dbm[-k:]) - np.median(levels_dbm[:k]))
    return "hotter" if delta >= TREND_DB else "colder" if delta <= -TREND_DB else "steady"
