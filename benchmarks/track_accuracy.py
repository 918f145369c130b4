"""Moving targets: the motion test's false alarms and detections, and the track's accuracy, side by side.

Scenario: a city area of 8–16 fixed stations (uniform over a 2.5 km disc), each reading the target
once every 10–20 s (its own period and phase) for 10–20 minutes; the target is (a) static, uniform
over ±800 m, or (b) a car driving the 300 m street grid (locator.simulate.drive, heading back toward
the centre at a third of the corners so it stays in town) at 5–12 m/s, stopping at a quarter of the
corners for 10–60 s. EIRP at 1 m 0–15 dBm, exponent 2.7–3.6 (unknown to the estimator), 2 dB
fading per reading, floor −110 dBm (censored).

Shadowing is a field over the TRANSMITTER's position, one independent field per station (Gudmundson
exponential correlation, 4–8 dB, 50 m, drawn by locator.simulate.shadowing_field). Why: the
stations are fixed, so what changes a link's shadowing is only the transmitter moving through the
clutter around it, and Gudmundson's model is exactly that — the correlation of a link's shadowing
over the displacement of its mobile end. A parked target therefore gives each station the same
shadowing at every time (what the motion test relies on), a car decorrelates it every ~50 m of
driving. The stations are kilometres apart (≫ 50 m), so treating their fields as independent loses
nothing, and for a static target the per-station draws have the same law as the static battery's
(benchmarks/locate_accuracy.py: one field over the receivers' positions).

Printed: the motion test's false-alarm rate on the static targets (its promise is alpha) and its
detection rate on the moving ones, by speed and duration; for the moving targets the position error
at each window centre (pooled over every window of every scenario) of the track (the live Kalman
filter), of its history (with the backward pass), of the raw window fixes they smooth, and of the
static whole-period fix, also by speed; the last track point against the truth at the last reading
(where a live map puts a car that has driven on since its last window); and how often the truth
lies within 2·sd_m of the track (an honest sd: 95–98 %, 95.4 % for a thin ellipse, 98.2 % for a
round one), beside the same for the raw fixes' own √trace(CRLB). The track of the static targets is
measured too (a static target the test wrongly flags is tracked; its fixes share one shadowing draw).

    python benchmarks/track_accuracy.py [--quick] [--seed N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # one core, as the locator benchmarks measure

import argparse  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402

from locator.errors import LocatorError  # noqa: E402
from locator.estimate import solve  # noqa: E402
from locator.geodesy import LocalFrame  # noqa: E402
from locator.pathloss import mean_power  # noqa: E402
from locator.readings import Readings  # noqa: E402
from locator.simulate import ORIGIN, drive, fixed_stations, shadowing_field  # noqa: E402
from locator.tracking import kalman, motion_test, window_fixes  # noqa: E402

FLOOR_DBM = -110.0
BLOCK_M = 300.0
STEP_M = 10.0


@dataclass(frozen=True, eq=False)
class Scenario:
    frame: LocalFrame
    readings: Readings
    knots_t: np.ndarray        # the transmitter's path: position (m) at these times (Unix s), linear between
    knots_x: np.ndarray
    knots_y: np.ndarray
    speed_m_s: float           # 0 for a static target
    duration_s: float

    def truth(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.interp(t, self.knots_t, self.knots_x), np.interp(t, self.knots_t, self.knots_y)


def car_path(rng: np.random.Generator, start: tuple[float, float], speed: float, duration: float):
    """Knots (t, x, y) of a car driving the street grid from ``start`` at ``speed``, with stops at corners."""
    x, y = drive(rng, start, speed * duration + BLOCK_M, block_m=BLOCK_M, step_m=STEP_M, toward=(0.0, 0.0),
                 hunt_probability=1 / 3)
    corner = np.zeros(x.size, bool)
    corner[int(BLOCK_M / STEP_M)::int(BLOCK_M / STEP_M)] = True
    dwell = np.where(corner & (rng.uniform(size=x.size) < 0.25), rng.uniform(10.0, 60.0, x.size), 0.0)
    arrive = np.arange(x.size) * STEP_M / speed + np.r_[0.0, np.cumsum(dwell)[:-1]]
    stop = dwell > 0        # a stopped car: a second knot at the same place when it leaves
    t = np.r_[arrive, arrive[stop] + dwell[stop]]
    order = np.argsort(t, kind="stable")
    return t[order], np.r_[x, x[stop]][order], np.r_[y, y[stop]][order]


def scenario(rng: np.random.Generator, moving: bool) -> Scenario:
    k = int(rng.integers(8, 17))
    sx, sy = fixed_stations(rng, k, 2500.0)
    duration = rng.uniform(600.0, 1200.0)
    p0, exponent, shadow_db = rng.uniform(0.0, 15.0), rng.uniform(2.7, 3.6), rng.uniform(4.0, 8.0)
    start = (rng.uniform(-800, 800), rng.uniform(-800, 800))
    speed = rng.uniform(5.0, 12.0) if moving else 0.0
    if moving:
        kt, kx, ky = car_path(rng, start, speed, duration)
    else:
        kt, kx, ky = np.array([0.0]), np.array([start[0]]), np.array([start[1]])
    ts, nodes, rx, ry, power = [], [], [], [], []
    for j in range(k):
        period = rng.uniform(10.0, 20.0)
        t = np.arange(rng.uniform(0.0, period), duration, period)
        tx, ty = np.interp(t, kt, kx), np.interp(t, kt, ky)
        p = (mean_power(p0, exponent, sx[j] - tx, sy[j] - ty) + shadowing_field(rng, tx, ty, shadow_db, 50.0)
             + 2.0 * rng.standard_normal(t.size))
        ts.append(t); power.append(p); rx.append(np.full(t.size, sx[j])); ry.append(np.full(t.size, sy[j]))
        nodes += [f"st{j}"] * t.size
    t, p = np.concatenate(ts), np.concatenate(power)
    frame = LocalFrame(*ORIGIN)
    lat, lon = frame.to_latlon(np.concatenate(rx), np.concatenate(ry))
    censored = p < FLOOR_DBM
    readings = Readings.of(t + 1.7e9, np.array(nodes, object), lat, lon, 955.2e6, np.where(censored, FLOOR_DBM, p),
                           censored, "car" if moving else "parked")
    return Scenario(frame, readings, kt + 1.7e9, kx, ky, speed, duration)


@dataclass(frozen=True)
class Outcome:
    moving: bool
    speed: float
    duration: float
    flagged: bool | None
    p_value: float
    track_err: np.ndarray      # per window centre (m)
    track_sd: np.ndarray
    history_err: np.ndarray    # the track with the backward pass (kalman(..., history=True))
    history_sd: np.ndarray
    raw_err: np.ndarray
    raw_sd: np.ndarray         # √trace of the fix's reported bound
    static_err: np.ndarray     # the whole-period fix against the truth at each window centre
    now_err: float             # the last track point against the truth at the last reading (a live map's lag)


def run(sc: Scenario) -> Outcome:
    mt = motion_test(sc.readings, frame=sc.frame)
    fixes = window_fixes(sc.readings, frame=sc.frame)
    empty = np.zeros(0)
    if not fixes:
        return Outcome(sc.speed_m_s > 0, sc.speed_m_s, sc.duration_s, mt.moving, mt.p_value, *[empty] * 7, np.nan)
    tc = np.array([f.timestamp for f in fixes])
    gx, gy = sc.truth(tc)
    fx = np.array([f.solution.theta[:2] for f in fixes])

    def errors(points):
        xy = np.array([sc.frame.to_xy(p.lat, p.lon) for p in points])
        return np.hypot(xy[:, 0] - gx, xy[:, 1] - gy), np.array([p.sd_m for p in points])

    try:
        whole = solve(sc.readings, frame=sc.frame).theta[:2]
        static_err = np.hypot(whole[0] - gx, whole[1] - gy)
    except LocatorError:
        static_err = np.full(tc.size, np.nan)
    live = kalman(fixes)
    nx, ny = sc.truth(np.array([sc.readings.timestamp.max()]))
    lx, ly = sc.frame.to_xy(live[-1].lat, live[-1].lon)
    return Outcome(sc.speed_m_s > 0, sc.speed_m_s, sc.duration_s, mt.moving, mt.p_value,
                   *errors(live), *errors(kalman(fixes, history=True)), np.hypot(fx[:, 0] - gx, fx[:, 1] - gy),
                   np.array([np.sqrt(np.trace(f.solution.bound_cov)) for f in fixes]), static_err,
                   float(np.hypot(lx - nx[0], ly - ny[0])))


def rate(flags) -> str:
    flags = list(flags)
    return f"{sum(f is True for f in flags)}/{len(flags)} ({100 * np.mean([f is True for f in flags]):.1f} %)" \
        if flags else "—"


def report(rows: list[Outcome], alpha: float) -> None:
    static = [r for r in rows if not r.moving]
    car = [r for r in rows if r.moving]
    print(f"\n== motion test (alpha {alpha:g}) ==")
    print(f"static targets flagged moving (false alarm): {rate(r.flagged for r in static)};  "
          f"undecided (None): {sum(r.flagged is None for r in static)};  "
          f"p < 0.05: {100 * np.mean([r.p_value < 0.05 for r in static]):.1f} % (a uniform p gives 5 %)")
    print(f"moving targets flagged moving (detection): {rate(r.flagged for r in car)};  "
          f"undecided: {sum(r.flagged is None for r in car)}")
    for lo, hi in ((5, 7.5), (7.5, 10), (10, 12)):
        print(f"  speed {lo:4.1f}–{hi:4.1f} m/s: {rate(r.flagged for r in car if lo <= r.speed < hi)}")
    for lo, hi in ((600, 800), (800, 1000), (1000, 1200)):
        print(f"  duration {lo / 60:4.1f}–{hi / 60:4.1f} min: {rate(r.flagged for r in car if lo <= r.duration < hi)}")
    for label, sel in (("moving", car), ("static", static)):
        err = {k: np.concatenate([getattr(r, k) for r in sel])
               for k in ("track_err", "track_sd", "history_err", "history_sd", "raw_err", "raw_sd", "static_err")}
        n_win = err["track_err"].size
        no_fix = sum(r.track_err.size == 0 for r in sel)
        print(f"\n== position error of {label} targets at each window centre: {n_win} windows of {len(sel)} "
              f"scenarios ({no_fix} without a locatable window) ==")
        print(f"{'':22s} {'median':>7s} {'p90':>7s} {'p99':>7s} {'mean':>7s} | {'within 2 sd':>11s}")
        for name, e, sd in (("track (Kalman)", err["track_err"], err["track_sd"]),
                            ("history (+ RTS pass)", err["history_err"], err["history_sd"]),
                            ("raw window fixes", err["raw_err"], err["raw_sd"]),
                            ("static whole period", err["static_err"], None)):
            ok = np.isfinite(e)
            honest = f"{100 * np.mean(e[ok] <= 2 * sd[ok]):10.1f}%" if sd is not None else f"{'':>11s}"
            e = e[ok]
            print(f"{name:22s} {np.median(e):7.0f} {np.percentile(e, 90):7.0f} {np.percentile(e, 99):7.0f} "
                  f"{e.mean():7.0f} | {honest}")
        if label == "moving":
            for lo, hi in ((5, 7.5), (7.5, 10), (10, 12)):
                by = [r for r in sel if lo <= r.speed < hi]
                med = [np.nanmedian(np.concatenate([getattr(r, k) for r in by])) for k in ("track_err", "history_err",
                                                                                     "raw_err", "static_err")]
                print(f"  speed {lo:4.1f}–{hi:4.1f} m/s, median: track {med[0]:.0f}, history {med[1]:.0f}, "
                      f"raw {med[2]:.0f}, static {med[3]:.0f}")
        now = np.array([r.now_err for r in sel])
        print(f"the last track point vs the truth at the last reading (now): median {np.nanmedian(now):.0f} m, "
              f"p90 {np.nanpercentile(now, 90):.0f} m")
        ratio = np.median(err["track_err"]) / np.median(err["raw_err"])
        print(f"track / raw fixes: median {ratio:.2f}, p90 "
              f"{np.percentile(err['track_err'], 90) / np.percentile(err['raw_err'], 90):.2f};  "
              f"median sd_m {np.median(err['track_sd']):.0f} m, raw √tr(CRLB) {np.median(err['raw_sd']):.0f} m")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="16 scenarios per kind instead of 100")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n = 16 if args.quick else 100
    t0, c0 = time.perf_counter(), time.process_time()
    rows = []
    for i in range(n):
        for moving in (False, True):
            s = args.seed * 100_000 + 2 * i + moving
            rows.append(run(scenario(np.random.default_rng(s), moving)))
    report(rows, 1e-3)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s, CPU time {time.process_time() - c0:.1f} s")


if __name__ == "__main__":
    main()
