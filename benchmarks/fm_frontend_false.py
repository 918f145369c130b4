"""The fm.co_channel rule's false-alarm rate on lone licensed stations through an RTL-SDR front end:
the whole analyser (dsp.fm.analyse.analyse_array) on 2.4 MS/s captures, with and without the front
end, and with the analyser's two front-end fixes (the IQ-imbalance image taken out:
dsp.fm.iq_balance; no residual AM under MIN_ADC_LEVELS ADC steps: dsp.fm.quantisation) switched off.

The rule's thresholds were read from benchmarks/fm_cochannel.py, which feeds dsp.fm.tx stations to
the meter straight; here the same stations (its pool, a random 1 s window of each) go through what
a node receives. Each capture holds 1-4 stations (no two closer than 300 kHz, so every channel
filter stays flat to 160 kHz as in the calibration), each with a different programme and its own
rooftop multipath as fm_cochannel draws it (1-3 rays, uniformly), SNR uniform 22-40 dB per 200 kHz
over one white noise floor, the strongest at -30..-10 dBFS. Where they sit: half the captures on the
node's own FM plan (sensors.plan: a hop centre, stations on the 100 kHz raster, the dongle's LO
±1 kHz off), so a station's mirror image about the LO can fall on another station's channel (one
hop centre, 97.5 MHz, is itself on the raster); the other half anywhere in ±0.9 MHz, a third of them
with a station within 20 kHz of 0 Hz. Front end (tests/dsp/fm/fm_synth.rtl_impairments): IQ gain
imbalance 0-0.035, phase 0-3°, the LO leakage at -45 dBFS (sensors.sim's default) at a random
phase, 8-bit quantisation, and clipping at the ADC's last level.

A false alarm is a station whose residual AM is over the rule's threshold for the multipath class
it reports (dsp.verdict.rules.fm_co_channel). Per variant and class: stations, how many measured
(residual_am not None), the 99th / 99.9th percentile of their residual AM, and the false alarms.
Emissions the analyser reports as stations where none was transmitted (an image, the LO) are
counted apart.

    python benchmarks/fm_frontend_false.py [--quick] [--seed N] [--captures N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "dsp", "fm"))

import fm_cochannel as cal  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
from fm_synth import rtl_impairments  # noqa: E402

import dsp.fm.analyse as analyser  # noqa: E402
from dsp.fm.cochannel import CLASS_BOUNDS_DB  # noqa: E402
from dsp.verdict.rules.fm_co_channel import RULE, limit_for  # noqa: E402
from sensors.plan import plan_band  # noqa: E402
from sensors.synth import Part, Upsampler  # noqa: E402

FS = 2.4e6
LOW = cal.FS
SECONDS = 1.0  # the node's FM dwell (sensors.plan.FM_DWELL_S): two 0.5 s blocks, the meter's 8 chunks
MIN_SPACING_HZ = 300e3
MAX_OFFSET_HZ = 0.9e6
RASTER_HZ = 100e3
LO_ERROR_HZ = 1e3
LO_LEAK_DBFS = -45.0
MATCH_HZ = 30e3
MIRROR_HZ = 100e3
#: The window taken from the pool reaches this far either side (the upsampler's segments overlap).
_PAD = 8192
#: The u8 grid of rtl_impairments (multiples of 1/127.5): clipping at its outermost level keeps
#: the samples on the grid dsp.fm.quantisation looks for.
_FULL = 127 / 127.5
OPTIONS = analyser.AnalysisOptions(decode_rds=False, audio_seconds=0.0)
VARIANTS = ("no front end", "front end", "front end, no IQ fix", "front end, no ADC fix", "front end, no fixes")
CLASS_NAMES = tuple(f"<= {b:g} dB" for b in CLASS_BOUNDS_DB) + (f"> {CLASS_BOUNDS_DB[-1]:g} dB", "none")


@dataclass(frozen=True)
class Reading:
    """One transmitted station as one variant of the analyser reported it (None fields: not found
    or not measured)."""

    residual_am: float | None
    multipath_db: float | None
    mirrored: bool  # a mirror image about the LO (its own or another station's) within ±MIRROR_HZ of it
    power_dbfs: float
    truth: str  # how it was drawn (listed with the false alarms)


def false_alarm(am: float | None, multipath_db: float | None) -> bool:
    return am is not None and multipath_db is not None and am > limit_for(multipath_db, RULE.thresholds)


def class_of(multipath_db: float | None) -> int:
    if multipath_db is None:
        return len(CLASS_BOUNDS_DB) + 1
    return int(np.searchsorted(CLASS_BOUNDS_DB, multipath_db, side="left"))


def spaced(offsets: list[float]) -> bool:
    o = np.sort(offsets)
    return bool(np.all(np.diff(o) >= MIN_SPACING_HZ))


def placement(rng, k: int, centres: np.ndarray) -> tuple[list[float], str]:
    """``k`` station offsets from the LO: on the FM plan's raster, or anywhere."""
    if rng.random() < 0.5:
        fc = float(rng.choice(centres))
        lo_error = float(rng.uniform(-LO_ERROR_HZ, LO_ERROR_HZ))
        first = np.ceil((fc - MAX_OFFSET_HZ) / RASTER_HZ) * RASTER_HZ
        channels = np.arange(first, fc + MAX_OFFSET_HZ + 1, RASTER_HZ)
        while True:
            pick = rng.choice(channels, k, replace=False)
            if spaced(pick):
                return [float(c - fc - lo_error) for c in pick], "plan"
    while True:
        offs = list(rng.uniform(-MAX_OFFSET_HZ, MAX_OFFSET_HZ, k))
        if rng.random() < 1 / 3:
            offs[0] = float(rng.uniform(-20e3, 20e3))
        if spaced(offs):
            return [float(o) for o in offs], "anywhere"


