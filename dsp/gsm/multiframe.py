"""TDMA frame numbering and the TS0 51-multiframe of a BCCH carrier (3GPP TS 45.002 §3.3.2, §6.3, §7 Table 3).

FN counts TDMA frames modulo the hyperframe (2 715 648). TS0 of the BCCH carrier repeats every 51 frames::

    FN mod 51 | 0 F | 1 S | 2-5 BCCH | 6-9 CCCH0 | 10 F | 11 S | 12-15 CCCH1 | 16-19 CCCH2 | 20 F | 21 S | ...
              ... | 40 F | 41 S | 42-45 | 46-49 | 50 idle

Non-combined (CCCH_CONF 0): frames 6-49 outside F/S are nine CCCH blocks. Combined (CCCH_CONF 1):
only CCCH blocks 0-2 (frames 6-9, 12-15, 16-19); 22-39 are SDCCH/4 sub-channels 0-3 and 42-49 SACCH/4.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsp.errors import DspError

HYPERFRAME = 26 * 51 * 2048
MULTIFRAME_51 = 51

FCCH_FRAMES = (0, 10, 20, 30, 40)
SCH_FRAMES = (1, 11, 21, 31, 41)
BCCH_NORM_FIRST = 2
#: First FN mod 51 of each CCCH block, non-combined (block 0 doubles as BCCH Ext when configured).
CCCH_FIRST_NONCOMBINED = (6, 12, 16, 22, 26, 32, 36, 42, 46)
CCCH_FIRST_COMBINED = (6, 12, 16)
SDCCH4_FIRST = (22, 26, 32, 36)
SACCH4_FIRST = (42, 46)
IDLE_FRAME = 50

#: §6.3.1.3: candidates for the BCCH Norm block by TC = (FN div 51) mod 8, in order of preference.
BCCH_NORM_SCHEDULE: dict[int, tuple[str, ...]] = {
    0: ("SI1",),
    1: ("SI2",),
    2: ("SI3",),
    3: ("SI4",),
    4: ("SI13", "SI2ter", "SI2quater", "SI9"),
    5: ("SI2bis", "SI2ter", "SI2quater"),
    6: ("SI3",),
    7: ("SI4",),
}
#: §6.3.1.3: SI types that may go in BCCH Ext (CCCH block 0) by TC.
BCCH_EXT_SCHEDULE: dict[int, tuple[str, ...]] = {0: ("SI13",), 3: ("SI8",), 4: ("SI2ter",), 5: ("SI2quater",), 7: ("SI7",)}


@dataclass(frozen=True)
class FrameNumber:
    """FN split as the SCH carries it: T1 = FN div 1326, T2 = FN mod 26, T3 = FN mod 51."""

    t1: int
    t2: int
    t3: int

    @property
    def t3p(self) -> int:
        """T3' = (T3 - 1) div 10, the 3-bit reduced T3 of the SCH (meaningful in SCH frames)."""
        return (self.t3 - 1) // 10


def _check_fn(fn: int) -> int:
    if not 0 <= int(fn) < HYPERFRAME:
        raise DspError(f"fn: expected 0..{HYPERFRAME - 1}, got {fn}")
    return int(fn)


def split_fn(fn: int) -> FrameNumber:
    """(T1, T2, T3) of frame number ``fn``."""
    fn = _check_fn(fn)
    return FrameNumber(fn // 1326, fn % 26, fn % 51)


def fn_from_t(t1: int, t2: int, t3: int) -> int:
    """Frame number from (T1, T2, T3) (§3.3.2.2.1; CRT on 26 × 51)."""
    if not (0 <= t1 < 2048 and 0 <= t2 < 26 and 0 <= t3 < 51):
        raise DspError(f"(t1, t2, t3): expected 0..2047, 0..25, 0..50, got {(t1, t2, t3)}")
    return 51 * ((t3 - t2) % 26) + t3 + 51 * 26 * t1


def fn_from_sch(t1: int, t2: int, t3p: int) -> int:
    """Frame number of an SCH burst from its reduced frame number (T3 = 10·T3' + 1)."""
    if not 0 <= t3p <= 4:
        raise DspError(f"t3p: expected 0..4, got {t3p}")
    return fn_from_t(t1, t2, 10 * t3p + 1)


def tc(fn: int) -> int:
    """TC = (FN div 51) mod 8, which selects the SI type of the BCCH Norm block."""
    return (_check_fn(fn) // 51) % 8


def _check_conf(ccch_conf: int) -> int:
    if ccch_conf not in (0, 1):
        raise DspError(f"ccch_conf: supported values are 0 (non-combined) and 1 (combined), got {ccch_conf}")
    return ccch_conf


def ccch_blocks(ccch_conf: int = 0) -> tuple[int, ...]:
    """First FN mod 51 of each CCCH block on TS0."""
    return CCCH_FIRST_COMBINED if _check_conf(ccch_conf) else CCCH_FIRST_NONCOMBINED


def channel_at(fn: int, ccch_conf: int = 0) -> tuple[str, int]:
    """``(kind, index)`` of the TS0 channel in frame ``fn``.

    kind is "FCCH", "SCH", "BCCH", "CCCH", "SDCCH", "SACCH" or "IDLE"; index is the block number
    (CCCH block, SDCCH/SACCH sub-channel) or 0; :func:`block_start` gives the block's first frame.
    """
    t3 = _check_fn(fn) % 51
    blocks = ccch_blocks(ccch_conf)
    if t3 in FCCH_FRAMES:
        return "FCCH", 0
    if t3 in SCH_FRAMES:
        return "SCH", 0
    if t3 == IDLE_FRAME:
        return "IDLE", 0
    first = block_start(t3)
    if first == BCCH_NORM_FIRST:
        return "BCCH", 0
    if first in blocks:
        return "CCCH", blocks.index(first)
    if first in SDCCH4_FIRST:
        return "SDCCH", SDCCH4_FIRST.index(first)
    # SACCH/4 pairs alternate between sub-channels 0,1 and 2,3 on even/odd 51-multiframes.
    return "SACCH", SACCH4_FIRST.index(first) + 2 * ((fn // 51) % 2)


def block_start(t3: int) -> int:
    """First FN mod 51 of the 4-frame data block that frame ``t3`` (FN mod 51) belongs to."""
    if not 0 <= t3 < 51 or t3 in FCCH_FRAMES or t3 in SCH_FRAMES or t3 == IDLE_FRAME:
        raise DspError(f"t3: frame {t3} of the 51-multiframe is not part of a 4-frame data block")
    sub = t3 % 10
    return t3 - (sub - 2) if sub < 6 else t3 - (sub - 6)


def _scheduled(table: dict[int, tuple[str, ...]], fn: int, available) -> str | None:
    return next((name for name in table.get(tc(fn), ()) if name in available), None)


def bcch_norm_type(fn: int, available: set[str] | frozenset[str]) -> str | None:
    """The SI type a BTS sending ``available`` puts in the BCCH Norm block of multiframe ``fn``.

    None when no candidate of this TC is available (the caller repeats SI3/SI4 or sends fill).
    """
    return _scheduled(BCCH_NORM_SCHEDULE, fn, available)


def bcch_ext_type(fn: int, available_on_ext: set[str] | frozenset[str]) -> str | None:
    """The SI type for BCCH Ext (CCCH block 0) of multiframe ``fn``, among those the cell sends there."""
    return _scheduled(BCCH_EXT_SCHEDULE, fn, available_on_ext)
