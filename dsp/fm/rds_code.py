"""IEC 62106-1 (EN 50067) §B: the RDS (26,16) shortened cyclic block code, offset words, burst correction.

A block is 16 information bits followed by a 10-bit checkword: the remainder of m(x)·x^10 modulo
g(x) = x^10+x^8+x^7+x^5+x^4+x^3+1, XOR an offset word that names the block's place in the group.
The syndrome used here is the block polynomial modulo g(x), so a correct block's syndrome *is* its
offset word; a non-zero difference is the syndrome of the error pattern. The code corrects any
single burst of up to 5 bits, but a random 26-bit word lies within a 5-bit burst of some codeword
40 % of the time, which is why callers must gate corrections (see :mod:`dsp.fm.rds_sync`).
"""

from __future__ import annotations

import numpy as np

from dsp.errors import DspError

GENERATOR = 0b10110111001
BLOCK_BITS = 26
DATA_BITS = 16
CHECK_BITS = 10

#: Offset words (IEC 62106 Table B.1); E is RBDS only.
OFFSET = {"A": 0x0FC, "B": 0x198, "C": 0x168, "C'": 0x350, "D": 0x1B4, "E": 0x000}
#: Offset names in group order; C' replaces C in block 3 of version-B groups.
BLOCK_OFFSETS = ("A", "B", "C", "D")
MAX_BURST = 5


def _poly_mod(value: int) -> int:
    for bit in range(value.bit_length() - 1, CHECK_BITS - 1, -1):
        if value >> bit & 1:
            value ^= GENERATOR << (bit - CHECK_BITS)
    return value


def _build_syndrome_tables() -> tuple[np.ndarray, np.ndarray]:
    """Syndrome is linear: split a 26-bit word into 13-bit halves and XOR two table look-ups."""
    lo = np.zeros(1 << 13, dtype=np.uint16)
    hi = np.zeros(1 << 13, dtype=np.uint16)
    for bit in range(13):
        n = 1 << bit
        lo[n:2 * n] = lo[:n] ^ _poly_mod(1 << bit)
        hi[n:2 * n] = hi[:n] ^ _poly_mod(1 << (bit + 13))
    return lo, hi


_SYN_LO, _SYN_HI = _build_syndrome_tables()


def _build_burst_table() -> dict[int, tuple[int, int]]:
    """Error syndrome -> (error pattern, burst length) for every burst of <= MAX_BURST bits."""
    table: dict[int, tuple[int, int]] = {}
    for length in range(1, MAX_BURST + 1):
        inner = range(1 << max(length - 2, 0)) if length > 1 else (0,)
        for mid in inner:
            burst = 1 if length == 1 else (1 << (length - 1)) | (mid << 1) | 1
            for shift in range(BLOCK_BITS - length + 1):
                pattern = burst << shift
                syn = _poly_mod(pattern)
                if syn in table and table[syn][0] != pattern:
                    raise AssertionError("bursts <= 5 bits must have distinct syndromes")
                table.setdefault(syn, (pattern, length))
    return table


_BURSTS = _build_burst_table()


def syndrome(words: np.ndarray | int) -> np.ndarray | int:
    """Syndrome (remainder mod g) of 26-bit block word(s); equals the offset word for a valid block."""
    if isinstance(words, (int, np.integer)):
        w = int(words)
        return int(_SYN_HI[(w >> 13) & 0x1FFF] ^ _SYN_LO[w & 0x1FFF])
    w = np.asarray(words, dtype=np.int64)
    return _SYN_HI[(w >> 13) & 0x1FFF] ^ _SYN_LO[w & 0x1FFF]


def checkword(data: int, offset: str) -> int:
    """10-bit checkword of a 16-bit information word for block position ``offset`` (A, B, C, C', D, E)."""
    if offset not in OFFSET:
        raise DspError(f"offset: expected one of {sorted(OFFSET)}, got {offset!r}")
    if not 0 <= data <= 0xFFFF:
        raise DspError(f"data: expected a 16-bit word, got {data}")
    return _poly_mod(data << CHECK_BITS) ^ OFFSET[offset]


def encode_block(data: int, offset: str) -> int:
    """26-bit block: information word then checkword, first transmitted bit is bit 25."""
    return (data << CHECK_BITS) | checkword(data, offset)


def correct_burst(word: int, offset: str, max_burst: int = MAX_BURST) -> tuple[int, int] | None:
    """(corrected 16-bit data, 26-bit error pattern) if ``word`` is within a burst of at most
    ``max_burst`` bits of a codeword with this offset, else None (pattern 0: no error)."""
    err = syndrome(word) ^ OFFSET[offset]
    if err == 0:
        return word >> CHECK_BITS, 0
    hit = _BURSTS.get(err)
    if hit is None or hit[1] > max_burst:
        return None
    return (word ^ hit[0]) >> CHECK_BITS, hit[0]
