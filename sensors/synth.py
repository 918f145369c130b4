"""Shared upsampling for the simulator: narrowband emissions rendered at a low rate, each moved to
its frequency and all summed at the capture rate by one inverse FFT (windowed overlap-add).

Each emission's low-rate waveform is cut into half-overlapping segments of 2·h samples, weighted
by a periodic Hann window (the windows of consecutive segments sum to one), and transformed; its
bins go into the capture-rate spectrum of the same segment, shifted by the whole number of bins
nearest its frequency (the remainder is a phase ramp applied at the low rate). One inverse FFT per
segment then gives every emission interpolated, shifted and summed. A segment's bin spacing is the
same at both rates (1 / segment duration), so no resampling filter is needed: the interpolation is
the band-limited one, exact for a waveform that holds no energy beyond half the low rate.

Segments sit on a grid of absolute sample indices, so any read of ``[n0, n0 + n)`` gives the same
samples as that stretch of a longer read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.fft

from sensors.errors import SourceError

#: Half a segment at the low rate (a segment is 2·HALF_SEGMENT samples, ~8.5 ms at 480 kHz):
#: long enough that the FFTs cost little per sample, short enough that a read's edges add little.
HALF_SEGMENT = 2048

#: (low-rate index of the first sample, count) → complex64 waveform at the low rate, unit power.
LowRender = Callable[[int, int], np.ndarray]


@dataclass(frozen=True)
class Part:
    """One emission of a read: ``freq_hz`` from the capture centre, amplitude, low-rate waveform."""

    freq_hz: float
    amplitude: float
    render: LowRender


class Upsampler:
    """Sums :class:`Part` waveforms rendered at ``low_rate`` into complex64 at ``sample_rate``."""

    def __init__(self, sample_rate: float, low_rate: float):
        ratio = Fraction(sample_rate / low_rate).limit_denominator(1000)
        if ratio < 1 or abs(float(ratio) * low_rate - sample_rate) > 1e-9 * sample_rate:
            raise SourceError(f"sample rate {sample_rate} Hz: expected a simple multiple of {low_rate} Hz")
        q = ratio.denominator
        self.low_rate = float(low_rate)
        self.sample_rate = float(sample_rate)
        self.half_low = q * max(1, round(HALF_SEGMENT / q))
        self.half_out = self.half_low * ratio.numerator // q
        seg = 2 * self.half_low
        self._window = (np.sin(np.pi * np.arange(seg) / seg) ** 2).astype(np.float32)

    def render(self, n0: int, n: int, parts: Sequence[Part]) -> np.ndarray:
        """Samples ``n0 .. n0 + n`` (absolute indices at the capture rate; n0 ≥ 0) of the sum."""
        if not parts:
            return np.zeros(n, np.complex64)
        h, big = self.half_low, self.half_out
        # Segment b spans output samples [(b − 1)·big, (b + 1)·big): these cover the read.
        b0, b1 = n0 // big, (n0 + n - 1) // big + 1
        nb = b1 - b0 + 1
        spec = np.zeros((nb, 2 * big), np.complex64)
        m0, count = (b0 - 1) * h, (nb + 1) * h
        bin_hz = self.low_rate / (2 * h)
        # The inverse FFT divides by its length, the forward one did not: scale back to amplitude.
        gain = big / h
        first = m0 + h * np.arange(nb, dtype=np.float64)  # low-rate index of each segment's start
        odd = (np.arange(b0, b1 + 1) - 1) % 2 == 1
        for p in parts:
            x = self._low(p.render, m0, count)
            k = int(round(p.freq_hz / bin_hz))
            # The rest of the frequency, a ramp exp(2πi·c·m) over absolute index m, is the same
            # ramp within every segment times a phase per segment: the first goes into the window,
            # the second onto the segment's spectrum.
            c = (p.freq_hz - k * bin_hz) / self.low_rate
            window = self._window * np.float32(p.amplitude * gain)
            # The shift by k bins runs its phase from each segment's start; from absolute time it
            # differs by exp(iπ·k·(b − 1)): a sign on odd segments when k is odd.
            rows = np.where(odd, -1.0, 1.0) if k % 2 else np.ones(nb)
            if c:
                window = window * np.exp(2j * np.pi * c * np.arange(2 * h)).astype(np.complex64)
                rows = rows * np.exp(2j * np.pi * np.mod(c * first, 1.0))
            segs = np.lib.stride_tricks.as_strided(x, (nb, 2 * h), (h * x.itemsize, x.itemsize))
            s = scipy.fft.fft(segs * window, axis=1, overwrite_x=True)
            if c or k % 2:
                s *= rows.astype(np.complex64)[:, None]
            _add_shifted(spec, s, k)
        y = scipy.fft.ifft(spec, axis=1, overwrite_x=True)
        out = np.zeros((nb + 1) * big, np.complex64)
        out[:nb * big].reshape(nb, big)[...] += y[:, :big]
        out[big:].reshape(nb, big)[...] += y[:, big:]
        start = n0 - (b0 - 1) * big
        return out[start:start + n]

    @staticmethod
    def _low(render: LowRender, m0: int, count: int) -> np.ndarray:
        """The low-rate waveform; nothing before time 0 (the first segment fades it in)."""
        if m0 >= 0:
            return np.ascontiguousarray(render(m0, count), np.complex64)
        x = np.zeros(count, np.complex64)
        x[-m0:] = render(0, count + m0)
        return x


def _add_shifted(spec: np.ndarray, s: np.ndarray, k: int) -> None:
    """spec[:, (j + k) mod M] += s[:, j mod L] for j in −L/2 .. L/2 − 1, as contiguous slices."""
    m, half = spec.shape[1], s.shape[1] // 2
    for src, first in ((s[:, :half], k), (s[:, half:], k - half)):  # bins 0 .. L/2−1, then −L/2 .. −1
        a = first % m
        take = min(half, m - a)
        spec[:, a:a + take] += src[:, :take]
        if take < half:
            spec[:, :half - take] += src[:, take:]