def station_waveform(rng, wave: np.ndarray, n_low: int) -> tuple[np.ndarray, int]:
    """A random window of a pool station through its own multipath (1-3 rays), at unit received
    power; and its number of rays."""
    w0 = int(rng.integers(0, len(wave) - n_low - 2 * _PAD))
    x = wave[w0:w0 + n_low + 2 * _PAD]
    rays = int(rng.integers(1, 4))
    paths = cal.multipath(rng, rays)
    f = np.fft.fftfreq(len(x), 1 / LOW)
    return np.fft.ifft(cal.received(np.fft.fft(x), cal.response(paths, f))).astype(np.complex64), rays


def low_render(y: np.ndarray):
    def render(m0: int, count: int) -> np.ndarray:
        return y[_PAD + m0:_PAD + m0 + count]
    return render


def capture(rng, pool: list[np.ndarray], centres: np.ndarray, up: Upsampler):
    """(clean capture, its stations' offsets, powers dBFS, how each was drawn, placement)."""
    n = int(SECONDS * FS)
    k = int(rng.integers(1, 5))
    offsets, where = placement(rng, k, centres)
    snrs = rng.uniform(22.0, 40.0, k)
    noise_dbfs = rng.uniform(-30.0, -10.0) - snrs.max()  # per 200 kHz
    powers = noise_dbfs + snrs
    progs = rng.choice(len(pool), k, replace=False)
    parts, truths = [], []
    for o, p, j, snr in zip(offsets, powers, progs, snrs):
        y, rays = station_waveform(rng, pool[j], int(SECONDS * LOW))
        parts.append(Part(o, float(10 ** (p / 20)), low_render(y)))
        others = [(abs(q - o), pq - p) for q, pq in zip(offsets, powers) if q != o]
        near = "alone" if not others else "nearest station {:.0f} kHz away at {:+.1f} dB".format(
            min(others)[0] / 1e3, min(others)[1])
        truths.append(f"{where}, {k} station(s), pool #{j}, {rays} ray(s), {o / 1e3:+.1f} kHz, {p:.1f} dBFS, "
                      f"SNR {snr:.1f} dB, {near}")
    x = up.render(0, n, parts)
    sigma = np.float32(np.sqrt(10 ** (noise_dbfs / 10) * FS / 200e3 / 2))
    x += sigma * rng.standard_normal(2 * n, np.float32).view(np.complex64)
    return x, offsets, powers, truths, where


