"""``foxhunt locate READINGS.csv``: where each transmitter is, how sure, from power readings."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from locator.errors import LocatorError

#: A moving target is reported where its last window of this length puts it.
WINDOW_S = 120.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("locate", help="locate transmitters from power readings (CSV)",
                       description="Locate each transmitter of READINGS.csv (grouped by target, else by frequency): "
                                   "position, 95 %% confidence region, transmit power, path-loss exponent.")
    p.add_argument("readings", metavar="READINGS.csv",
                   help="columns timestamp,node_id,lat,lon,freq_hz,power_dbm[,target][,censored]")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--geojson", metavar="FILE", help="also write the regions as a GeoJSON FeatureCollection")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from foxhunt.readings_csv import read_readings
    from locator.readings import group_by_target

    path = Path(args.readings)
    groups = group_by_target(read_readings(path))
    fixes, docs = [], []
    for name, readings in groups.items():
        try:
            fix, doc = _locate(readings)
        except LocatorError as exc:
            raise LocatorError(f"{path}: target {name}: {exc}") from None
        fixes.append(fix)
        docs.append(doc)
    if args.geojson:
        _write_atomic(Path(args.geojson), {"type": "FeatureCollection", "features": [f.to_geojson() for f in fixes]})
    if args.json:
        print(json.dumps({"targets": docs}, indent=2))
        return 0
    print(f"{'target':<18} {'lat':>10} {'lon':>11} {'±95% m':>8} {'CRLB m':>7} {'EIRP dBm':>8} "
          f"{'n':>5} {'readings':>8} {'modes':>5}  notes")
    for f in fixes:
        notes = [w for w, on in (("moving", f.moving), ("region open (may be farther)", not f.region_bounded),
                                 (f"{f.n_downweighted} outlying places ignored", f.n_downweighted > 0)) if on]
        print(f"{f.target:<18} {f.lat:10.6f} {f.lon:11.6f} {f.radius_95_m:8.0f} {f.crlb_m:7.0f} "
              f"{f.tx_power_dbm:8.1f} {f.path_loss_exponent:5.2f} {f.n_readings:8d} {len(f.modes):5d}  "
              f"{'; '.join(notes)}")
    return 0


def _locate(readings):
    """The Fix and its JSON. A target whose static fit is rejected (it moved) is reported where its
    last WINDOW_S of readings put it, with the smoothed Kalman track of sliding windows as ``track``."""
    from locator.estimate import solve
    from locator.tracking import motion_test, track

    if not motion_test(readings).moving:
        fix = solve(readings).fix
        return fix, fix.to_json()
    last = readings.timestamp >= readings.timestamp.max() - WINDOW_S
    try:
        fix = replace(solve(readings.subset(last)).fix, moving=True)
    except LocatorError:                   # the last window alone is too thin: the whole period then
        fix = replace(solve(readings).fix, moving=True)
    # The JSON track is a record of where it went: each point also uses the later windows (smoother).
    points = track(readings, window_s=WINDOW_S, step_s=WINDOW_S / 2, history=True)
    return fix, fix.to_json() | {"track": [{"timestamp": p.timestamp, "lat": round(p.lat, 7), "lon": round(p.lon, 7),
                                           "sd_m": round(p.sd_m, 1), "speed_m_s": round(p.speed_m_s, 2),
                                           "heading_deg": round(p.heading_deg, 1)} for p in points]}


def _write_atomic(path: Path, doc: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
