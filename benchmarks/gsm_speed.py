"""GSM receiver speed: every carrier of a 2.4 MS/s cu8 capture vs the capture's duration, one core.

    python benchmarks/gsm_speed.py [--quick]

Builds the capture with the reference transmitter (8 BCCH carriers, ±20 ppm, SNR 15 dB, RTL-SDR
IQ imbalance and 8-bit quantisation), writes it as SigMF cu8 and times ``receive`` reading it
back in blocks, as ``foxhunt decode gsm`` does. Also the equaliser's numba kernel against the
same function run as plain Python (its ``py_func``), and ``grgsm_decode`` on one carrier when
Debian's gr-gsm is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import timeit
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import numpy as np  # noqa: E402

from dsp.gsm.bursts import TRAINING_SEQUENCES, normal_burst  # noqa: E402
from dsp.gsm.equalizer import _max_log_map, equalise  # noqa: E402
from dsp.gsm.gmsk import SYMBOL_RATE, modulate  # noqa: E402
from dsp.gsm.receiver import receive  # noqa: E402
from dsp.gsm.sysinfo_encode import CellConfig  # noqa: E402
from dsp.gsm.tx import render_bcch, render_bcch_carrier  # noqa: E402
from sensors.recording import open_recording, write_recording  # noqa: E402

RATE = 2.4e6
CENTRE = 947.0e6
CHANNELS = (-1.0e6, -0.8e6, -0.4e6, -0.2e6, 0.2e6, 0.4e6, 0.8e6, 1.0e6)
SI = {"SI3": bytes.fromhex("49061b1b5d64f010508dc800052f4548e50000bf002b2b"),
      "SI4": bytes.fromhex("31061c64f010508d4548e50000bf002b2b2b2b2b2b2b2b")}


def capture_blocks(seconds: float, block: int = 1 << 20, seed: int = 1):
    """The benchmark capture as cu8-ready complex blocks (rendered block by block)."""
    rng = np.random.default_rng(seed)
    ppm = rng.uniform(-20, 20, len(CHANNELS))
    phase0 = rng.uniform(0, 1, len(CHANNELS))
    n_total = int(seconds * RATE)
    p_noise = 10 ** (-1.5) * RATE / SYMBOL_RATE
    for start in range(0, n_total, block):
        n = min(block, n_total - start)
        t = (start + np.arange(n)) / RATE
        x = np.zeros(n, np.complex128)
        for k, ch in enumerate(CHANNELS):
            off = ch + ppm[k] * 1e-6 * (CENTRE + ch)
            sig = render_bcch(8 * k + 1, SI, RATE, start / RATE, n, fn0=1000 * k)
            x += sig * np.exp(2j * np.pi * (off * t + phase0[k]))
        x += np.sqrt(p_noise / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
        x *= 0.9 / (3.5 * np.sqrt(len(CHANNELS)))
        i = x.real * 1.03 + 0.01
        q = 0.97 * (x.imag * np.cos(0.02) + x.real * np.sin(0.02))
        yield np.clip(i, -1, 1).astype(np.float32) + 1j * np.clip(q, -1, 1).astype(np.float32)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 2 s capture instead of 10 s")
    args = ap.parse_args(argv)
    seconds = 2.0 if args.quick else 10.0
    tmp = Path(tempfile.mkdtemp(prefix="gsm_speed_"))
    try:
        base = tmp / "capture"
        write_recording(base, capture_blocks(seconds), datatype="cu8", sample_rate=RATE, center_freq=CENTRE)
        rec = open_recording(base)
        receive(lambda: rec.blocks(1 << 20, count=int(0.3 * RATE)), RATE, CENTRE)  # warm numba caches
        t, c = time.perf_counter(), time.process_time()
        cells = receive(lambda: rec.blocks(1 << 20), RATE, CENTRE)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        ok = sum(sum(r.ok for _, r in c.blocks) for c in cells)
        total = sum(len(c.blocks) for c in cells)
        print(f"capture: {seconds:.0f} s at {RATE / 1e6:.1f} MS/s cu8, {len(CHANNELS)} carriers (±20 ppm, SNR 15 dB)")
        print(f"receive (all carriers, one thread): CPU {cpu:.2f} s = {seconds / cpu:.1f}x real time "
              f"(wall {wall:.2f} s = {seconds / wall:.1f}x on this shared machine); "
              f"{len(cells)}/{len(CHANNELS)} carriers, {ok}/{total} blocks decoded")
        _equaliser_kernel()
        _transmitter()
        _grgsm(base, rec.info.n_samples)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _equaliser_kernel() -> None:
    rng = np.random.default_rng(2)
    burst = normal_burst(rng.integers(0, 2, 114), 3)
    x = modulate(np.concatenate([np.ones(12, np.uint8), burst, np.ones(12, np.uint8)]), 4)
    x = (x + 0.1 * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size))).astype(np.complex64)
    eq = equalise(x, 4, TRAINING_SEQUENCES[3], 61, 48, 2)
    z = x[::4][:152].astype(np.complex128)
    h = eq.taps.astype(np.complex128)
    _max_log_map(z, h, 0.1)
    t_numba = min(timeit.repeat(lambda: _max_log_map(z, h, 0.1), number=200, repeat=5)) / 200
    t_py = min(timeit.repeat(lambda: _max_log_map.py_func(z, h, 0.1), number=2, repeat=3)) / 2
    t_eq = min(timeit.repeat(lambda: equalise(x, 4, TRAINING_SEQUENCES[3], 61, 48, 2), number=200,
                             repeat=5)) / 200
    print(f"max-log-MAP per burst (16 states): numba {t_numba * 1e6:.0f} us, plain Python {t_py * 1e3:.1f} ms "
          f"({t_py / t_numba:.0f}x); whole equalise() incl. timing search {t_eq * 1e6:.0f} us")


def _transmitter() -> None:
    """What the city simulator needs: 15 cells rendered at 2.4 MS/s, in 0.1 s blocks, unsynchronised."""
    configs = [CellConfig(mcc="460", mnc="00", lac=100 + k, cell_id=1000 + k, ncc=k % 8, bcc=3 * k % 8,
                          arfcn=10 + k, neighbours=(1, 2, 3)) for k in range(15)]
    block = int(0.1 * RATE)
    for second in range(3):
        c = time.process_time()
        for b in range(10):
            for k, cfg in enumerate(configs):
                render_bcch_carrier(cfg, RATE, second + 0.1 * b + 0.000731 * k, block, fn0=7919 * k)
        cpu = time.process_time() - c
    print(f"transmitter: 15 cells x 1 s at {RATE / 1e6:.1f} MS/s in {cpu:.2f} s CPU (third second, caches warm) "
          f"= {1 / cpu:.1f}x real time")


def _grgsm(base: Path, n_samples: int) -> None:
    """grgsm_decode on the first carrier, mixed to the centre of its own cfile (it decodes the
    carrier at the centre of what it is given)."""
    exe = shutil.which("grgsm_decode")
    if exe is None:
        print("grgsm_decode: not installed, comparison skipped")
        return
    cfile = base.with_suffix(".cfile")
    rec = open_recording(base)
    pos = 0
    with open(cfile, "wb") as f:
        for x in rec.blocks(1 << 20):
            t = (pos + np.arange(x.size)) / RATE
            (x * np.exp(-2j * np.pi * CHANNELS[0] * t)).astype(np.complex64).tofile(f)
            pos += x.size
    f_carrier = CENTRE + CHANNELS[0]
    t = time.perf_counter()
    subprocess.run([exe, "-c", str(cfile), "-s", str(RATE), "-f", str(f_carrier), "-m", "BCCH", "-t", "0"],
                   capture_output=True, env={**os.environ, "VOLK_GENERIC": "1"}, check=False)
    print(f"grgsm_decode on one carrier ({f_carrier / 1e6:.1f} MHz): {time.perf_counter() - t:.2f} s "
          f"wall for {n_samples / RATE:.0f} s")


if __name__ == "__main__":
    main()
