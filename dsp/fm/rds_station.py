"""IEC 62106-2 §6–7: a station's RDS fields accumulated from many groups, accepted only on agreement.

PI: the value seen most often in error-free A blocks (and C' blocks of version-B groups), and at
least ``PI_CONFIRMATIONS`` times; a corrected A block never counts and never proposes a PI, and a
group whose PI differs from the accepted one contributes nothing. PS and RadioText characters from
corrected blocks are taken only when the previous reception of the same segment agrees. PS and
RT are reported as the most frequent complete text, counted at every group that updates them
(a scrolling PS is a list of them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from dsp.fm.rds_charset import decode_chars
from dsp.fm.rds_groups import (AF_BASE_HZ, AF_STEP_HZ, MJD_EPOCH, PS_LEN, RT_END, RT_LEN_A,
                               RT_LEN_B, group_type_name)

PI_CONFIRMATIONS = 3
AF_CONFIRMATIONS = 2
_Block = int | None


@dataclass(frozen=True)
class RdsResult:
    """What one station's RDS said.

    ``ps``/``rt`` are the most frequent complete texts (None if never complete); ``ps_seen`` and
    ``rt_seen`` list every complete text with its count, most frequent first. ``block_error_rate``
    is the fraction of blocks (while in sync) that were lost: failed and not correctable.
    """

    pi: str
    ps: str | None
    rt: str | None
    pty: int | None
    tp: bool | None
    ta: bool | None
    ms: bool | None
    di: int | None
    af: tuple[int, ...]
    ct: dt.datetime | None
    ecc: int | None
    groups_ok: int
    groups_total: int
    blocks_total: int
    block_error_rate: float
    group_types: dict[str, int] = field(default_factory=dict)
    ps_seen: tuple[tuple[str, int], ...] = ()
    rt_seen: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict:
        """The ``rds`` object of ``decode fm --json`` (INTERFACES.md), extra keys after the contract's."""
        return {
            "pi": self.pi, "ps": self.ps, "rt": self.rt, "pty": self.pty,
            "block_error_rate": round(self.block_error_rate, 4),
            "tp": self.tp, "ta": self.ta, "ms": self.ms, "di": self.di,
            "af_hz": list(self.af),
            "ct": self.ct.isoformat() if self.ct is not None else None,
            "ecc": self.ecc,
            "groups_ok": self.groups_ok, "groups_total": self.groups_total,
            "blocks_total": self.blocks_total,
            "group_types": dict(self.group_types),
            "ps_seen": [[t, n] for t, n in self.ps_seen],
        }


@dataclass
class _Text:
    """A PS or RadioText buffer: characters, which are set, and last reception per segment."""

    size: int
    chars: list[int] = field(default_factory=list)
    have: list[bool] = field(default_factory=list)
    last: dict[int, tuple[int, ...]] = field(default_factory=dict)
    seen: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.chars = [0x20] * self.size
        self.have = [False] * self.size
        self.last = {}

    def put(self, pos: int, codes: tuple[int, ...], key: int, weak: bool) -> None:
        agreed = self.last.get(key) == codes
        self.last[key] = codes
        if weak and not agreed:
            return
        for i, c in enumerate(codes):
            self.chars[pos + i] = c
            self.have[pos + i] = True

    def complete_text(self, size: int, stop_at_end: bool) -> str | None:
        end = size
        if stop_at_end and RT_END in self.chars[:size]:
            end = self.chars.index(RT_END)
        if not all(self.have[:end]):
            return None
        return decode_chars(self.chars[:end])


def _pi_votes(groups: Sequence[tuple[Sequence[_Block], Sequence[int]]], need_b: bool) -> Counter:
    votes: Counter = Counter()
    for blocks, corr in groups:
        a, b, c = blocks[0], blocks[1], blocks[2]
        if a is not None and corr[0] == 0 and (b is not None or not need_b):
            votes[a] += 1
        if b is not None and b >> 11 & 1 and c is not None and corr[2] == 0 and corr[1] == 0:
            votes[c] += 1
    return votes


def _ct(b: int, c: int, d: int) -> dt.datetime | None:
    mjd = (b & 3) << 15 | c >> 1
    hour = (c & 1) << 4 | d >> 12
    minute = d >> 6 & 0x3F
    half_hours = d & 0x1F
    if hour > 23 or minute > 59 or half_hours > 31 or mjd < 15079:  # 15079 = 1900-03-01
        return None
    utc = dt.datetime.combine(MJD_EPOCH + dt.timedelta(days=mjd), dt.time(hour, minute),
                              tzinfo=dt.timezone.utc)
    offset = dt.timedelta(minutes=30 * half_hours) * (-1 if d >> 5 & 1 else 1)
    return utc.astimezone(dt.timezone(offset))


