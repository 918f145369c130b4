"""GSM burst formats at one bit per symbol (3GPP TS 45.002 §5.2).

Every burst is 148 bits; the 8.25-bit guard period is not stored. Layouts (bit index ranges)::

    normal  | 0-2 tail | 3-59 data(57) | 60 hl | 61-86 training(26) | 87 hu | 88-144 data(57) | 145-147 tail |
    SCH     | 0-2 tail | 3-41 data(39) | 42-105 extended training(64) | 106-144 data(39) | 145-147 tail |
    FCCH    | 148 zeros |
    dummy   | 0-2 tail | 142 fixed mixed bits | 145-147 tail |

The split functions take hard bits (uint8) or soft bits (float32, positive = 1) alike.
"""

from __future__ import annotations

import numpy as np

from dsp.errors import DspError

BURST_BITS = 148
DATA_BITS = 114
SCH_DATA_BITS = 78

_TSC_TEXT = (  # §5.2.3, training sequence codes 0..7
    "00100101110000100010010111",
    "00101101110111100010110111",
    "01000011101110100100001110",
    "01000111101101000100011110",
    "00011010111001000001101011",
    "01001110101100000100111010",
    "10100111110110001010011111",
    "11101111000100101110111100",
)
_SCH_TEXT = "1011100101100010000001000000111100101101010001010111011000011011"  # §5.2.5
_DUMMY_MIXED_TEXT = (  # §5.2.6, the 142 bits between the tail bits
    "1111101101110110000010100100111000001001000100000001111100011100010111000101110001"
    "010111010010100011001100111001111010011111000100101111101010"
)


def _bits(text: str) -> np.ndarray:
    out = np.frombuffer(text.encode(), dtype=np.uint8) - ord("0")
    out.setflags(write=False)
    return out


TRAINING_SEQUENCES = np.stack([_bits(t) for t in _TSC_TEXT])
TRAINING_SEQUENCES.setflags(write=False)
SCH_TRAINING = _bits(_SCH_TEXT)
FCCH_BURST = np.zeros(BURST_BITS, dtype=np.uint8)
FCCH_BURST.setflags(write=False)
_DUMMY = np.concatenate([np.zeros(3, np.uint8), _bits(_DUMMY_MIXED_TEXT), np.zeros(3, np.uint8)])
_DUMMY.setflags(write=False)

#: 45.003 §4.1.5: on xCCH (BCCH, CCCH, SDCCH, SACCH) both stealing flags are 1.
XCCH_STEALING = (1, 1)

# Index of the 114 data bits inside a normal burst, and of the 78 inside an SCH burst.
_NORMAL_DATA = np.r_[3:60, 88:145]
_NORMAL_STEALING = np.array([60, 87])
_SCH_DATA = np.r_[3:42, 106:145]


def _as_bits(x, n: int, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.shape != (n,):
        raise DspError(f"{name}: expected {n} bits, got shape {a.shape}")
    if a.dtype != np.uint8:
        if not np.issubdtype(a.dtype, np.integer) and a.dtype != np.bool_:
            raise DspError(f"{name}: expected integer 0/1 bits, got dtype {a.dtype}")
        a = a.astype(np.uint8)
    if a.size and a.max() > 1:
        raise DspError(f"{name}: bits must be 0 or 1")
    return a


def _as_burst(x, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.shape[-1:] != (BURST_BITS,):
        raise DspError(f"{name}: expected last axis of {BURST_BITS} bits, got shape {a.shape}")
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise DspError(f"{name}: expected uint8 hard bits or float32 soft bits, got dtype {a.dtype}")
    return a


def normal_burst(data114, tsc: int, stealing: tuple[int, int] = XCCH_STEALING) -> np.ndarray:
    """A normal burst carrying ``data114`` with training sequence ``tsc`` (0..7)."""
    data = _as_bits(data114, DATA_BITS, "data114")
    if not 0 <= int(tsc) <= 7:
        raise DspError(f"tsc: expected 0..7, got {tsc}")
    if len(stealing) != 2 or any(s not in (0, 1) for s in stealing):
        raise DspError(f"stealing: expected two bits (hl, hu), got {stealing!r}")
    out = np.zeros(BURST_BITS, dtype=np.uint8)
    out[_NORMAL_DATA] = data
    out[_NORMAL_STEALING] = stealing
    out[61:87] = TRAINING_SEQUENCES[int(tsc)]
    return out


def sch_burst(coded78) -> np.ndarray:
    """A synchronisation burst carrying the 78 coded SCH bits."""
    data = _as_bits(coded78, SCH_DATA_BITS, "coded78")
    out = np.zeros(BURST_BITS, dtype=np.uint8)
    out[_SCH_DATA] = data
    out[42:106] = SCH_TRAINING
    return out


def dummy_burst() -> np.ndarray:
    """The dummy burst (a fresh writable copy)."""
    return _DUMMY.copy()


def split_normal(burst):
    """``(data114, stealing2)`` of a normal burst (hard or soft, last axis 148)."""
    a = _as_burst(burst, "burst")
    return a[..., _NORMAL_DATA], a[..., _NORMAL_STEALING]


def split_sch(burst):
    """The 78 coded bits of an SCH burst (hard or soft, last axis 148)."""
    return _as_burst(burst, "burst")[..., _SCH_DATA]
