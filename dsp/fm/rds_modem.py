"""IEC 62106-1 §4 (EN 50067 §1.4–1.6): RDS baseband coding and modulation of the 57 kHz subcarrier.

Bits are differentially encoded (e_k = d_k XOR e_{k-1}); each encoded bit is an odd impulse pair
(+δ(t), −δ(t − t_d/2), negated for 0) shaped by H_T(f) = cos(π f t_d / 4) for |f| ≤ 2/t_d, which
amplitude-modulates a suppressed 57 kHz carrier, locked to the third harmonic of the pilot when
one is present. Here the pilot is taken as cos(2π·19 kHz·t + pilot_phase) and the subcarrier as
cos(2π·57 kHz·t + 3·pilot_phase): in phase with the pilot's third harmonic.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np

from dsp.errors import DspError
from dsp.fm.rds_code import BLOCK_BITS, encode_block
from dsp.fm.rds_groups import RdsGroup

SUBCARRIER_HZ = 57_000.0
BIT_RATE = SUBCARRIER_HZ / 48.0  # 1187.5 bit/s
BIT_S = 1.0 / BIT_RATE
GROUP_BITS = 4 * BLOCK_BITS
MIN_SAMPLE_RATE = 128_000.0
#: The shaped pulse is truncated to this many bit periods either side (tails below −55 dB).
PULSE_SPAN_BITS = 3
_TABLE_PER_BIT = 1024


def as_group(g: RdsGroup | Sequence[int]) -> RdsGroup:
    if isinstance(g, RdsGroup):
        return g
    try:
        a, b, c, d = (int(v) for v in g)
    except (TypeError, ValueError):
        raise DspError(f"groups: expected an RdsGroup or 4 block words, got {g!r}") from None
    return RdsGroup(a, b, c, d)


def group_bits(groups: Iterable[RdsGroup | Sequence[int]]) -> np.ndarray:
    """Transmitted data bits (uint8, first bit first): 26 bits per block, C' in version-B groups."""
    words = []
    for g in map(as_group, groups):
        offsets = ("A", "B", "C'" if g.version_b else "C", "D")
        words += [encode_block(v, o) for v, o in zip(g.blocks, offsets)]
    w = np.asarray(words, dtype=np.int64)
    shifts = np.arange(BLOCK_BITS - 1, -1, -1)
    return ((w[:, None] >> shifts) & 1).astype(np.uint8).ravel()


def _shaping(t: np.ndarray) -> np.ndarray:
    """Impulse response of H_T(f) = cos(π f t_d/4), |f| <= 2/t_d: two sincs a quarter-lobe apart."""
    bw = 2.0 / BIT_S
    tau = BIT_S / 8.0
    return bw * (np.sinc(2 * bw * (t + tau)) + np.sinc(2 * bw * (t - tau)))


@lru_cache(maxsize=1)
def pulse_table() -> tuple[np.ndarray, np.ndarray]:
    """(times, shaped biphase symbol of a 1) on a fine grid, scaled so no symbol stream exceeds 1."""
    t = np.arange(-PULSE_SPAN_BITS * _TABLE_PER_BIT, (PULSE_SPAN_BITS + 1) * _TABLE_PER_BIT + 1)
    t = t * (BIT_S / _TABLE_PER_BIT)
    p = _shaping(t) - _shaping(t - BIT_S / 2)
    # Taper the truncated tails to zero so a sample on a bit boundary gets the same value
    # whichever neighbour window it is assigned to (consecutive blocks then join exactly).
    edge = np.clip(np.minimum(t - t[0], t[-1] - t) / BIT_S, 0.0, 1.0)
    p = p * np.sin(0.5 * np.pi * edge) ** 2
    # Worst case over all symbol patterns: every neighbour adds with the same sign.
    folded = np.abs(p[:-1]).reshape(2 * PULSE_SPAN_BITS + 1, _TABLE_PER_BIT).sum(axis=0)
    return t, p / folded.max()


def _encoded_symbols(bits: np.ndarray, index: np.ndarray) -> np.ndarray:
    """±1 of the differentially encoded stream at any bit index of the cyclically repeated ``bits``.

    e_k = e_{-1} XOR (d_0 ^ ... ^ d_k) with e_{-1} = 0; one cycle flips the state when it holds
    an odd number of ones, which extends the periodic stream to any index, negative ones too.
    """
    n = bits.size
    prefix = np.bitwise_xor.accumulate(bits)
    cycles, pos = np.divmod(index, n)
    e = prefix[pos] ^ ((cycles * int(prefix[-1])) & 1)
    return 2.0 * e - 1.0


def rds_baseband(bits: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Shaped biphase baseband (peak <= 1) of the repeated bit cycle at ``times`` (s, float64)."""
    tab_t, tab_p = pulse_table()
    k0 = np.floor(times / BIT_S).astype(np.int64)
    out = np.zeros(times.shape, dtype=np.float64)
    for j in range(-PULSE_SPAN_BITS, PULSE_SPAN_BITS + 1):
        k = k0 - j
        out += _encoded_symbols(bits, k) * np.interp(times - k * BIT_S, tab_t, tab_p, left=0.0, right=0.0)
    return out


def modulate(bits: np.ndarray, sample_rate: float, n_samples: int, start_s: float,
             pilot_phase: float | None) -> np.ndarray:
    """Unit-peak RDS component of the MPX: shaped biphase on a 57 kHz DSB-SC carrier (float32)."""
    times = start_s + np.arange(n_samples, dtype=np.float64) / sample_rate
    phase0 = 0.0 if pilot_phase is None else 3.0 * pilot_phase
    # Phase from the fractional cycle count keeps precision hours into a recording.
    cycles = np.mod(SUBCARRIER_HZ * times, 1.0)
    carrier = np.cos(2 * np.pi * cycles + phase0)
    return (rds_baseband(bits, times) * carrier).astype(np.float32)


def check_rate(sample_rate: float) -> float:
    if not np.isfinite(sample_rate) or sample_rate < MIN_SAMPLE_RATE:
        raise DspError(f"sample_rate: expected >= {MIN_SAMPLE_RATE:.0f} Hz for a 57 kHz subcarrier, got {sample_rate}")
    return float(sample_rate)
