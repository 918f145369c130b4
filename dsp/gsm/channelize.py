"""Wideband capture → GSM channels (200 kHz raster, 3GPP TS 45.005 §2) at a whole number of samples per symbol.

An overlap-save FFT channeliser: one FFT of each input block (blocks overlap by 1/8), then per channel
the bins around its carrier, shaped by a smooth low-pass, go through a short inverse FFT whose
size sets the output rate exactly (output/input = M/N with M/N the reduced ratio of the rates).
The carrier frequency need not sit on a bin: the remaining offset is removed by a phase ramp
continuous across blocks. Also the RTL-SDR front-end correction (DC spike and IQ imbalance).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy import fft as sfft

from dsp.errors import DspError
from dsp.gsm.gmsk import SYMBOL_RATE

#: Channel low-pass: flat to PASS_HZ (the FCCH tone at +67.7 kHz passes whole), raised-cosine to
#: zero at STOP_HZ. Narrower than the GMSK main lobe (±~120 kHz) on purpose: at low SNR the noise
#: kept matters more than the ISI added, which the equaliser absorbs (measured with
#: benchmarks/gsm_sensitivity.py: 90/135 kHz decoded ~10 % fewer blocks at 0–1 dB than this).
PASS_HZ = 75e3
STOP_HZ = 115e3
_MAX_FFT = 1 << 17
#: Relative output-rate error accepted for an odd input rate (20 ppm is a cheap crystal's error).
MAX_RATE_ERROR = 2e-5
#: 1/_EDGE of each block is dropped at each end: ≫ the low-pass's impulse response (~25 µs).
_EDGE = 16


def correct_front_end(x: np.ndarray) -> np.ndarray:
    """Remove DC and blind-correct IQ gain/phase imbalance (an improper image ν·s* of the wanted s).

    With x = μ·s + ν·s* and s proper, E[x²]/(2·E|x|²) = ν/μ*, and x − (ν/μ*)·x* has no image.
    Statistics come from the whole block; the correction is one pass.
    """
    x = _complex(x, "x")
    n = x.size
    if n == 0:
        return x
    m = complex(x.mean(dtype=np.complex128))
    p = float(np.vdot(x, x).real) / n - abs(m) ** 2
    if p <= 0:
        return (x - np.complex64(m)).astype(np.complex64)
    w = (complex(np.dot(x, x)) / n - m * m) / (2 * p)
    out = x - np.complex64(w) * np.conj(x)
    out -= np.complex64(m - w * m.conjugate())
    return out


def _ratio(sample_rate: float, out_rate: float) -> tuple[int, int]:
    """(N, M): FFT sizes in and out, both ×16, with M/N = out/in exactly for the usual rates.

    An odd rate gets the nearest small ratio; the few-ppm error it leaves is a sample-clock error,
    which the receiver's SCH tracking follows like any other.
    """
    r = Fraction(out_rate / sample_rate).limit_denominator(1 << 12)
    if abs(float(r) * sample_rate / out_rate - 1) > MAX_RATE_ERROR:
        raise DspError(f"sample_rate {sample_rate} has no small rational ratio to the GSM symbol rate")
    num, den = r.numerator, r.denominator
    k = 16
    while (den * k < 4096 or num * k < 512) and den * k * 2 <= _MAX_FFT:
        k *= 2
    if den * k > _MAX_FFT:
        raise DspError(f"sample_rate {sample_rate}: channeliser FFT would need {den * k} points")
    return den * k, num * k


class Channelizer:
    """Streaming channeliser: feed consecutive blocks, get consecutive channel samples.

    ``offsets_hz`` are carrier frequencies relative to the capture centre. Output ``j`` of every
    channel is input time ``j / out_rate`` (the first input sample is time 0); amplitude is kept
    (a unit-power carrier comes out at unit power). Each channel is brought to 0 Hz to the nearest
    FFT bin: the carrier comes out at ``residual_hz[c]`` (under half a bin, a few hundred Hz),
    left to the receiver's fine frequency correction, which it needs anyway.
    """

    def __init__(self, sample_rate: float, offsets_hz, samples_per_symbol: int = 4):
        if not sample_rate > 0:
            raise DspError(f"sample_rate must be positive, got {sample_rate}")
        if samples_per_symbol < 1:
            raise DspError(f"samples_per_symbol must be ≥ 1, got {samples_per_symbol}")
        self.sample_rate = float(sample_rate)
        self.out_rate = samples_per_symbol * SYMBOL_RATE
        self.offsets_hz = np.atleast_1d(np.asarray(offsets_hz, dtype=np.float64))
        if np.any(np.abs(self.offsets_hz) > sample_rate / 2):
            raise DspError(f"channel offsets {self.offsets_hz} outside ±{sample_rate / 2} Hz")
        self.n_fft, self.m_fft = _ratio(self.sample_rate, self.out_rate)
        n, m = self.n_fft, self.m_fft
        bin_hz = self.sample_rate / n
        self._centre_bin = np.round(self.offsets_hz / bin_hz).astype(np.int64)
        self.residual_hz = self.offsets_hz - self._centre_bin * bin_hz
        # Only the bins inside the low-pass's stop edge are gathered (≈ a quarter of the output).
        half = min(m // 2 - 1, int(np.ceil(STOP_HZ / (self.out_rate / m))))
        k = np.arange(-half, half + 1)
        f_out = np.abs(k) * (self.out_rate / m)
        shape = np.where(f_out <= PASS_HZ, 1.0,
                         np.where(f_out >= STOP_HZ, 0.0,
                                  0.5 + 0.5 * np.cos(np.pi * (f_out - PASS_HZ) / (STOP_HZ - PASS_HZ))))
        self._dst = k % m
        self._src, self._gain = [], []
        for c in self._centre_bin:
            src = c + k
            inside = (src >= -(n // 2)) & (src < n // 2)  # no wrap: what is past Nyquist is absent
            self._src.append(np.where(inside, src % n, 0))
            self._gain.append((np.where(inside, shape, 0.0) * (m / n)).astype(np.complex64))
        # EDGE of a block at each end is discarded (circular wrap of the filter); as many zeros in
        # front make output 0 the time of input 0.
        self._buf = np.zeros(n // _EDGE, dtype=np.complex64)
        self._blocks_done = 0

    @property
    def n_channels(self) -> int:
        return self.offsets_hz.size

    def process(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        """Channel samples (complex64 [n_channels, k]) for the next input block ``x``."""
        x = _complex(x, "x")
        n, m = self.n_fft, self.m_fft
        self._buf = np.concatenate((self._buf, x))
        if final:
            self._buf = np.concatenate((self._buf, np.zeros(n - n // _EDGE, dtype=np.complex64)))
        hop = n - 2 * n // _EDGE
        keep = m - 2 * m // _EDGE
        n_blocks = (self._buf.size - n) // hop + 1 if self._buf.size >= n else 0
        if n_blocks <= 0:
            return np.zeros((self.n_channels, 0), dtype=np.complex64)
        frames = np.lib.stride_tricks.sliding_window_view(self._buf, n)[::hop][:n_blocks]
        spec = sfft.fft(frames, axis=1, workers=1)
        b = self._blocks_done + np.arange(n_blocks)
        out = np.empty((self.n_channels, n_blocks, keep), dtype=np.complex64)
        sel = np.zeros((n_blocks, m), dtype=np.complex64)
        start = b * hop - n // _EDGE
        for c in range(self.n_channels):
            # Each block was shifted by a bin ramp starting at the block: its phase makes it
            # absolute, applied to the few bins kept rather than to the block's output.
            block_phase = np.exp(-2j * np.pi * ((self._centre_bin[c] * start) % n) / n).astype(np.complex64)
            sel[:, self._dst] = spec[:, self._src[c]] * self._gain[c] * block_phase[:, None]
            out[c] = sfft.ifft(sel, axis=1, workers=1)[:, m // _EDGE: m - m // _EDGE]
        self._buf = self._buf[n_blocks * hop:]
        self._blocks_done += n_blocks
        return out.reshape(self.n_channels, -1)


def channelize(x: np.ndarray, sample_rate: float, offsets_hz, samples_per_symbol: int = 4) -> np.ndarray:
    """Every channel of an in-memory capture, each carrier exactly at 0 Hz:
    complex64 [len(offsets_hz), ≈ len(x)·out/in]."""
    ch = Channelizer(sample_rate, offsets_hz, samples_per_symbol)
    x = _complex(x, "x")
    n_out = int(np.floor(x.size * ch.m_fft / ch.n_fft))
    y = np.concatenate([ch.process(x), ch.process(np.zeros(0, np.complex64), final=True)], axis=1)[:, :n_out]
    t = np.arange(n_out) / ch.out_rate
    return (y * np.exp(-2j * np.pi * np.outer(ch.residual_hz, t))).astype(np.complex64)


def _complex(x: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 1:
        raise DspError(f"{name} must be a 1-D complex array, got shape {a.shape}")
    return a.astype(np.complex64, copy=False)
