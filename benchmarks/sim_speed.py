"""Simulator speed: CPU seconds to render a second of a 2.4 MS/s hop crowded with emitters (the
issue asks for real time with ~15 emitters on one core; this session's target is 1.3× faster).

The hop is read the way a node reads it (consecutive 2^18-sample reads), after a warm-up read,
so every second of programme, RDS and burst content the reads need is synthesised inside the
timed span; each second of IQ is timed on its own (median and best are printed). Baseline measured in the same run: the same hop with nothing on air (noise, LO
spike, IQ imbalance and 8-bit quantisation only).

Emitters are taken from the demo city with new identities: distinct BSICs and cell identities,
PI codes and programme seeds, so no waveform is shared between them. A 2.4 MS/s hop holds 11 GSM
ARFCNs and 15 FM stations only 100 kHz apart (denser than any real plan; the cost does not
depend on the spacing), so the 15 GSM cells share their ARFCNs with co-channel cells.

    python benchmarks/sim_speed.py [--quick] [--emitters N]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

from sensors.scenario import Scenario, load_scenario
from sensors.sim import SimSource

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo_city.toml"
RATE = 2.4e6
READ = 1 << 18
TARGET = 1.3


def crowded(scen: Scenario, band: str, n: int) -> Scenario:
    """The demo city with only ``n`` emitters of ``band`` (gsm | fm), all inside one hop."""
    if band == "gsm":
        base = scen.cells[0]
        cells = tuple(dataclasses.replace(base, id=f"c{k}", arfcn=8 + k % 11, cell_id=100 + k, lac=200 + k,
                                          ncc=k // 8, bcc=k % 8, seed=k + 1, on=None, path=None) for k in range(n))
        return dataclasses.replace(scen, cells=cells, fm=())
    base = next(s for s in scen.fm if s.pi and s.stereo)
    stations = tuple(dataclasses.replace(base, id=f"f{k}", freq_hz=87.7e6 + 0.1e6 * k, pi=f"C{300 + k:03X}",
                                         seed=200 + k, spurious_hz=None, on=None) for k in range(n))
    return dataclasses.replace(scen, cells=(), fm=stations)


def render_cpu(scenario: Scenario, centre_hz: float, seconds: int) -> tuple[float, float, int]:
    """(median, best) CPU s per second of IQ over ``seconds`` consecutive one-second stretches of
    reads from a warmed-up source, and the emitters heard. A shared machine's load inflates CPU
    time too: the best second is the closest to an idle core."""
    src = SimSource(scenario, scenario.nodes[0].id, sample_rate=RATE)
    src.tune(centre_hz)
    src.set_gain(30.0)
    heard = len(src.heard())
    src.read(READ)  # imports, filter designs, tables
    per_second = round(RATE / READ)
    cpu = []
    for _ in range(seconds):
        c0 = time.process_time()
        for _ in range(per_second):
            src.read(READ)
        cpu.append((time.process_time() - c0) / (per_second * READ / RATE))
    return statistics.median(cpu), min(cpu), heard


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 s of IQ per hop instead of 5 s")
    ap.add_argument("--emitters", type=int, default=15)
    args = ap.parse_args(argv)
    seconds = 2 if args.quick else 5
    scen = load_scenario(DEMO)
    print(f"render speed, 2.4 MS/s hop, {seconds} s of IQ each: CPU s per s of IQ on one core, "
          f"median (best) of the seconds")
    print(f"{'':44}{'CPU s/s':>15}{'× real time':>13}")
    for band, centre in (("gsm", 935e6 + 0.2e6 * 13), ("fm", 88.4e6)):
        sc = crowded(scen, band, args.emitters)
        base, base_best, _ = render_cpu(dataclasses.replace(sc, cells=(), fm=()), centre, seconds)
        cpu, best, heard = render_cpu(sc, centre, seconds)
        what = "GSM BCCH carriers" if band == "gsm" else "FM stations (stereo, RDS)"
        print(f"{'baseline: same hop, nothing on air':44}{base:8.3f} ({base_best:.3f}){1 / base:12.1f}×")
        print(f"{f'{heard} {what}':44}{cpu:8.3f} ({best:.3f}){1 / cpu:12.1f}×  "
              f"(target ≥ {TARGET}×: {'met' if 1 / cpu >= TARGET else 'NOT met'}; "
              f"{(cpu - base) / max(heard, 1) * 1e3:.0f} ms per emitter-second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
