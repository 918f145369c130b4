"""MSB-first bit fields and CSN.1 L/H bits of GSM Layer-3 messages (3GPP TS 44.018 §10.5.2, TS 24.007 §11.2.4).

Rest octets are padded with 0x2B; an L bit equals the padding bit at its position, an H bit
differs from it, so a reader must XOR each L/H bit with bit (7 - position mod 8) of 0x2B.
"""

from __future__ import annotations

PADDING = 0x2B


class BitsExhausted(Exception):
    """A field runs past the end of the octets (a malformed or truncated message)."""


class BitReader:
    """Read MSB-first fields from ``data``; the bit position counts from bit 8 of ``data[0]``."""

    def __init__(self, data: bytes, pos: int = 0):
        self.data = data
        self.pos = pos

    @property
    def remaining(self) -> int:
        return 8 * len(self.data) - self.pos

    def bits(self, n: int) -> int:
        if n > self.remaining:
            raise BitsExhausted(f"need {n} bits at bit {self.pos}, {self.remaining} left")
        v = 0
        for _ in range(n):
            v = (v << 1) | ((self.data[self.pos >> 3] >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v

    def lh(self) -> bool:
        """One CSN.1 L/H bit: True for H."""
        pad = (PADDING >> (7 - (self.pos & 7))) & 1
        return bool(self.bits(1) ^ pad)


class BitWriter:
    """Build MSB-first fields; :meth:`padded` fills the rest with 0x2B padding."""

    def __init__(self):
        self._bits: list[int] = []

    def __len__(self) -> int:
        return len(self._bits)

    def bits(self, value: int, n: int) -> "BitWriter":
        if not 0 <= value < (1 << n):
            raise ValueError(f"value {value} does not fit in {n} bits")
        self._bits.extend((value >> (n - 1 - i)) & 1 for i in range(n))
        return self

    def lh(self, high: bool) -> "BitWriter":
        pad = (PADDING >> (7 - (len(self._bits) & 7))) & 1
        self._bits.append(int(bool(high)) ^ pad)
        return self

    def padded(self, n_octets: int) -> bytes:
        """The bits written so far in ``n_octets`` octets, the remainder 0x2B padding."""
        if len(self._bits) > 8 * n_octets:
            raise ValueError(f"{len(self._bits)} bits do not fit in {n_octets} octets")
        out = bytearray([PADDING] * n_octets)
        for i, b in enumerate(self._bits):
            mask = 1 << (7 - (i & 7))
            out[i >> 3] = (out[i >> 3] & ~mask) | (mask if b else 0)
        return bytes(out)

    def octets(self) -> bytes:
        """The bits written so far, which must fill whole octets."""
        if len(self._bits) % 8:
            raise ValueError(f"{len(self._bits)} bits are not whole octets")
        return self.padded(len(self._bits) // 8)
