"""Time to locate one transmitter from 10 000 readings on one core, against baselines in the same run.

Scenario: 10 fixed stations × 600 readings and a 20 km drive read every 5 m (4 000 readings),
6 dB shadowing with 50 m correlation. Baselines: the power-weighted centroid, and a naive ML that
treats every reading as independent (grid search + LM on all 10 000 residuals, no aggregation).

    python benchmarks/locate_speed.py [--quick] [--repeat N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # the target is for one core

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import least_squares  # noqa: E402

from locator.estimate import COARSE, solve  # noqa: E402
from locator.pathloss import log_distance  # noqa: E402
from locator.region import Box  # noqa: E402
from locator.simulate import Channel, Transmitter, drive, fixed_stations, observe  # noqa: E402


def scenario(n_readings: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    tx = Transmitter(250.0, -400.0, 10.0, 3.2)
    fx, fy = fixed_stations(rng, 10, 2500.0)
    n_fixed = int(0.6 * n_readings) // 10
    dx, dy = drive(rng, (-2000.0, -1500.0), 5.0 * (n_readings - 10 * n_fixed - 1), step_m=5.0, toward=(tx.x, tx.y))
    x = np.r_[np.repeat(fx, n_fixed), dx]
    y = np.r_[np.repeat(fy, n_fixed), dy]
    nodes = np.array([f"fixed{i}" for i in range(10) for _ in range(n_fixed)] + ["van"] * dx.size, object)
    return observe(rng, tx, x, y, channel=Channel(shadowing_db=6.0), node_id=nodes)


def centroid(sc) -> np.ndarray:
    u = ~sc.readings.censored
    w = 10.0 ** (sc.readings.power_dbm[u] / 10.0)
    return np.array([np.sum(w * sc.x[u]), np.sum(w * sc.y[u])]) / w.sum()


def naive_ml(sc) -> np.ndarray:
    """Independent-Gaussian ML over every reading: the same global grid + LM, without aggregation."""
    u = ~sc.readings.censored
    x, y, p = sc.x[u], sc.y[u], sc.readings.power_dbm[u]
    box = Box(x.min() - 2000, x.max() + 2000, y.min() - 2000, y.max() + 2000)
    gx, gy, _ = box.grid(COARSE * COARSE)
    best = (np.inf, None)
    for cx, cy in zip(np.array_split(gx.ravel(), 16), np.array_split(gy.ravel(), 16)):
        a = log_distance(x[:, None] - cx, y[:, None] - cy)
        am, pm = a.mean(axis=0), p.mean()
        n = ((a - am) * (p - pm)[:, None]).sum(axis=0) / ((a - am) ** 2).sum(axis=0)
        rss = (((p - pm)[:, None] - n * (a - am)) ** 2).sum(axis=0)
        k = int(np.argmin(rss))
        if rss[k] < best[0]:
            best = (rss[k], np.array([cx[k], cy[k], pm - n[k] * am[k], n[k]]))

    def resid(t):
        return p - (t[2] + t[3] * log_distance(x - t[0], y - t[1]))
    return least_squares(resid, best[1], method="lm").x[:2]


def timed(fn, repeat: int):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--readings", type=int, default=10_000)
    args = ap.parse_args()
    repeat = args.repeat or (3 if args.quick else 7)
    sc = scenario(args.readings)
    solve(sc.readings, frame=sc.frame)           # warm-up: imports, PROJ database
    truth = np.array([sc.tx.x, sc.tx.y])
    t_ml, sol = timed(lambda: solve(sc.readings, frame=sc.frame), repeat)
    t_c, c = timed(lambda: centroid(sc), repeat)
    t_n, nv = timed(lambda: naive_ml(sc), repeat)
    print(f"{len(sc.readings)} readings → {sol.likelihood.n_sites} sites; median of {repeat} runs, one core")
    print(f"{'method':34s} {'time s':>8s} {'error m':>8s} {'95 % region':>12s}")
    print(f"{'locator.solve (full: fit+region+CRLB)':34s} {t_ml:8.3f} {np.hypot(*(sol.theta[:2] - truth)):8.1f} "
          f"{sol.fix.radius_95_m:9.0f} m")
    print(f"{'naive independent ML (no region)':34s} {t_n:8.3f} {np.hypot(*(nv - truth)):8.1f} {'—':>12s}")
    print(f"{'power-weighted centroid':34s} {t_c:8.4f} {np.hypot(*(c - truth)):8.1f} {'—':>12s}")
    print(f"locator / naive ML time ratio: {t_ml / t_n:.2f};  target < 1 s: {'met' if t_ml < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