def accumulate(groups: Iterable[tuple[Sequence[_Block], Sequence[int]]], blocks_total: int | None = None,
               blocks_failed: int | None = None, pi: int | None = None,
               votes_need_b: bool = False) -> RdsResult | None:
    """RdsResult of groups given as (blocks A..D (None = lost), bits corrected per block), or None
    when no PI reached agreement. Without ``blocks_total`` the error rate counts lost blocks.
    ``pi``: a PI established otherwise (by :func:`dsp.fm.rds_fold.fold_pi`) instead of the vote.
    ``votes_need_b``: an A block votes only when its group's block B decoded too (groups framed by
    block sync: a chance A codeword in content that repeats every group, e.g. a blank PS and one
    AF, can hold sync with nothing else of the group there to read)."""
    groups = list(groups)
    if pi is None:
        votes = _pi_votes(groups, votes_need_b)
        if not votes:
            return None
        pi, n = votes.most_common(1)[0]
        if n < PI_CONFIRMATIONS:
            return None

    ps = _Text(PS_LEN)
    rt = _Text(RT_LEN_A)
    rt_version_b: bool | None = None
    rt_flag: int | None = None
    pty: Counter = Counter()
    tp: Counter = Counter()
    ta: Counter = Counter()
    ms: Counter = Counter()
    types: Counter = Counter()
    af: Counter = Counter()
    di_bits: dict[int, int] = {}
    ct: dt.datetime | None = None
    ecc: Counter = Counter()
    ok = lost = 0

    for blocks, corr in groups:
        a, b, c, d = blocks
        lost += sum(v is None for v in blocks)
        if a is not None and a != pi:
            continue
        if a is None and b is not None and b >> 11 & 1 and c is not None and c != pi:
            continue
        ok += all(v is not None for v in blocks)
        if b is None:
            continue
        weak_b = corr[1] > 0
        gtype = group_type_name(b)
        types[gtype] += 1
        if not weak_b:
            pty[b >> 5 & 0x1F] += 1
            tp[bool(b >> 10 & 1)] += 1
        kind = b >> 12
        version_b = bool(b >> 11 & 1)
        if kind == 0:
            seg = b & 3
            if not weak_b:
                ta[bool(b >> 4 & 1)] += 1
                ms[bool(b >> 3 & 1)] += 1
                di_bits[3 - seg] = b >> 2 & 1
            if d is not None:
                ps.put(2 * seg, (d >> 8, d & 0xFF), seg, weak_b or corr[3] > 0)
                text = ps.complete_text(PS_LEN, stop_at_end=False)
                if text is not None:
                    ps.seen[text] += 1
            if not version_b and c is not None and corr[2] == 0:
                for code in (c >> 8, c & 0xFF):
                    if 1 <= code <= 204:
                        af[AF_BASE_HZ + code * AF_STEP_HZ] += 1
        elif kind == 2:
            flag = b >> 4 & 1
            if weak_b:
                continue
            if rt_flag is not None and (flag != rt_flag or version_b != rt_version_b):
                rt.clear()
            rt_flag, rt_version_b = flag, version_b
            seg = b & 0xF
            if version_b:
                if d is not None:
                    rt.put(2 * seg, (d >> 8, d & 0xFF), seg, corr[3] > 0)
            else:
                for pos, word, cb in ((4 * seg, c, corr[2]), (4 * seg + 2, d, corr[3])):
                    if word is not None:
                        rt.put(pos, (word >> 8, word & 0xFF), 2 * seg + (pos % 4 > 0), cb > 0)
            text = rt.complete_text(RT_LEN_B if version_b else RT_LEN_A, stop_at_end=True)
            if text is not None:
                rt.seen[text.rstrip()] += 1
        elif gtype == "4A" and c is not None and d is not None and not any(corr[1:]):
            ct = _ct(b, c, d) or ct
        elif gtype == "1A" and c is not None and corr[2] == 0 and c >> 12 & 7 == 0:
            ecc[c & 0xFF] += 1

    if blocks_total is None:
        blocks_total, blocks_failed = 4 * len(groups), lost
    bler = (blocks_failed or 0) / blocks_total if blocks_total else 0.0

    def top(counter: Counter):
        return counter.most_common(1)[0][0] if counter else None

    return RdsResult(
        pi=f"{pi:04X}",
        ps=top(ps.seen), rt=top(rt.seen),
        pty=top(pty), tp=top(tp), ta=top(ta), ms=top(ms),
        di=sum(v << k for k, v in di_bits.items()) if len(di_bits) == 4 else None,
        af=tuple(sorted(f for f, k in af.items() if k >= AF_CONFIRMATIONS)),
        ct=ct, ecc=top(ecc),
        groups_ok=ok, groups_total=len(groups), blocks_total=blocks_total,
        block_error_rate=bler, group_types=dict(sorted(types.items())),
        ps_seen=tuple(ps.seen.most_common()), rt_seen=tuple(rt.seen.most_common()),
    )
