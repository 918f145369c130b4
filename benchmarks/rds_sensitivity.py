"""RDS sensitivity: PI and PS decode probability vs RF SNR through an FM link, false PIs, gr-rds, speed.

SNR as in the shared reference recordings: 0 dB carrier power / noise power in 200 kHz. Each
trial: a random station (PI, PS, RT, start in its group cycle) with mono programme noise (±60 kHz
peak-ish), 19 kHz pilot (6.75 kHz) and RDS (2 kHz) frequency-modulates a carrier at 480 kS/s;
complex white noise is added; a plain receiver (200 kHz channel, 240 kS/s, discriminator) gives the
MPX that ``decode_mpx`` listens to for a fixed time. The baseline, measured on the same MPX in the
same run, is the same decoder with burst correction off (exact blocks only).

gr-rds (benchmark-only reference, never a foxhunt dependency): where Debian's gr-rds and GNU
Radio are installed for /usr/bin/python3, the SAME IQ files go through ``grrds_worker.py`` (a
flowgraph: file source, FM receiver, gr-rds's RDS chain as in its rds_rx example, rds.decoder,
rds.parser); a PI counts when the parser announced the true one. Without gr-rds that column is
skipped and the run says why.

False PIs are counted (1) over every trial, (2) on noise-only MPX and RDS-less stations at each
SNR, (3) on random-PI stations of constant content (0A only, blank PS, one AF; and one group
repeated), the worst case for the block-A fold, at Eb/N0 −8..12 dB straight into the MPX, and
(4) for the fold alone (``fold_pi``) on Gaussian symbol streams of 2 s and 20 s.

Run: ``python benchmarks/rds_sensitivity.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import signal

from dsp.fm.rds import decode_mpx, encode_station, rds_waveform
from dsp.fm.rds_demod import coherent_symbols, soft_bits
from dsp.fm.rds_fold import fold_pi
from dsp.fm.rds_modem import BIT_RATE
from dsp.fm.rds_station import accumulate
from dsp.fm.rds_sync import synchronise

RF_RATE = 480_000.0
MPX_RATE = 240_000.0
NOISE_BW = 200_000.0
AUDIO_RMS_HZ = 20_000.0
PILOT_HZ = 6_750.0
RDS_HZ = 2_000.0
PS_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
#: gnuradio's Python (Debian's), whatever interpreter runs this benchmark.
GR_PYTHON = Path("/usr/bin/python3")
GR_WORKER = Path(__file__).with_name("grrds_worker.py")


def make_mpx(rng: np.random.Generator, seconds: float, with_rds: bool):
    n = int(seconds * RF_RATE)
    pi = int(rng.integers(0x1000, 0xFFFF))
    ps = "".join(rng.choice(list(PS_CHARS), 8))
    groups = encode_station(pi, ps, pty=int(rng.integers(0, 32)), rt="RDS sensitivity test")
    audio = signal.lfilter(*signal.butter(6, 15_000, fs=RF_RATE), rng.normal(size=n))
    audio *= AUDIO_RMS_HZ / np.std(audio)
    t = np.arange(n) / RF_RATE
    phase = rng.uniform(0, 2 * np.pi)
    mpx = audio + PILOT_HZ * np.cos(2 * np.pi * 19_000 * t + phase)
    if with_rds:
        start = rng.uniform(0, 30)
        mpx += RDS_HZ * rds_waveform(groups, RF_RATE, n, start_s=start, pilot_phase=phase)
    return mpx, f"{pi:04X}", ps


def rf_capture(mpx: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """The station as IQ at RF_RATE (complex64, carrier at 0 Hz) with white noise at ``snr_db``."""
    x = np.exp(2j * np.pi * np.cumsum(mpx) / RF_RATE)
    noise_power = 10 ** (-snr_db / 10) * RF_RATE / NOISE_BW  # per full band, so N(200 kHz) = 1/SNR
    x += np.sqrt(noise_power / 2) * (rng.normal(size=x.size) + 1j * rng.normal(size=x.size))
    return x.astype(np.complex64)


def receive(iq: np.ndarray) -> np.ndarray:
    """Plain FM receiver: 240 kS/s (its anti-alias filter is the channel), discriminator."""
    z = signal.resample_poly(iq, 1, int(RF_RATE // MPX_RATE))
    return np.angle(z[1:] * np.conj(z[:-1])).astype(np.float32)


def decode_exact_only(mpx: np.ndarray):
    st = synchronise(soft_bits(coherent_symbols(mpx, MPX_RATE)), max_burst=0)
    return accumulate(((g.blocks, g.corrected) for g in st.groups), st.blocks_total, st.blocks_failed,
                      votes_need_b=True)


def fold_false_pis(rng: np.random.Generator, seconds: float, trials: int) -> int:
    """PIs the fold claims on pure Gaussian symbol streams (the symbols of a noise-only input)."""
    n = int(seconds * BIT_RATE)
    return sum(fold_pi(rng.normal(size=n).astype(np.float32)) is not None for _ in range(trials))


def constant_station_false_pis(rng: np.random.Generator, trials: int) -> tuple[int, int]:
    """(false PIs, true PIs) over random-PI stations whose groups barely change, in MPX noise."""
    fs = MPX_RATE
    false = true = 0
    for i in range(trials):
        pi = int(rng.integers(0x1000, 0xFFFF))
        groups = encode_station(pi, " " * 8, pty=int(rng.integers(0, 32)), af=(98.1e6,), di=0)
        x = rds_waveform(groups[:1] if i % 2 else groups, fs, int(2.0 * fs), start_s=rng.uniform(0, 1))
        eb = np.mean(x.astype(np.float64) ** 2) / BIT_RATE
        sigma = np.sqrt(eb / 10 ** (rng.uniform(-8, 12) / 10) / 2 * fs)
        r = decode_mpx(x + rng.normal(0, sigma, x.size).astype(np.float32), fs)
        false += r is not None and r.pi != f"{pi:04X}"
        true += r is not None and r.pi == f"{pi:04X}"
    return false, true


def grrds_available() -> str | None:
    """None when gr-rds can run, else why not."""
    if not GR_PYTHON.is_file():
        return f"{GR_PYTHON} absent"
    probe = subprocess.run([str(GR_PYTHON), "-c", "import rds, gnuradio"], env=_gr_env(),
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return "gnuradio or gr-rds not importable by " + str(GR_PYTHON) + " (apt-get install gr-rds)"
    return None


def _gr_env() -> dict[str, str]:
    # The benchmark's interpreter's PYTHON* settings would point gnuradio's Python at our packages.
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def grrds_pis(files: list[Path]) -> dict[str, list[str]]:
    """PIs gr-rds's parser announced for each IQ file (complex64 at RF_RATE)."""
    res = subprocess.run([str(GR_PYTHON), str(GR_WORKER), repr(RF_RATE), *map(str, files)],
                         env=_gr_env(), capture_output=True, text=True, check=False)
    if res.returncode != 0:
        tail = res.stderr.strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"grrds_worker exited {res.returncode}: {tail[0]}")
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    return {row["file"]: row["pi"] for row in rows}


