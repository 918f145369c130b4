"""IEC 62106-2 §6: RDS group layout — building groups 0A/0B, 1A, 2A/2B, 4A from station fields.

Block B of every group (bit 15 first)::

    | group type (4) | B0 | TP | PTY (5) | type-specific (5) |

0A/0B: type-specific = TA, MS, DI bit, segment address (2); block C = two AF codes (0A) or PI (0B);
block D = two PS characters. 2A: A/B flag, segment address (4); C, D = four RadioText characters
(2B: D only). 4A: B bits 1..0, C, D = MJD (17), hour (5), minute (6), local offset (sign, 5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from math import gcd

from dsp.errors import DspError
from dsp.fm.rds_charset import encode_chars

PS_LEN = 8
RT_LEN_A = 64
RT_LEN_B = 32
RT_END = 0x0D
AF_BASE_HZ = 87_500_000
AF_STEP_HZ = 100_000
AF_FILLER = 205
AF_COUNT_BASE = 224
MJD_EPOCH = dt.date(1858, 11, 17)


@dataclass(frozen=True)
class RdsGroup:
    """One RDS group: four 16-bit information words (blocks A..D)."""

    a: int
    b: int
    c: int
    d: int

    def __post_init__(self) -> None:
        for name in "abcd":
            v = getattr(self, name)
            if not isinstance(v, int) or not 0 <= v <= 0xFFFF:
                raise DspError(f"RdsGroup.{name}: expected a 16-bit word, got {v!r}")

    @property
    def blocks(self) -> tuple[int, int, int, int]:
        return (self.a, self.b, self.c, self.d)

    @property
    def version_b(self) -> bool:
        return bool(self.b >> 11 & 1)

    @property
    def group_type(self) -> str:
        return group_type_name(self.b)

    def hex(self) -> str:
        return " ".join(f"{v:04X}" for v in self.blocks)

    @classmethod
    def from_hex(cls, text: str) -> RdsGroup:
        parts = text.split()
        if len(parts) != 4:
            raise DspError(f"group hex: expected 4 words, got {text!r}")
        try:
            return cls(*(int(p, 16) for p in parts))
        except ValueError:
            raise DspError(f"group hex: expected 4 hex words, got {text!r}") from None


def group_type_name(b: int) -> str:
    """'0A', '2B', ... from block B."""
    return f"{b >> 12}{'B' if b >> 11 & 1 else 'A'}"


def _block_b(gtype: int, version_b: bool, tp: bool, pty: int, low5: int) -> int:
    return gtype << 12 | int(version_b) << 11 | int(tp) << 10 | pty << 5 | low5


def af_code(freq_hz: float) -> int:
    """Method-A AF code (1..204) of a VHF frequency, 87.6..108.0 MHz."""
    code = round((freq_hz - AF_BASE_HZ) / AF_STEP_HZ)
    if not 1 <= code <= 204:
        raise DspError(f"af: {freq_hz} Hz is outside 87.6..108.0 MHz")
    return code


def af_pairs(af: tuple[float, ...]) -> list[int]:
    """Block-C words of a method-A AF list: (224+n, first AF), then pairs, filler-padded."""
    if len(af) > 25:
        raise DspError(f"af: at most 25 frequencies, got {len(af)}")
    codes = [AF_COUNT_BASE + len(af)] + [af_code(f) for f in af]
    if len(codes) % 2:
        codes.append(AF_FILLER)
    return [codes[i] << 8 | codes[i + 1] for i in range(0, len(codes), 2)]


def _text_words(codes: bytes, chars_per_word: int = 2) -> list[int]:
    return [codes[i] << 8 | codes[i + 1] for i in range(0, len(codes), chars_per_word)]


def group_0(pi: int, pty: int, tp: bool, ta: bool, ms: bool, di: int, segment: int,
            ps_codes: bytes, block_c: int | None = None) -> RdsGroup:
    """0A (block_c = AF pair) or, when block_c is None, 0B (block C repeats the PI)."""
    di_bit = di >> (3 - segment) & 1
    low5 = int(ta) << 4 | int(ms) << 3 | di_bit << 2 | segment
    b = _block_b(0, block_c is None, tp, pty, low5)
    d = ps_codes[2 * segment] << 8 | ps_codes[2 * segment + 1]
    return RdsGroup(pi, b, pi if block_c is None else block_c, d)


def rt_codes(rt: str, version_b: bool = False) -> bytes:
    """RadioText codes: terminated by 0x0D when shorter than the maximum, space-padded to a segment."""
    size = RT_LEN_B if version_b else RT_LEN_A
    per_seg = 2 if version_b else 4
    codes = encode_chars(rt)
    if len(codes) > size:
        raise DspError(f"rt: at most {size} characters, got {len(codes)}")
    if len(codes) < size:
        codes += bytes([RT_END])
    codes += b" " * (-len(codes) % per_seg)
    return codes


def group_2(pi: int, pty: int, tp: bool, ab: bool, segment: int, codes: bytes,
            version_b: bool = False) -> RdsGroup:
    """2A (4 RadioText characters in C, D) or 2B (2 characters in D, block C repeats the PI)."""
    b = _block_b(2, version_b, tp, pty, int(ab) << 4 | segment)
    if version_b:
        return RdsGroup(pi, b, pi, codes[2 * segment] << 8 | codes[2 * segment + 1])
    c, d = _text_words(codes[4 * segment:4 * segment + 4])
    return RdsGroup(pi, b, c, d)


def group_4a(pi: int, pty: int, tp: bool, when: dt.datetime) -> RdsGroup:
    """4A clock time: UTC date/hour/minute and the local offset in half hours of an aware datetime."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise DspError("ct: expected a timezone-aware datetime")
    offset_s = when.utcoffset().total_seconds()
    if offset_s % 1800 or abs(offset_s) > 15.5 * 3600:
        raise DspError(f"ct: local offset must be a multiple of 30 min within ±15.5 h, got {offset_s} s")
    utc = when.astimezone(dt.timezone.utc)
    mjd = (utc.date() - MJD_EPOCH).days
    if not 0 <= mjd < 1 << 17:
        raise DspError(f"ct: date {utc.date()} is outside the 17-bit MJD range")
    half_hours = int(abs(offset_s) // 1800)
    b = _block_b(4, False, tp, pty, mjd >> 15)
    c = (mjd & 0x7FFF) << 1 | utc.hour >> 4
    d = (utc.hour & 0xF) << 12 | utc.minute << 6 | int(offset_s < 0) << 5 | half_hours
    return RdsGroup(pi, b, c, d)


def group_1a_ecc(pi: int, pty: int, tp: bool, ecc: int) -> RdsGroup:
    """1A with variant 0 of block C: the extended country code (ECC); no programme item number."""
    if not 0 <= ecc <= 0xFF:
        raise DspError(f"ecc: expected 0..255, got {ecc}")
    return RdsGroup(pi, _block_b(1, False, tp, pty, 0), ecc, 0)


def station_cycle(pi: int, ps: str, pty: int = 0, rt: str | None = None, tp: bool = False,
                  ta: bool = False, ms: bool = True, af: tuple[float, ...] = (),
                  ct: dt.datetime | None = None, di: int = 1, ecc: int | None = None,
                  rt_ab: bool = False) -> list[RdsGroup]:
    """A group cycle: 0A and 2A alternate (0A only without RadioText), 4A/1A lead the cycle.

    PS and RadioText segments advance independently, so the cycle is long enough for both to
    return to segment 0; AF pairs ride in block C of successive 0A groups.
    """
    if not 0 <= pi <= 0xFFFF:
        raise DspError(f"pi: expected 0..0xFFFF, got {pi}")
    if not 0 <= pty <= 31:
        raise DspError(f"pty: expected 0..31, got {pty}")
    if not 0 <= di <= 15:
        raise DspError(f"di: expected a 4-bit field (d0 stereo .. d3 dynamic PTY), got {di}")
    ps_codes = encode_chars(ps[:PS_LEN].ljust(PS_LEN))
    afw = af_pairs(tuple(af))
    rtc = rt_codes(rt) if rt is not None else None
    n_rt = len(rtc) // 4 if rtc is not None else 1
    n_ps_groups = 4 * n_rt // gcd(4, n_rt)
    n_ps_groups = n_ps_groups * len(afw) // gcd(n_ps_groups, len(afw))
    groups: list[RdsGroup] = []
    if ct is not None:
        groups.append(group_4a(pi, pty, tp, ct))
    if ecc is not None:
        groups.append(group_1a_ecc(pi, pty, tp, ecc))
    for i in range(n_ps_groups):
        groups.append(group_0(pi, pty, tp, ta, ms, di, i % 4, ps_codes, afw[i % len(afw)]))
        if rtc is not None:
            groups.append(group_2(pi, pty, tp, rt_ab, i % n_rt, rtc))
    return groups
