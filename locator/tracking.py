"""Moving targets: is a static fit rejected, and the track of a moving one over sliding windows.

Spec: the motion test is a one-way ANOVA F-test (Fisher) of the mean power at each place revisited
in several time windows — shadowing from a fixed transmitter is the same at a place whatever the
time, so only fading separates the windows unless the transmitter moved; the track is a
constant-velocity Kalman filter (Bar-Shalom, Li & Kirubarajan, *Estimation with Applications to
Tracking and Navigation*, §6.3.2, discrete white-noise acceleration) over windowed ML fixes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import f as f_dist

from locator.errors import LocatorError
from locator.estimate import solve
from locator.geodesy import LocalFrame
from locator.likelihood import NoiseModel, group_index
from locator.readings import Readings


@dataclass(frozen=True)
class MotionTest:
    """``moving`` is None when no place was heard in two windows (a single drive cannot tell)."""

    moving: bool | None
    f_statistic: float
    p_value: float
    rms_change_db: float          # rms between-window change of a place's mean power
    n_places: int


@dataclass(frozen=True)
class TrackPoint:
    timestamp: float              # centre of the window, Unix s
    lat: float
    lon: float
    sd_m: float                   # √trace of the filtered position covariance
    speed_m_s: float
    heading_deg: float            # clockwise from grid north of the local frame
    n_readings: int


def motion_test(readings: Readings, *, windows: int = 3, alpha: float = 1e-3, min_change_db: float = 3.0,
                frame: LocalFrame | None = None) -> MotionTest:
    """Split the readings into ``windows`` equal-count time windows and test whether places (1 m
    cells) heard in several windows changed level by more than fading explains (and by ≥ min_change_db)."""
    u = ~readings.censored
    if u.sum() < 2 * windows:
        return MotionTest(None, float("nan"), float("nan"), float("nan"), 0)
    frame = frame or LocalFrame.around(readings.lat, readings.lon)
    x, y = frame.to_xy(readings.lat[u], readings.lon[u])
    p = readings.power_dbm[u]
    rank = np.argsort(np.argsort(readings.timestamp[u], kind="stable"), kind="stable")
    win = rank * windows // rank.size
    place = group_index(np.round(x), np.round(y))
    cell = group_index(place, win)
    n_cell = np.bincount(cell).astype(float)
    mean_cell = np.bincount(cell, p) / n_cell
    cell_place = np.zeros(n_cell.size, int)
    cell_place[cell] = place
    windows_per_place = np.bincount(cell_place)
    keep_cell = windows_per_place[cell_place] >= 2
    keep = keep_cell[cell]
    df_within = int(keep.sum() - keep_cell.sum())
    if not keep_cell.any() or df_within < 2:
        return MotionTest(None, float("nan"), float("nan"), float("nan"), 0)
    place_mean = np.bincount(cell_place[keep_cell], (mean_cell * n_cell)[keep_cell]) / \
        np.maximum(np.bincount(cell_place[keep_cell], n_cell[keep_cell]), 1)
    ss_between = float(np.sum(n_cell[keep_cell] * (mean_cell[keep_cell] - place_mean[cell_place[keep_cell]]) ** 2))
    ss_within = float(np.sum((p[keep] - mean_cell[cell[keep]]) ** 2))
    n_places = int((windows_per_place >= 2).sum())
    df_between = int(keep_cell.sum() - n_places)
    f = (ss_between / df_between) / max(ss_within / df_within, 1e-12)
    pv = float(f_dist.sf(f, df_between, df_within))
    rms = float(np.sqrt(ss_between / n_cell[keep_cell].sum()))
    return MotionTest(bool(pv < alpha and rms >= min_change_db), float(f), pv, rms, n_places)


def track(readings: Readings, *, window_s: float = 120.0, step_s: float = 60.0, accel_sd: float = 0.5,
          noise: NoiseModel = NoiseModel(), frame: LocalFrame | None = None) -> tuple[TrackPoint, ...]:
    """Fix each sliding window (windows that cannot be located are skipped) and smooth the fixes
    with a constant-velocity Kalman filter whose measurement covariance is each fix's own bound."""
    if window_s <= 0 or step_s <= 0:
        raise LocatorError("track: window_s and step_s must be positive")
    frame = frame or LocalFrame.around(readings.lat, readings.lon)
    t = readings.timestamp
    fixes = []
    for t0 in np.arange(t.min(), max(t.max() - window_s, t.min()) + step_s, step_s):
        sel = (t >= t0) & (t < t0 + window_s)
        try:
            sol = solve(readings.subset(sel), noise=noise, frame=frame)
        except LocatorError:
            continue
        fixes.append((t0 + window_s / 2, sol.theta[:2], sol.bound_cov, int(sel.sum())))
    if not fixes:
        raise LocatorError(f"track: no window of {window_s:g} s has enough readings to locate {readings.target!r}")
    return tuple(_kalman(fixes, accel_sd, frame))


def _kalman(fixes, accel_sd: float, frame: LocalFrame):
    tc, z0, r0, n0 = fixes[0]
    s = np.r_[z0, 0.0, 0.0]
    p = np.diag([r0[0, 0], r0[1, 1], 100.0, 100.0])       # speed unknown: ±10 m/s
    h = np.hstack([np.eye(2), np.zeros((2, 2))])
    t_prev = tc
    for tc, z, r, n in fixes:
        dt = tc - t_prev
        t_prev = tc
        f = np.eye(4)
        f[0, 2] = f[1, 3] = dt
        g = np.array([[dt * dt / 2, 0], [0, dt * dt / 2], [dt, 0], [0, dt]])
        s = f @ s
        p = f @ p @ f.T + accel_sd ** 2 * g @ g.T
        k = p @ h.T @ np.linalg.inv(h @ p @ h.T + r)
        s = s + k @ (z - h @ s)
        p = (np.eye(4) - k @ h) @ p
        lat, lon = frame.to_latlon(s[0], s[1])
        yield TrackPoint(float(tc), float(lat), float(lon), float(np.sqrt(p[0, 0] + p[1, 1])),
                         float(np.hypot(s[2], s[3])), float(np.degrees(np.arctan2(s[2], s[3])) % 360.0), n)
