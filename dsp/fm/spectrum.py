"""Welch power spectral density (averaged modified periodograms) accumulated block by block, and a
calibrated noise floor from it.

The PSD is two-sided, in full-scale power per Hz, ordered from −fs/2 to +fs/2, scaled so that
``psd.sum() * df`` is the mean power of the input (a full-scale complex tone is 0 dBFS).
Segments do not overlap, so the K averaged periodograms are independent and each bin of noise is
χ² with 2K degrees of freedom — the bias of a median-based floor is then known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy import stats

from dsp.errors import DspError
from dsp.fm.checks import complex_1d


@dataclass(frozen=True)
class Psd:
    """An averaged spectrum: ``freqs_hz`` relative to the capture centre, ``power`` per Hz."""

    freqs_hz: np.ndarray
    power: np.ndarray
    sample_rate: float
    n_segments: int

    @property
    def bin_hz(self) -> float:
        return self.sample_rate / len(self.power)

    def noise_floor(self, quantile: float = 0.2) -> float:
        """Noise power per Hz from a low quantile of the bins in the middle 80 % of the band,
        unbiased for χ²(2K) statistics (the q-quantile of χ²_ν/ν is ``chi2.ppf(q, ν)/ν``).
        Valid while less than 1 − q of the bins hold signal — a busy FM band with IQ images fills
        more than half of a 2.4 MHz capture, so the median would sit on station skirts. The band
        edges are left out for the SDR's anti-alias roll-off."""
        n = len(self.power)
        mid = self.power[n // 10: n - n // 10]
        dof = 2 * self.n_segments
        return float(np.quantile(mid, quantile) / (stats.chi2.ppf(quantile, dof) / dof))


class PsdAccumulator:
    """Adds periodograms of ``nfft``-sample segments (Hann window) as blocks arrive."""

    def __init__(self, nfft: int, sample_rate: float):
        if nfft < 64 or nfft & (nfft - 1):
            raise DspError(f"nfft {nfft}: expected a power of two ≥ 64")
        if not np.isfinite(sample_rate) or sample_rate <= 0:
            raise DspError(f"sample_rate {sample_rate}: expected a positive number of Hz")
        self.nfft = nfft
        self.sample_rate = float(sample_rate)
        self._window = np.hanning(nfft).astype(np.float32)
        self._sum = np.zeros(nfft)
        self._count = 0

    def add(self, x: np.ndarray, max_segments: int | None = None) -> None:
        """Periodograms of whole segments of ``x`` (the tail shorter than nfft is dropped);
        ``max_segments`` spreads a limited number evenly over the block."""
        n = len(x) // self.nfft
        if n == 0:
            return
        segs = np.asarray(x[:n * self.nfft], dtype=np.complex64).reshape(n, self.nfft)
        if max_segments is not None and n > max_segments:
            segs = segs[np.linspace(0, n - 1, max_segments).astype(int)]
        spec = sfft.fft(segs * self._window, axis=1, workers=1)
        self._sum += (spec.real ** 2 + spec.imag ** 2).sum(axis=0)
        self._count += len(segs)

    def result(self) -> Psd:
        if self._count == 0:
            raise DspError(f"PSD: no whole segment of {self.nfft} samples; the capture is too short")
        scale = 1.0 / (self.sample_rate * float(np.sum(self._window.astype(np.float64) ** 2)) * self._count)
        power = np.fft.fftshift(self._sum * scale)
        freqs = np.fft.fftshift(np.fft.fftfreq(self.nfft, 1.0 / self.sample_rate))
        return Psd(freqs_hz=freqs, power=power, sample_rate=self.sample_rate, n_segments=self._count)


def welch_psd(x: np.ndarray, sample_rate: float, nfft: int = 8192) -> Psd:
    """The averaged spectrum of a whole array (see :class:`PsdAccumulator`)."""
    x = complex_1d(x, "x")
    acc = PsdAccumulator(nfft, sample_rate)
    acc.add(x)
    return acc.result()
