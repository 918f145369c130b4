"""SI3 decode probability vs SNR, AWGN and typical-urban multipath, and the SNR of the 90 % point.

    python benchmarks/gsm_sensitivity.py [--quick]

One BCCH carrier from the reference transmitter broadcasting only SI3 (so every BCCH block is an
SI3: four a second), 1.2 kHz off its channel, at 4 samples/symbol. SNR is Es/N0: carrier power
over noise power in 270.833 kHz. The multipath profile is 3GPP TU (typical urban, 6 taps, TS 45.005
Annex C: 0/0.2/0.5/1.6/2.3/5.0 µs at −3/0/−2/−6/−8/−10 dB), Rayleigh, drawn afresh every TDMA
frame (a fast-moving handset or frequency hopping: no two bursts of a block see the same
channel). Probability = SI3 blocks decoded (Fire code passes and the 23 octets equal what was
sent) over SI3 blocks sent, so losing sync counts as failures. Where Debian's gr-gsm is installed,
the same files go through ``grgsm_decode`` (carrier at the centre, same rate) under the same rule:
an SI3 counts when its 23 octets appear in gr-gsm's printed hex at an FN with FN mod 51 = 2.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from dsp.gsm.gmsk import SYMBOL_RATE
from dsp.gsm.receiver import receive, stream
from dsp.gsm.tx import render_bcch

RATE = 4 * SYMBOL_RATE
CENTRE = 947.0e6
FREQ_ERROR_HZ = 1200.0
SI3 = bytes.fromhex("49061b1b5d64f010508dc800052f4548e50000bf002b2b")
FN0 = 51 * 40 - 3
TU_DELAYS_US = np.array([0.0, 0.2, 0.5, 1.6, 2.3, 5.0])
TU_POWERS_DB = np.array([-3.0, 0.0, -2.0, -6.0, -8.0, -10.0])
FRAME = 5000  # samples of one TDMA frame at 4 samples/symbol
GRGSM = Path("/usr/bin/grgsm_decode")
#: gnuradio's Python (Debian's), whatever interpreter runs this benchmark.
GRGSM_PYTHON = Path("/usr/bin/python3")
#: gr-gsm's printed message line: ``FN A5COUNT:  23 hex octets``.
_GRGSM_LINE = re.compile(r"^\s*(\d+)\s+\d+:\s+((?:[0-9a-f]{2}\s*){23})$", re.M)


def si3_sent(n_samples: int) -> int:
    """SI3 blocks (FN mod 51 = 2..5) wholly inside the capture."""
    frames = n_samples // FRAME
    return sum(1 for f in range(frames - 4) if (FN0 + f) % 51 == 2)


def tu_channel(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """x through TU6 Rayleigh taps redrawn each TDMA frame; the switch falls in TS7's guard."""
    half = 16
    n = np.arange(-half, half + 1)
    delays = TU_DELAYS_US * 1e-6 * RATE
    p = 10 ** (TU_POWERS_DB / 10)
    p /= p.sum()
    out = np.zeros(x.size + 2 * half, np.complex128)
    for start in range(-16, x.size, FRAME):
        lo, hi = max(start, 0), min(start + FRAME, x.size)
        g = np.sqrt(p / 2) * (rng.standard_normal(p.size) + 1j * rng.standard_normal(p.size))
        h = sum(gk * np.sinc(n - d) * np.hanning(2 * half + 3)[1:-1] for gk, d in zip(g, delays))
        out[lo: hi + 2 * half] += np.convolve(x[lo:hi], h)
    return out[half: half + x.size]


