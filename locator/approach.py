"""Approach guidance for a field vehicle: bearing and distance to the estimate, and where to measure next.

Spec: the next waypoint maximises the expected information of one more reading about the position,
½·log2(1 + Var_θ[μ(c; θ)] / σ²) bits under a Gaussian approximation (Lindley, Ann. Math. Stat. 27,
1956), with θ drawn from the current profile likelihood inside the 95 % region (all modes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from locator.errors import LocatorError
from locator.estimate import Solution
from locator.geodesy import check_latlon, destination, distance_bearing
from locator.pathloss import log_distance

#: Hypotheses drawn from the region to score candidate waypoints.
HYPOTHESES = 400


@dataclass(frozen=True)
class Waypoint:
    lat: float
    lon: float
    gain_bits: float              # expected information of a reading there about the position


@dataclass(frozen=True)
class Guidance:
    """What the field team is told: the arrow, the distance, and the next place to measure."""

    bearing_deg: float            # geodesic, clockwise from true north, vehicle → estimate
    distance_m: float
    next_waypoint: Waypoint
    candidates: tuple[Waypoint, ...]


def guide(solution: Solution, vehicle_lat: float, vehicle_lon: float, *, candidates=None,
          step_m: float = 300.0, ring: int = 16, seed: int = 0) -> Guidance:
    """Guidance from the vehicle's position. ``candidates`` (a sequence of (lat, lon), e.g. road-grid
    nodes) default to a ring of ``ring`` points ``step_m`` away, plus the estimate itself."""
    check_latlon(np.asarray(vehicle_lat), np.asarray(vehicle_lon), "vehicle")
    fix = solution.fix
    dist, bearing = distance_bearing(vehicle_lat, vehicle_lon, fix.lat, fix.lon)
    if candidates is None:
        az = np.arange(ring) * 360.0 / ring
        clat, clon = destination(np.full(ring, vehicle_lat), np.full(ring, vehicle_lon), az, np.full(ring, step_m))
        clat, clon = np.r_[clat, fix.lat], np.r_[clon, fix.lon]
    else:
        c = np.asarray(candidates, dtype=float).reshape(-1, 2)
        if c.size == 0:
            raise LocatorError("candidates: at least one (lat, lon) waypoint is needed")
        check_latlon(c[:, 0], c[:, 1], "candidates")
        clat, clon = c[:, 0], c[:, 1]
    gains = information_gain(solution, *solution.frame.to_xy(clat, clon), seed=seed)
    wps = tuple(Waypoint(float(a), float(o), float(g)) for a, o, g in zip(clat, clon, gains))
    best = wps[int(np.argmax(gains))]
    return Guidance(float(bearing), float(dist), best, wps)


def information_gain(solution: Solution, cx: np.ndarray, cy: np.ndarray, seed: int = 0) -> np.ndarray:
    """Expected bits about the position from one reading at each candidate (cx, cy) of the local frame."""
    hx, hy, w = _hypotheses(solution, seed)
    lik = solution.likelihood
    _, p0, n = lik.profile(hx, hy)
    mu = p0 + n * log_distance(np.asarray(cx, float)[:, None] - hx, np.asarray(cy, float)[:, None] - hy)
    mean = mu @ w
    var = ((mu - mean[:, None]) ** 2) @ w
    noise2 = lik.scale2 * solution.scale2 * (lik.noise.shadowing_db ** 2 + lik.sites.fading_db ** 2)
    return 0.5 * np.log2(1.0 + var / noise2)


def _hypotheses(solution: Solution, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions inside the region, weighted by their profile likelihood."""
    rng = np.random.default_rng(seed)
    g = solution.region.geometry
    x0, y0, x1, y1 = g.bounds
    pts = np.empty((0, 2))
    for _ in range(20):
        p = rng.uniform([x0, y0], [x1 + 1e-6, y1 + 1e-6], size=(4 * HYPOTHESES, 2))
        pts = np.vstack([pts, p[shapely.contains_xy(g, p[:, 0], p[:, 1])]])
        if len(pts) >= HYPOTHESES:
            break
    pts = np.vstack([pts[:HYPOTHESES], solution.theta[None, :2]])
    q = solution.likelihood.profile(pts[:, 0], pts[:, 1])[0]
    w = np.exp(-(q - q.min()) / (2.0 * solution.scale2))
    return pts[:, 0], pts[:, 1], w / w.sum()
