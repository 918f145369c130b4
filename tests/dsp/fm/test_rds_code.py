"""RDS block code against IEC 62106 Annex B: offset words, the standard's parity-check matrix, bursts."""

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.fm.rds_code import OFFSET, checkword, correct_burst, encode_block, syndrome

# IEC 62106-1 Annex B: parity-check matrix H (26 rows, first transmitted bit first) and the
# syndromes it gives for each offset word. Independent of the polynomial arithmetic under test.
H = [0x200, 0x100, 0x080, 0x040, 0x020, 0x010, 0x008, 0x004, 0x002, 0x001,
     0b1011011100, 0b0101101110, 0b0010110111, 0b1010000111, 0b1110011111, 0b1100010011,
     0b1101010101, 0b1101110110, 0b0110111011, 0b1000000001, 0b1111011100, 0b0111101110,
     0b0011110111, 0b1010100111, 0b1110001111, 0b1100011011]
STD_SYNDROME = {"A": 0b1111011000, "B": 0b1111010100, "C": 0b1001011100,
                "C'": 0b1111001100, "D": 0b1001011000}


def h_syndrome(block: int) -> int:
    s = 0
    for i, row in enumerate(H):
        if block >> (25 - i) & 1:
            s ^= row
    return s


def test_offset_words_are_the_standards():
    assert OFFSET == {"A": 0x0FC, "B": 0x198, "C": 0x168, "C'": 0x350, "D": 0x1B4, "E": 0x000}


@pytest.mark.parametrize("offset", ["A", "B", "C", "C'", "D"])
def test_encoded_blocks_have_the_standards_syndrome(offset):
    rng = np.random.default_rng(7)
    for data in [0x0000, 0xFFFF, 0x345F, *rng.integers(0, 1 << 16, 50).tolist()]:
        block = encode_block(int(data), offset)
        assert h_syndrome(block) == STD_SYNDROME[offset]
        assert syndrome(block) == OFFSET[offset]


def test_vectorised_syndrome_matches_scalar():
    words = np.random.default_rng(3).integers(0, 1 << 26, 1000)
    assert syndrome(words).tolist() == [syndrome(int(w)) for w in words]


def test_every_burst_up_to_5_bits_is_corrected_and_a_6_bit_one_is_not_silently():
    data = 0xB895
    block = encode_block(data, "B")
    for length in range(1, 6):
        burst = (1 << (length - 1)) | 1
        for shift in range(26 - length + 1):
            hit = correct_burst(block ^ (burst << shift), "B")
            assert hit is not None and hit[0] == data
    wrong = 0
    for shift in range(21):
        hit = correct_burst(block ^ (0b100001 << shift), "B")
        wrong += hit is not None and hit[0] == data
    assert wrong == 0


def test_wrong_offset_is_not_corrected_to_the_data():
    block = encode_block(0x1234, "A")
    hit = correct_burst(block, "B", max_burst=0)
    assert hit is None


def test_bad_arguments():
    with pytest.raises(DspError, match="offset"):
        checkword(1, "F")
    with pytest.raises(DspError, match="data"):
        checkword(1 << 16, "A")
