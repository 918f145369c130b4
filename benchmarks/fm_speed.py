"""Speed of the FM analysis (issue 4): a 2.4 MS/s cu8 capture holding 10 stations (9 on the raster,
one 37 kHz off it; 200 kHz apart; 8 with RDS, stereo and mono, one over-deviating) analysed end to end — spectrum,
detection, channelising, deviation, bandwidth, pilot, audio, loop, RDS — against its duration.

Baseline measured in the same run: one streamed pass that only reads and converts the samples and
takes their full-band FFT (the least any wideband analysis does). Target: ≥ 5× real time, one core.

    python benchmarks/fm_speed.py [--quick] [--seconds S]
"""

from __future__ import annotations

import os

# One core, as the target says: no BLAS or FFT worker threads (set before numpy loads).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from dsp.fm import rds  # noqa: E402
from dsp.fm.analyse import AnalysisOptions, analyse  # noqa: E402
from dsp.fm.tx import FmStationConfig, Programme, render_fm_station  # noqa: E402
from sensors.recording import RecordingWriter, open_recording  # noqa: E402

FS = 2.4e6
FC = 98.0e6


def stations() -> list[tuple[FmStationConfig, float, float]]:
    out = []
    kinds = ["speech", "noise", "speech", "loop", "noise", "speech", "noise", "speech", "speech", "noise"]
    for i, kind in enumerate(kinds):
        # 200 kHz apart on the raster (a crowded city band), the last one 37 kHz off it.
        offset = -1.0e6 + 200e3 * i + (37e3 if i == 9 else 0.0)
        groups = tuple(rds.encode_station(0x1000 + i, f"BENCH {i:02d}", pty=i, rt=f"station {i}")) if i < 8 else ()
        cfg = FmStationConfig(programme=Programme(kind, seed=i, period_s=6.0), stereo=i % 3 != 2,
                              deviation_hz=110e3 if i == 0 else 50e3, rds_groups=groups, seed=i)
        out.append((cfg, offset, -12.0 - 1.5 * (i % 4)))
    return out


def write_capture(base: Path, seconds: float) -> None:
    from dataclasses import replace
    rng = np.random.default_rng(0)
    block = int(FS / 4)
    with RecordingWriter(base, datatype="cu8", sample_rate=FS, center_freq=FC) as w:
        for k in range(int(seconds * 4)):
            x = np.zeros(block, np.complex64)
            for cfg, off, p in stations():
                x += 10 ** (p / 20) * render_fm_station(replace(cfg, freq_offset_hz=off), FS, k / 4, block)
            x += (0.003 * (rng.standard_normal(block) + 1j * rng.standard_normal(block))).astype(np.complex64)
            w.write(x)


def timed(fn):
    """(wall seconds, CPU seconds of this process, result): on a shared machine the CPU time is
    the one-core figure; the wall time includes waiting for the core."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def baseline(rec) -> None:
    for b in rec.blocks(1 << 20):
        np.fft.fft(b)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 s capture instead of 10 s")
    ap.add_argument("--seconds", type=float, help="capture length")
    args = ap.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "fm10"
        _, render_cpu, _ = timed(lambda: write_capture(base, seconds))
        rec = open_recording(base)
        info = rec.info
        base_wall, base_cpu, _ = timed(lambda: baseline(rec))
        runs = {}
        for name, opt in (("all measurements + RDS", AnalysisOptions()),
                          ("all measurements, no RDS", AnalysisOptions(decode_rds=False))):
            runs[name] = timed(lambda: analyse(rec.read, info.n_samples, info.sample_rate, info.center_freq, opt))
    print(f"capture: {info.duration_s:.1f} s at {FS / 1e6:g} MS/s cu8, 10 stations "
          f"(rendered by dsp.fm.tx in {render_cpu:.1f} s CPU = {render_cpu / seconds / 10 * 1e3:.0f} ms per "
          f"emitter-second, incl. cu8 writing)")
    print(f"baseline (read + full-band FFT pass): {base_wall:.3f} s wall, {base_cpu:.3f} s CPU "
          f"= {seconds / base_cpu:.1f}x real time on one core")
    for name, (wall, cpu, res) in runs.items():
        n_rds = sum(s.rds is not None for s in res.stations)
        print(f"{name:26s}: {cpu:6.2f} s CPU = {seconds / cpu:5.2f}x real time ({cpu / base_cpu:5.1f}x baseline); "
              f"wall {wall:.2f} s; {len(res.stations)} stations, {n_rds} RDS decoded")
    cpu = runs["all measurements + RDS"][1]
    print(f"target >= 5x real time on one core: {'met' if seconds / cpu >= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
