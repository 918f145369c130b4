"""Scan speed: a sweep of the full E-GSM band with SI decoding on every carrier, fed at the
hardware's real rate, against the plan's dwell-time lower bound (target ≤ 1.2×) and the share of
one core it takes (target ≤ 60 %, so a Raspberry-Pi-class node keeps up).

The hops are pre-rendered from the demo city (sensors.sim) into SigMF cu8 recordings, then
replayed paced at 2.4 MS/s, so rendering cost is not counted. Baseline measured in the same run:
the same paced sweep capturing without decoding. Also measured (benchmarks/sim_speed.py --quick):
the simulator's rendering speed for a hop crowded with 15 emitters.

    python benchmarks/scan_speed.py [--quick] [--node NODE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sensors.plan import plan_band
from sensors.recording import write_recording
from sensors.replay import ReplaySource
from sensors.scan import capture, merge, plan_for_source, results
from sensors.scenario import load_scenario
from sensors.sim import SimSource

import sim_speed  # beside this script

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo_city.toml"
RATE = 2.4e6


def prerender(folder: Path, node: str, quick: bool) -> int:
    src = SimSource(load_scenario(DEMO), node, sample_rate=RATE)
    hops = plan_band("gsm900", RATE).hops
    if quick:  # the hops with a cell, and two empty ones
        busy = []
        for h in hops:
            src.tune(h.center_hz)
            busy.append(bool([e for e in src.heard() if h.lo_hz <= e.freq_hz < h.hi_hz]))
        hops = [h for h, b in zip(hops, busy) if b][:4] + [h for h, b in zip(hops, busy) if not b][:2]
    t = time.perf_counter()
    for h in hops:
        cap = capture(src, h)
        write_recording(folder / f"hop-{h.center_hz / 1e6:.3f}", cap.samples, datatype="cu8", sample_rate=RATE,
                        center_freq=h.center_hz)
    print(f"pre-rendered {len(hops)} hops of {hops[0].dwell_s:.3f} s in {time.perf_counter() - t:.1f} s "
          f"(not counted below)")
    return len(hops)


def timed_sweep(folder: Path, decode: bool) -> tuple[float, float, float, int]:
    """(wall s, CPU s, dwell lower bound s, cells decoded) of one paced sweep."""
    with ReplaySource(folder, paced=True) as src:
        plan = plan_for_source(plan_band("gsm900", RATE), src)
        lower = sum(round(h.dwell_s * RATE) for h in plan.hops) / RATE
        w0, c0 = time.perf_counter(), time.process_time()
        if decode:
            cells = len(merge(list(results(src, plan.hops)))["cells"])
        else:
            for h in plan.hops:
                capture(src, h)
            cells = 0
        return time.perf_counter() - w0, time.process_time() - c0, lower, cells


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 hops instead of the whole band")
    ap.add_argument("--node", default="xh-xujiahui")
    ap.add_argument("--keep", type=Path, help="pre-render into this folder and keep it")
    ap.add_argument("--render-only", action="store_true", help="only the crowded-hop render speed (sim_speed.py)")
    args = ap.parse_args(argv)
    if args.render_only:
        return sim_speed.main(["--quick"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        n = prerender(folder, args.node, args.quick)
        base_wall, base_cpu, lower, _ = timed_sweep(folder, decode=False)
        wall, cpu, _, cells = timed_sweep(folder, decode=True)
    print(f"\nE-GSM sweep, {n} hops, SI dwell each, replayed paced at {RATE / 1e6:.1f} MS/s")
    print(f"{'':28}{'wall s':>8}{'× bound':>9}{'CPU s':>8}{'CPU share':>11}")
    print(f"{'dwell lower bound':28}{lower:8.2f}{1.0:9.2f}")
    print(f"{'baseline: capture only':28}{base_wall:8.2f}{base_wall / lower:9.2f}{base_cpu:8.2f}"
          f"{100 * base_cpu / base_wall:10.0f} %")
    print(f"{'capture + SI decoding':28}{wall:8.2f}{wall / lower:9.2f}{cpu:8.2f}{100 * cpu / wall:10.0f} %")
    print(f"cells decoded: {cells}")
    print(f"targets: ≤ 1.20× the bound ({'met' if wall / lower <= 1.2 else 'NOT met'}), "
          f"≤ 60 % of one core ({'met' if cpu / wall <= 0.6 else 'NOT met'})")
    print()
    return sim_speed.main(["--quick"])


if __name__ == "__main__":
    sys.exit(main())
