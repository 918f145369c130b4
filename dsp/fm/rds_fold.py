"""IEC 62106-1 §5 (block A carries the PI in every group): PI detection below the per-block threshold.

Every group starts with the same 26-bit block A, and the differentially encoded symbols that
carry it are the same in every group up to one sign (the encoder state entering the group). So
for each of the 104 fold phases the 27 symbols of the window are averaged over groups
coherently, each group sign-aligned to the current estimate (two passes, started from the
folded products −r_k·r_(k−1)), and only then differenced: unlike averaging the products, the
noise is not squared (~3 dB at the SNR where single blocks fail). Each data bit gets t = the
weaker of its two averaged symbols over their standard error.

A phase is strong when mean |t| ≥ ``MIN_MEAN_T + NOISE_GROWTH·√m`` over m groups. On noise the
sign alignment biases |t| up by ≈ 0.15·√m, so the threshold grows with the listen time: the
largest mean |t| over all phases of Gaussian noise measured 0.84 ± 0.08, 1.03 ± 0.07,
1.36 ± 0.07, 1.78 ± 0.08 and 2.33 ± 0.09 at m = 8, 22, 60, 120, 230, against thresholds 1.65,
1.95, 2.44, 2.95, 3.63: 10–15 spreads above. A strong phase is soft-decoded as an A block: its
hard word if that is a codeword with offset A, else the word with the one or two bits flipped
that the syndrome names and whose |t| sum (the cost) is least, below ``MAX_FIX_COST``
(:func:`soft_word`). The cheapest phase (of those, the strongest) is the candidate, accepted
only when

1. each half of the groups, folded alone (independent noise), reads the same word but for bits
   that at most two symbol errors explain, of |t| summing below ``HALF_COST``;
2. no other phase that could be the real block A is a cheap A codeword. Block A is constant,
   so it is about as strong as any window; windows weaker than ``RIVAL_FLOOR`` of the candidate
   (varying content counts as noise) are no rivals. A window overlapping the candidate is a
   rival when it becomes an A codeword by flipping at most two of the bits it shares with it,
   a window elsewhere when it soft-decodes as one; either at a cost below the candidate's plus
   ``RIVAL_COST``. Constant content elsewhere in the group (a blank PS, a single AF) can hold a
   chance A codeword while the true block A needs a fix: with PTY 3, one AF and a blank PS,
   bits 43–68 of every group read A-codeword 0x35F0 whatever the PI;
3. where the windows one, two and three blocks on are as strong (constant content), they
   soft-decode as blocks B, C or C', D: a chance codeword in constant content has the group's
   structure around it only by a further chance of ~2^-10 per block.

False-PI bound on noise (``benchmarks/rds_sensitivity.py`` measures the rate): a phase must
first be strong, which noise misses by > 10 standard deviations of its largest phase. Past that,
a random word soft-decodes as some A codeword with probability ≤ (1 + 26 + 325)/1024 = 0.34,
and were the halves independent random words each would read that codeword within two symbol
errors with probability 379/2^26 = 5.6e-6: ≤ 104 · 0.34 · (5.6e-6)^2 ≈ 1e-9 per fold with the
strength test ignored (the halves share the fold's sign alignment, so only the strength margin
is a hard guarantee).
"""

from __future__ import annotations

import numpy as np

from dsp.fm.rds_code import BLOCK_BITS, OFFSET, syndrome

GROUP_BITS = 4 * BLOCK_BITS
MIN_GROUPS = 8
#: Folding stops here (~40 s): bounds the memory of the fold; the threshold is calibrated to 230.
MAX_GROUPS = 460
#: Candidate threshold on mean |t|: MIN_MEAN_T + NOISE_GROWTH·√groups (see the module doc).
MIN_MEAN_T = 1.2
NOISE_GROWTH = 0.16
#: A rival window must cost this much more than the candidate (|t| of the bits it flips).
RIVAL_COST = 1.5
#: Windows weaker than this fraction of the candidate's strength are no rivals.
RIVAL_FLOOR = 0.7
#: Largest |t| sum of the one or two bits a soft correction of a folded A block may flip.
MAX_FIX_COST = 1.5
#: Largest |t| sum of the bits where half of the groups may read the word otherwise.
HALF_COST = 2.5
_SHIFTS = np.arange(BLOCK_BITS - 1, -1, -1, dtype=np.int64)
_WEIGHTS = 1 << _SHIFTS


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


def _data_t(S: np.ndarray, c: np.ndarray, used: np.ndarray) -> np.ndarray:
    """t of the 26 data bits per window from the groups in ``used`` (windows × groups), each
    group's symbols times its sign ``c``: the averaged symbols over their standard error, a
    data bit getting the weaker of its two symbols and the sign of their product."""
    n = used.sum(axis=1)
    v = np.einsum("wg,wgk->wk", c * used, S) / n[:, None]
    res = (S - c[..., None] * v[:, None, :]) * used[..., None]
    var = (res ** 2).sum(axis=(1, 2)) / ((n - 1) * (BLOCK_BITS + 1))
    tv = v / np.sqrt(var / n)[:, None]
    return -np.sign(tv[:, 1:] * tv[:, :-1]) * np.minimum(np.abs(tv[:, 1:]), np.abs(tv[:, :-1]))


