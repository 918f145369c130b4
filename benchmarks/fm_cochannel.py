"""Residual AM (dsp.fm.cochannel) against multipath, noise and a co-channel FM carrier: the table the
fm.co_channel rule's threshold and benchmarks/verdict_quality.py's feature model are read from.

Each draw takes one station of a pool rendered by dsp.fm.tx at the channel rate (480 kHz: what the
analyser's channeliser gives at 2.4 MS/s; speech, noise and looped programmes, stereo with RDS and
mono), the same 8 chunks of 2048 samples the analyser's meter keeps, and puts each through:
a rooftop multipath channel — the direct ray plus 1 or 2 echoes (2-ray / 3-ray), delays uniform
0.5–5 µs, amplitudes uniform 0.3–0.7 of the direct ray, random phases, fractional delays exact (in
the frequency domain) —, white noise at the SNR (per 200 kHz, as the analyser reports it), and the
channeliser's raised-cosine filter (flat to 160 kHz, zero at 200 kHz; ``--passband`` narrows it as
a close neighbour does). A co-channel draw adds a second station of the pool (another programme)
with its own random multipath, offset 0–2 kHz, D/U dB under the wanted one.

The thresholds are the 99.9th percentile of the residual AM over the measurable single-station draws
(clean and multipath, every SNR), one per class of channel (how far its envelope's conditional mean
varies over the frequencies swept: dsp.fm.cochannel.CLASS_BOUNDS_DB) — never chosen per case. Detection probability per D/U is the share
of ALL co-channel draws above it (a draw whose multipath is too deep to measure counts as missed).

Two near-equal carriers (dsp.fm.cochannel's ``near_equal``: the equalised envelope fades more than
NEAR_EQUAL_FADE_SHARE of the time, in every frequency bin) are reported with the beat's maximum index,
so they count as detected too; printed apart: the share of single-station draws it fires on (its
false rate, with the 99.9th percentile of their fade share that the constant must not be under) and
its share per D/U.

    python benchmarks/fm_cochannel.py [--quick] [--draws N] [--seed S] [--passband HZ] [--table JSON]

``--table benchmarks/fm_cochannel_table.json`` writes the distributions (per class: measurable
share, flat share, quantiles; single station and per D/U) that verdict_quality.py draws from.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from dsp.fm import rds
from dsp.fm.cochannel import (CHUNK, CLASS_BOUNDS_DB, MAX_CHUNKS, MAX_MULTIPATH_DB, MAX_NULL_SHARE,
                              NEAR_EQUAL_FADE_SHARE, NEAR_EQUAL_INDEX, CoChannel, du_from_index, measure)
from dsp.fm.tx import FmStationConfig, Programme, render_fm_station

FS = 480e3
STOPBAND_GAP_HZ = 40e3
SNRS = (22.0, 25.0, 30.0, 35.0, 40.0)
DUS = (0.0, 1.5, 3.0, 6.0, 10.0, 15.0, 20.0, 25.0, 30.0)
_MARGIN = 512
#: Percentiles written to the table: every 1 %, and every 0.1 % in the top 1 % where the thresholds sit.
QUANTILES = np.round(np.r_[np.arange(0.0, 99.0), np.arange(99.0, 100.05, 0.1)], 1)


def pool(seconds: float = 1.0) -> list[np.ndarray]:
    cfgs = [
        FmStationConfig(programme=Programme("speech", seed=1), rds_groups=tuple(rds.encode_station(0x1201, "ONE"))),
        FmStationConfig(programme=Programme("noise", seed=2, level=0.3), rds_groups=tuple(rds.encode_station(0x1202, "TWO"))),
        FmStationConfig(programme=Programme("speech", seed=3), stereo=False),
        FmStationConfig(programme=Programme("loop", seed=4, period_s=5.0)),
        FmStationConfig(programme=Programme("speech", seed=5, level=0.5), deviation_hz=50e3, seed=5),
        FmStationConfig(programme=Programme("noise", seed=6, level=0.2), stereo=False, seed=6),
    ]
    return [render_fm_station(c, FS, 0.0, int(seconds * FS)).astype(np.complex128) for c in cfgs]


def chunk_starts(n: int) -> np.ndarray:
    """Where the analyser's meter takes its chunks (4 spread over each 0.5 s block), each with a
    margin either side for the channel's filters: the first sample of each piece."""
    block = int(0.5 * FS)
    per = MAX_CHUNKS // 2
    return np.concatenate([b + np.linspace(0, block - CHUNK - 2 * _MARGIN, per).astype(np.int64)
                           for b in range(0, min(n, 2 * block), block)])


