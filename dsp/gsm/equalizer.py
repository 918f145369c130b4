"""Burst equaliser: channel estimate from the training sequence, max-log-MAP over the channel memory,
soft bits out — the receiver side of 3GPP TS 45.004 (GMSK) and TS 45.002 §5.2 burst formats.

GMSK is nearly linear (Laurent's C0): after derotating sample n by j^{−n}, a burst is a binary
signal a_n = 1 − 2·d_n (the raw bits: the differential encoder cancels) through a short complex
channel h (C0 ⊗ multipath ⊗ receive filter). The channel is estimated by least squares on the
known training bits at every candidate timing, the best fit chosen, and the bits found by a
forward–backward max-log-MAP over 2^(L−1) states; the soft bit is the metric difference over the
noise variance, positive = bit 1 (the package's convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np

from dsp.errors import DspError

BURST_BITS = 148
#: Channel taps (memory 4 symbols: C0 spans ~3, plus ~1 symbol of multipath).
N_TAPS = 5
#: The estimated channel starts this many symbols before the nominal symbol position.
PRE_TAPS = 2


@dataclass(frozen=True)
class Equalised:
    """One burst: soft bits float32[148] (positive = 1), channel taps, noise, timing used."""

    soft: np.ndarray
    taps: np.ndarray
    noise_var: float
    signal_power: float
    offset_samples: int

    @property
    def snr_db(self) -> float:
        return float(10 * np.log10(max(self.signal_power, 1e-30) / max(self.noise_var, 1e-30)))


@lru_cache(maxsize=32)
def _training_solver(training: bytes, n_taps: int) -> tuple[np.ndarray, np.ndarray]:
    """(A, pinv(A)): rows = training positions fully inside the sequence, columns = taps."""
    a = 1.0 - 2.0 * np.frombuffer(training, dtype=np.uint8).astype(np.float64)
    rows = np.arange(n_taps - 1, a.size)
    mat = np.stack([a[rows - k] for k in range(n_taps)], axis=1)
    return mat, np.linalg.pinv(mat)


@lru_cache(maxsize=64)
def _derotation(n: int, samples_per_symbol: int) -> np.ndarray:
    """j^(−m/sps) for m < n: undoes GMSK's quarter-turn per symbol (sample 0 = symbol 0)."""
    return np.exp(-0.5j * np.pi * (np.arange(n) / samples_per_symbol))


def training_fit(x: np.ndarray, samples_per_symbol: int, training: np.ndarray, training_start: int,
                 t0: int, search: int, n_taps: int = N_TAPS) -> tuple[np.ndarray, float, float, int]:
    """Least-squares channel fit of ``training`` (uint8 bits at bit ``training_start`` of the burst
    whose symbol 0 is nominally at sample ``t0`` of ``x``), at every timing within ±``search``
    symbols in steps of one sample. Returns (taps, noise variance, signal power, offset in samples)
    of the best fit; ``x`` is the burst at ``samples_per_symbol`` (integer) and must cover every
    candidate timing plus the channel's span.
    """
    y = _derotated_burst(x, samples_per_symbol, t0, search, n_taps)
    return _fit(y, int(samples_per_symbol), training, training_start, t0, search, n_taps)


def _derotated_burst(x: np.ndarray, sps: int, t0: int, search: int, n_taps: int) -> np.ndarray:
    x = np.asarray(x)
    lo = t0 - (search + PRE_TAPS) * sps
    hi = t0 + (search + BURST_BITS + n_taps) * sps
    if x.ndim != 1 or lo < 0 or hi > x.size:
        raise DspError(f"burst samples: need samples {lo}..{hi} at {sps}/symbol, got shape {x.shape}")
    return x * _derotation(x.size, sps)


def _fit(y: np.ndarray, sps: int, training: np.ndarray, training_start: int, t0: int, search: int,
         n_taps: int) -> tuple[np.ndarray, float, float, int]:
    mat, pinv = _training_solver(np.asarray(training, dtype=np.uint8).tobytes(), n_taps)
    # Model: the sample of burst symbol q is Σ_i h_i a[q + PRE_TAPS − i]; fit row r has its newest
    # training symbol at r + n_taps − 1, observed at q = training_start + r + n_taps − 1 − PRE_TAPS.
    first = t0 + (training_start + n_taps - 1 - PRE_TAPS) * sps
    offset, taps, err, energy = _best_fit(y, first, sps, search * sps, mat, pinv)
    return taps, float(err / max(mat.shape[0] - n_taps, 1)), float(energy), int(offset)


