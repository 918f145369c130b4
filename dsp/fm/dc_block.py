"""The zero-IF receiver's DC offset (RTL-SDR: LO leakage and ADC offset, a constant line at 0 Hz)
removed from the IQ before analysis, as the mean of each read of T seconds (a boxcar DC estimate).

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


def dc_blocked(read: Reader, n_samples: int, min_count: int) -> Reader:
    """``read(start, count)`` less the mean of what it read (the notch: ``sample_rate / count``
    wide); a read shorter than ``min_count`` (a capture's tail) less the mean of the ``min_count``
    samples of the capture around it, so no notch is wider than ``sample_rate / min_count``."""
    if n_samples < 1 or min_count < 1:
        raise DspError(f"dc_blocked: n_samples {n_samples} and min_count {min_count} must be ≥ 1")
    min_count = min(min_count, n_samples)

    def blocked(start: int, count: int) -> np.ndarray:
        x = read(start, count)
        over = x if len(x) >= min_count else read(max(0, min(start, n_samples - min_count)), min_count)
        return np.subtract(x, np.complex64(over.mean()), dtype=np.complex64)

    return blocked
