"""Channel coding of BCCH, CCCH, SDCCH and SACCH blocks (3GPP TS 45.003 §4.1).

23 octets → 184 bits d(0..183), d(8n+i) = bit i (i = 0 the least significant) of octet n
(TS 44.006 sends each octet LSB first) → Fire code, 40 parity bits (§4.1.2) → 4 zero tail bits →
rate-1/2 K=5 convolutional code, 456 bits (§4.1.3) → block-diagonal interleaving over four
bursts, c(k) → burst k mod 4, position 2((49k) mod 57) + ((k mod 8) div 4) (§4.1.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.errors import DspError
from dsp.gsm.convolutional import TAIL_BITS, conv_encode, viterbi_decode
from dsp.gsm.parity import FIRE

BLOCK_OCTETS = 23
INFO_BITS = 184
CODED_BITS = 456

_K = np.arange(CODED_BITS)
#: Burst and position within the 114 data bits of coded bit k.
INTERLEAVE_BURST = _K % 4
INTERLEAVE_POS = 2 * ((49 * _K) % 57) + (_K % 8) // 4


@dataclass(frozen=True)
class XcchResult:
    """One decoded block.

    data: the 23 octets when the Fire code checks, else None. bit_errors: coded bits whose hard
    decision differs from the re-encoded best path (erasures not counted). metric: path correlation
    divided by the sum of |soft| (1.0 = every bit agrees with the code word).
    """

    data: bytes | None
    ok: bool
    bit_errors: int
    metric: float


def _bytes_to_bits(block: bytes) -> np.ndarray:
    return np.unpackbits(np.frombuffer(block, np.uint8), bitorder="little")


def encode_xcch(block: bytes) -> np.ndarray:
    """The four bursts' 114 data bits (uint8[4, 114]) carrying one 23-octet L2 block."""
    if not isinstance(block, (bytes, bytearray)) or len(block) != BLOCK_OCTETS:
        size = len(block) if hasattr(block, "__len__") else "?"
        raise DspError(f"block: expected {BLOCK_OCTETS} bytes, got {type(block).__name__} of length {size}")
    d = _bytes_to_bits(bytes(block))
    u = np.concatenate([d, FIRE.parity(d), np.zeros(TAIL_BITS, np.uint8)])
    c = conv_encode(u)
    out = np.empty((4, 114), np.uint8)
    out[INTERLEAVE_BURST, INTERLEAVE_POS] = c
    return out


def deinterleave(x) -> np.ndarray:
    """The 456 coded bits (hard or soft) in code order from ``x[..., 4, 114]``."""
    return np.asarray(x)[..., INTERLEAVE_BURST, INTERLEAVE_POS]


def decode_xcch(soft) -> XcchResult:
    """Decode four bursts of soft data bits (float32[4, 114], positive = 1) into one block."""
    a = _check_soft(soft, 2)
    return decode_xcch_many(a[None])[0]


def _check_soft(soft, ndim: int) -> np.ndarray:
    a = np.asarray(soft)
    if a.ndim != ndim or a.shape[-2:] != (4, 114) or not np.issubdtype(a.dtype, np.floating):
        want = "float32[4, 114]" if ndim == 2 else "float32[n, 4, 114]"
        raise DspError(f"soft: expected {want} soft bits, got {a.dtype} {a.shape}")
    return a


def decode_xcch_many(soft) -> list[XcchResult]:
    """:func:`decode_xcch` over ``soft[n, 4, 114]`` in one compiled pass."""
    a = _check_soft(soft, 3).astype(np.float32, copy=False)
    coded = deinterleave(a)
    u, metric = viterbi_decode(coded)
    word = u[:, : INFO_BITS + FIRE.parity_bits]
    ok = np.atleast_1d(FIRE.check(word))
    recoded = conv_encode(u)
    errors = ((coded > 0) != (recoded == 1)) & (coded != 0)
    scale = np.abs(coded).sum(axis=-1)
    out = []
    for i in range(a.shape[0]):
        data = np.packbits(word[i, :INFO_BITS], bitorder="little").tobytes() if ok[i] else None
        norm = float(metric[i] / scale[i]) if scale[i] > 0 else 0.0
        out.append(XcchResult(data, bool(ok[i]), int(errors[i].sum()), norm))
    return out