def point(snr_db: float, seconds: float, multipath: bool, seed: int, keep: Path | None = None) -> float:
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    x = render_bcch(21, {"SI3": SI3}, RATE, 0.0, n, fn0=FN0).astype(np.complex128)
    if multipath:
        x = tu_channel(x, rng)
    x *= np.exp(2j * np.pi * (FREQ_ERROR_HZ * np.arange(n) / RATE + rng.uniform()))
    noise_power = RATE / SYMBOL_RATE * 10 ** (-snr_db / 10)
    x += np.sqrt(noise_power / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    x = x.astype(np.complex64)
    if keep is not None:
        x.tofile(keep)
    cells = receive(stream(x), RATE, CENTRE)
    good = sum(1 for c in cells for fn, r in c.blocks if r.ok and r.data == SI3 and fn % 51 == 2)
    return min(good / si3_sent(n), 1.0)


def grgsm_command(workdir: Path) -> list[str] | None:
    """The command running Debian's grgsm_decode, or None when gr-gsm is not installed.

    Debian's script (gr-gsm 1.0.0~20220727) still takes ``socket_pdu`` from ``gnuradio.pdu``, which
    GNU Radio 3.10 moved to ``gnuradio.network``, so it dies on start; a fixed copy goes in
    ``workdir`` (the work-around of /work/shared/realdata/README.md, nothing else changed).
    """
    if not (GRGSM.is_file() and GRGSM_PYTHON.is_file()):
        return None
    src = re.sub(r"^from gnuradio import pdu$", "from gnuradio import pdu\nfrom gnuradio import network",
                 GRGSM.read_text(), flags=re.M).replace("pdu.socket_pdu(", "network.socket_pdu(")
    fixed = workdir / "grgsm_decode_fixed"
    fixed.write_text(src)
    return [str(GRGSM_PYTHON), str(fixed)]


def run_cpu(argv: list[str], volk_generic: bool = True, cwd: Path | None = None) -> tuple[str, float]:
    """Run one of gr-gsm's tools under gnuradio's Python: its stdout and the CPU seconds it used (all
    its threads). ``volk_generic`` turns VOLK's SIMD kernels off, as gr-gsm's CI does (the
    reference decodes in /work/shared/realdata were made so)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VOLK_GENERIC"}
    if volk_generic:
        env["VOLK_GENERIC"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        tail = res.stderr.strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"{Path(argv[1]).name} exited {res.returncode}: {tail[0]}")
    return res.stdout, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def run_grgsm(cmd: list[str], cfile: Path, rate: float, freq: float,
              volk_generic: bool = True) -> tuple[list[tuple[int, bytes]], float]:
    """gr-gsm's BCCH/CCCH decode of TS0 of the carrier at the centre of ``cfile``: the (FN, 23 octets)
    of every block it printed, and its CPU seconds."""
    out, cpu = run_cpu([*cmd, "-c", str(cfile), "-s", repr(float(rate)), "-f", repr(float(freq)),
                        "-m", "BCCH", "-t", "0", "-v"], volk_generic)
    return [(int(fn), bytes.fromhex(hx)) for fn, hx in _GRGSM_LINE.findall(out)], cpu


def grgsm_point(cmd: list[str], cfile: Path, n: int) -> float:
    """gr-gsm's SI3 decode probability on the capture ``point`` kept, by ``point``'s rule."""
    blocks, _ = run_grgsm(cmd, cfile, RATE, CENTRE)
    good = sum(1 for fn, data in blocks if data == SI3 and fn % 51 == 2)
    return min(good / si3_sent(n), 1.0)


def ninety(snrs, probs) -> float | None:
    """Lowest SNR from which the probability stays ≥ 0.9 (linear interpolation), or None."""
    for i in range(len(snrs)):
        if all(p >= 0.9 for p in probs[i:]):
            if i == 0:
                return float(snrs[0])
            s0, s1, p0, p1 = snrs[i - 1], snrs[i], probs[i - 1], probs[i]
            return float(s0 + (0.9 - p0) * (s1 - s0) / (p1 - p0))
    return None


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer points, shorter captures")
    args = ap.parse_args(argv)
    snrs = list(range(0, 21, 4 if args.quick else 2))
    seconds = 3.0 if args.quick else 10.0
    n = int(seconds * RATE)
    tmp = Path(tempfile.mkdtemp(prefix="gsm_sens_"))
    try:
        grgsm = grgsm_command(tmp)
        print(f"{si3_sent(n)} SI3 blocks sent per point ({seconds:.0f} s); SNR = Es/N0 in 270.833 kHz")
        for name, mp in (("AWGN", False), ("TU6 Rayleigh", True)):
            probs, gr = [], []
            for k, snr in enumerate(snrs):
                keep = tmp / "point.cfile" if grgsm else None
                probs.append(point(snr, seconds, mp, seed=100 * k + mp, keep=keep))
                if keep is not None:
                    gr.append(grgsm_point(grgsm, keep, n))
                    keep.unlink()
            print(f"{name}:")
            print("  SNR dB   " + " ".join(f"{s:5d}" for s in snrs))
            print("  foxhunt  " + " ".join(f"{p:5.2f}" for p in probs))
            if gr:
                print("  gr-gsm   " + " ".join(f"{p:5.2f}" for p in gr))
            ours = ninety(snrs, probs)
            line = f"  90 % point: foxhunt {ours:.1f} dB" if ours is not None else "  90 % point: foxhunt not reached"
            if gr:
                theirs = ninety(snrs, gr)
                line += f", gr-gsm {theirs:.1f} dB" if theirs is not None else ", gr-gsm not reached"
                if ours is not None and theirs is not None:
                    line += f" (foxhunt {theirs - ours:+.1f} dB better; target ≥ 2 dB)"
            print(line, flush=True)
        if grgsm is None:
            print(f"{GRGSM}: not installed, comparison skipped")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
