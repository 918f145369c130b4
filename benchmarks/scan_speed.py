"""Scan speed: a sweep of the full E-GSM band with SI decoding on every carrier, fed at the
hardware's real rate, against the plan's dwell-time lower bound (target ≤ 1.2×) and the share of
one core it takes (target ≤ 60 %, so a Raspberry-Pi-class node keeps up).

The hops are pre-rendered from the demo city (sensors.sim) into SigMF cu8 recordings, then
replayed paced at 2.4 MS/s, so rendering cost is not counted. Baseline measured in the same run:
the same paced sweep capturing without decoding. Also measured: the simulator's rendering speed
for a hop crowded with emitters (the issue asks for real time with ~15 emitters on one core).

    python benchmarks/scan_speed.py [--quick] [--node NODE] [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
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


def render_speed(n_gsm: int, n_fm: int) -> None:
    """CPU seconds to render one second of a 2.4 MS/s hop crowded with GSM carriers, and of an FM
    hop crowded with stations (the demo city has at most 3 emitters in any hop)."""
    scen = load_scenario(DEMO)
    base, fm = scen.cells[0], scen.fm[0]
    # Distinct BSICs, identities and programmes: no waveform is shared between emitters.
    cells = tuple(dataclasses.replace(base, id=f"c{k}", arfcn=8 + k, cell_id=100 + k, lac=200 + k,
                                      ncc=k // 8, bcc=k % 8, seed=k + 1) for k in range(n_gsm))
    stations = tuple(dataclasses.replace(fm, id=f"f{k}", freq_hz=87.7e6 + 0.4e6 * k, pi=f"C{300 + k}",
                                         seed=200 + k) for k in range(n_fm))
    for what, scenario in (("GSM carriers", dataclasses.replace(scen, cells=cells, fm=())),
                           ("FM stations (stereo, RDS)", dataclasses.replace(scen, cells=(), fm=stations))):
        src = SimSource(scenario, scenario.nodes[0].id, sample_rate=RATE)
        freqs = [e.freq_hz for e in (scenario.cells or scenario.fm)]
        src.tune((min(freqs) + max(freqs)) / 2)
        heard = len(src.heard())
        src.read(int(0.2 * RATE))  # warm the caches and imports
        c0, w0 = time.process_time(), time.perf_counter()
        src.read(int(RATE))
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        print(f"render: 1 s of a 2.4 MS/s hop with {heard:2d} {what}: CPU {cpu:.2f} s, wall {wall:.2f} s "
              f"({'keeps up with' if cpu <= 1 else 'slower than'} real time on one core)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="6 hops instead of the whole band")
    ap.add_argument("--node", default="xh-xujiahui")
    ap.add_argument("--keep", type=Path, help="pre-render into this folder and keep it")
    ap.add_argument("--render-only", action="store_true", help="only the crowded-hop render speed")
    args = ap.parse_args(argv)
    if args.render_only:
        render_speed(10, 5)
        return 0
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
    render_speed(10, 5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
