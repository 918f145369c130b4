"""Approach guidance for a field vehicle: bearing and distance to the estimate, and where to drive next.

Spec: the next waypoint maximises the expected information about the position of the readings taken
on the way there, ½·log2 det(I + S⁻¹·Cov_θ[m(θ)]) bits under a Gaussian approximation (Lindley, Ann.
Math. Stat. 27, 1956), θ drawn from the current profile likelihood inside the 95 % region (all modes),
m(θ) and S the mean and covariance of the leg's readings given θ AND the readings so far: the
Gudmundson shadowing field is kriged from the sites' residuals (simple kriging, e.g. Cressie,
*Statistics for Spatial Data*, 1993, §3.4), so a street already driven promises little new.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.linalg import solve_triangular

from locator.errors import LocatorError
from locator.estimate import Solution
from locator.geodesy import check_latlon, destination, distance_bearing
from locator.likelihood import shadowing_correlation
from locator.pathloss import log_distance

#: Hypotheses drawn from the region to score candidate legs.
HYPOTHESES = 400
#: Spacing (m) of the points a leg is scored at: half the usual decorrelation distance (50 m).
LEG_STEP_M = 25.0
#: Spacing (m) of a vehicle's readings: their fading averages over a scoring point's stretch.
READING_STEP_M = 10.0


@dataclass(frozen=True)
class Waypoint:
    lat: float
    lon: float
    gain_bits: float              # expected information about the position of the readings on the way there


@dataclass(frozen=True)
class Guidance:
    """What the field team is told: the arrow, the distance, and the next place to drive to."""

    bearing_deg: float            # geodesic, clockwise from true north, vehicle → estimate
    distance_m: float
    next_waypoint: Waypoint
    candidates: tuple[Waypoint, ...]   # in the order of ``candidates`` / ``routes`` when given


def guide(solution: Solution, vehicle_lat: float, vehicle_lon: float, *, candidates=None, routes=None,
          step_m: float = 300.0, ring: int = 16, seed: int = 0) -> Guidance:
    """Guidance from the vehicle's position.

    ``routes`` (a sequence of polylines, each a sequence of (lat, lon) from the vehicle, e.g. street
    paths to the corners nearby) are scored by the readings along them; the best one's end is the
    waypoint. Without them the vehicle is assumed to drive straight to each of ``candidates`` (a
    sequence of (lat, lon)), by default a ring of ``ring`` points ``step_m`` away plus the estimate.
    Street routes are what make the guidance pay off (benchmarks/approach_hunt.py): a straight leg
    through a block scores readings the vehicle cannot take.
    """
    check_latlon(np.asarray(vehicle_lat), np.asarray(vehicle_lon), "vehicle")
    if candidates is not None and routes is not None:
        raise LocatorError("guide: give candidates or routes, not both")
    fix = solution.fix
    frame = solution.frame
    dist, bearing = distance_bearing(vehicle_lat, vehicle_lon, fix.lat, fix.lon)
    vx, vy = (float(v) for v in frame.to_xy(vehicle_lat, vehicle_lon))
    if routes is not None:
        paths = [_latlon_points(r, f"routes[{i}]") for i, r in enumerate(routes)]
        if not paths:
            raise LocatorError("routes: at least one route is needed")
        ends = np.array([p[-1] for p in paths])
        legs = [np.column_stack(frame.to_xy(p[:, 0], p[:, 1])) for p in paths]
        clat, clon = ends[:, 0], ends[:, 1]
    else:
        if candidates is None:
            az = np.arange(ring) * 360.0 / ring
            clat, clon = destination(np.full(ring, vehicle_lat), np.full(ring, vehicle_lon), az, np.full(ring, step_m))
            clat, clon = np.r_[clat, fix.lat], np.r_[clon, fix.lon]
        else:
            c = _latlon_points(candidates, "candidates")
            clat, clon = c[:, 0], c[:, 1]
        cx, cy = frame.to_xy(clat, clon)
        legs = [np.array([[vx, vy], [x, y]]) for x, y in zip(cx, cy)]
    gains = information_gain(solution, legs, seed=seed)
    wps = tuple(Waypoint(float(a), float(o), float(g)) for a, o, g in zip(clat, clon, gains))
    return Guidance(float(bearing), float(dist), wps[int(np.argmax(gains))], wps)


def _latlon_points(points, what: str) -> np.ndarray:
    """A k×2 array of (lat, lon) rows, k ≥ 1, or LocatorError naming ``what``."""
    try:
        c = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise LocatorError(f"{what}: expected a sequence of (lat, lon) pairs") from None
    if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] == 0:
        raise LocatorError(f"{what}: expected a non-empty sequence of (lat, lon) pairs, got shape {c.shape}")
    check_latlon(c[:, 0], c[:, 1], what)
    return c


def information_gain(solution: Solution, legs, seed: int = 0) -> np.ndarray:
    """Expected bits about the position from the readings along each leg (a k×2 polyline of the local
    frame, its first point where the vehicle is now: no reading there), given the readings so far.
    A single-point leg scores one place."""
    hx, hy, w = _hypotheses(solution, seed)
    lik = solution.likelihood
    s = lik.sites
    u = ~s.censored
    sx, sy = s.x[u], s.y[u]
    _, p0, n = lik.profile(hx, hy)
    # Whitened site residuals under each hypothesis: the shadowing they reveal (sites × hypotheses).
    resid_w = lik.white @ (s.power[u][:, None] - (p0 + n * log_distance(sx[:, None] - hx, sy[:, None] - hy)))
    sh2 = lik.scale2 * lik.noise.shadowing_db ** 2
    dc = lik.noise.decorrelation_m
    sw = np.sqrt(w)
    out = np.empty(len(legs))
    for i, leg in enumerate(legs):
        px, py, per_point = _points_along(np.asarray(leg, dtype=float))
        # L⁻¹·k(sites, points): kriging weights (kbᵀ·resid_w) and the variance they explain (kbᵀ·kb).
        kb = lik.white @ (sh2 * shadowing_correlation(sx, sy, px, py, dc))
        mean = p0 + n * log_distance(px[:, None] - hx, py[:, None] - hy) + kb.T @ resid_w
        cov = sh2 * shadowing_correlation(px, py, px, py, dc) - kb.T @ kb
        cov[np.diag_indices_from(cov)] += lik.scale2 * s.fading_db ** 2 / per_point
        a = solve_triangular(np.linalg.cholesky(cov * solution.scale2), (mean - (mean @ w)[:, None]) * sw,
                             lower=True)
        out[i] = 0.5 * np.linalg.slogdet(np.eye(px.size) + a @ a.T)[1] / np.log(2.0)
    return out


def _points_along(leg: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Scoring points every ~LEG_STEP_M along a polyline (its start left out; a single point: itself),
    and how many readings each stands for."""
    seg = np.hypot(*np.diff(leg, axis=0).T)
    total = float(seg.sum())
    k = max(int(np.ceil(total / LEG_STEP_M)), 1)
    s = np.arange(1, k + 1) * total / k
    cum = np.r_[0.0, np.cumsum(seg)]
    return np.interp(s, cum, leg[:, 0]), np.interp(s, cum, leg[:, 1]), max(total / k / READING_STEP_M, 1.0)


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
