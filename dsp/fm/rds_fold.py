"""IEC 62106-1 §5 (block A carries the PI in every group): PI detection below the per-block threshold.

Every group starts with the same 26-bit block A, so averaging the differentially decoded symbols
d_k = −r_k·r_(k−1) over groups (folding the stream at 104 bits) raises the SNR of block A by the
number of groups. A fold phase is a candidate when (1) its 26 averaged bits are strong — their
mean |t| (mean over groups divided by its standard error) is far above what noise gives: noise
gives ≈ 0.8 with a spread of ≈ 0.12 over 26 bits, the threshold of 1.8 is 8 spreads above — and
(2) their hard decisions form an exact codeword with offset A.

A window shifted by a few bits into the constant head of block B (or into a constant block D)
is strong too, and can be an A codeword by chance while the true block A has a fold error. So a
candidate is refused when it is not the only exact one, when either half of the groups folded
alone reads a different word there, or when a window up to
``MAX_SHIFT`` bits either side becomes an A codeword by flipping one or two unreliable bits
(|t| summing below ``RIVAL_COST``) among the bits it shares with the candidate.
"""

from __future__ import annotations

import numpy as np

from dsp.fm.rds_code import BLOCK_BITS, OFFSET, syndrome

GROUP_BITS = 4 * BLOCK_BITS
MIN_GROUPS = 8
MIN_MEAN_T = 1.8
#: Type (4), B0, TP and PTY (5): the head of block B that is the same in most groups.
MAX_SHIFT = 11
RIVAL_COST = 1.5
_WEIGHTS = 1 << np.arange(BLOCK_BITS - 1, -1, -1, dtype=np.int64)


def _flip_table() -> dict[int, list[tuple[int, ...]]]:
    """Syndrome -> bit positions (0 = first bit) of every 1- and 2-bit error pattern with it."""
    table: dict[int, list[tuple[int, ...]]] = {}
    for i in range(BLOCK_BITS):
        table.setdefault(syndrome(1 << (BLOCK_BITS - 1 - i)), []).append((i,))
        for k in range(i + 1, BLOCK_BITS):
            syn = syndrome((1 << (BLOCK_BITS - 1 - i)) | (1 << (BLOCK_BITS - 1 - k)))
            table.setdefault(syn, []).append((i, k))
    return table


_FLIPS = _flip_table()


def _fold(grid: np.ndarray) -> np.ndarray | None:
    """t statistic of each of the 104 bit places of a group (rows of ``grid``), extended
    cyclically by MAX_SHIFT before and a block plus MAX_SHIFT after."""
    m = grid.shape[0]
    mean = grid.mean(axis=0)
    se = np.sqrt(np.mean(grid.var(axis=0, ddof=1)) / m)
    if se == 0:
        return None
    return np.concatenate([mean[-MAX_SHIFT:], mean, mean[:BLOCK_BITS + MAX_SHIFT]]) / se


def _word(t: np.ndarray, j: int) -> int:
    return int(((t[j:j + BLOCK_BITS] > 0).astype(np.int64) * _WEIGHTS).sum())


def _rival(t: np.ndarray, j: int) -> bool:
    """Whether a window near ``j`` is a cheap fix away from an A codeword in the shared bits."""
    for k in range(-MAX_SHIFT, MAX_SHIFT + 1):
        if k == 0:
            continue
        w = t[j + k:j + k + BLOCK_BITS]
        err = syndrome(_word(t, j + k)) ^ OFFSET["A"]
        shared = range(max(0, -k), min(BLOCK_BITS, BLOCK_BITS - k))
        for bits in _FLIPS.get(err, ()) if err else ((),):
            if all(b in shared for b in bits) and np.abs(w[list(bits)]).sum() < RIVAL_COST:
                return True
    return False


def fold_pi(symbols: np.ndarray) -> tuple[int, int] | None:
    """(PI, bit index of a group start in the soft-bit stream) when block A stands out, else None."""
    d = -(symbols[1:] * symbols[:-1]).astype(np.float64)
    m = d.size // GROUP_BITS
    if m < MIN_GROUPS:
        return None
    grid = d[:m * GROUP_BITS].reshape(m, GROUP_BITS)
    folds = [_fold(grid), _fold(grid[:m // 2]), _fold(grid[m // 2:])]
    if any(f is None for f in folds):
        return None
    t = folds[0]
    core = t[MAX_SHIFT:]
    strength = np.convolve(np.abs(core), np.ones(BLOCK_BITS), mode="valid")[:GROUP_BITS] / BLOCK_BITS
    exact = [j for j in np.flatnonzero(strength >= MIN_MEAN_T)
             if syndrome(_word(core, int(j))) == OFFSET["A"]]
    if len(exact) != 1:
        return None
    j = int(exact[0])
    word = _word(core, j)
    # Each half of the groups on its own must read the same word there: a chance codeword
    # built on middling bits does not survive that.
    if any(_word(f[MAX_SHIFT:], j) != word for f in folds[1:]) or _rival(t, j + MAX_SHIFT):
        return None
    return word >> 10, j