def multipath(rng, n_rays: int):
    return [(rng.uniform(0.3, 0.7), rng.uniform(0.5e-6, 5e-6), rng.uniform(0, 2 * np.pi)) for _ in range(n_rays - 1)]


def response(paths, f):
    h = np.ones(len(f), complex)
    for a, tau, ph in paths:
        h += a * np.exp(-2j * np.pi * f * tau + 1j * ph)
    return h


def received(spec: np.ndarray, h: np.ndarray) -> np.ndarray:
    """A station's spectrum through the channel ``h``, at received power 1: SNR and D/U are what
    the node measures, whether the multipath happens to favour or fade the station's band."""
    out = spec * h
    return out * np.sqrt(np.sum(np.abs(spec) ** 2) / np.sum(np.abs(out) ** 2))


def draw(rng, stations, snr_db, passband, paths, interferer=None) -> CoChannel | None:
    """One measurement: (station, paths) wanted; ``interferer`` = (station, paths, offset_hz, du_db)."""
    n = CHUNK + 2 * _MARGIN
    f = np.fft.fftfreq(n, 1 / FS)
    x = np.clip((np.abs(f) - passband) / STOPBAND_GAP_HZ, 0.0, 1.0)
    filt = 0.5 * (1 + np.cos(np.pi * x))
    h = response(paths, f)
    n0 = 10 ** (-snr_db / 10) / 200e3  # the wanted station's received power is 1
    chunks = []
    for s in chunk_starts(len(stations[0])):
        sl = slice(s, s + n)
        spec = received(np.fft.fft(stations[0][sl]), h)
        if interferer is not None:
            st2, paths2, off, du = interferer
            t = np.arange(s, s + n) / FS
            spec += received(np.fft.fft(st2[sl] * np.exp(2j * np.pi * off * t)), response(paths2, f)) * 10 ** (-du / 20)
        noise = np.sqrt(n0 * FS / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
        y = np.fft.ifft((spec + np.fft.fft(noise)) * filt)[_MARGIN:_MARGIN + CHUNK]
        chunks.append(y.astype(np.complex64))
    return measure(np.stack(chunks), FS, n0, passband, passband + STOPBAND_GAP_HZ)


def measured(records) -> list[CoChannel]:
    """The draws with a residual AM index: measured, or the near-equal detection's."""
    return [r for r in records if r is not None and r.am_index is not None]


def indexed(records) -> list[CoChannel]:
    """The draws whose index was measured from the envelope (not the near-equal detection's)."""
    return [r for r in measured(records) if not r.near_equal]


def near_equal_share(records) -> float:
    return sum(r is not None and r.near_equal for r in records) / max(1, len(records))


def channel_class(r: CoChannel) -> int:
    """0 flat .. len(CLASS_BOUNDS_DB): how far the envelope's mean varies with frequency."""
    return int(np.searchsorted(CLASS_BOUNDS_DB, r.multipath_db, side="left"))


CLASS_NAMES = tuple(f"<= {b:g} dB" for b in CLASS_BOUNDS_DB) + (f"> {CLASS_BOUNDS_DB[-1]:g} dB",)


def run(draws: int, seed: int, passband: float, out=sys.stdout) -> dict:
    rng = np.random.default_rng(seed)
    st = pool()
    w = out.write
    single = {}  # (rays, snr) -> records
    for rays in (1, 2, 3):
        for snr in SNRS:
            k = max(draws // (5 if rays == 1 else 1), 20)
            single[rays, snr] = [draw(rng, [st[int(rng.integers(len(st)))]], snr, passband, multipath(rng, rays))
                                 for _ in range(k)]
    every = [r for recs in single.values() for r in recs]
    got = indexed(every)
    per_class = [[r.am_index for r in got if channel_class(r) == c] for c in range(len(CLASS_NAMES))]
    thresholds = tuple(float(np.percentile(v, 99.9)) for v in per_class)

    def detected(r) -> bool:
        return r is not None and r.am_index is not None and r.am_index > thresholds[channel_class(r)]

    w(f"channel filter flat to {passband / 1e3:.0f} kHz; {len(every)} single-station draws, {len(got)} measurable "
      f"(the envelope's conditional mean spans <= {MAX_MULTIPATH_DB:g} dB and no frequency bin faded more than "
      f"{100 * MAX_NULL_SHARE:g} % of its time)\n\nresidual AM index of ONE station (no co-channel): "
      "measurable share, median / 99th pct / 99.9th pct / max\n")
    w(f"{'SNR dB':>7} " + " ".join(f"{name:>36}" for name in ("clean", "2-ray multipath", "3-ray multipath")) + "\n")
    for snr in SNRS:
        cells = []
        for rays in (1, 2, 3):
            v = np.array([r.am_index for r in indexed(single[rays, snr])])
            cells.append(f"{len(v) / len(single[rays, snr]):5.2f} {np.median(v):.4f} {np.percentile(v, 99):.4f} "
                         f"{np.percentile(v, 99.9):.4f} {v.max():.4f}")
        w(f"{snr:7.0f} " + " ".join(f"{c:>36}" for c in cells) + "\n")
    w("\nthresholds = 99.9th percentile of the measurable single-station draws, per class of channel (how far its "
      "envelope's mean varies with frequency):\n")
    for name, v, t in zip(CLASS_NAMES, per_class, thresholds):
        w(f"  {name:>9}: {len(v):5d} draws ({100 * len(v) / len(got):4.1f} %), threshold {t:.4f} "
          f"(a second carrier {du_from_index(t):.1f} dB under)\n")
    w("\nco-channel second station (another programme, offset 0-2 kHz, its own 1-3-ray multipath; the wanted "
      "station 1-3-ray too):\nmeasurable share, median index, 10th pct, P(detect) over ALL draws\n"
      f"{'D/U dB':>7} {'r/sqrt2':>7} " + " ".join(f"{'SNR ' + format(s, '.0f') + ' dB':>27}" for s in SNRS) + "\n")
    detect, cochannel = {}, {}
    for du in DUS:
        cells = []
        for snr in SNRS:
            recs = cochannel[du, snr] = []
            for _ in range(max(draws // 10, 20)):
                i, j = rng.choice(len(st), 2, replace=False)
                interferer = (st[j], multipath(rng, int(rng.integers(1, 4))), float(rng.uniform(0, 2e3)), du)
                recs.append(draw(rng, [st[i]], snr, passband, multipath(rng, int(rng.integers(1, 4))), interferer))
            v = np.array([r.am_index for r in indexed(recs)] or [np.nan])
            detect[du, snr] = sum(map(detected, recs)) / len(recs)
            cells.append(f"{len(measured(recs)) / len(recs):5.2f} {np.median(v):.4f} {np.percentile(v, 10):.4f} "
                         f"{detect[du, snr]:5.2f}")
        w(f"{du:7g} {10 ** (-du / 20) / np.sqrt(2):7.4f} " + " ".join(f"{c:>27}" for c in cells) + "\n")
    w("\nthe same draws (every SNR) by class of channel: P(detect) (n) per class, and the share not measurable\n")
    overall = []
    for du in DUS:
        recs = [r for snr in SNRS for r in cochannel[du, snr]]
        got_du = measured(recs)
        overall.append(sum(map(detected, recs)) / len(recs))
        parts = []
        for c, name in enumerate(CLASS_NAMES):
            in_c = [r for r in got_du if channel_class(r) == c]
            parts.append(f"{name:>9} {sum(map(detected, in_c)) / max(1, len(in_c)):4.2f} (n={len(in_c):3d})")
        w(f"{du:7g}  " + "  ".join(parts) + f"  not measurable {1 - len(got_du) / len(recs):.2f}"
          f"  all: P(detect) {overall[-1]:.2f}\n")
    above = [du for du, p in zip(DUS, overall) if p >= 0.9]
    w(f"P(detect) >= 90 % (all draws, every SNR) at D/U {', '.join(f'{d:g}' for d in above) or 'none'} dB\n")
    fades = np.array([r.fade_share for r in every if r is not None])
    w(f"\ntwo near-equal carriers (fade share behind the equaliser > {NEAR_EQUAL_FADE_SHARE:g}, fades in every "
      f"frequency bin):\n  false rate on ONE station: {near_equal_share(every):.4f} "
      f"({sum(r is not None and r.near_equal for r in every)} of {len(every)} draws; their fade share: 99th pct "
      f"{np.percentile(fades, 99):.4f}, 99.9th pct {np.percentile(fades, 99.9):.4f}, max {fades.max():.4f})\n")
    w(f"  {'D/U dB':>7} {'P(near_equal)':>13} {'median fade share':>17} {'P(detect) all':>13}\n")
    for du, p_all in zip(DUS, overall):
        recs = [r for snr in SNRS for r in cochannel[du, snr]]
        w(f"  {du:7g} {near_equal_share(recs):13.3f} "
          f"{np.median([r.fade_share for r in recs if r is not None]):17.4f} {p_all:13.3f}\n")
    return {"thresholds": thresholds, "single": single, "cochannel": cochannel, "detect": detect}


def summary(records) -> dict:
    """A measured distribution as benchmarks/verdict_quality.py draws from it: the measurable share
    (near-equal detections included), the near-equal share and those draws' median multipath_db, each
    class's share of the measured indices, and the index's quantiles at QUANTILES per class."""
    got = indexed(records)
    classes = [np.array([r.am_index for r in got if channel_class(r) == c]) for c in range(len(CLASS_NAMES))]
    near = [r.multipath_db for r in records if r is not None and r.near_equal]
    return {"n": len(records), "measurable": len(measured(records)) / max(1, len(records)),
            "near_equal": near_equal_share(records),
            "near_equal_multipath_db": round(float(np.median(near)), 2) if near else None,
            "class_share": [len(v) / max(1, len(got)) for v in classes],
            "class_q": [[round(float(x), 5) for x in np.percentile(v, QUANTILES)] if len(v) else [] for v in classes]}


def write_table(path: str, result: dict, argv: list[str]) -> None:
    import json
    table = {"made_by": "python benchmarks/fm_cochannel.py " + " ".join(argv),
             "class_bounds_db": list(CLASS_BOUNDS_DB), "max_multipath_db": MAX_MULTIPATH_DB,
             "near_equal_fade_share": NEAR_EQUAL_FADE_SHARE, "near_equal_index": NEAR_EQUAL_INDEX,
             "percentiles": [float(q) for q in QUANTILES],
             "thresholds": [round(t, 4) for t in result["thresholds"]],
             "single": summary([r for recs in result["single"].values() for r in recs]),
             "cochannel": {f"{du:g}": summary([r for (d, _), recs in result["cochannel"].items() if d == du
                                               for r in recs]) for du in DUS}}
    with open(path, "w") as f:
        json.dump(table, f)
        f.write("\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="200 draws per cell instead of 1000")
    p.add_argument("--draws", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--passband", type=float, default=160e3, help="channel filter's flat half-width, Hz")
    p.add_argument("--table", metavar="JSON", help="also write the measured distributions (verdict_quality.py reads them)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    result = run(args.draws or (200 if args.quick else 1000), args.seed, args.passband)
    if args.table:
        write_table(args.table, result, sys.argv[1:] if argv is None else list(argv))
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
