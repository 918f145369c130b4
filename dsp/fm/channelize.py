"""Frequency-domain (overlap-save) decimating channeliser: one FFT of the wideband capture serves
every station; each station is cut out of the spectrum, filtered and inverse-transformed at its
own low rate (fast convolution filter bank, cf. ITU-R SM.1880 / textbook overlap-save).

The channel filter is defined on the FFT grid: flat to ``passband_hz``, raised-cosine to zero at
``stopband_hz``. Its smooth edges keep the implicit impulse response far shorter than the guard
that overlap-save discards, so the result equals linear filtering.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import fft as sfft

from dsp.errors import DspError
from dsp.fm.checks import complex_1d

#: Output bins per segment; the guard discarded at each end of a segment, in output samples.
_SEG_OUT = 8192
_GUARD_OUT = 512


@dataclass(frozen=True)
class ChannelPlan:
    """How a capture at ``sample_rate`` is cut into channels at ``sample_rate / decimation``."""

    sample_rate: float
    decimation: int
    passband_hz: float = 160e3
    stopband_hz: float = 200e3

    def __post_init__(self) -> None:
        if self.decimation < 1:
            raise DspError(f"ChannelPlan.decimation {self.decimation}: expected ≥ 1")
        if not 0 < self.passband_hz < self.stopband_hz <= self.out_rate / 2 + 1e-6:
            raise DspError(f"ChannelPlan: need 0 < passband {self.passband_hz} < stopband {self.stopband_hz}"
                           f" ≤ out_rate/2 {self.out_rate / 2}")

    @property
    def out_rate(self) -> float:
        return self.sample_rate / self.decimation

    @property
    def guard(self) -> int:
        """Input samples of context needed before and after a block."""
        return _GUARD_OUT * self.decimation


def plan_for(sample_rate: float, min_out_rate: float = 450e3) -> ChannelPlan:
    """The largest decimation leaving at least ``min_out_rate``: room for ±140 kHz of
    over-deviated spectrum, and 2.4 MS/s → 480 kHz → MPX at 240 kHz → audio at 48 kHz."""
    if not np.isfinite(sample_rate) or sample_rate < min_out_rate:
        raise DspError(f"sample_rate {sample_rate}: expected ≥ {min_out_rate:.0f} Hz for FM channels")
    return ChannelPlan(float(sample_rate), max(1, int(sample_rate // min_out_rate)))


@lru_cache(maxsize=16)
def _response(n: int, bin_hz: float, passband_hz: float, stopband_hz: float) -> np.ndarray:
    f = np.abs(np.fft.fftfreq(n, 1.0 / (n * bin_hz)))
    x = np.clip((f - passband_hz) / (stopband_hz - passband_hz), 0.0, 1.0)
    return (0.5 * (1 + np.cos(np.pi * x))).astype(np.complex64)


def channelize(x: np.ndarray, plan: ChannelPlan, offsets_hz, start_index: int = 0,
               context: int = 0, passbands_hz=None) -> list[np.ndarray]:
    """Each station's complex baseband at ``plan.out_rate``, centred on its offset.

    ``x`` holds ``context`` samples of context before and after the block of interest (0: the
    block is the whole signal and is zero-padded). ``start_index`` is the absolute index of the
    block's first sample, so the mixing phase stays continuous from block to block. Returns one
    complex64 array of ``(len(x) − 2·context) // decimation`` samples per offset.
    ``passbands_hz`` narrows a channel's filter (one value per offset, at most the plan's, the
    transition kept as wide) where a neighbour sits closer than the plan allows for.
    """
    x = complex_1d(x, "x")
    d, g = plan.decimation, plan.guard
    if context and context < g:
        raise DspError(f"context {context}: expected 0 or ≥ {g} samples")
    if context == 0:
        x = np.concatenate((np.zeros(g, np.complex64), x.astype(np.complex64, copy=False),
                            np.zeros(g, np.complex64)))
    else:
        x = x[context - g:len(x) - context + g]
    n_block = len(x) - 2 * g
    n_out = n_block // d
    offsets = np.atleast_1d(np.asarray(offsets_hz, dtype=np.float64))
    if n_out <= 0 or len(offsets) == 0:
        return [np.zeros(max(n_out, 0), np.complex64) for _ in offsets]
    n_fft = _SEG_OUT * d
    hop = n_fft - 2 * g
    n_seg = -(-n_block // hop)
    need = n_seg * hop + 2 * g
    if len(x) < need:
        x = np.concatenate((x, np.zeros(need - len(x), np.complex64)))
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop][:n_seg]
    spec = sfft.fft(frames, axis=1, workers=1)
    bin_hz = plan.sample_rate / n_fft
    transition = plan.stopband_hz - plan.passband_hz
    if passbands_hz is None:
        passbands = np.full(len(offsets), plan.passband_hz)
    else:
        passbands = np.minimum(np.asarray(passbands_hz, dtype=np.float64), plan.passband_hz)
        if passbands.shape != offsets.shape or not np.all(passbands > 0):
            raise DspError(f"passbands_hz: expected {len(offsets)} positive widths, got {passbands_hz!r}")
    k = np.fft.fftfreq(_SEG_OUT, 1.0 / _SEG_OUT).astype(int)  # relative bins in FFT order
    out = []
    seg_starts = start_index - g + hop * np.arange(n_seg)
    for f, pb in zip(offsets, passbands):
        h = _response(_SEG_OUT, bin_hz, float(pb), float(pb) + transition)
        c = int(round(f / bin_hz))
        cut = _cut_bins(spec, (c + k) % n_fft)
        cut *= h
        y = sfft.ifft(cut, axis=1, workers=1, overwrite_x=True)[:, _GUARD_OUT:_SEG_OUT - _GUARD_OUT]
        # Moving the spectrum by c bins mixes with a phase that restarts at each segment; put back
        # the absolute phase and take out the fraction of a bin left over.
        resid = f - c * bin_hz
        seg_phase = np.exp(-2j * np.pi * (((c * (seg_starts % n_fft)) % n_fft) / n_fft
                                          + resid * seg_starts / plan.sample_rate))
        rows = np.multiply(y, seg_phase.astype(np.complex64)[:, None])  # contiguous: ravel is a view
        rows *= _fine_phase(float(resid), plan.sample_rate, d)
        out.append(rows.ravel()[:n_out])
    return out


def _cut_bins(spec: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """``spec[:, bins]`` for bins that run in at most a few consecutive stretches (a channel's
    FFT-order bins, wrapping at the ends): slice copies, a sixth of fancy indexing's time."""
    cut = np.empty((spec.shape[0], len(bins)), spec.dtype)
    breaks = np.flatnonzero(np.diff(bins) != 1) + 1
    for a, b in zip(np.r_[0, breaks], np.r_[breaks, len(bins)]):
        cut[:, a:b] = spec[:, bins[a]:bins[a] + b - a]
    return cut


@lru_cache(maxsize=256)
def _fine_phase(resid_hz: float, sample_rate: float, decimation: int) -> np.ndarray:
    """The mixing left after a whole-bin shift, over a segment's kept outputs, with the 1/d gain."""
    t_out = decimation * np.arange(_GUARD_OUT, _SEG_OUT - _GUARD_OUT)
    phase = (np.exp(-2j * np.pi * resid_hz * t_out / sample_rate) / decimation).astype(np.complex64)
    phase.flags.writeable = False  # shared by every call
    return phase
