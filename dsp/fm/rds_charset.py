"""IEC 62106 Annex E (EN 50067 Figure E.1): the basic RDS character set (G0) used by PS and RadioText."""

from __future__ import annotations

# Code points 0x20..0x7F: ASCII except 0x24 (currency sign), 0x5E (horizontal bar), 0x60 (double
# vertical line), 0x7E (overline), 0x7F (blank).
_LOW = "".join(chr(c) for c in range(0x20, 0x80))
_LOW = _LOW[:0x04] + "¤" + _LOW[0x05:0x3E] + "―_‖" + _LOW[0x41:0x5E] + "¯ "

# Code points 0x80..0xFF, one string per column of Figure E.1 (rows 0..F).
_COLUMNS = (
    "áàéèíìóòúùÑÇŞβ¡Ĳ",  # 0x8_
    "âäêëîïôöûüñçşǧıĳ",  # 0x9_
    "ªα©‰Ǧěňőπ€£$←↑→↓",  # 0xA_
    "º¹²³±İńűµ¿÷°¼½¾§",  # 0xB_
    "ÁÀÉÈÍÌÓÒÚÙŘČŠŽÐĿ",  # 0xC_
    "ÂÄÊËÎÏÔÖÛÜřčšžđŀ",  # 0xD_
    "ÃÅÆŒŷÝÕØÞŊŔĆŚŹŢĠ",  # 0xE_
    "ãåæœŵýõøþŋŕćśźţġ",  # 0xF_
)

_TABLE = "".join(chr(c) for c in range(0x20)) + _LOW + "".join(_COLUMNS)
assert len(_TABLE) == 256
# 0x7F is a second blank: a space encodes as 0x20, its first code.
_INDEX = {ch: i for i, ch in reversed(list(enumerate(_TABLE))) if i >= 0x20}


def decode_chars(codes: bytes | list[int]) -> str:
    """Text of RDS character codes (control codes below 0x20 are kept as the same code point)."""
    return "".join(_TABLE[c] for c in codes)


def encode_chars(text: str) -> bytes:
    """RDS codes of ``text``; characters outside the G0 set become a space (0x20)."""
    return bytes(_INDEX.get(ch, 0x20) for ch in text)
