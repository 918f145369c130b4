"""Systematic cyclic parity of 3GPP TS 45.003: the xCCH Fire code (§4.1.2) and the SCH code (§4.7).

Both append to data d(0)..d(K-1) the parity p(0)..p(P-1) for which
d(0)D^(K+P-1) + ... + d(K-1)D^P + p(0)D^(P-1) + ... + p(P-1), divided by g(D), leaves the
remainder 1 + D + ... + D^(P-1), i.e. the parity is the inverted remainder of d(D)·D^P.
The remainder is linear in the bits, so it is computed as one GF(2) matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dsp.errors import DspError


def _poly_mod_rows(gen: int, degree: int, n: int) -> np.ndarray:
    """Row i = coefficients (highest first) of D^(n-1-i) mod g(D), for i in 0..n-1."""
    rows = np.zeros((n, degree), np.uint8)
    r = 1  # D^0 mod g
    for i in range(n - 1, -1, -1):
        rows[i] = [(r >> (degree - 1 - j)) & 1 for j in range(degree)]
        r <<= 1
        if r >> degree:
            r ^= gen
    return rows


@dataclass(frozen=True)
class CyclicCode:
    """A systematic (K + P, K) cyclic code with inverted parity; ``gen`` has bit i = coefficient of D^i."""

    gen: int
    k: int
    _rows: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_rows", _poly_mod_rows(self.gen, self.parity_bits, self.k + self.parity_bits))

    @property
    def parity_bits(self) -> int:
        return self.gen.bit_length() - 1

    def _remainder(self, word: np.ndarray) -> np.ndarray:
        rows = self._rows[-word.shape[-1]:] if word.shape[-1] < self._rows.shape[0] else self._rows
        return (word.astype(np.int32) @ rows) & 1

    def parity(self, data) -> np.ndarray:
        """The P parity bits (uint8, last axis) of K data bits (last axis)."""
        d = np.asarray(data)
        if d.shape[-1:] != (self.k,):
            raise DspError(f"data: expected last axis of {self.k} bits, got shape {d.shape}")
        shifted = np.concatenate([d.astype(np.uint8) & 1, np.zeros(d.shape[:-1] + (self.parity_bits,), np.uint8)], -1)
        return (self._remainder(shifted) ^ 1).astype(np.uint8)

    def check(self, word) -> np.ndarray | bool:
        """True where K data + P parity bits (hard, last axis) form a code word."""
        w = np.asarray(word)
        if w.shape[-1:] != (self.k + self.parity_bits,):
            raise DspError(f"word: expected last axis of {self.k + self.parity_bits} bits, got shape {w.shape}")
        ok = (self._remainder(w.astype(np.uint8) & 1) == 1).all(axis=-1)
        return bool(ok) if ok.ndim == 0 else ok


def _gf2_mul(a: int, b: int) -> int:
    out = 0
    while b:
        if b & 1:
            out ^= a
        a <<= 1
        b >>= 1
    return out


#: §4.1.2: g(D) = (D^23 + 1)(D^17 + D^3 + 1), 184 data bits, 40 parity bits.
FIRE = CyclicCode(gen=_gf2_mul((1 << 23) | 1, (1 << 17) | (1 << 3) | 1), k=184)
#: §4.7: g(D) = D^10 + D^8 + D^6 + D^5 + D^4 + D^2 + 1, 25 data bits, 10 parity bits.
SCH_PARITY = CyclicCode(gen=(1 << 10) | (1 << 8) | (1 << 6) | (1 << 5) | (1 << 4) | (1 << 2) | 1, k=25)
