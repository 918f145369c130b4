"""Where issue #5's accuracy targets hold: the locator and the oracle against the amount of information.

The issue's targets (median e/√B ≤ 0.9, fail% = share with error > 3·√B ≤ 2 %, coverage of the 95 %
region 92–97 %, median error ≤ 0.5 × the power-weighted centroid's) are asked of
benchmarks/locate_accuracy.py's battery: 8–15 fixed stations in a 2.5 km disc, 3–6 km drives,
4–8 dB shadowing. This sweeps the information in a scenario, one factor at a time, on the same
scenario generator, bound, oracle and centroid (imported from locate_accuracy.py):

  (a) fixed stations only: 8, 16, 32, 64 stations in the same 2.5 km disc (shadowing 4–8 dB);
  (b) a hunting drive: 3–6 km as in the battery, and 10–15 km;
  (c) 16 fixed stations with shadowing 2, 4, 6, 8 dB.

USERS.md: "One city: ~5–30 fixed stations, a few vehicles" — rows (a) 8/16 and (b) 3–6 km are what
a deployment sees; 32 and 64 stations are there to show where the threshold effect of the
likelihood gives way (the CRLB is an asymptotic yardstick).

For each cell, the LOCATOR (locator.estimate.solve, as `foxhunt locate` runs it) and the ORACLE
(the ML of the true model: every heard reading its own site, the true shadowing, fading and
correlation; it leaves the floor readings out). The oracle's coverage is that of its own
likelihood-ratio region with the noise known: Q(truth, profiled P0, n) − Q̂ ≤ χ²₂(0.95). A cell
whose ORACLE misses a target shows that no maximum likelihood meets that target with this much
information; one whose oracle meets it and the locator does not is the locator's loss. Clean
readings only (no planted outliers). Each cell prints its sample size and the 95 % (Wilson) interval
of the locator's fail%: on 200 scenarios about 0.8–5 % around 2 %, so a cell tells 2 % from 10 %
but not 2 % from 4 %.

    python benchmarks/locate_regime.py [--quick] [--n N] [--seed N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # one core, as the issue measures

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from scipy.stats import chi2  # noqa: E402

from locate_accuracy import centroid, oracle_fit, scenario, true_bound, wilson  # noqa: E402
from locator.errors import LocatorError  # noqa: E402
from locator.estimate import solve  # noqa: E402

#: The issue's targets: median e/√B, fail%, coverage (low, high), ML/centroid.
TARGET_RATIO = 0.9
TARGET_FAIL = 2.0
TARGET_COVER = (92.0, 97.0)
TARGET_VS_CENTROID = 0.5

#: (sweep, label, kind, scenario ranges)
CELLS = (
    ("a", "8 fixed", "fixed", dict(stations=(8, 9))),
    ("a", "16 fixed", "fixed", dict(stations=(16, 17))),
    ("a", "32 fixed", "fixed", dict(stations=(32, 33))),
    ("a", "64 fixed", "fixed", dict(stations=(64, 65))),
    ("b", "drive 3-6 km", "drive", dict(drive_m=(3000.0, 6000.0))),
    ("b", "drive 10-15 km", "drive", dict(drive_m=(10_000.0, 15_000.0))),
    ("c", "16 fixed, 2 dB", "fixed", dict(stations=(16, 17), shadowing_db=(2.0, 2.0))),
    ("c", "16 fixed, 4 dB", "fixed", dict(stations=(16, 17), shadowing_db=(4.0, 4.0))),
    ("c", "16 fixed, 6 dB", "fixed", dict(stations=(16, 17), shadowing_db=(6.0, 6.0))),
    ("c", "16 fixed, 8 dB", "fixed", dict(stations=(16, 17), shadowing_db=(8.0, 8.0))),
)
SWEEPS = {"a": "fixed stations in a 2.5 km disc, shadowing 4-8 dB", "b": "one hunting drive, shadowing 4-8 dB",
          "c": "16 fixed stations, shadowing fixed"}


def run_cell(c: int, kind: str, ranges: dict, n: int, seed: int) -> np.ndarray:
    """Per scenario: locator error, oracle error, centroid error, √B, locator covers, oracle covers."""
    rows = []
    q95 = float(chi2.ppf(0.95, 2))
    for i in range(n):
        s = seed * 1_000_000 + c * 10_000 + i
        sc = scenario(np.random.default_rng(s), kind, False, s + 7, **ranges)
        try:
            sol = solve(sc.readings, frame=sc.frame)
        except LocatorError:        # fewer than 3 places heard above the floor
            continue
        theta, q_min, lik = oracle_fit(sc)
        q_truth = float(lik.profile(np.array([sc.tx.x]), np.array([sc.tx.y]))[0][0])
        cx, cy = centroid(sc)
        rows.append((np.hypot(sol.theta[0] - sc.tx.x, sol.theta[1] - sc.tx.y),
                     np.hypot(theta[0] - sc.tx.x, theta[1] - sc.tx.y),
                     np.hypot(cx - sc.tx.x, cy - sc.tx.y), true_bound(sc),
                     sol.region.geometry.covers(shapely.Point(sc.tx.x, sc.tx.y)),
                     q_truth - min(q_min, q_truth) <= q95))
    return np.array(rows, float).reshape(-1, 6)


def figures(e: np.ndarray, c: np.ndarray, b: np.ndarray, cover: np.ndarray) -> tuple[float, float, float, float]:
    return float(np.median(e / b)), float(100 * np.mean(e > 3 * b)), float(100 * cover.mean()), \
        float(np.median(e) / np.median(c))


def met(fig: tuple[float, float, float, float]) -> str:
    """One letter per target met (r ratio, f fail, c coverage, x vs centroid), '.' where missed."""
    ratio, fail, cover, vs_c = fig
    return "".join(ch if ok else "." for ch, ok in (
        ("r", ratio <= TARGET_RATIO), ("f", fail <= TARGET_FAIL),
        ("c", TARGET_COVER[0] <= cover <= TARGET_COVER[1]), ("x", vs_c <= TARGET_VS_CENTROID)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 scenarios per cell instead of 200 (a smoke run)")
    ap.add_argument("--n", type=int, default=None, help="scenarios per cell")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    n = args.n or (10 if args.quick else 200)
    t0, c0 = time.perf_counter(), time.process_time()
    print(f"targets: median e/√B ≤ {TARGET_RATIO} (r), fail% ≤ {TARGET_FAIL:g} (f), coverage "
          f"{TARGET_COVER[0]:g}–{TARGET_COVER[1]:g} % (c), median error ≤ {TARGET_VS_CENTROID} × centroid's (x); "
          f"seed {args.seed}")
    head = f"{'e/√B':>6s} {'fail%':>6s} {'cover':>6s} {'/cen':>5s} {'met':>4s}"
    sweep = None
    for c, (sw, label, kind, ranges) in enumerate(CELLS):
        if sw != sweep:
            sweep = sw
            print(f"\n({sw}) {SWEEPS[sw]}")
            print(f"{'cell':16s} {'n':>3s} | locator {head} {'fail% 95 %':>11s} | oracle  {head} | {'med √B':>6s}")
        r = run_cell(c, kind, ranges, n, args.seed)
        e, o, cen, b = r[:, 0], r[:, 1], r[:, 2], r[:, 3]
        fl, fo = figures(e, cen, b, r[:, 4]), figures(o, cen, b, r[:, 5])
        lo, hi = wilson(int(np.sum(e > 3 * b)), len(r))
        print(f"{label:16s} {len(r):3d} |         {fl[0]:6.2f} {fl[1]:5.1f}% {fl[2]:5.1f}% {fl[3]:5.2f} {met(fl):>4s}"
              f" [{100 * lo:4.1f},{100 * hi:4.1f}]"
              f" |         {fo[0]:6.2f} {fo[1]:5.1f}% {fo[2]:5.1f}% {fo[3]:5.2f} {met(fo):>4s} | {np.median(b):5.0f}m",
              flush=True)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s, CPU time {time.process_time() - c0:.1f} s")


if __name__ == "__main__":
    main()
