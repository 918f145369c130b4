"""The blind zone at the tuner's centre: how far from the RTL-SDR's LO an emission must sit for a
node's hop to find it and read it right (the LO leakage line at 0 Hz is taken out of the IQ as each
read's mean by dsp.fm.dc_block before the FM/air analysis, and a carrier exactly on it goes with it).

A simulated node of the demo city (sensors.sim: LO leakage, IQ imbalance, 8-bit ADC, ppm error)
is tuned so that one emission sits at a chosen offset from its real LO, and the hop is analysed
as the node does (sensors.scan.analyse):

- air: black-9535's AM spurious emission at 113.15 MHz (-45 dBc as in the demo, and 15 dB
  weaker): found?, its measured frequency's error, the SM.1009 relation found (the node's FM
  memory holds its three sources);
- fm: fm-977 (97.7 MHz, RDS PI C203), as in the demo and 40 dB weaker: found?, frequency error, PI;
- gsm: cm-xujiahui-1 (937.4 MHz, BSIC 2/1), as in the demo and 68 dB weaker (8 dB SNR): found
  with its BSIC on an FCCH/SCH dwell?

Every reading carries the node's LO error (ppm × frequency).

    python benchmarks/blind_zone.py [--quick] [--bands air,fm,gsm] [--node NODE]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from sensors.carriers import HeardCarriers
from sensors.plan import AIR_DWELL_S, FM_DWELL_S, GSM_DETECT_DWELL_S, PlannedHop
from sensors.scan import analyse, capture
from sensors.scenario import load_scenario
from sensors.sim import SimSource

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo_city.toml"
RATE = 2.4e6
SPUR_HZ, SPUR_SOURCES_HZ = 113.15e6, (95.35e6, 105.7e6, 87.9e6)
FM_HZ, FM_PI = 97.7e6, "C203"
GSM_HZ = 937.4e6
FREQ_HZ = {"air": SPUR_HZ, "fm": FM_HZ, "gsm": GSM_HZ}

OFFSETS_KHZ = {
    "air": (0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6.25, 8, 10, 12.5, 15, 20, 30, 50, 100, 300),
    "fm": (0, 1, 2, 5, 10, 20, 50, 100, 150, 200),
    "gsm": (0, 1, 2, 5, 10, 20, 50, 100),
}
QUICK_KHZ = {"air": (0, 1, 2, 3, 4, 6.25, 12.5, 50), "fm": (0, 5, 50), "gsm": (0, 5, 50)}


def _source(node: str, band: str, weaker_db: float) -> SimSource:
    """The demo city with the band's emission ``weaker_db`` below its scenario level."""
    city = load_scenario(DEMO)
    if band == "air":
        fm = tuple(replace(s, spurious_dbc=s.spurious_dbc - weaker_db) if s.spurious_hz else s for s in city.fm)
        city = replace(city, fm=fm)
    elif band == "fm":
        city = replace(city, fm=tuple(replace(s, eirp_dbm=s.eirp_dbm - weaker_db) if abs(s.freq_hz - FM_HZ) < 1 else s
                                      for s in city.fm))
    else:
        city = replace(city, cells=tuple(replace(c, eirp_dbm=c.eirp_dbm - weaker_db) if abs(c.freq_hz - GSM_HZ) < 1 else c
                                         for c in city.cells))
    return SimSource(city, node, sample_rate=RATE)


def _hop(src: SimSource, band: str, freq_hz: float, offset_hz: float, dwell_s: float, purpose: str) -> PlannedHop:
    """A hop whose real LO (the node's ppm error included) sits ``offset_hz`` below ``freq_hz``."""
    centre = (freq_hz - offset_hz) / (1 + src.node.ppm * 1e-6)
    return PlannedHop(band, centre, centre - 0.4 * RATE, centre + 0.4 * RATE, dwell_s, purpose)


def air_row(src: SimSource, off: float) -> str:
    hop = _hop(src, "air", SPUR_HZ, off, AIR_DWELL_S, "air")
    cap = capture(src, hop)
    heard = HeardCarriers()
    heard.note(SPUR_SOURCES_HZ, cap.start)
    res = analyse(cap, hop, carriers=heard)
    near = [s for s in res.spurious if abs(s["freq_hz"] - SPUR_HZ) < 12.5e3]
    if not near:
        return "MISSED"
    s = max(near, key=lambda s: s["power_dbfs"])
    return (f"found  err {s['freq_hz'] - SPUR_HZ:+8.0f} Hz  {s['power_dbfs']:6.1f} dBFS  snr {s['snr_db']:5.1f} dB"
            f"  am_depth {s['am_depth']:.2f}  relation {s['mechanism']}")


def _reading(src: SimSource, band: str, kind: str, off: float, dwell_s: float, purpose: str) -> dict | None:
    """The ``kind`` object of the hop's analysis within 50 kHz of the band's emission, if any."""
    hop = _hop(src, band, FREQ_HZ[band.removesuffix("900")], off, dwell_s, purpose)
    near = [o for o in getattr(analyse(capture(src, hop), hop), kind) if abs(o["freq_hz"] - hop.center_hz - off) < 50e3]
    return near[0] if near else None


def fm_row(src: SimSource, off: float) -> str:
    s = _reading(src, "fm", "stations", off, FM_DWELL_S, "fm")
    if s is None:
        return "MISSED"
    return f"found  err {s['freq_hz'] - FM_HZ:+8.0f} Hz  snr {s['snr_db']:5.1f} dB  PI {(s.get('rds') or {}).get('pi')}"


def gsm_row(src: SimSource, off: float) -> str:
    c = _reading(src, "gsm900", "cells", off, GSM_DETECT_DWELL_S, "detect")
    if c is None:
        return "MISSED"
    bsic = c.get("bsic") or {}
    return f"found  arfcn {c.get('arfcn')}  bsic {bsic.get('ncc')}/{bsic.get('bcc')}  snr {c.get('snr_db')}"


ROWS = {"air": air_row, "fm": fm_row, "gsm": gsm_row}


#: Per band, how much weaker than in the demo city the emission is also measured (near the floor).
WEAKER_DB = {"air": 15.0, "fm": 40.0, "gsm": 68.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few offsets per band")
    ap.add_argument("--bands", default="air,fm,gsm")
    ap.add_argument("--node", default="xh-xujiahui")
    args = ap.parse_args()
    offsets = QUICK_KHZ if args.quick else OFFSETS_KHZ
    for band in args.bands.split(","):
        for weaker in (0.0, WEAKER_DB[band]):
            src = _source(args.node, band, weaker)
            what = {"air": "AM spur", "fm": "station", "gsm": "cell"}[band] + f" {FREQ_HZ[band] / 1e6:.2f} MHz"
            print(f"{band}: {what} {weaker:.0f} dB weaker than in the demo city, node {args.node} "
                  f"(ppm {src.node.ppm:+.1f}: {-src.node.ppm * FREQ_HZ[band] / 1e6:+.0f} Hz on every reading; LO leakage {src.node.dc_spike_dbfs:.0f} dBFS)")
            for k in offsets[band]:
                t = time.perf_counter()
                row = ROWS[band](src, k * 1e3)
                print(f"  offset {k:7.2f} kHz  {row}   ({time.perf_counter() - t:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
