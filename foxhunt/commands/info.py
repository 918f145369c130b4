"""``foxhunt info RECORDING``: what a recording is, and whether its samples can be trusted."""

from __future__ import annotations

import argparse
import json
import math

from foxhunt.recording_args import add_recording_args, open_from_args
from sensors.errors import RecordingError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="describe a recording (rate, frequency, duration, time, position, levels)",
                       description="Describe a recording and check every sample (levels, clipping, NaN/Inf).")
    add_recording_args(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rec = open_from_args(args)
    info = rec.info
    stats = rec.scan()
    geo = info.geolocation
    doc = {
        "data_path": str(info.data_path),
        "meta_path": str(info.meta_path) if info.meta_path else None,
        "datatype": info.datatype,
        "sample_rate": info.sample_rate,
        "center_freq": info.center_freq,
        "n_samples": info.n_samples,
        "duration_s": info.duration_s,
        "datetime": info.datetime.isoformat() if info.datetime else None,
        "hw": info.hw,
        "geolocation": {"lat": geo.lat, "lon": geo.lon, "alt_m": geo.alt_m} if geo else None,
        "rms_dbfs": _finite_or_none(stats.rms_dbfs),
        "peak_dbfs": _finite_or_none(stats.peak_dbfs),
        "clipped_fraction": stats.clipped_fraction,
        "dc_offset": [stats.dc_offset.real, stats.dc_offset.imag],
        "non_finite_samples": stats.non_finite,
    }
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        rows = [
            ("file", doc["data_path"]),
            ("datatype", info.datatype),
            ("sample rate", f"{info.sample_rate / 1e6:.6g} MS/s"),
            ("centre frequency", f"{info.center_freq / 1e6:.6f} MHz"),
            ("duration", f"{info.duration_s:.3f} s ({info.n_samples} samples)"),
            ("time", doc["datetime"] or "not recorded"),
            ("position", f"{geo.lat:.6f}, {geo.lon:.6f}" + (f", {geo.alt_m:.0f} m" if geo.alt_m is not None else "")
             if geo else "not recorded"),
            ("hardware", info.hw or "not recorded"),
            ("level", f"{stats.rms_dbfs:.1f} dBFS rms, {stats.peak_dbfs:.1f} dBFS peak"),
            ("clipped", f"{100 * stats.clipped_fraction:.3f} % of components"),
        ]
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k:<{width}}  {v}")
    if stats.non_finite:
        raise RecordingError(f"{info.data_path}: {stats.non_finite} samples are NaN or Inf "
                             f"(first at sample {stats.first_non_finite}); the recording is corrupt")
    return 0


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None