def _coherent_windows(r: np.ndarray, m: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """t of the 26 data bits of the window starting at every fold phase 0 .. GROUP_BITS − 1
    (rows), folded over groups with per-group sign alignment; and the same t from each half of
    the groups alone (signs as in the whole fold)."""
    js = np.arange(GROUP_BITS)
    g = np.arange(m + 1)
    idx = g[None, :, None] * GROUP_BITS + js[:, None, None] + np.arange(BLOCK_BITS + 1)[None, None, :]
    valid = (idx[..., 0] >= 0) & (idx[..., -1] < r.size)
    S = np.where(valid[..., None], r[np.clip(idx, 0, r.size - 1)], 0.0)
    d = -(S[..., 1:] * S[..., :-1]).sum(axis=1)
    p = np.concatenate([np.ones((js.size, 1)), np.cumprod(-np.sign(d), axis=1)], axis=1)
    n = valid.sum(axis=1)
    # Windows off the ends of the stream in some groups just have fewer groups.
    for _ in range(2):
        c = np.sign(np.einsum("wgk,wk->wg", S, p))
        c[c == 0] = 1
        v = np.einsum("wg,wgk->wk", c, S) / n[:, None]
        p = np.where(v >= 0, 1.0, -1.0)
    half = m // 2
    halves = [_data_t(S, c, valid & sel[None, :]) for sel in (g <= half, g > half)]
    return _data_t(S, c, valid), halves


def _word(t: np.ndarray) -> int:
    return int(((t > 0).astype(np.int64) * _WEIGHTS).sum())


def soft_word(t: np.ndarray, offset: str = "A", max_cost: float = MAX_FIX_COST) -> tuple[int, float] | None:
    """(codeword with ``offset``, cost) nearest the hard decisions of ``t`` (26 data-bit
    reliabilities): the word itself (cost 0), or it with the one or two bits flipped that the
    syndrome names and whose |t| sum, the cost, is least; None when that cost reaches ``max_cost``."""
    word = _word(t)
    err = syndrome(word) ^ OFFSET[offset]
    if err == 0:
        return word, 0.0
    fixes = [(float(np.abs(t[list(bits)]).sum()), bits) for bits in _FLIPS.get(err, ())]
    if not fixes:
        return None
    cost, bits = min(fixes)
    if cost >= max_cost:
        return None
    return word ^ sum(1 << (BLOCK_BITS - 1 - b) for b in bits), cost


def _agrees(t: np.ndarray, word: int) -> bool:
    """Whether ``t`` reads ``word`` but for bits that at most two symbol errors explain (a wrong
    symbol flips the two data bits either side of it) and whose |t| sums below ``HALF_COST``."""
    wrong = ((word >> _SHIFTS) & 1) != (t > 0)
    # Symbol errors e with e_k XOR e_(k+1) = wrong_k, e up to its complement (the sign).
    e = np.concatenate([[0], np.cumsum(wrong) & 1])
    return min(e.sum(), e.size - e.sum()) <= 2 and np.abs(t[wrong]).sum() < HALF_COST


def _rival(t: np.ndarray, shift: int, limit: float) -> bool:
    """Whether window ``t``, ``shift`` bits from the candidate, is an A codeword for a |t| sum
    below ``limit``: flipping only bits it shares with the candidate when they overlap."""
    if abs(shift) >= BLOCK_BITS:
        return soft_word(t, "A", limit) is not None
    err = syndrome(_word(t)) ^ OFFSET["A"]
    shared = range(max(0, -shift), min(BLOCK_BITS, BLOCK_BITS - shift))
    return any(all(b in shared for b in bits) and np.abs(t[list(bits)]).sum() < limit
               for bits in (_FLIPS.get(err, ()) if err else ((),)))


def fold_pi(symbols: np.ndarray) -> tuple[int, int] | None:
    """(PI, bit index of a group start in the soft-bit stream) when block A stands out, else None."""
    r = symbols.astype(np.float64)
    r = r[:(MAX_GROUPS + 1) * GROUP_BITS]
    m = (r.size - 1) // GROUP_BITS
    if m < MIN_GROUPS:
        return None
    td, halves = _coherent_windows(r, m)
    strength = np.abs(td).mean(axis=1)
    threshold = MIN_MEAN_T + NOISE_GROWTH * np.sqrt(m)
    found = {j: hit for j in np.flatnonzero(strength >= threshold) if (hit := soft_word(td[j])) is not None}
    if not found:
        return None
    # Block A is constant, so among equally cheap phases the strongest.
    j = min(found, key=lambda k: (found[k][1], -strength[k]))
    word, cost = found[j]
    if not all(_agrees(h[j], word) for h in halves):
        return None
    floor = RIVAL_FLOOR * strength[j]
    # Where the rest of the group is as constant as block A, it must be blocks B, C or C', D.
    for k, offsets in ((1, ("B",)), (2, ("C", "C'")), (3, ("D",))):
        block = (j + k * BLOCK_BITS) % GROUP_BITS
        if strength[block] >= floor and all(soft_word(td[block], o) is None for o in offsets):
            return None
    for k in np.flatnonzero(strength >= floor):
        # Phases are cyclic: the window one group on is the same fold.
        shift = (k - j + GROUP_BITS // 2) % GROUP_BITS - GROUP_BITS // 2
        if shift and _rival(td[k], shift, cost + RIVAL_COST):
            return None
    return word >> 10, int(j)
