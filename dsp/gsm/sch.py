"""Synchronisation channel coding (3GPP TS 45.003 §4.7; information layout TS 44.018 §9.1.30).

25 information bits = the 4-octet SCH information element sent LSB first:
octet 1 = BSIC(6) T1 bits 10-9, octet 2 = T1 bits 8-1, octet 3 = T1 bit 0, T2(5), T3' bits 2-1,
octet 4 bit 1 = T3' bit 0. Then 10 inverted parity bits, 4 tail bits and the K=5 code: 78 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.errors import DspError
from dsp.gsm.convolutional import TAIL_BITS, conv_encode, viterbi_decode
from dsp.gsm.multiframe import fn_from_sch, split_fn
from dsp.gsm.parity import SCH_PARITY

SCH_CODED_BITS = 78
SCH_INFO_BITS = 25


@dataclass(frozen=True)
class SchInfo:
    """A decoded SCH: BSIC = 8·NCC + BCC, and the frame number of the SCH burst."""

    ncc: int
    bcc: int
    bsic: int
    t1: int
    t2: int
    t3p: int
    fn: int


def _info_bits(bsic: int, t1: int, t2: int, t3p: int) -> np.ndarray:
    octets = bytes(
        [(bsic << 2) | (t1 >> 9), (t1 >> 1) & 0xFF, ((t1 & 1) << 7) | (t2 << 2) | (t3p >> 1), t3p & 1]
    )
    return np.unpackbits(np.frombuffer(octets, np.uint8), bitorder="little")[:SCH_INFO_BITS]


def encode_sch(bsic: int, fn: int) -> np.ndarray:
    """The 78 coded bits of the SCH sent in frame ``fn`` (which must be an SCH frame, FN mod 51 ≡ 1 mod 10)."""
    if not 0 <= int(bsic) < 64:
        raise DspError(f"bsic: expected 0..63, got {bsic}")
    f = split_fn(fn)
    if f.t3 % 10 != 1 or f.t3 > 41:
        raise DspError(f"fn: {fn} is not an SCH frame (FN mod 51 = {f.t3}, expected 1, 11, 21, 31 or 41)")
    info = _info_bits(int(bsic), f.t1, f.t2, f.t3p)
    u = np.concatenate([info, SCH_PARITY.parity(info), np.zeros(TAIL_BITS, np.uint8)])
    return conv_encode(u)


def decode_sch(soft) -> SchInfo | None:
    """Decode 78 soft bits (positive = 1); None when the parity fails or the fields are impossible."""
    a = np.asarray(soft)
    if a.shape != (SCH_CODED_BITS,) or not np.issubdtype(a.dtype, np.floating):
        raise DspError(f"soft: expected float32[{SCH_CODED_BITS}] soft bits, got {a.dtype} {a.shape}")
    u, _ = viterbi_decode(a.astype(np.float32, copy=False))
    word = u[: SCH_INFO_BITS + SCH_PARITY.parity_bits]
    if not SCH_PARITY.check(word):
        return None
    o = np.packbits(word[:SCH_INFO_BITS], bitorder="little")
    bsic = int(o[0]) >> 2
    t1 = ((int(o[0]) & 3) << 9) | (int(o[1]) << 1) | (int(o[2]) >> 7)
    t2 = (int(o[2]) >> 2) & 0x1F
    t3p = ((int(o[2]) & 3) << 1) | (int(o[3]) & 1)
    if t2 > 25 or t3p > 4:
        return None
    return SchInfo(bsic >> 3, bsic & 7, bsic, t1, t2, t3p, fn_from_sch(t1, t2, t3p))
