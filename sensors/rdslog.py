"""Readers for RDS group logs written by RDS Spy: ``.spy`` (XML-ish header) and ``.rds`` (hex groups).

``.spy``::

    <recorder="RDS Spy" date="2019-05-04" ...>
    E220 0540 2385 2020 @2019/05/04 02:42:04.15

``.rds``::

    % RDS hexgroups
    % Freq 94000, date=2018/09/05 15:15:59.566
    6403 ---- ---- CD46 @0540

Four blocks A..D in hex, ``----`` for a block not received, then ``@`` and a time stamp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sensors.errors import RecordingError

_GROUP = re.compile(r"^((?:[0-9A-Fa-f]{4}|----)(?: (?:[0-9A-Fa-f]{4}|----)){3})\s*(?:@(.*))?$")
_FREQ = re.compile(r"^%\s*Freq\s+(\d+)")


@dataclass(frozen=True)
class LoggedGroup:
    """One logged group: blocks A..D (None = not received), the tuned frequency (kHz) if logged."""

    blocks: tuple[int | None, int | None, int | None, int | None]
    freq_khz: int | None
    stamp: str | None


@dataclass(frozen=True)
class RdsLog:
    path: str
    groups: tuple[LoggedGroup, ...]

    @property
    def freqs_khz(self) -> tuple[int, ...]:
        return tuple(sorted({g.freq_khz for g in self.groups if g.freq_khz is not None}))


def read_rds_log(path: str | Path) -> RdsLog:
    """Groups of an RDS Spy ``.spy`` or ``.rds`` log; RecordingError names the file and line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="latin-1")
    except OSError as e:
        raise RecordingError(f"{p}: cannot read RDS log ({e.strerror})") from None
    groups: list[LoggedGroup] = []
    freq: int | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("<"):
            continue
        if line.startswith("%"):
            m = _FREQ.match(line)
            if m:
                freq = int(m.group(1))
            continue
        m = _GROUP.match(line)
        if m is None:
            raise RecordingError(f"{p}:{lineno}: expected 4 hex blocks (or ----) and @time, got {raw[:40]!r}")
        blocks = tuple(None if w == "----" else int(w, 16) for w in m.group(1).split())
        groups.append(LoggedGroup(blocks, freq, m.group(2)))
    if not groups:
        raise RecordingError(f"{p}: no RDS groups found (expected an RDS Spy .spy or .rds log)")
    return RdsLog(str(p), tuple(groups))