def snr_at(probs: list[float], snrs: list[float], level: float) -> float | None:
    for i in range(len(snrs)):
        if probs[i] >= level:
            if i == 0:
                return snrs[0]
            p0, p1 = probs[i - 1], probs[i]
            return snrs[i - 1] + (level - p0) / (p1 - p0) * (snrs[i] - snrs[i - 1])
    return None


def _db(x: float | None) -> str:
    return "not reached" if x is None else f"{x:.1f} dB"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer trials and SNR points")
    ap.add_argument("--listen", type=float, default=2.0, help="listen time per trial, s")
    args = ap.parse_args(argv)
    snrs = [0, 6, 7, 8, 9, 10, 12, 16, 25] if args.quick else [0, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 20, 25]
    # Where the 90 % points lie, more trials.
    trials_at = (lambda s: 30 if 7 <= s <= 10 else 8) if args.quick else (lambda s: 100 if 7 <= s <= 10 else 20)
    rng = np.random.default_rng(2026)
    gr_missing = grrds_available()
    tmp = Path(tempfile.mkdtemp(prefix="rds_sensitivity_"))
    false_pi = false_trials = gr_false = gr_noise = 0
    decodes = 0
    pi_p, ps_p, base_p, gr_p = [], [], [], []
    print(f"listen {args.listen:.1f} s; SNR = C/N in {NOISE_BW/1e3:.0f} kHz; "
          f"gr-rds: {'same IQ files, same run' if gr_missing is None else 'skipped: ' + gr_missing}")
    print(" SNR dB  trials  P(PI)  P(PS)  P(PI) exact-only  P(PI) gr-rds   BLER")
    try:
        for snr in snrs:
            trials = trials_at(snr)
            ok_pi = ok_ps = ok_base = 0
            bler = []
            truth: dict[str, str] = {}
            for i in range(trials):
                mpx, pi, ps = make_mpx(rng, args.listen, True)
                iq = rf_capture(mpx, snr, rng)
                rx = receive(iq)
                r = decode_mpx(rx, MPX_RATE)
                b = decode_exact_only(rx)
                ok_pi += r is not None and r.pi == pi
                ok_ps += r is not None and r.ps == ps
                ok_base += b is not None and b.pi == pi
                false_pi += (r is not None and r.pi != pi) + (b is not None and b.pi != pi)
                decodes += 2
                if r is not None:
                    bler.append(r.block_error_rate)
                if gr_missing is None:
                    path = tmp / f"snr{snr}_{i}.cfile"
                    iq.tofile(path)
                    truth[str(path)] = pi
            for with_carrier in (True, False):
                mpx, _, _ = make_mpx(rng, args.listen, False)
                if with_carrier:
                    iq = rf_capture(mpx, snr, rng)
                    rx = receive(iq)
                    if gr_missing is None:
                        path = tmp / f"snr{snr}_nords.cfile"
                        iq.tofile(path)
                        truth[str(path)] = ""
                else:
                    rx = rng.normal(0, 3e4, mpx.size // 2).astype(np.float32)
                false_pi += decode_mpx(rx, MPX_RATE) is not None
                false_trials += 1
            gr_col = "      -"
            if gr_missing is None:
                found = grrds_pis([Path(f) for f in truth])
                gr_ok = sum(truth[f] in found.get(f, []) for f in truth if truth[f])
                gr_false += sum(any(p != truth[f] for p in found.get(f, [])) for f in truth)
                gr_noise += 1
                gr_p.append(gr_ok / trials)
                gr_col = f"{gr_p[-1]:7.2f}"
                for f in truth:
                    Path(f).unlink()
            pi_p.append(ok_pi / trials)
            ps_p.append(ok_ps / trials)
            base_p.append(ok_base / trials)
            print(f"{snr:6.1f}  {trials:6d}  {pi_p[-1]:5.2f}  {ps_p[-1]:5.2f}  {base_p[-1]:16.2f}  "
                  f"{gr_col:>13}  {np.mean(bler) if bler else float('nan'):6.3f}", flush=True)
    finally:
        for f in tmp.glob("*.cfile"):
            f.unlink()
        tmp.rmdir()
    s90, b90 = snr_at(pi_p, snrs, 0.9), snr_at(base_p, snrs, 0.9)
    print(f"SNR of 90 % PI decode: ours {_db(s90)} (target <= 9 dB); exact blocks only {_db(b90)}")
    if gr_missing is None:
        g90 = snr_at(gr_p, snrs, 0.9)
        gap = f"ours better by {g90 - s90:.1f} dB (target >= 3 dB)" if None not in (g90, s90) else "gap: n/a"
        print(f"SNR of 90 % PI decode: gr-rds {_db(g90)}; {gap}")
        print(f"gr-rds false PIs: {gr_false} over {len(snrs)} SNR points' files (every PI it announced "
              f"that was not the station's, incl. {gr_noise} RDS-less stations)")
    else:
        print(f"gr-rds comparison skipped: {gr_missing}")
    print(f"SNR of 90 % PS decode: {_db(snr_at(ps_p, snrs, 0.9))}")
    print(f"false PIs: {false_pi} over {decodes + false_trials} decodes "
          f"(incl. {false_trials} without RDS: noise-only MPX and RDS-less stations)")
    n_const = 200 if args.quick else 2000
    t0 = time.perf_counter()
    cf, ct = constant_station_false_pis(rng, n_const)
    print(f"constant-content random-PI stations (0A only, blank PS, one AF; half of them one group "
          f"repeated), Eb/N0 -8..12 dB: {cf} false PIs, {ct} true PIs in {n_const} trials "
          f"({time.perf_counter() - t0:.0f} s)")
    for seconds, n_trials in ((2.0, 1000 if args.quick else 10_000), (20.0, 100 if args.quick else 1000)):
        print(f"fold alone on Gaussian symbols, {seconds:.0f} s: {fold_false_pis(rng, seconds, n_trials)} "
              f"false PIs in {n_trials} trials (95 % upper bound {3 / n_trials:.0e} per fold if 0)")
    mpx, _, _ = make_mpx(rng, 10.0, True)
    iq = rf_capture(mpx, 20.0, rng)
    rx = receive(iq)
    t0 = time.perf_counter()
    decode_mpx(rx, MPX_RATE)
    dt_dec = time.perf_counter() - t0
    t0 = time.perf_counter()
    receive(iq)
    dt_rx = time.perf_counter() - t0
    print(f"decode_mpx on 10 s of MPX: {dt_dec:.3f} s ({10 / dt_dec:.0f}x real time); "
          f"the benchmark's own FM receiver on the same 10 s: {dt_rx:.3f} s (ratio {dt_dec / dt_rx:.2f})")


if __name__ == "__main__":
    main()
