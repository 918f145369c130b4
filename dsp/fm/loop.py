"""Looped-programme detection: a station that plays the same recording over and over (the
fake-medicine advert of a black broadcast) shows a self-similarity peak at the loop period.

Audio is reduced to spectral fingerprints — log energy in 24 log-spaced bands every 50 ms — which
are normalised per band; the mean correlation between frames ``lag`` apart is computed for every
lag at once by FFT. Repeated audio gives a correlation near 1 at the period; programme that does
not repeat stays near 0 (its standard error is ~1/√(frames·bands)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft

from dsp.errors import DspError
from dsp.fm.checks import real_1d

FRAME_S = 0.05
N_BANDS = 24
BAND_LO_HZ, BAND_HI_HZ = 150.0, 7000.0
MIN_PERIOD_S = 4.0
MIN_OVERLAP_S = 8.0
DETECT_CORRELATION = 0.5


@dataclass(frozen=True)
class LoopResult:
    period_s: float | None  # None: no repetition found
    confidence: float  # the fingerprint correlation at the period (0..1)
    analysed_s: float


class LoopDetector:
    """Collects fingerprints of consecutive int16 (or float) audio blocks at ``audio_rate``."""

    def __init__(self, audio_rate: float):
        if audio_rate < 2 * BAND_HI_HZ:
            raise DspError(f"audio_rate {audio_rate}: expected ≥ {2 * BAND_HI_HZ:.0f} Hz")
        self.rate = float(audio_rate)
        self.hop = int(round(FRAME_S * audio_rate))
        self.nfft = 1 << int(np.ceil(np.log2(2 * self.hop)))
        f = np.fft.rfftfreq(self.nfft, 1 / audio_rate)
        edges = np.geomspace(BAND_LO_HZ, BAND_HI_HZ, N_BANDS + 1)
        self._band = np.digitize(f, edges) - 1  # −1 or N_BANDS: outside every band
        self._window = np.hanning(self.nfft)
        self._pending = np.zeros(0)
        self._frames: list[np.ndarray] = []

    def add(self, audio: np.ndarray) -> None:
        x = np.concatenate((self._pending, real_1d(audio, "audio").astype(np.float64)))
        n = max(0, (len(x) - self.nfft) // self.hop + 1)
        if n:
            frames = np.lib.stride_tricks.sliding_window_view(x, self.nfft)[::self.hop][:n]
            spec = np.abs(sfft.rfft(frames * self._window, axis=1, workers=1)) ** 2
            inside = (self._band >= 0) & (self._band < N_BANDS)
            bands = np.zeros((n, N_BANDS))
            np.add.at(bands.T, self._band[inside], spec[:, inside].T)
            self._frames.append(np.log10(bands + 1e-3))
        self._pending = x[n * self.hop:]

    def result(self) -> LoopResult:
        frames = np.concatenate(self._frames) if self._frames else np.zeros((0, N_BANDS))
        return find_loop(frames)


def find_loop(frames: np.ndarray) -> LoopResult:
    """The loop period in a (frames × bands) fingerprint matrix at ``FRAME_S`` per frame."""
    if frames.ndim != 2 or frames.shape[1] != N_BANDS:
        raise DspError(f"frames: expected shape (n, {N_BANDS}), got {frames.shape}")
    t = len(frames)
    analysed = t * FRAME_S
    lo = int(MIN_PERIOD_S / FRAME_S)
    hi = t - int(MIN_OVERLAP_S / FRAME_S)
    if hi <= lo:
        return LoopResult(None, 0.0, analysed)
    f = frames - frames.mean(axis=0)
    sd = f.std(axis=0)
    live = sd > 0.05  # bands that carry programme (a tone or silence has none)
    if live.sum() < 4:
        return LoopResult(None, 0.0, analysed)
    f = f[:, live] / sd[live]
    # Per-lag correlation: Σ_t f[t]·f[t+lag] over the overlap, normalised by both segments' energy.
    n = sfft.next_fast_len(2 * t)
    spec = sfft.rfft(f, n, axis=0, workers=1)
    acf = sfft.irfft((spec * spec.conj()).sum(axis=1), n, workers=1)[:t]
    energy = np.cumsum((f ** 2).sum(axis=1))
    lags = np.arange(lo, hi)
    head = energy[t - lags - 1]  # frames 0 .. t−lag−1
    tail = energy[-1] - energy[lags - 1]  # frames lag .. t−1
    corr = acf[lags] / np.sqrt(head * tail)
    best = float(corr.max())
    if best < DETECT_CORRELATION:
        return LoopResult(None, max(best, 0.0), analysed)
    # A loop also correlates at 2P, 3P...: the shortest lag nearly as good as the best is P.
    i = int(np.flatnonzero(corr >= 0.9 * best)[0])
    while i + 1 < len(corr) and corr[i + 1] > corr[i]:
        i += 1
    frac = 0.0
    if 0 < i < len(corr) - 1:
        a, b, c = corr[i - 1], corr[i], corr[i + 1]
        den = a - 2 * b + c
        frac = 0.5 * (a - c) / den if den else 0.0
    return LoopResult(float((lags[i] + frac) * FRAME_S), float(corr[i]), analysed)
