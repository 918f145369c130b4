"""ARFCN lists in the 16-octet channel-list formats (3GPP TS 44.018 §10.5.2.1b, §10.5.2.13, §10.5.2.22, Annex J).

One 16-octet value (cell channel description, neighbour cell description, neighbour cell
description 2) holds the list in one of six formats, chosen by the FORMAT-ID bits (bit index 0 =
bit 8 of the first octet)::

    idx  0 1 | 2 3   | 4 5 6 | ...
    bit map 0        0 0 | flags | ARFCN 124..121 ... ARFCN 1 (one bit each, idx 4..127)
    range 1024       1 0 | flags | 0 F0  | W(1) 10 bits, W(2..3) 9, W(4..7) 8, W(8..15) 7, W(16) 6
    range 512        1 0 | flags | 1 0 0 | ORIG-ARFCN(10) W(1) 9, ... W(16..17) 5
    range 256        1 0 | flags | 1 0 1 | ORIG-ARFCN(10) W(1) 8, ... W(16..21) 4
    range 128        1 0 | flags | 1 1 0 | ORIG-ARFCN(10) W(1) 7, ... W(16..28) 3
    variable bit map 1 0 | flags | 1 1 1 | ORIG-ARFCN(10) RRFCN 1..111 = ORIG + i

In neighbour cell description 2 (SI2ter) idx 1 belongs to the multiband-reporting field, so only
idx 0 selects between bit map 0 and the others. The flag bits (EXT-IND/BA-IND, multiband) are
the caller's; they are passed in and out as the 2-bit value at idx 2..3 (idx 1..3 for NCD2).
"""

from __future__ import annotations

from dataclasses import dataclass

from dsp.errors import DspError
from dsp.gsm.csn1 import BitReader, BitsExhausted, BitWriter

LIST_OCTETS = 16
FORMATS = ("bitmap0", "range1024", "range512", "range256", "range128", "variable_bitmap")
_RANGE_CODE = {"range512": 0b100, "range256": 0b101, "range128": 0b110, "variable_bitmap": 0b111}
_CODE_FORMAT = {v: k for k, v in _RANGE_CODE.items()}
_RANGE = {"range1024": 1024, "range512": 512, "range256": 256, "range128": 128}
#: Bits left for W fields after the format header (and ORIG-ARFCN).
_W_SPACE = {"range1024": 122, "range512": 111, "range256": 111, "range128": 111}
_VARIABLE_SPAN = 111


class MalformedList(DspError):
    """A channel list that no format can hold, or 16 octets no format decodes."""


@dataclass(frozen=True)
class ChannelList:
    """A decoded list: its format and the ARFCNs, ascending."""

    format: str
    arfcns: tuple[int, ...]


def _w_width(k: int, r: int) -> int:
    return r.bit_length() - 1 - (k.bit_length() - 1)


def _w_count(fmt: str) -> int:
    r, space, k = _RANGE[fmt], _W_SPACE[fmt], 0
    while space >= _w_width(k + 1, r):
        k += 1
        space -= _w_width(k, r)
    return k


