"""IEC 62106-1 Annex C: block synchronisation on offset words and gated error correction.

Sync is acquired when two blocks of the same stream, 26·m bits apart (m not a multiple of 4),
carry offset words that follow each other in group order (A, B, C or C', D). Once in sync each
block is checked at its expected place; a failed block is corrected only when the syndrome names
a burst of at most ``MAX_BURST`` bits whose bits are all among the least reliable soft bits of
the block, and at most two blocks of a group may be corrected. Sync is dropped after too many
failed blocks and searched again (this also recovers from bit slips).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.fm.rds_code import BLOCK_BITS, MAX_BURST, OFFSET, correct_burst, syndrome

_ORDER = {"A": 0, "B": 1, "C": 2, "C'": 2, "D": 3}
_SEARCHED = ("A", "B", "C", "C'", "D")
#: Farthest pair of offset words (in blocks) that may establish sync.
_SYNC_SPAN_BLOCKS = 6
#: A flipped bit must be among this many least reliable bits of its block.
_WEAK_BITS = 6
#: More corrected blocks than this in one group and none of the corrections is trusted.
_MAX_CORRECTED_PER_GROUP = 2
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


def _correct(word: int, offset: str, reliability: np.ndarray, max_burst: int) -> tuple[int, int] | None:
    """(data, bits flipped) when the burst the syndrome names lies on the block's weakest bits."""
    hit = correct_burst(word, offset, max_burst)
    if hit is None:
        return None
    data, pattern = hit
    flipped = [BLOCK_BITS - 1 - i for i in range(BLOCK_BITS) if pattern >> i & 1]
    weakest = np.argsort(reliability, kind="stable")[:_WEAK_BITS]
    if not np.isin(flipped, weakest).all():
        return None
    return data, len(flipped)


def _block(words, syn, rel, p: int, slot: int, version_b: bool | None, max_burst: int):
    """(data, bits corrected, is C') of the block at bit ``p`` in group slot ``slot``, or None."""
    offsets = ("C", "C'") if slot == 2 else (("A", "B", "C", "D")[slot],)
    for off in offsets:
        if syn[p] == OFFSET[off]:
            return int(words[p]) >> 10, 0, off == "C'"
    if slot == 2 and version_b is not None:
        offsets = ("C'",) if version_b else ("C",)
    for off in offsets:
        res = _correct(int(words[p]), off, rel[p:p + BLOCK_BITS], max_burst)
        if res is not None:
            return res[0], res[1], off == "C'"
    return None


def synchronise(soft: np.ndarray, max_burst: int = MAX_BURST, start_bit: int | None = None) -> SyncStats:
    """Groups found in a soft-bit stream (> 0 means 1); ``max_burst`` 0 turns correction off.

    ``start_bit``: a group start already known (e.g. from :func:`dsp.fm.rds_fold.fold_pi`); the
    walk then starts there and keeps sync to the end instead of searching offset words.
    """
    hard = (soft > 0).astype(np.int64)
    rel = np.abs(soft)
    words = _windows(hard)
    syn = syndrome(words) if words.size else words
    if start_bit is not None:
        starts = [start_bit % (4 * BLOCK_BITS)]
        hit_at: dict[int, list[str]] = {}
    else:
        hits: list[tuple[int, str]] = []
        for name in _SEARCHED:
            hits += [(int(i), name) for i in np.flatnonzero(syn == OFFSET[name])]
        hits.sort()
        hit_at = {}
        for i, name in hits:
            hit_at.setdefault(i, []).append(name)
        starts = hits

    groups: list[SyncedGroup] = []
    total = failed = corrected_n = 0
    pos = 0
    for hit in starts:
        if start_bit is None:
            i, name = hit
            if i < pos:
                continue
            g = _acquire(i, name, hit_at)
            if g is None:
                continue
        else:
            g = hit
        history: list[bool] = []
        run: list[SyncedGroup] = []
        while g + 3 * BLOCK_BITS < words.size:
            vals: list[int | None] = []
            corr: list[int] = []
            cprime = False
            for slot in range(4):
                version_b = None if slot < 2 or vals[1] is None else bool(vals[1] >> 11 & 1)
                res = _block(words, syn, rel, g + slot * BLOCK_BITS, slot, version_b, max_burst)
                total += 1
                history.append(res is not None)
                if res is None:
                    vals.append(None)
                    corr.append(0)
                    failed += 1
                else:
                    vals.append(res[0])
                    corr.append(res[1])
                    corrected_n += res[1] > 0
                    cprime = cprime or res[2]
            if sum(c > 0 for c in corr) > _MAX_CORRECTED_PER_GROUP:
                # So many repairs in one group means noise, not a few bursts: keep only exact blocks.
                for i, c in enumerate(corr):
                    if c:
                        vals[i], corr[i] = None, 0
                        failed += 1
                        corrected_n -= 1
            run.append(SyncedGroup(g, tuple(vals), tuple(corr), cprime))
            g += 4 * BLOCK_BITS
            recent = history[-_LOSS_WINDOW:]
            if start_bit is None and len(recent) == _LOSS_WINDOW and recent.count(False) >= _LOSS_FAILS:
                break
        # A sync held on chance codewords in content that repeats with the group cycle reads
        # the same one or two places and never the rest of the group: all four must decode.
        if start_bit is not None or all(any(x.blocks[k] is not None for x in run) for k in range(4)):
            groups += run
        pos = g
    return SyncStats(tuple(groups), total, failed, corrected_n)


def _acquire(i: int, name: str, hit_at: dict[int, list[str]]) -> int | None:
    """Group start when a later offset word of another block confirms ``name`` at bit ``i`` and
    the group after holds an offset word in its place too, else None.

    Content repeats with the group cycle, and so do chance codewords in it: the same offset a
    whole number of groups on confirms nothing, and a chance pair inside one group of the cycle
    has nothing in the next group (0A with a blank PS, PTY 10 and one AF: a chance A and B 26
    bits apart in every segment-2 group held sync and gave a false PI).
    """
    for m in range(1, _SYNC_SPAN_BLOCKS + 1):
        if m % 4 == 0:
            continue
        for other in hit_at.get(i + m * BLOCK_BITS, ()):
            if (_ORDER[other] - _ORDER[name]) % 4 == m % 4:
                start = i - _ORDER[name] * BLOCK_BITS
                start = start if start >= 0 else start + 4 * BLOCK_BITS
                nxt = start + 4 * BLOCK_BITS
                if any(_ORDER[o] == k for k in range(4) for o in hit_at.get(nxt + k * BLOCK_BITS, ())):
                    return start
    return None
