"""Regenerate the bundled recordings: ``python -m recordings.generate [FOLDER]``.

Each generator is deterministic (fixed seed), so regenerating gives byte-identical files.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sensors.recording import Geolocation, write_recording

HERE = Path(__file__).parent


def calibration_tone(folder: Path) -> Path:
    """50 ms at 2.4 MS/s around 947 MHz, cu8: a CW tone at +200 kHz (−20 dBFS), noise at −45 dBFS
    per sample, and an RTL-SDR-like DC offset. Checks a front end's level and frequency reading."""
    fs, n = 2.4e6, 120_000
    rng = np.random.default_rng(20261128)
    t = np.arange(n) / fs
    tone = 0.1 * np.exp(2j * np.pi * 200e3 * t)
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) * (10 ** (-45 / 20) / np.sqrt(2))
    x = (tone + noise + (0.01 + 0.005j)).astype(np.complex64)
    base = folder / "calibration_tone_947M_cu8"
    write_recording(base, x, datatype="cu8", sample_rate=fs, center_freq=947e6,
                    datetime=datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc),
                    hw="foxhunt recordings.generate (simulated RTL-SDR)",
                    geolocation=Geolocation(lat=31.2304, lon=121.4737, alt_m=12.0),
                    description="CW tone at +200 kHz, -20 dBFS, over noise; calibration check")
    return base


GENERATORS = (calibration_tone,)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else HERE
    for gen in GENERATORS:
        print(gen(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
