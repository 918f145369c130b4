"""The demo's vehicle: a simulated node whose route is steered, leg by leg, by the central
station's approach guidance (``GET /approach/<target>.json``: the locator's next waypoint,
locator.approach) toward the pseudo base station, after patrolling its scenario route until one
is flagged and located."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace

from sensors.gps import bearing_deg, haversine_m
from sensors.scenario import Path2D, Scenario
from sensors.sim import SimSource
from foxhunt.demo.client import StationClient, StationError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leg:
    """From (lat0, lon0) at scenario time ``t0`` toward (lat1, lon1) at ``speed_m_s``; then stop."""

    t0: float
    lat0: float
    lon0: float
    lat1: float
    lon1: float
    speed_m_s: float

    def at(self, t: float) -> tuple[float, float, float, float | None]:
        length = haversine_m(self.lat0, self.lon0, self.lat1, self.lon1)
        done = self.speed_m_s * max(0.0, t - self.t0)
        if length < 1.0 or done >= length:
            return self.lat1, self.lon1, 0.0, None
        w = done / length
        return (self.lat0 + w * (self.lat1 - self.lat0), self.lon0 + w * (self.lon1 - self.lon0), self.speed_m_s,
                bearing_deg(self.lat0, self.lon0, self.lat1, self.lon1))


class GuidedRoute:
    """A vehicle route (the ``Path2D.at`` interface): the scenario's patrol until the first
    :meth:`steer`, then straight legs toward each waypoint it is given."""

    def __init__(self, patrol: Path2D):
        self.patrol = patrol
        self._legs: list[Leg] = []
        self._lock = threading.Lock()

    @property
    def guided(self) -> bool:
        return bool(self._legs)

    def at(self, t: float) -> tuple[float, float, float, float | None]:
        with self._lock:
            leg = next((g for g in reversed(self._legs) if g.t0 <= t), None)
        return self.patrol.at(t) if leg is None else leg.at(t)

    def steer(self, t: float, lat: float, lon: float) -> None:
        """From scenario time ``t`` on, drive from wherever the vehicle is toward (lat, lon)."""
        here_lat, here_lon, _, _ = self.at(t)
        with self._lock:
            self._legs.append(Leg(t, here_lat, here_lon, lat, lon, self.patrol.speed_m_s))


class DemoSimSource(SimSource):
    """The scenario node as a source, with two demo controls: :meth:`skip_to` (the node idles
    between scan cycles: no samples are rendered for that city time) and, for a vehicle, a
    :class:`GuidedRoute` in place of its fixed route."""

    def __init__(self, scenario: Scenario, node_id: str, *, t0_s: float, sample_rate: float):
        super().__init__(scenario, node_id, sample_rate=sample_rate, t0_s=t0_s)
        self.route = GuidedRoute(self.node.route) if self.node.route is not None else None
        if self.route is not None:
            self.node = replace(self.node, route=self.route)

    def skip_to(self, t_s: float) -> None:
        """Advance the city clock to scenario time ``t_s`` (never backwards)."""
        self._t = max(self._t, float(t_s))


class Guide:
    """Asks the station, as the van's crew, where to drive next."""

    def __init__(self, client: StationClient, node_id: str):
        self.client, self.node_id = client, node_id
        self.target: dict | None = None

    def pick_target(self) -> dict | None:
        """The located GSM target flagged rogue with the highest score (the pseudo base station)."""
        found = self.client.get("/api/v1/targets?kind=gsm&limit=500")["targets"]
        rogue = [t for t in found if (t.get("verdict") or {}).get("class") == "rogue" and t.get("fix")]
        return max(rogue, key=lambda t: t["verdict"]["score"], default=None)

    def waypoint(self) -> tuple[float, float, dict] | None:
        """(lat, lon, approach state) to drive to, or None while there is nothing to chase."""
        try:
            self.target = self.pick_target() or self.target
            if self.target is None:
                return None
            state = self.client.get(f"/approach/{self.target['id']}.json?node={self.node_id}")
        except StationError as exc:
            log.info("no guidance: %s", exc)
            return None
        point = state.get("next_waypoint") or state.get("estimate")
        if point is None:
            return None
        return point["lat"], point["lon"], state
