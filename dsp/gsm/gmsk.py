"""GMSK modulation, BT = 0.3, h = 1/2, and its linearised (Laurent C0) pulse — 3GPP TS 45.004 §2–§4.

Times are in symbols (T = 1, symbol rate 1625/6 kHz). The phase is evaluated exactly at any
instants, so any sample rate works without resampling: each symbol contributes π/2 · Q(t − i)
where Q is the integral of the Gaussian-filtered rectangular frequency pulse, tabulated finely
once and read by linear interpolation (error < 1e-6 rad).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import ndtr

from dsp.errors import DspError

SYMBOL_RATE = 1625e3 / 6
BT = 0.3
#: Half-width of the frequency pulse, in symbols, beyond which Q is 0 or 1 to < 1e-9.
PULSE_HALF_SPAN = 3
_TABLE_PER_SYMBOL = 2048


@lru_cache(maxsize=1)
def _q_table() -> tuple[np.ndarray, np.ndarray]:
    """Q(τ) on a fine grid over [−PULSE_HALF_SPAN, PULSE_HALF_SPAN]: 0 → 1 (TS 45.004 §4.4)."""
    delta = np.sqrt(np.log(2.0)) / (2.0 * np.pi * BT)
    tau = np.linspace(-PULSE_HALF_SPAN, PULSE_HALF_SPAN, 2 * PULSE_HALF_SPAN * _TABLE_PER_SYMBOL + 1)
    g = ndtr((tau + 0.5) / delta) - ndtr((tau - 0.5) / delta)
    step = tau[1] - tau[0]
    q = np.concatenate(([0.0], np.cumsum((g[1:] + g[:-1]) * 0.5 * step)))
    return tau, q / q[-1]


def differential_encode(bits: np.ndarray, previous: int = 1) -> np.ndarray:
    """α_i = 1 − 2(d_i ⊕ d_{i−1}) as float64 ±1 (TS 45.004 §2), d_{−1} = ``previous``."""
    d = np.asarray(bits, dtype=np.uint8)
    prev = np.concatenate(([previous], d[:-1])).astype(np.uint8)
    return 1.0 - 2.0 * (d ^ prev)


def gmsk_phase(bits: np.ndarray, t: np.ndarray, previous: int = 1) -> np.ndarray:
    """Phase (rad) at symbol-time instants ``t`` of the GMSK signal of ``bits``; symbol i centred at t = i.

    The phase before the first symbol is 0; symbols before the first count as α = +1 only
    through ``previous`` (the differential encoder's d_{−1}).
    """
    d = _bits(bits, "bits")
    t = np.asarray(t, dtype=np.float64)
    alpha = differential_encode(d, previous)
    tau, q = _q_table()
    n = alpha.size
    cum = np.concatenate(([0.0], np.cumsum(alpha)))
    k = np.floor(t).astype(np.int64)
    # Symbols i ≤ k − span are complete (Q = 1); the 2·span nearest are read from the table.
    full = np.clip(k - PULSE_HALF_SPAN + 1, 0, n)
    phase = cum[full].copy()
    for j in range(-PULSE_HALF_SPAN + 1, PULSE_HALF_SPAN + 1):
        i = k + j
        ok = (i >= 0) & (i < n)
        contrib = np.interp(t - i, tau, q, left=0.0, right=1.0)
        phase += np.where(ok, alpha[np.clip(i, 0, n - 1)] * contrib, 0.0)
    return (np.pi / 2) * phase


def modulate(bits: np.ndarray, samples_per_symbol: float, previous: int = 1,
             t0: float = 0.0) -> np.ndarray:
    """Unit-amplitude complex64 GMSK of ``bits`` at any (non-integer) samples per symbol.

    Sample m sits at symbol time ``t0 + m / samples_per_symbol``; the output spans the bits
    (``ceil(len(bits) · sps)`` samples).
    """
    if not samples_per_symbol > 0:
        raise DspError(f"samples_per_symbol must be positive, got {samples_per_symbol}")
    d = _bits(bits, "bits")
    m = int(np.ceil(d.size * samples_per_symbol))
    t = t0 + np.arange(m) / samples_per_symbol
    return np.exp(1j * gmsk_phase(d, t, previous)).astype(np.complex64)


@lru_cache(maxsize=16)
def laurent_c0(samples_per_symbol: int = 1, length_symbols: int = 4) -> np.ndarray:
    """Laurent's main pulse C0 of GMSK BT 0.3 (pulse truncated to ``length_symbols``), sampled at
    ``samples_per_symbol``, peak-aligned so sample 0 … end span (L + 1) symbols.

    GMSK ≈ Σ_n j^n a_n C0(t − n) with a_n = ±1 the raw (not differentially encoded) bits, which is
    why the receiver derotates by j^{−n} and equalises a binary signal.
    """
    if samples_per_symbol < 1 or length_symbols < 1:
        raise DspError("laurent_c0 needs samples_per_symbol ≥ 1 and length_symbols ≥ 1")
    big_l = length_symbols
    tau, q = _q_table()

    def s(t: np.ndarray) -> np.ndarray:
        # Laurent: S(t) = sin(π q(t)) on [0, L], mirrored on [L, 2L]; q rises 0 → 1/2 over [0, L].
        u = np.where(t <= big_l, t, 2 * big_l - t)
        val = np.sin(np.pi * 0.5 * np.interp(u - big_l / 2, tau, q, left=0.0, right=1.0))
        return np.where((t >= 0) & (t <= 2 * big_l), val, 0.0)

    t = np.arange((big_l + 1) * samples_per_symbol + 1) / samples_per_symbol
    c0 = np.ones_like(t)
    for i in range(big_l):
        c0 *= s(t + i)
    return c0.astype(np.float32)


def _bits(bits: np.ndarray, name: str) -> np.ndarray:
    d = np.asarray(bits)
    if d.ndim != 1 or (d.size and (d.min() < 0 or d.max() > 1)):
        raise DspError(f"{name} must be a 1-D array of 0/1 bits, got shape {d.shape}")
    return d.astype(np.uint8)
