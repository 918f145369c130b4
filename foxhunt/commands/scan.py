"""``foxhunt scan gsm|dcs|fm|air --source SPEC [--record DIR] [--json]``: one sweep of a band.

SPEC is ``rtlsdr[:N]``, ``sigmf:PATH`` (a recording or a folder of per-hop recordings) or
``sim:SCENARIO.toml[:NODE][@SECONDS]``. Progress goes to stderr; the result is a table, or with ``--json``
the INTERFACES.md ``scan`` document (decode-shaped, merged over hops, plus ``hops`` and ``peaks``).
"""

from __future__ import annotations

import argparse
import json
import sys

from foxhunt.recording_args import hertz

BANDS = {"gsm": "gsm900", "dcs": "dcs1800", "fm": "fm", "air": "air"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scan", help="sweep a band once and list the cells or stations found",
                       description="Sweep GSM900 (E-GSM), DCS1800, FM broadcast or the aviation band once, "
                                   "decoding every hop at the edge.")
    p.add_argument("band", choices=list(BANDS), help="gsm (E-GSM 925-960 MHz), dcs, fm (87-108 MHz), air (108-137 MHz)")
    p.add_argument("--source", required=True, metavar="SPEC",
                   help="rtlsdr[:N], sigmf:PATH (recording or folder of hops) or sim:SCENARIO.toml[:NODE][@SECONDS]")
    p.add_argument("--record", metavar="DIR", help="also write every hop as a SigMF recording in DIR")
    p.add_argument("--json", action="store_true", help="the INTERFACES.md scan JSON instead of a table")
    p.add_argument("--rate", type=hertz, default=2.4e6, metavar="HZ", help="sample rate (default 2.4M)")
    p.add_argument("--gain", type=_gain, default=None, metavar="DB", help="tuner gain in dB, or auto (default)")
    p.add_argument("--ppm", type=float, default=0.0, help="RTL-SDR frequency correction")
    p.add_argument("--quick", action="store_true",
                   help="GSM: dwell one 51-multiframe per hop (FCCH/SCH, no SI) instead of all SI types")
    p.add_argument("--gps", metavar="SPEC", help="gpsd[:HOST[:PORT]], nmea:PATH, gpx:PATH or csv:PATH")
    p.set_defaults(func=run)


def _gain(text: str) -> float | None:
    if text == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--gain {text!r}: expected dB or auto") from None


def run(args: argparse.Namespace) -> int:
    from sensors.gps import open_gps
    from sensors.plan import plan_band
    from sensors.scan import merge, sweep
    from sensors.source import open_source

    band = BANDS[args.band]
    gps = open_gps(args.gps)
    with open_source(args.source, sample_rate=args.rate, gain_db=args.gain, ppm=args.ppm) as source:
        plan = plan_band(band, source.sample_rate, identity=not args.quick, max_freq_hz=source.max_freq_hz,
                         tuner=getattr(source, "tuner", source.name))
        results = sweep(source, plan, gps=gps, record_dir=args.record, progress=_progress)
    doc = merge(results)
    if args.json:
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(table(band, doc))
    return 0


def _progress(i: int, n: int, hop) -> None:
    if not sys.stderr.isatty() and hop is not None and i % 5:
        return
    bar = "#" * (20 * i // max(n, 1))
    what = f"{hop.center_hz / 1e6:8.3f} MHz" if hop is not None else "done" + " " * 8
    end = "\n" if hop is None else ("\r" if sys.stderr.isatty() else "\n")
    print(f"scan [{bar:<20}] {i:>3}/{n} {what}", end=end, file=sys.stderr, flush=True)


def table(band: str, doc: dict) -> str:
    lines = []
    if "cells" in doc:
        if not doc["cells"]:
            lines.append("no GSM cell found")
        else:
            lines.append(f"{'ARFCN':>5} {'MHz':>9} {'BSIC':>4} {'MCC':>3} {'MNC':>3} {'LAC':>6} {'CI':>6} "
                         f"{'dBFS':>6} {'SNR':>5}  SI")
            for c in doc["cells"]:
                bsic = f"{c['bsic']['ncc']}{c['bsic']['bcc']}" if c.get("bsic") else "-"
                lines.append(f"{_s(c['arfcn']):>5} {c['freq_hz'] / 1e6:9.1f} {bsic:>4} {_s(c['mcc']):>3} "
                             f"{_s(c['mnc']):>3} {_s(c['lac']):>6} {_s(c['cell_id']):>6} "
                             f"{_f(c['power_dbfs']):>6} {_f(c['snr_db']):>5}  {','.join(c.get('si_types') or [])}")
    if "stations" in doc:
        if not doc["stations"]:
            lines.append("no FM station found")
        else:
            lines.append(f"{'MHz':>8} {'dBFS':>6} {'SNR':>5} {'OBW kHz':>7} {'dev kHz':>7} {'PI':>4} PS")
            for s in doc["stations"]:
                rds = s.get("rds") or {}
                lines.append(f"{s['freq_hz'] / 1e6:8.3f} {_f(s['power_dbfs']):>6} {_f(s.get('snr_db')):>5} "
                             f"{_f(s.get('occupied_bw_hz'), 1e3):>7} {_f(s.get('peak_deviation_hz'), 1e3):>7} "
                             f"{rds.get('pi') or '-':>4} {rds.get('ps') or '-'}")
    if doc.get("spurious"):
        lines.append("spurious emissions:")
        for s in doc["spurious"]:
            rel = f" (from {s['related_to_hz'] / 1e6:.3f} MHz)" if s.get("related_to_hz") else ""
            lines.append(f"  {s['freq_hz'] / 1e6:9.4f} MHz {_f(s['power_dbfs']):>6} dBFS{rel}")
    if band == "air" or not any(k in doc for k in ("cells", "stations")):
        lines.append(f"channel power peaks (≥ 10 dB over the floor, not decoded): {len(doc['peaks'])}")
        for p in doc["peaks"]:
            lines.append(f"  {p['freq_hz'] / 1e6:9.4f} MHz {p['power_dbfs']:7.1f} dBFS  SNR {p['snr_db']:.1f} dB")
    lines.append(f"{len(doc['hops'])} hops")
    return "\n".join(lines)


def _s(v) -> str:
    return "-" if v is None else str(v)


def _f(v, scale: float = 1.0) -> str:
    return "-" if v is None else f"{v / scale:.1f}"
