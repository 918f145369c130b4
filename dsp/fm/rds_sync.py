"""IEC 62106-1 Annex C: block synchronisation on offset words and gated error correction.

Sync is acquired when two blocks of the same stream, 26·m bits apart, carry offset words that
follow each other in group order (A, B, C or C', D). Once in sync each block is checked at its
expected place; a failed block is corrected only when the syndrome names a burst of at most
``MAX_BURST`` bits whose bits are all among the least reliable soft bits of the block. Sync is
dropped after too many failed blocks and searched again (this also recovers from bit slips).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.fm.rds_code import BLOCK_BITS, OFFSET, correct_burst, syndrome

_ORDER = {"A": 0, "B": 1, "C": 2, "C'": 2, "D": 3}
_SEARCHED = ("A", "B", "C", "C'", "D")
#: Farthest pair of offset words (in blocks) that may establish sync.
_SYNC_SPAN_BLOCKS = 6
#: A flipped bit must be among this many least reliable bits of its block.
_WEAK_BITS = 6
#: Sync is dropped when this many of the last _LOSS_WINDOW blocks failed.
_LOSS_WINDOW = 16
_LOSS_FAILS = 11


@dataclass(frozen=True)
class SyncedGroup:
    """A group at its place in the bit stream: block words (None = lost) and bits corrected per block."""

    start_bit: int
    blocks: tuple[int | None, int | None, int | None, int | None]
    corrected: tuple[int, int, int, int]
    c_prime: bool


@dataclass(frozen=True)
class SyncStats:
    groups: tuple[SyncedGroup, ...]
    blocks_total: int
    blocks_failed: int
    blocks_corrected: int


def _windows(hard: np.ndarray) -> np.ndarray:
    """26-bit word starting at every bit position (first bit is the MSB)."""
    n = hard.size - BLOCK_BITS + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    w = np.zeros(n, dtype=np.int64)
    for j in range(BLOCK_BITS):
        w = (w << 1) | hard[j:j + n]
    return w


def _correct(word: int, offset: str, reliability: np.ndarray) -> tuple[int, int] | None:
    """(data, bits flipped) when the burst the syndrome names lies on the block's weakest bits."""
    hit = correct_burst(word, offset)
    if hit is None:
        return None
    data, pattern = hit
    flipped = [BLOCK_BITS - 1 - i for i in range(BLOCK_BITS) if pattern >> i & 1]
    weakest = np.argsort(reliability, kind="stable")[:_WEAK_BITS]
    if not np.isin(flipped, weakest).all():
        return None
    return data, len(flipped)


def synchronise(soft: np.ndarray) -> SyncStats:
    """Groups found in a soft-bit stream (> 0 means 1)."""
    hard = (soft > 0).astype(np.int64)
    rel = np.abs(soft)
    words = _windows(hard)
    syn = syndrome(words) if words.size else words
    hits: list[tuple[int, str]] = []
    for name in _SEARCHED:
        hits += [(int(i), name) for i in np.flatnonzero(syn == OFFSET[name])]
    hits.sort()
    hit_at: dict[int, list[str]] = {}
    for i, name in hits:
        hit_at.setdefault(i, []).append(name)

    groups: list[SyncedGroup] = []
    total = failed = corrected_n = 0
    pos = 0
    hi = 0
    while hi < len(hits):
        i, name = hits[hi]
        hi += 1
        if i < pos:
            continue
        start = _acquire(i, name, hit_at)
        if start is None:
            continue
        # Walk groups from the group holding the first sync block.
        g = start
        history: list[bool] = []
        while g + 3 * BLOCK_BITS < words.size:
            vals: list[int | None] = []
            corr: list[int] = []
            cprime = False
            for slot in range(4):
                p = g + slot * BLOCK_BITS
                offsets = ("C", "C'") if slot == 2 else (("A", "B", "C", "D")[slot],)
                res = None
                for off in offsets:
                    if syn[p] == OFFSET[off]:
                        res, cprime = (int(words[p]) >> 10, 0), cprime or off == "C'"
                        break
                if res is None:
                    if slot == 2 and vals[1] is not None:
                        offsets = ("C'",) if vals[1] >> 11 & 1 else ("C",)
                    for off in offsets:
                        res = _correct(int(words[p]), off, rel[p:p + BLOCK_BITS])
                        if res is not None:
                            cprime = cprime or off == "C'"
                            break
                total += 1
                ok = res is not None
                history.append(ok)
                if ok:
                    vals.append(res[0])
                    corr.append(res[1])
                    corrected_n += res[1] > 0
                else:
                    vals.append(None)
                    corr.append(0)
                    failed += 1
            groups.append(SyncedGroup(g, tuple(vals), tuple(corr), cprime))
            g += 4 * BLOCK_BITS
            recent = history[-_LOSS_WINDOW:]
            if len(recent) == _LOSS_WINDOW and recent.count(False) >= _LOSS_FAILS:
                break
        pos = g
    return SyncStats(tuple(groups), total, failed, corrected_n)


def _acquire(i: int, name: str, hit_at: dict[int, list[str]]) -> int | None:
    """Group start when a later offset word confirms ``name`` at bit ``i``, else None."""
    for m in range(1, _SYNC_SPAN_BLOCKS + 1):
        for other in hit_at.get(i + m * BLOCK_BITS, ()):
            if (_ORDER[other] - _ORDER[name]) % 4 == m % 4:
                start = i - _ORDER[name] * BLOCK_BITS
                return start if start >= 0 else start + 4 * BLOCK_BITS
    return None
