"""``foxhunt check gsm|fm RECORDING --register FILE [--at LAT,LON] [--json]``: decode, then judge
every cell or station against the licence register (INTERFACES.md ``check``).

Decoding is the decode commands' own pipeline (:func:`foxhunt.commands.decode_gsm.decode_recording`,
:func:`foxhunt.commands.decode_fm.analyse_recording`); judging is :func:`dsp.verdict.judge`. This module only opens
files, builds the context and renders. The aviation band counts as searched (fm.aviation_spurious
judges rather than abstains) only when the capture reaches into it.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import recordings
from dsp.bands import AIR, BANDS
from dsp.errors import DspError
from foxhunt.commands.decode_fm import analyse_recording, to_json
from foxhunt.commands.decode_gsm import cell_json, decode_recording
from foxhunt.recording_args import add_recording_args, open_from_args, recording_json

if TYPE_CHECKING:
    from dsp.verdict import Verdict

DEFAULT_ALLOCATIONS = Path(recordings.__file__).resolve().parent / "allocations_gsm.csv"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="decode a recording and judge every cell or station against a licence register",
                       description="Decode every GSM cell or FM station in a recording and say, with reasons, "
                                   "whether each is licensed, suspicious or rogue.")
    modes = p.add_subparsers(dest="mode", metavar="MODE")
    modes.required = True
    for mode, what in (("gsm", "licensed-cell register (our CSV or OpenCellID's)"),
                       ("fm", "FM licence register CSV")):
        m = modes.add_parser(mode, help=f"judge {mode.upper()} {'cells' if mode == 'gsm' else 'stations'}")
        add_recording_args(m)
        m.add_argument("--register", required=True, metavar="FILE", type=Path, help=what)
        m.add_argument("--at", type=lat_lon, metavar="LAT,LON",
                       help="node position (WGS84 degrees); default: the recording's core:geolocation")
        m.add_argument("--json", action="store_true", help="the decode JSON with a verdict per entry")
        if mode == "gsm":
            m.add_argument("--allocations", metavar="FILE", type=Path, default=DEFAULT_ALLOCATIONS,
                           help="operator ARFCN allocations CSV (default: the shipped table)")
            m.add_argument("--country", metavar="MCC", type=mcc,
                           help="the node's country code; default: the register's most common MCC")
        else:
            m.add_argument("--raster", choices=sorted(k for k in BANDS if k.startswith("FM")), default="FM-CN",
                           help="broadcast band whose 100 kHz raster is used (default FM-CN)")
        m.set_defaults(func=run_gsm if mode == "gsm" else run_fm)


def lat_lon(text: str) -> tuple[float, float]:
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        lat = lon = float("nan")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise argparse.ArgumentTypeError(f"{text!r} is not LAT,LON in WGS84 degrees (e.g. 31.23,121.47)")
    return lat, lon


def mcc(text: str) -> str:
    if not (text.isdigit() and len(text) == 3):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 3-digit MCC (e.g. 460)")
    return text


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DspError(f"{what} {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise OSError(f"{what} {path}: {exc.strerror or exc}") from None


def _node(args, rec) -> tuple[float, float] | None:
    if args.at is not None:
        return args.at
    geo = rec.info.geolocation
    return None if geo is None else (geo.lat, geo.lon)


def run_gsm(args: argparse.Namespace) -> int:
    from dsp.verdict import GSM_RULES, VerdictContext, judge, parse_allocations, parse_cell_register

    register = parse_cell_register(read_text(args.register, "--register"), args.register.name)
    allocations = parse_allocations(read_text(args.allocations, "--allocations"), args.allocations.name)
    country = args.country
    if country is None and register.cells:
        country = Counter(c.mcc for c in register.cells).most_common(1)[0][0]
    rec = open_from_args(args)
    cells = decode_recording(rec)
    ctx = VerdictContext(cell_register=register, allocations=allocations, country_mcc=country,
                         node=_node(args, rec), cells=tuple(cells), observed_s=rec.info.duration_s)
    verdicts = [judge(c, ctx, GSM_RULES) for c in cells]
    entries = [{**cell_json(c), "verdict": v.to_json()} for c, v in zip(cells, verdicts)]
    if args.json:
        print(json.dumps({"recording": recording_json(rec), "cells": entries}))
    else:
        _print_table([(e["arfcn"], _gsm_name(e)) for e in entries], verdicts, register.notes)
    return 0


def run_fm(args: argparse.Namespace) -> int:
    from dsp.fm.analyse import AnalysisOptions
    from dsp.verdict import FM_RULES, VerdictContext, judge, parse_fm_register

    register = parse_fm_register(read_text(args.register, "--register"), args.register.name)
    rec = open_from_args(args)
    info = rec.info
    result = analyse_recording(rec, AnalysisOptions(raster_band=BANDS[args.raster]))
    air = air_band_span(info.center_freq, info.sample_rate)
    ctx = VerdictContext(fm_register=register, node=_node(args, rec), stations=result.stations,
                         spurious=result.spurious, spurious_searched=air is not None, observed_s=info.duration_s)
    verdicts = [judge(s, ctx, FM_RULES) for s in result.stations]
    doc = to_json(recording_json(rec), result)
    for entry, v in zip(doc["stations"], verdicts):
        entry["verdict"] = v.to_json()
    if args.json:
        print(json.dumps(doc))
    else:
        _print_table([(f"{s.freq_hz / 1e6:.2f}", (s.rds.ps if s.rds is not None and s.rds.ps else ""))
                      for s in result.stations], verdicts, ())
        sys.stdout.write(air_band_note(info.center_freq, info.sample_rate, air) + "\n")
    return 0


def air_band_span(center_hz: float, sample_rate: float) -> tuple[float, float] | None:
    """The part of the aviation band (108–137 MHz) a capture covers, None when it covers none."""
    lo, hi = max(center_hz - sample_rate / 2, AIR.lo_hz), min(center_hz + sample_rate / 2, AIR.hi_hz)
    return (lo, hi) if lo < hi else None


def air_band_note(center_hz: float, sample_rate: float, air: tuple[float, float] | None) -> str:
    band = f"{AIR.lo_hz / 1e6:.0f}–{AIR.hi_hz / 1e6:.0f} MHz"
    if air is None:
        span = f"{(center_hz - sample_rate / 2) / 1e6:.3f}–{(center_hz + sample_rate / 2) / 1e6:.3f} MHz"
        return f"aviation band ({band}): not in this capture ({span}), not searched for spurious emissions"
    return f"aviation band ({band}): {air[0] / 1e6:.3f}–{air[1] / 1e6:.3f} MHz of it searched for spurious emissions"


def _gsm_name(entry: dict) -> str:
    if entry.get("mcc") is None:
        return "(no identity decoded)"
    return f"{entry['mcc']}-{entry['mnc']} LAC {entry['lac']} CI {entry['cell_id']}"


def printable(text: str) -> str:
    """Decoded strings are attacker-controlled: show control characters as escapes, never raw."""
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf") else ch.encode("unicode_escape").decode()
                   for ch in text)


def _print_table(rows: list[tuple], verdicts: list[Verdict], notes: tuple[str, ...]) -> None:
    out = sys.stdout
    if not rows:
        out.write("nothing decoded\n")
    for (key, name), v in zip(rows, verdicts):
        out.write(f"{key!s:>8}  {printable(name):28} {v.klass.upper():10} score {v.score:5.1f}\n")
        for r in v.reasons:
            out.write(f"          - [{r.weight:4.1f}] {printable(r.text)}\n")
        if v.abstained:
            out.write(f"          ({len(v.abstained)} rule(s) could not be evaluated: "
                      f"{', '.join(rule for rule, _ in v.abstained)})\n")
    for note in notes:
        out.write(f"register: {note}\n")