def _f(k: int, w: list[int], r: int) -> int:
    """F(K) of §10.5.2.13.3: walk from node K to the root, re-basing N on each parent."""
    index, j = k, 1 << (k.bit_length() - 1)
    n = w[index]
    while index > 1:
        if 2 * index < 3 * j:  # left child
            index -= j // 2
            n = (n + w[index] - r // j - 1) % (2 * r // j - 1) + 1
        else:  # right child
            index -= j
            n = (n + w[index] - 1) % (2 * r // j - 1) + 1
        j //= 2
    return n


def _encode_tree(values: list[int], s: int, index: int, j: int, w: dict[int, int]) -> None:
    """Annex J: the pivot splits the rest into equal halves (left gets the extra one) on a circle of s."""
    if not values:
        return
    half = (s - 1) // 2
    want_right = (len(values) - 1) // 2
    for p in values:
        right = [v for v in values if 1 <= (v - p) % s <= half]
        if len(right) == want_right:
            break
    else:  # pragma: no cover - a pivot always exists for distinct values
        raise MalformedList("no pivot for the range encoding")
    left = [v for v in values if v != p and (v - p) % s > half]
    w[index] = p
    _encode_tree([(v - p + half + 1) % s for v in left], half, index + j, 2 * j, w)
    _encode_tree([(v - p) % s for v in right], half, index + 2 * j, 2 * j, w)


def _origin(arfcns: list[int]) -> tuple[int, int]:
    """(ORIG-ARFCN, span): the start after the largest circular gap, and the farthest offset from it."""
    s = sorted(arfcns)
    gaps = [((s[(i + 1) % len(s)] - s[i]) % 1024 or 1024, i) for i in range(len(s))]
    _, i = max(gaps)
    orig = s[(i + 1) % len(s)]
    return orig, max((a - orig) % 1024 for a in s)


def fits(arfcns, fmt: str) -> bool:
    """Whether the list can be written in ``fmt``."""
    a = sorted(set(arfcns))
    if fmt == "bitmap0":
        return all(1 <= x <= 124 for x in a)
    if not a:
        return fmt == "range1024"  # every other non-bit-map format always carries ORIG-ARFCN
    orig, span = _origin(a)
    if fmt == "variable_bitmap":
        return span <= _VARIABLE_SPAN
    if fmt == "range1024":
        return len([x for x in a if x]) <= _w_count(fmt)
    return span <= _RANGE[fmt] - 1 and len(a) - 1 <= _w_count(fmt)


def choose_format(arfcns) -> str:
    """The first format of bit map 0, variable bit map, range 128/256/512/1024 that holds the list."""
    for fmt in ("bitmap0", "variable_bitmap", "range128", "range256", "range512", "range1024"):
        if fits(arfcns, fmt):
            return fmt
    raise MalformedList(f"arfcns: {len(set(arfcns))} ARFCNs fit no 16-octet list format")


def encode_channel_list(arfcns, fmt: str = "auto", flags: int = 0, ncd2: bool = False) -> bytes:
    """The 16-octet value holding ``arfcns`` in format ``fmt`` ("auto" = :func:`choose_format`).

    ``flags``: the 2 bits at idx 2..3 (EXT-IND, BA-IND), or for ``ncd2`` the 3 bits at idx 1..3
    (multiband reporting, BA-IND).
    """
    a = sorted(set(int(x) for x in arfcns))
    if any(not 0 <= x < 1024 for x in a):
        raise MalformedList(f"arfcns: values must be 0..1023, got {a}")
    if fmt == "auto":
        fmt = choose_format(a)
    if fmt not in FORMATS:
        raise MalformedList(f"fmt: expected one of {FORMATS} or 'auto', got {fmt!r}")
    if not fits(a, fmt):
        raise MalformedList(f"arfcns: {a} do not fit the {fmt} format")
    wr = BitWriter()
    if ncd2:
        wr.bits(int(fmt != "bitmap0"), 1).bits(flags, 3)
    else:
        wr.bits(0b10 if fmt != "bitmap0" else 0, 2).bits(flags, 2)
    if fmt == "bitmap0":
        for n in range(124, 0, -1):
            wr.bits(int(n in a), 1)
        return wr.octets()
    if fmt == "range1024":
        wr.bits(0, 1).bits(int(0 in a), 1)
        values, s, r = [x for x in a if x], 1023, 1024
    else:
        orig, _ = _origin(a) if a else (0, 0)
        wr.bits(_RANGE_CODE[fmt], 3).bits(orig, 10)
        if fmt == "variable_bitmap":
            rel = {(x - orig) % 1024 for x in a}
            for i in range(1, _VARIABLE_SPAN + 1):
                wr.bits(int(i in rel), 1)
            return wr.octets()
        r = _RANGE[fmt]
        values, s = [(x - orig) % 1024 for x in a if x != orig], r - 1
    w: dict[int, int] = {}
    _encode_tree(values, s, 1, 1, w)
    for k in range(1, _w_count(fmt) + 1):
        wr.bits(w.get(k, 0), _w_width(k, r))
    return wr.padded(LIST_OCTETS)


def decode_channel_list(value: bytes, ncd2: bool = False) -> ChannelList:
    """The ARFCNs of a 16-octet channel-list value; :class:`MalformedList` when it is not one."""
    if len(value) < LIST_OCTETS:
        raise MalformedList(f"value: expected {LIST_OCTETS} octets, got {len(value)}")
    rd = BitReader(bytes(value[:LIST_OCTETS]))
    try:
        hi = rd.bits(1)
        lo = rd.bits(1)
        if ncd2:
            lo = 0
        rd.bits(2)
        if (hi, lo) == (0, 0):
            set_bits = [rd.bits(1) for _ in range(124)]  # ARFCN 124 first
            return ChannelList("bitmap0", tuple(sorted(124 - i for i, b in enumerate(set_bits) if b)))
        if lo:
            raise MalformedList("value: reserved FORMAT-ID")
        if rd.bits(1) == 0:
            fmt, r = "range1024", 1024
            f0 = rd.bits(1)
            base = None
        else:
            fmt = _CODE_FORMAT[0b100 | rd.bits(2)]
            base = rd.bits(10)
            if fmt == "variable_bitmap":
                rel = [i for i in range(1, _VARIABLE_SPAN + 1) if rd.bits(1)]
                return ChannelList(fmt, tuple(sorted({base} | {(base + i) % 1024 for i in rel})))
            r = _RANGE[fmt]
        w = [0]
        for k in range(1, _w_count(fmt) + 1):
            v = rd.bits(_w_width(k, r))
            if v == 0:
                break
            w.append(v)
    except BitsExhausted as e:  # pragma: no cover - 16 octets always hold every field
        raise MalformedList(f"value: {e}") from None
    f = [_f(k, w, r) for k in range(1, len(w))]
    if base is None:
        out = set(f) | ({0} if f0 else set())
    else:
        out = {base} | {(base + x) % 1024 for x in f}
    return ChannelList(fmt, tuple(sorted(out)))