def equalise(x: np.ndarray, samples_per_symbol: int, training: np.ndarray, training_start: int,
             t0: int, search: int, n_taps: int = N_TAPS) -> Equalised:
    """Equalise the burst whose symbol 0 is nominally at sample ``t0`` of ``x`` (see
    :func:`training_fit` for the arguments): the best training fit, then max-log-MAP."""
    sps = int(samples_per_symbol)
    y = _derotated_burst(x, sps, t0, search, n_taps)
    taps, noise, power, offset = _fit(y, sps, training, training_start, t0, search, n_taps)
    # Causal model for the trellis: z[k] = Σ_i h_i a[k − i] is the sample of symbol k − PRE_TAPS.
    start = t0 + offset - PRE_TAPS * sps
    z = y[start: start + sps * (BURST_BITS + n_taps - 1): sps]
    soft = _max_log_map(z, taps, max(noise, 1e-12))
    return Equalised(soft=soft[:BURST_BITS].astype(np.float32), taps=taps.astype(np.complex64),
                     noise_var=noise, signal_power=power, offset_samples=offset)


@numba.njit(cache=True)
def _best_fit(y, first, sps, reach, mat, pinv):  # pragma: no cover - compiled
    """LS taps at every offset in ±reach samples; the one with the least residual per tap energy."""
    rows, n_taps = mat.shape
    best_score = np.inf
    best = (0, np.zeros(n_taps, np.complex128), 0.0, 0.0)
    h = np.empty(n_taps, np.complex128)
    for off in range(-reach, reach + 1):
        base = first + off
        energy = 0.0
        for t in range(n_taps):
            acc = 0j
            for r in range(rows):
                acc += pinv[t, r] * y[base + sps * r]
            h[t] = acc
            energy += acc.real * acc.real + acc.imag * acc.imag
        err = 0.0
        for r in range(rows):
            d = y[base + sps * r]
            for t in range(n_taps):
                d -= mat[r, t] * h[t]
            err += d.real * d.real + d.imag * d.imag
        score = err / max(energy, 1e-30)
        if score < best_score:
            best_score = score
            best = (off, h.copy(), err, energy)
    return best


@numba.njit(cache=True)
def _max_log_map(z, h, noise_var):  # pragma: no cover - compiled
    """Max-log-MAP over a = ±1 with z[k] = Σ_i h[i] a[k−i]; the LLR of a[k] = −1 (bit 1) for every k.

    State bit i (bit 0 = newest) is 1 when a[k−i] = −1; nothing is assumed before or after z.
    """
    n_taps = h.size
    n_states = 1 << (n_taps - 1)
    mask = n_states - 1
    n_sym = z.size
    pred = np.empty((n_states, 2), dtype=np.complex128)  # response of state s extended by bit b
    for s in range(n_states):
        for b in range(2):
            acc = h[0] * (1.0 - 2.0 * b)
            for i in range(1, n_taps):
                acc += h[i] * (1.0 - 2.0 * ((s >> (i - 1)) & 1))
            pred[s, b] = acc
    gamma = np.empty((n_sym, n_states, 2))
    for k in range(n_sym):
        for s in range(n_states):
            for b in range(2):
                d = z[k] - pred[s, b]
                gamma[k, s, b] = d.real * d.real + d.imag * d.imag
    inf = 1e300
    alpha = np.full((n_sym + 1, n_states), inf)
    alpha[0, :] = 0.0
    for k in range(n_sym):
        for s in range(n_states):
            for b in range(2):
                ns = ((s << 1) | b) & mask
                m = alpha[k, s] + gamma[k, s, b]
                if m < alpha[k + 1, ns]:
                    alpha[k + 1, ns] = m
    beta = np.zeros((n_sym + 1, n_states))
    for k in range(n_sym - 1, -1, -1):
        for s in range(n_states):
            beta[k, s] = min(gamma[k, s, 0] + beta[k + 1, (s << 1) & mask],
                             gamma[k, s, 1] + beta[k + 1, ((s << 1) | 1) & mask])
    llr = np.empty(n_sym)
    for k in range(n_sym):
        best0 = inf
        best1 = inf
        for s in range(n_states):
            base = alpha[k, s]
            best0 = min(best0, base + gamma[k, s, 0] + beta[k + 1, (s << 1) & mask])
            best1 = min(best1, base + gamma[k, s, 1] + beta[k + 1, ((s << 1) | 1) & mask])
        llr[k] = (best0 - best1) / noise_var
    return llr
