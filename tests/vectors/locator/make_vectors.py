"""Regenerate the locator test vectors (deterministic): python tests/vectors/locator/make_vectors.py"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from locator.simulate import Channel, Transmitter, drive, fixed_stations, observe

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(2026)
    fx, fy = fixed_stations(rng, 10, 2500.0)
    gsm = Transmitter(320.0, -410.0, 9.0, 3.3)
    dx, dy = drive(rng, (-1500.0, 900.0), 2500.0, step_m=25.0, toward=(gsm.x, gsm.y))
    x = np.r_[np.repeat(fx, 6), dx]
    y = np.r_[np.repeat(fy, 6), dy]
    nodes = np.array([f"fixed{i:02d}" for i in range(10) for _ in range(6)] + ["van1"] * dx.size, object)
    ch = Channel(shadowing_db=6.0, floor_dbm=-105.0)
    a = observe(rng, gsm, x, y, channel=ch, node_id=nodes, freq_hz=955.2e6, target="gsm-955.2")
    fm = Transmitter(-700.0, 600.0, 25.0, 2.9)
    b = observe(rng, fm, np.repeat(fx, 6), np.repeat(fy, 6), channel=ch, node_id=nodes[:60], freq_hz=98.7e6)
    rows = []
    for sc, target in ((a, "gsm-955.2"), (b, "")):
        r = sc.readings
        for i in range(len(r)):
            t = 1.7e9 + 10.0 * i
            stamp = (datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if i % 2 else f"{t:.1f}")
            rows.append([stamp, r.node_id[i], f"{r.lat[i]:.7f}", f"{r.lon[i]:.7f}", f"{r.freq_hz[i]:.1f}",
                         f"{r.power_dbm[i]:.1f}", target, "1" if r.censored[i] else "0"])
    with open(HERE / "two_targets.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["timestamp", "node_id", "lat", "lon", "freq_hz", "power_dbm", "target", "censored"])
        w.writerows(rows)
    truth = {"gsm-955.2": a.truth_latlon, "98.7000MHz": b.truth_latlon}
    (HERE / "two_targets.truth.json").write_text(json.dumps(truth, indent=1) + "\n")


if __name__ == "__main__":
    main()
