"""GSM receiver speed: every carrier of a 2.4 MS/s cu8 capture vs the capture's duration, one core.

    python benchmarks/gsm_speed.py [--quick]

Builds the capture with the reference transmitter (8 BCCH carriers, ±20 ppm, SNR 15 dB, RTL-SDR
IQ imbalance and 8-bit quantisation), writes it as SigMF cu8 and times ``receive`` reading it
back in blocks, as ``foxhunt decode gsm`` does. Also the equaliser's numba kernel against the
same function run as plain Python (its ``py_func``), and ``grgsm_decode`` on one carrier when
Debian's gr-gsm is installed: gr-gsm's own wideband path, ``grgsm_channelize`` (that carrier to
1.2 MS/s) then ``grgsm_decode``. Given the 2.4 MS/s file merely mixed to that carrier, grgsm_decode
decoded no block at all here (the other seven carriers get through its input stage; after a 100 kHz
low-pass, or its own channeliser, it decodes).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import timeit
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import numpy as np  # noqa: E402

from dsp.bands import downlink_hz_to_arfcn  # noqa: E402
from dsp.gsm.bursts import TRAINING_SEQUENCES, normal_burst  # noqa: E402
from dsp.gsm.equalizer import _max_log_map, equalise  # noqa: E402
from dsp.gsm.gmsk import SYMBOL_RATE, modulate  # noqa: E402
from dsp.gsm.receiver import receive  # noqa: E402
from dsp.gsm.sysinfo_encode import CellConfig  # noqa: E402
from dsp.gsm.tx import render_bcch, render_bcch_carrier  # noqa: E402
from sensors.recording import open_recording, write_recording  # noqa: E402

# the sibling script (benchmarks/ is on sys.path when a benchmark runs): one fixed grgsm_decode for both
from gsm_sensitivity import GRGSM_PYTHON, grgsm_command, run_cpu, run_grgsm  # noqa: E402

GRGSM_CHANNELIZE = "/usr/bin/grgsm_channelize"
#: grgsm_channelize wants an integer decimation; 2.4 MS/s / 2.
GRGSM_RATE = 1.2e6

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
        _grgsm(base, tmp, seconds, cpu, ok, total)
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


def _grgsm(base: Path, tmp: Path, seconds: float, our_cpu: float, our_ok: int, our_total: int) -> None:
    """gr-gsm on the first carrier of the same capture: grgsm_channelize extracts it, grgsm_decode
    decodes it. The capture is handed over as a complex float cfile (gr-gsm reads no unsigned 8-bit
    IQ); that conversion is not timed. CPU time of both (all their threads), as the machine is shared;
    with VOLK's SIMD kernels (gr-gsm at its fastest) and with VOLK_GENERIC as in gr-gsm's CI."""
    cmd = grgsm_command(tmp)
    if cmd is None:
        print("grgsm_decode: not installed, comparison skipped")
        return
    wide = base.with_suffix(".cfile")
    with open(wide, "wb") as f:
        for x in open_recording(base).blocks(1 << 20):
            x.astype(np.complex64).tofile(f)
    f_carrier = CENTRE + CHANNELS[0]
    arfcn, _ = downlink_hz_to_arfcn(f_carrier)
    print(f"gr-gsm on one carrier (ARFCN {arfcn}, {f_carrier / 1e6:.1f} MHz), grgsm_channelize to "
          f"{GRGSM_RATE / 1e6:.1f} MS/s + grgsm_decode:")

    def one(cfile: Path, generic: bool) -> tuple[int, float, float]:
        _, cpu_ch = run_cpu([str(GRGSM_PYTHON), GRGSM_CHANNELIZE, "-s", repr(RATE), "-f", repr(CENTRE),
                             "-o", repr(GRGSM_RATE), "-i", str(cfile), "-d", "channels", str(arfcn)],
                            generic, cwd=tmp)
        blocks, cpu_dec = run_grgsm(cmd, tmp / "channels" / f"out_{arfcn}.cfile", GRGSM_RATE, f_carrier, generic)
        return len(blocks), cpu_ch, cpu_dec

    empty = tmp / "empty.cfile"
    np.zeros(int(0.002 * RATE), np.complex64).tofile(empty)  # gnuradio refuses a 0-byte file
    for generic in (False, True):
        n_blocks, cpu_ch, cpu_dec = one(wide, generic)
        _, start_ch, start_dec = one(empty, generic)  # gnuradio's start-up, which ours (warm) does not pay
        cpu, net = cpu_ch + cpu_dec, cpu_ch + cpu_dec - start_ch - start_dec
        print(f"  {'VOLK_GENERIC=1' if generic else 'VOLK SIMD'}: CPU {cpu:.2f} s (channelize {cpu_ch:.2f} + decode "
              f"{cpu_dec:.2f}), {net:.2f} s net of start-up ({start_ch + start_dec:.2f} s on 2 ms of zeros) = "
              f"{seconds / net:.1f}x real time; {n_blocks} blocks printed")
        per_carrier = len(CHANNELS) / our_cpu
        print(f"    CPU (net) vs foxhunt on all {len(CHANNELS)} carriers: {net / our_cpu:.2f}x; per carrier "
              f"{net * per_carrier:.1f}x (decode alone {(cpu_dec - start_dec) * per_carrier:.1f}x)")
    print(f"  (foxhunt: {our_ok}/{our_total} blocks on {len(CHANNELS)} carriers)")


if __name__ == "__main__":
    main()
