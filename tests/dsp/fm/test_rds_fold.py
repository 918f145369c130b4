"""PI by folding block A over groups: finds a PI no single block carries, and claims nothing on noise."""

import numpy as np
import pytest

from dsp.fm.rds import encode_station, rds_waveform
from dsp.fm.rds_demod import coherent_symbols, soft_bits
from dsp.fm import rds_fold
from dsp.fm.rds_fold import fold_pi
from dsp.fm.rds_sync import synchronise
from dsp.fm.rds_code import encode_block

FS = 240_000.0


def weak_station(seed: int, ebn0_db: float, seconds: float = 3.0):
    groups = encode_station(0x9A5C, "WEAKSTN", pty=5, rt="folded reception")
    x = rds_waveform(groups, FS, int(seconds * FS))
    eb = np.mean(x.astype(np.float64) ** 2) / 1187.5
    sigma = np.sqrt(eb / 10 ** (ebn0_db / 10) / 2 * FS)
    return x + np.random.default_rng(seed).normal(0, sigma, x.size).astype(np.float32), groups


@pytest.mark.parametrize("ebn0_db", [0.0, -5.0])
def test_fold_finds_the_pi_where_single_blocks_fail(ebn0_db):
    # At −5 dB: averaging the symbols (sign-aligned per group) before differencing; the product
    # fold found 2 of 6 PIs here, the coherent fold all 6 (3 s, 28 groups).
    found = 0
    for seed in range(4):
        x, _ = weak_station(seed, ebn0_db=ebn0_db)
        r = fold_pi(coherent_symbols(x, FS))
        if r is not None:
            assert r[0] == 0x9A5C
            found += 1
    assert found >= 3


def test_no_fold_phase_of_long_noise_is_a_candidate():
    # Sign alignment biases noise up with the number of groups: the candidate threshold must
    # grow with it, or 20 s of noise would offer strong windows for a chance codeword.
    rng = np.random.default_rng(7)
    m = 228
    threshold = rds_fold.MIN_MEAN_T + rds_fold.NOISE_GROWTH * np.sqrt(m)
    for _ in range(4):
        r = rng.normal(size=m * rds_fold.GROUP_BITS + 1)
        td, _ = rds_fold._coherent_windows(r, m)
        assert np.abs(td).mean(axis=1).max() < threshold - 0.5
        assert fold_pi(r.astype(np.float32)) is None


def test_fold_group_start_is_where_block_a_is():
    x, _ = weak_station(0, ebn0_db=30.0)
    symbols = coherent_symbols(x, FS)
    pi, start = fold_pi(symbols)
    stats = synchronise(soft_bits(symbols), start_bit=start)
    assert len(stats.groups) > 20
    assert all(g.blocks[0] == pi == 0x9A5C for g in stats.groups)


def test_fold_claims_nothing_on_noise_or_pilot():
    n = int(3.0 * FS)
    t = np.arange(n) / FS
    for seed in range(5):
        rng = np.random.default_rng(100 + seed)
        assert fold_pi(coherent_symbols(rng.normal(0, 1, n).astype(np.float32), FS)) is None
        pilot = (np.cos(2 * np.pi * 19_000 * t + seed) + rng.normal(0, 0.05, n)).astype(np.float32)
        assert fold_pi(coherent_symbols(pilot, FS)) is None


def codeword_t(word: int, level: float = 3.0) -> np.ndarray:
    """Data-bit reliabilities that read ``word`` (first bit first) at |t| = level."""
    bits = (word >> np.arange(25, -1, -1)) & 1
    return np.where(bits == 1, level, -level).astype(np.float64)


def test_soft_word_fixes_only_weak_bits():
    word = encode_block(0x9A5C, "A")
    t = codeword_t(word)
    assert rds_fold.soft_word(t) == (word, 0.0)
    weak = t.copy()
    weak[[4, 5]] = -0.3 * np.sign(weak[[4, 5]])  # one symbol wrong: its two data bits flip
    hit = rds_fold.soft_word(weak)
    assert hit is not None and hit[0] == word and abs(hit[1] - 0.6) < 1e-9
    strong = t.copy()
    strong[[4, 5]] = -strong[[4, 5]]
    assert rds_fold.soft_word(strong) is None  # the same flips on confident bits cost too much
    assert rds_fold.soft_word(codeword_t(encode_block(0x9A5C, "B"))) is None
    assert rds_fold.soft_word(codeword_t(encode_block(0x9A5C, "B")), "B")[1] == 0.0


def test_halves_agree_up_to_two_weak_symbol_errors():
    word = encode_block(0x9A5C, "A")
    t = codeword_t(word, 1.5)

    def flipped(*bits):
        u = t.copy()
        u[list(bits)] = -0.2 * np.sign(u[list(bits)])
        return u

    assert rds_fold._agrees(t, word)
    assert rds_fold._agrees(flipped(4, 5), word)  # one symbol
    assert rds_fold._agrees(flipped(0, 9, 10), word)  # the first symbol and one inside
    assert not rds_fold._agrees(flipped(4, 5, 9, 10, 16, 17), word)  # three symbols
    assert not rds_fold._agrees(flipped(12), word)  # half the window's symbols
    costly = t.copy()
    costly[[4, 5]] = -costly[[4, 5]]
    assert not rds_fold._agrees(costly, word)
