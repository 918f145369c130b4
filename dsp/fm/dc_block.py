"""The zero-IF receiver's DC offset (RTL-SDR: LO leakage and ADC offset, a constant line at 0 Hz)
removed from the IQ before analysis, as the mean of each block of T seconds (a boxcar DC estimate).

Physics: the mean of a tone of amplitude A at f Hz over T seconds is at most A/(π f T), so
subtracting it removes a constant exactly (the 0 Hz line goes entirely) and leaves a carrier at
f ≫ 1/T whole but for a constant at most 1/(π f T) of it (T = 0.5 s: −38 dBc at 50 Hz, −50 dBc at
200 Hz, −64 dBc at 1 kHz); the notch is about 1/T wide (2 Hz at 0.5 s).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dsp.errors import DspError

Reader = Callable[[int, int], np.ndarray]


def dc_blocked(read: Reader, n_samples: int, block: int) -> Reader:
    """``read(start, count)`` less the receiver's DC: the mean of the aligned ``block`` samples
    that hold the read's middle (the capture's last ``block`` samples for its tail), so the notch is
    ``sample_rate / block`` wide whatever the read's length. Each block's mean is taken once, from
    the read itself when it holds the whole block."""
    if n_samples < 1 or block < 1:
        raise DspError(f"dc_blocked: n_samples {n_samples} and block {block} must be ≥ 1")
    block = min(block, n_samples)
    means: dict[int, np.complex64] = {}

    def blocked(start: int, count: int) -> np.ndarray:
        x = read(start, count)
        k = (start + len(x) // 2) // block
        if k not in means:
            a = min(k * block, n_samples - block)
            held = x[a - start:a - start + block] if start <= a and a + block <= start + len(x) else read(a, block)
            means[k] = np.complex64(held.mean())
        return np.subtract(x, means[k], dtype=np.complex64)

    return blocked
