"""Peak frequency deviation as a distribution (maximum, 99.9th percentile, time over ±75 kHz) and
modulation power relative to the 0 dBr reference of a ±19 kHz sine deviation (ITU-R SM.1268,
ITU-R BS.412 §2.5). Accumulated block by block from the composite in Hz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.fm.checks import real_1d

#: BS.412: the reference MPX power is that of a sine giving ±19 kHz deviation.
REFERENCE_POWER_HZ2 = 19e3 ** 2 / 2
DEVIATION_LIMIT_HZ = 75e3
_BIN_HZ = 50.0
_SPAN_HZ = 400e3


@dataclass(frozen=True)
class Deviation:
    carrier_offset_hz: float  # mean instantaneous frequency: where the carrier really is
    peak_hz: float
    p999_hz: float
    over_limit_fraction: float  # of the time beyond ±75 kHz
    mpx_power_db: float  # dBr re ±19 kHz sine (BS.412 limit: 0 dBr, over 60 s)
    n_samples: int


class DeviationMeter:
    """Histogram of instantaneous frequency plus exact extremes and moments, so the carrier's mean
    can be taken out after the whole recording without keeping the samples."""

    def __init__(self) -> None:
        self._edges = np.arange(-_SPAN_HZ, _SPAN_HZ + _BIN_HZ, _BIN_HZ)
        self._hist = np.zeros(len(self._edges) - 1, np.int64)
        self._n = 0
        self._sum = 0.0
        self._sum2 = 0.0
        self._min = np.inf
        self._max = -np.inf

    def add(self, freq_hz: np.ndarray) -> None:
        f = real_1d(freq_hz, "freq_hz")
        if len(f) == 0:
            return
        idx = ((np.clip(f, -_SPAN_HZ, _SPAN_HZ - 1e-3) + _SPAN_HZ) * (1 / _BIN_HZ)).astype(np.int64)
        self._hist += np.bincount(idx, minlength=len(self._hist))[:len(self._hist)]
        self._n += len(f)
        f64 = f.astype(np.float64)
        self._sum += float(f64.sum())
        self._sum2 += float(np.dot(f64, f64))
        self._min = min(self._min, float(f.min()))
        self._max = max(self._max, float(f.max()))

    def result(self) -> Deviation | None:
        if self._n == 0:
            return None
        mean = self._sum / self._n
        var = max(self._sum2 / self._n - mean ** 2, 0.0)
        centres = 0.5 * (self._edges[1:] + self._edges[:-1])
        dev = np.abs(centres - mean)
        order = np.argsort(dev)
        cum = np.cumsum(self._hist[order]) / self._n
        p999 = float(np.interp(0.999, cum, dev[order] + _BIN_HZ / 2))
        over = float(self._hist[dev > DEVIATION_LIMIT_HZ].sum() / self._n)
        return Deviation(
            carrier_offset_hz=mean,
            peak_hz=max(self._max - mean, mean - self._min),
            p999_hz=min(p999, max(self._max - mean, mean - self._min)),
            over_limit_fraction=over,
            mpx_power_db=float(10 * np.log10(max(var, 1e-12) / REFERENCE_POWER_HZ2)),
            n_samples=self._n)


def measure_deviation(freq_hz: np.ndarray) -> Deviation | None:
    """The deviation distribution of a whole composite (see :class:`DeviationMeter`)."""
    m = DeviationMeter()
    m.add(freq_hz)
    return m.result()