def front_end(rng, x: np.ndarray) -> tuple[np.ndarray, float]:
    """The capture through the RTL-SDR front end, and the share of its samples clipped."""
    dc = 10 ** (LO_LEAK_DBFS / 20) * np.exp(2j * np.pi * rng.random())
    y = rtl_impairments(x, float(rng.uniform(0, 0.035)), float(rng.uniform(0, 3.0)), complex(dc))
    f = y.view(np.float32)
    clipped = float(np.mean(np.abs(f) > _FULL))
    np.clip(f, -_FULL, _FULL, out=f)
    return y, clipped


@contextlib.contextmanager
def fixes(iq: bool, adc: bool):
    """The analyser with its IQ-image removal and/or its ADC-level guard switched off."""
    saved = analyser.iq_balanced, analyser.MIN_ADC_LEVELS
    if not iq:
        analyser.iq_balanced = lambda read: read
    if not adc:
        analyser.MIN_ADC_LEVELS = 0.0
    try:
        yield
    finally:
        analyser.iq_balanced, analyser.MIN_ADC_LEVELS = saved


def readings(x: np.ndarray, offsets: list[float], powers, truths, centre: float) -> tuple[list[Reading], list]:
    """Each transmitted station as the analyser read it, and the stations it reported where none was."""
    a = analyser.analyse_array(x, FS, centre, OPTIONS)
    found = np.array([s.freq_hz - centre for s in a.stations])
    out, used = [], set()
    for o, p, t in zip(offsets, powers, truths):
        mirrored = any(abs(o + q) < MIRROR_HZ for q in offsets)
        i = int(np.argmin(np.abs(found - o))) if len(found) else -1
        if i >= 0 and abs(found[i] - o) < MATCH_HZ:
            used.add(i)
            s = a.stations[i]
            out.append(Reading(s.residual_am, s.multipath_db, mirrored, float(p), t))
        else:
            out.append(Reading(None, None, mirrored, float(p), t))
    phantoms = [a.stations[i] for i in range(len(a.stations)) if i not in used]
    return out, phantoms


