"""Soft-decision Viterbi / xCCH decode speed: numba kernel vs the pure-numpy baseline, same run.

    python benchmarks/gsm_viterbi.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dsp.gsm.convolutional import viterbi_decode, viterbi_decode_numpy
from dsp.gsm.xcch import decode_xcch, decode_xcch_many, encode_xcch


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer blocks")
    args = ap.parse_args(argv)
    n = 200 if args.quick else 2400
    rng = np.random.default_rng(0)
    blocks = [rng.integers(0, 256, 23, dtype=np.uint8).tobytes() for _ in range(n)]
    soft = np.stack([encode_xcch(b) for b in blocks]).astype(np.float32) * 2 - 1
    soft += rng.normal(0, 0.7, soft.shape).astype(np.float32)
    coded = soft.reshape(n, -1)  # Viterbi cost does not depend on the bit order

    viterbi_decode(coded[:1])  # compile / load the cache
    t_numba = _best(lambda: viterbi_decode(coded), 3)
    t_numpy = _best(lambda: viterbi_decode_numpy(coded), 1 if args.quick else 2)
    m = min(n, 100)
    t_numba_one = _best(lambda: [viterbi_decode(c) for c in coded[:m]], 3) / m
    t_numpy_one = _best(lambda: [viterbi_decode_numpy(c) for c in coded[:m]], 1) / m
    t_single = _best(lambda: [decode_xcch(s) for s in soft], 3)
    t_batch = _best(lambda: decode_xcch_many(soft), 3)
    print(f"blocks: {n} (456 soft bits each)")
    print(f"all blocks in one call: numba {t_numba / n * 1e6:.1f} us/block, numpy (vectorised over blocks) "
          f"{t_numpy / n * 1e6:.1f} us/block (numba is {t_numpy / t_numba:.1f}x faster)")
    print(f"one block per call: numba {t_numba_one * 1e6:.1f} us, numpy {t_numpy_one * 1e6:.1f} us "
          f"(numba is {t_numpy_one / t_numba_one:.0f}x faster)")
    print(f"decode_xcch      (one call per block): {t_single / n * 1e6:8.1f} us/block")
    print(f"decode_xcch_many (one call for all)  : {t_batch / n * 1e6:8.1f} us/block")
    ok = sum(r.ok for r in decode_xcch_many(soft))
    print(f"blocks ok at this noise: {ok}/{n}")

    # Block error rate over AWGN (BPSK-equivalent soft bits), soft LLRs vs hard ±1 decisions.
    clean = np.stack([encode_xcch(b) for b in blocks]).astype(np.float32) * 2 - 1
    print("Eb/N0 dB   BLER soft   BLER hard")
    for ebn0 in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0):
        sigma = np.sqrt(1 / (10 ** (ebn0 / 10)))  # rate 1/2: Es/N0 = Eb/N0 / 2
        y = clean + rng.normal(0, sigma, clean.shape).astype(np.float32)
        soft_bad = sum(not r.ok or r.data != b for r, b in zip(decode_xcch_many(2 * y / sigma**2), blocks))
        hard_bad = sum(not r.ok or r.data != b for r, b in zip(decode_xcch_many(np.sign(y)), blocks))
        print(f"{ebn0:6.1f}   {soft_bad / n:9.4f}   {hard_bad / n:9.4f}")


if __name__ == "__main__":
    main()
