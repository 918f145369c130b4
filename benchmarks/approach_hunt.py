"""Approach search measured as a closed-loop hunt: does following locator.approach.guide find the
transmitter with less driving than the obvious alternatives?

A hunt: a static transmitter (EIRP and exponent drawn as in benchmarks/locate_accuracy.py), 8–16 fixed
stations on a 2.5 km disc heard once (20 readings each) give the first fix; a van starts 1.5–3 km
from the truth on a Manhattan street grid (blocks 100–300 m) and repeatedly asks its strategy where
to go, drives there along the streets (a reading every 10 m), and re-solves (locator.estimate.solve)
with all readings so far, until the 95 % region's radius_95_m < 50 m with the truth within 50 m of the
estimate (found) or BUDGET_M driven. One shadowing field per scenario (4–8 dB, 50 m Gudmundson
correlation: simulate.shadowing_field with the scenario's feature seed, so every strategy's van drives
through the same field), 2 dB fading per reading, exponent 2.7–3.6, floor −110 dBm.

Besides found, the street milestone: radius_95_m and error both < 100 m ("street, then building").

Strategies, on the same scenarios in the same run:
  arrow    straight at the current estimate (the "big arrow" alone); once there, round the block it is in
  hotcold  hotter/colder: from a heading toward the first fix, one block at a time, straight on while the
           block's mean level rises, a turn (left or right at random) when it falls; re-solved at the first
           turn 600 m or more into a leg (so its km to found are late by up to a few blocks)
  guide    locator.approach.guide's next_waypoint with no candidates (what webmap/map_approach.py asks),
           driven to along the streets (to the street point nearest it; round the estimate's block if there)
  routes   guide() given the street routes, both ways round, to the corners within ROUTE_REACH_M and to the
           street point nearest the estimate; the van drives the chosen route

    python benchmarks/approach_hunt.py [--quick] [--seed N] [--strategies arrow,hotcold,guide,routes]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # one core (and no oversubscription on a shared machine)

import argparse  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402

from locator.approach import guide  # noqa: E402
from locator.errors import LocatorError  # noqa: E402
from locator.estimate import Solution, solve  # noqa: E402
from locator.geodesy import LocalFrame  # noqa: E402
from locator.pathloss import mean_power  # noqa: E402
from locator.readings import Readings  # noqa: E402
from locator.simulate import ORIGIN, Channel, Transmitter, fixed_stations, shadowing_field  # noqa: E402

FREQ_HZ = 955.2e6
STEP_M = 10.0                 # a reading every 10 m of street
BUDGET_M = 15_000.0           # driving budget per hunt
MAX_LEGS = 60                 # re-solves per hunt (a guard on the benchmark's time; the km budget binds first)
FOUND_M = 50.0                # found: the 95 % region's radius_95_m and the estimate's error both below this
STREET_M = 100.0              # the street-level milestone: radius_95_m and error both below this
ROUTE_REACH_M = 600.0         # the "routes" strategy offers guide() the corners this far (street distance)
HOTCOLD_LEG_M = 600.0         # hotcold is re-solved at its first turn this far into a leg
STRATEGIES = ("arrow", "hotcold", "guide", "routes")


@dataclass(frozen=True)
class Streets:
    """A Manhattan grid: streets along x = ox + i·block and y = oy + j·block (local metres)."""

    block: float
    ox: float
    oy: float

    def node(self, x: float, y: float) -> np.ndarray:
        return np.array([self.ox + round((x - self.ox) / self.block) * self.block,
                         self.oy + round((y - self.oy) / self.block) * self.block])

    def snap(self, x: float, y: float) -> np.ndarray:
        """The nearest point on a street."""
        n = self.node(x, y)
        return np.array([n[0], y]) if abs(x - n[0]) <= abs(y - n[1]) else np.array([x, n[1]])

    def on_street(self, p: np.ndarray) -> tuple[bool, bool]:
        """Whether ``p`` lies on a street of constant x, of constant y."""
        fx, fy = (p[0] - self.ox) / self.block, (p[1] - self.oy) / self.block
        return abs(fx - round(fx)) < 1e-6, abs(fy - round(fy)) < 1e-6

    def _ends(self, p: np.ndarray) -> list[np.ndarray]:
        """The corners at the two ends of the block edge ``p`` lies on (``p`` itself at a corner)."""
        on_x, on_y = self.on_street(p)
        fx, fy = (p[0] - self.ox) / self.block, (p[1] - self.oy) / self.block
        if on_x and on_y:
            return [p]
        if on_x:        # on a street of constant x
            return [np.array([p[0], self.oy + np.floor(fy) * self.block]),
                    np.array([p[0], self.oy + np.ceil(fy) * self.block])]
        return [np.array([self.ox + np.floor(fx) * self.block, p[1]]),
                np.array([self.ox + np.ceil(fx) * self.block, p[1]])]

    def route(self, a: np.ndarray, b: np.ndarray, y_first: bool = False) -> list[np.ndarray]:
        """Vertices of a shortest street path a → b (both on streets): between corners x first, then y
        (or y first)."""
        ax, ay = self.on_street(a)
        if (ax and abs(a[0] - b[0]) < 1e-6) or (ay and abs(a[1] - b[1]) < 1e-6):
            return [a, b]
        best = min(((na, nb) for na in self._ends(a) for nb in self._ends(b)),
                   key=lambda p: (np.abs(a - p[0]).sum() + np.abs(p[0] - p[1]).sum() + np.abs(p[1] - b).sum()))
        na, nb = best
        turn = np.array([na[0], nb[1]]) if y_first else np.array([nb[0], na[1]])
        return [a, na, turn, nb, b]

    def corners_near(self, p: np.ndarray, reach: float) -> list[np.ndarray]:
        """Street corners within ``reach`` (street distance, roughly) of ``p``."""
        k = int(reach // self.block)
        c = self.node(*p)
        return [c + self.block * np.array([i, j]) for i in range(-k, k + 1) for j in range(-k, k + 1)
                if 0 < abs(i) + abs(j) <= k]


def along(vertices: list[np.ndarray], step: float = STEP_M) -> np.ndarray:
    """Points every ``step`` metres along the polyline, the start excluded, the end included."""
    v = np.array(vertices, float)
    seg = np.hypot(*np.diff(v, axis=0).T)
    total = seg.sum()
    if total < step:
        return np.empty((0, 2))
    s = np.r_[np.arange(step, total, step), total]
    cum = np.r_[0.0, np.cumsum(seg)]
    return np.column_stack([np.interp(s, cum, v[:, 0]), np.interp(s, cum, v[:, 1])])


@dataclass(frozen=True)
class Scenario:
    seed: int
    tx: Transmitter
    channel: Channel
    field_seed: int
    streets: Streets
    start: np.ndarray
    fixed_xy: np.ndarray          # one row per fixed-station reading
    fixed_power: np.ndarray
    fixed_nodes: np.ndarray

    def level(self, xy: np.ndarray, fading: np.random.Generator) -> np.ndarray:
        return level(self.tx, self.channel, self.field_seed, xy, fading)


def level(tx: Transmitter, ch: Channel, field_seed: int, xy: np.ndarray, fading: np.random.Generator) -> np.ndarray:
    """Received power (dBm, before the floor) at the points: path loss + the scenario's one shadowing field
    (the same features at every call: the generator is re-seeded) + fresh fading."""
    field = shadowing_field(np.random.default_rng(field_seed), xy[:, 0], xy[:, 1], ch.shadowing_db, ch.decorrelation_m)
    return (mean_power(tx.p0_dbm, tx.exponent, xy[:, 0] - tx.x, xy[:, 1] - tx.y) + field
            + ch.fading_db * fading.standard_normal(len(xy)))


def make_scenario(seed: int) -> Scenario:
    rng = np.random.default_rng(seed)
    tx = Transmitter(rng.uniform(-800, 800), rng.uniform(-800, 800), rng.uniform(0.0, 15.0), rng.uniform(2.7, 3.6))
    ch = Channel(shadowing_db=rng.uniform(4.0, 8.0), decorrelation_m=50.0, fading_db=2.0)
    field_seed = int(rng.integers(2 ** 62))
    block = rng.uniform(100.0, 300.0)
    streets = Streets(block, *rng.uniform(0.0, block, 2))
    a, d = rng.uniform(0.0, 2 * np.pi), rng.uniform(1500.0, 3000.0)
    start = streets.node(tx.x + d * np.cos(a), tx.y + d * np.sin(a))
    k = int(rng.integers(8, 17))
    fx, fy = fixed_stations(rng, k, 2500.0)
    xy = np.column_stack([np.repeat(fx, 20), np.repeat(fy, 20)])
    nodes = np.array([f"fixed{i}" for i in range(k) for _ in range(20)], object)
    return Scenario(seed, tx, ch, field_seed, streets, start, xy, level(tx, ch, field_seed, xy, rng), nodes)


@dataclass
class Hunt:
    """The readings so far and where the van is."""

    sc: Scenario
    frame: LocalFrame
    xy: np.ndarray
    power: np.ndarray
    nodes: np.ndarray
    van: np.ndarray
    fading: np.random.Generator
    driven: float = 0.0
    solves: int = 0

    def drive(self, vertices: list[np.ndarray]) -> np.ndarray:
        """Drive the polyline from the van's position, reading every STEP_M; the levels heard."""
        pts = along([self.van, *vertices])
        if len(pts) == 0:
            return np.empty(0)
        room = int((BUDGET_M - self.driven) // STEP_M)
        pts = pts[:max(room, 1)]
        lv = self.sc.level(pts, self.fading)
        self.driven += STEP_M * len(pts)
        self.van = pts[-1]
        self.xy = np.vstack([self.xy, pts])
        self.power = np.r_[self.power, lv]
        self.nodes = np.r_[self.nodes, np.full(len(pts), "van", object)]
        return np.maximum(lv, self.sc.channel.floor_dbm)

    def solve(self) -> Solution:
        self.solves += 1
        floor = self.sc.channel.floor_dbm
        lat, lon = self.frame.to_latlon(self.xy[:, 0], self.xy[:, 1])
        r = Readings.of(1.7e9 + np.arange(len(self.power), dtype=float), self.nodes, lat, lon, FREQ_HZ,
                        np.maximum(self.power, floor), self.power < floor, "hunt")
        return solve(r, frame=self.frame)


def within(sol: Solution, tx: Transmitter, limit_m: float) -> bool:
    """The 95 % region's radius AND the estimate's error both below ``limit_m``."""
    return sol.fix.radius_95_m < limit_m and np.hypot(sol.theta[0] - tx.x, sol.theta[1] - tx.y) <= limit_m


def block_around(streets: Streets, x: float, y: float) -> list[np.ndarray]:
    """The four corners of the block containing (x, y), counter-clockwise from the lower left."""
    x0 = streets.ox + np.floor((x - streets.ox) / streets.block) * streets.block
    y0 = streets.oy + np.floor((y - streets.oy) / streets.block) * streets.block
    b = streets.block
    return [np.array(c) for c in ((x0, y0), (x0 + b, y0), (x0 + b, y0 + b), (x0, y0 + b))]


def circle_block(h: Hunt, x: float, y: float) -> list[np.ndarray]:
    """A lap of the block containing (x, y), starting and ending at its corner nearest the van."""
    corners = block_around(h.sc.streets, x, y)
    i = int(np.argmin([np.abs(c - h.van).sum() for c in corners]))
    lap = corners[i:] + corners[:i] + [corners[i]]
    return h.sc.streets.route(h.van, lap[0]) + lap[1:]


def go_to(h: Hunt, x: float, y: float, sol: Solution) -> list[np.ndarray]:
    """The street route to the street point nearest (x, y); round the estimate's block when already there."""
    target = h.sc.streets.snap(x, y)
    if np.hypot(*(target - h.van)) < STEP_M:
        return circle_block(h, sol.theta[0], sol.theta[1])
    return h.sc.streets.route(h.van, target)


def leg_guide(h: Hunt, sol: Solution, state: dict) -> list[np.ndarray]:
    lat, lon = h.frame.to_latlon(h.van[0], h.van[1])
    wp = guide(sol, float(lat), float(lon)).next_waypoint
    x, y = h.frame.to_xy(wp.lat, wp.lon)
    return go_to(h, float(x), float(y), sol)


def leg_routes(h: Hunt, sol: Solution, state: dict) -> list[np.ndarray]:
    """guide() given the street routes (both ways round) to the corners within ROUTE_REACH_M and to the
    street point nearest the estimate."""
    st = h.sc.streets
    ends = st.corners_near(h.van, max(ROUTE_REACH_M, 2 * st.block)) + [st.snap(sol.theta[0], sol.theta[1])]
    paths = [p for e in ends if np.hypot(*(e - h.van)) >= STEP_M
             for p in (st.route(h.van, e), st.route(h.van, e, y_first=True))]
    if not paths:
        return circle_block(h, sol.theta[0], sol.theta[1])
    routes = [np.column_stack(h.frame.to_latlon(*np.array(p, float).T)) for p in paths]
    g = guide(sol, *(float(v) for v in h.frame.to_latlon(h.van[0], h.van[1])), routes=routes)
    i = next(i for i, c in enumerate(g.candidates) if c is g.next_waypoint)
    return paths[i]


def leg_arrow(h: Hunt, sol: Solution, state: dict) -> list[np.ndarray]:
    return go_to(h, sol.theta[0], sol.theta[1], sol)


_HEADINGS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def leg_hotcold(h: Hunt, sol: Solution, state: dict) -> list[np.ndarray]:
    """Block by block until a turn at least HOTCOLD_LEG_M into the leg (the fix is then re-solved: the
    hunter does not need it, the benchmark's found test does)."""
    b = h.sc.streets.block
    if "heading" not in state:          # first leg: toward the first fix, from a corner
        state["heading"] = int(np.argmax(_HEADINGS @ (sol.theta[:2] - h.van)))
        state["last"] = -np.inf
        state["rng"] = np.random.default_rng(h.sc.seed + 1)
    start = h.driven
    while h.driven < BUDGET_M:
        level = float(np.mean(h.drive([h.van + b * _HEADINGS[state["heading"]]])))
        colder = level < state["last"]
        state["last"] = level
        if colder:
            state["heading"] = (state["heading"] + state["rng"].choice([-1, 1])) % 4
            if h.driven - start >= HOTCOLD_LEG_M:
                break
    return []


LEGS = {"arrow": leg_arrow, "hotcold": leg_hotcold, "guide": leg_guide, "routes": leg_routes}


def hunt(sc: Scenario, strategy: str) -> dict:
    t0 = time.process_time()
    h = Hunt(sc, LocalFrame(*ORIGIN), sc.fixed_xy, sc.fixed_power, sc.fixed_nodes, sc.start.copy(),
             np.random.default_rng(sc.seed + 2))
    sol = h.solve()
    state: dict = {}
    km = {"street": None, "found": None}
    solves_found = None
    while True:
        if km["street"] is None and within(sol, sc.tx, STREET_M):
            km["street"] = h.driven / 1000.0
        if within(sol, sc.tx, FOUND_M):
            km["found"], solves_found = h.driven / 1000.0, h.solves - 1
            break
        if h.driven >= BUDGET_M or h.solves > MAX_LEGS:
            break
        route = LEGS[strategy](h, sol, state)
        if route:
            h.drive(route)
        try:
            sol = h.solve()
        except LocatorError:
            continue
    err = float(np.hypot(sol.theta[0] - sc.tx.x, sol.theta[1] - sc.tx.y))
    inside = bool(sol.region.geometry.covers(shapely.Point(sc.tx.x, sc.tx.y)))
    return {"km": km["found"], "km_street": km["street"], "solves": solves_found, "err": err, "outside": not inside,
            "radius": sol.fix.radius_95_m, "capped": km["found"] is None and h.driven < BUDGET_M,
            "cpu": time.process_time() - t0}


def pct(values: list, q: float) -> str:
    """Percentile q of a quantity that is None (+∞) for the hunts that did not reach the goal."""
    v = np.array([np.inf if x is None else x for x in values], float)
    x = float(np.percentile(v, q, method="inverted_cdf"))
    return f"{x:6.1f}" if np.isfinite(x) else "  >bud"


def report(results: dict[str, list[dict]], n: int) -> None:
    print(f"\n{'strategy':8s} | {'found':>6s} {'km med':>6s} {'p90':>6s} {'solves':>6s} {'p90':>6s} |"
          f" {'street':>6s} {'km med':>6s} {'p90':>6s} | {'final err med':>13s} {'p90':>5s} {'r95 med':>7s} |"
          f" {'truth out':>9s} | {'CPU s/hunt':>10s}")
    for name, rows in results.items():
        err = np.array([r["err"] for r in rows])
        found_pc = 100 * np.mean([r["km"] is not None for r in rows])
        street_pc = 100 * np.mean([r["km_street"] is not None for r in rows])
        km, st, sv = ([r[k] for r in rows] for k in ("km", "km_street", "solves"))
        print(f"{name:8s} | {found_pc:5.1f}% {pct(km, 50)} {pct(km, 90)} {pct(sv, 50)} {pct(sv, 90)} |"
              f" {street_pc:5.1f}% {pct(st, 50)} {pct(st, 90)} | {np.median(err):13.0f} {np.percentile(err, 90):5.0f}"
              f" {np.median([r['radius'] for r in rows]):7.0f} | {100 * np.mean([r['outside'] for r in rows]):8.1f}% |"
              f" {np.mean([r['cpu'] for r in rows]):10.2f}")
    capped = {name: sum(r["capped"] for r in rows) for name, rows in results.items()}
    if any(capped.values()):
        print("stopped by MAX_LEGS before the km budget: " + ", ".join(f"{k} {v}" for k, v in capped.items()))
    base = "arrow" if "arrow" in results else next(iter(results))
    print(f"\npaired against {base} (same scenarios): hunts where the strategy needed less / more driving "
          f"(not reached = ∞), and the median km ratio strategy/{base} where both reached the goal")
    for goal, key in (("found", "km"), ("street", "km_street")):
        kb = np.array([np.inf if r[key] is None else r[key] for r in results[base]])
        for name in results:
            if name == base:
                continue
            ka = np.array([np.inf if r[key] is None else r[key] for r in results[name]])
            both = np.isfinite(ka) & np.isfinite(kb)
            ratio = f"{np.median(ka[both] / kb[both]):.2f}" if both.any() else "  - "
            print(f"  {goal:6s} {name:8s}: less in {np.sum(ka < kb):3d}, more in {np.sum(ka > kb):3d} of {n}; "
                  f"median ratio {ratio} over {both.sum()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="8 scenarios instead of 100")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    args = ap.parse_args()
    n = 8 if args.quick else 100
    names = args.strategies.split(",")
    unknown = set(names) - set(LEGS)
    if unknown:
        ap.error(f"--strategies: unknown {', '.join(sorted(unknown))}; choose from {', '.join(LEGS)}")
    t0, c0 = time.perf_counter(), time.process_time()
    results: dict[str, list[dict]] = {s: [] for s in names}
    for i in range(n):
        sc = make_scenario(args.seed * 100_000 + i)
        for s in names:
            results[s].append(hunt(sc, s))
    print(f"{n} hunts per strategy (seed {args.seed}), budget {BUDGET_M / 1000:g} km; found: radius_95_m < "
          f"{FOUND_M:g} m and error ≤ {FOUND_M:g} m; street: both < {STREET_M:g} m; km and solves to that goal "
          "('>bud': not reached); truth out: outside the final 95 % region")
    report(results, n)
    print(f"\nwall time {time.perf_counter() - t0:.1f} s, CPU time {time.process_time() - c0:.1f} s")


if __name__ == "__main__":
    main()