def run(captures: int, seed: int, out=sys.stdout) -> dict:
    rng = np.random.default_rng(seed)
    w = out.write
    t0 = time.perf_counter()
    pool = [p.astype(np.complex64) for p in cal.pool(seconds=3.0)]
    centres = np.array([h.center_hz for h in plan_band("fm", FS).hops])
    up = Upsampler(FS, LOW)
    centre = 98e6  # the analyser's FM range check only; the offsets are what the draws set
    res = {v: [] for v in VARIANTS}
    ghosts = {v: [] for v in VARIANTS}
    clipped, where_n = [], {"plan": 0, "anywhere": 0}
    for _ in range(captures):
        x, offsets, powers, truths, where = capture(rng, pool, centres, up)
        where_n[where] += 1
        y, c = front_end(rng, x)
        clipped.append(c)
        for v, (signal, iq, adc) in zip(VARIANTS, ((x, True, True), (y, True, True), (y, False, True),
                                                    (y, True, False), (y, False, False))):
            with fixes(iq, adc):
                r, g = readings(signal, offsets, powers, truths, centre)
            res[v] += r
            ghosts[v] += g
    n = len(res[VARIANTS[0]])
    w(f"{captures} captures ({where_n['plan']} on the FM plan's raster, {where_n['anywhere']} anywhere), "
      f"{n} stations, {sum(r.mirrored for r in res[VARIANTS[0]])} with a mirror image (their own or another "
      f"station's) inside their channel (within {MIRROR_HZ / 1e3:g} kHz); samples clipped by the ADC: mean {100 * np.mean(clipped):.4f} %, "
      f"max {100 * max(clipped):.3f} %\n")
    th = RULE.thresholds
    w(f"thresholds: {th['flat_index']} (<= {th['flat_db']:g} dB), {th['mild_index']} (<= {th['mild_db']:g} dB), "
      f"{th['multipath_index']} (more); class 'none': no multipath_db (not found, or SNR under 20 dB)\n\n")
    w(f"{'variant':>22} {'class':>9} {'stations':>8} {'measured':>8} {'p99':>7} {'p99.9':>7} {'max':>7} "
      f"{'false':>5} {'rate %':>7}\n")
    for v in VARIANTS:
        for c, name in enumerate(CLASS_NAMES):
            rs = [r for r in res[v] if class_of(r.multipath_db) == c]
            am = np.array([r.residual_am for r in rs if r.residual_am is not None])
            fa = sum(false_alarm(r.residual_am, r.multipath_db) for r in rs)
            q = (f"{np.percentile(am, 99):7.4f} {np.percentile(am, 99.9):7.4f} {am.max():7.4f}" if len(am)
                 else f"{'-':>7} {'-':>7} {'-':>7}")
            rate = f"{100 * fa / len(am):7.2f}" if len(am) else f"{'-':>7}"
            w(f"{v:>22} {name:>9} {len(rs):8d} {len(am):8d} {q} {fa:5d} {rate}\n")
        got = [r for r in res[v] if r.residual_am is not None]
        fa = sum(false_alarm(r.residual_am, r.multipath_db) for r in got)
        mir = [r for r in got if r.mirrored]
        w(f"{v:>22} {'all':>9} {n:8d} {len(got):8d} {'':>23} {fa:5d} {100 * fa / max(1, len(got)):7.2f}"
          f"   image inside: {sum(false_alarm(r.residual_am, r.multipath_db) for r in mir)} of {len(mir)}; "
          f"reported where none was sent: {len(ghosts[v])} "
          f"({sum(false_alarm(s.residual_am, s.multipath_db) for s in ghosts[v])} over threshold)\n\n")
    by_level = [(-30, -24), (-24, -18), (-18, -10)]
    w("false alarms / measured by the station's level (dBFS):\n")
    for v in VARIANTS:
        parts = []
        for lo, hi in by_level:
            got = [r for r in res[v] if lo <= r.power_dbfs < hi and r.residual_am is not None]
            parts.append(f"[{lo},{hi}) {sum(false_alarm(r.residual_am, r.multipath_db) for r in got)}/{len(got)}")
        low = [r for r in res[v] if r.power_dbfs < -30 and r.residual_am is not None]
        parts.append(f"< -30 {sum(false_alarm(r.residual_am, r.multipath_db) for r in low)}/{len(low)}")
        w(f"{v:>22}  " + "  ".join(parts) + "\n")
    w("\nevery station over threshold in some variant: residual AM / multipath_db per variant ('*' over)\n")
    for i in range(n):
        rs = [res[v][i] for v in VARIANTS]
        if any(false_alarm(r.residual_am, r.multipath_db) for r in rs):
            cells = [f"{r.residual_am:.4f}/{r.multipath_db:.2f}" + ("*" if false_alarm(r.residual_am, r.multipath_db)
                                                                      else " ")
                     if r.residual_am is not None else "-" for r in rs]
            w(f"  {rs[0].truth}\n    " + "  ".join(f"{v}: {c}" for v, c in zip(VARIANTS, cells)) + "\n")
    w(f"\n{time.perf_counter() - t0:.0f} s\n")
    return {"readings": res, "phantoms": ghosts}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="40 captures (~100 stations) instead of 480 (~1200)")
    p.add_argument("--captures", type=int)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    run(args.captures or (40 if args.quick else 480), args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
