"""What ingest adds to the channel history (webmap.history_schema): the channels each hop covered,
and each node's first decode per channel and hour.

A hop covers the channels of its band's raster (FM 100 kHz, GSM 200 kHz; keys as
webmap.grouping.channel_of) inside the middle ``USABLE_FRACTION`` of its capture: the part a
node's scan plan decodes (sensors.plan keeps every channel it reads in the trusted middle 80 %).
Air-band hops are not recorded: no verdict rule reads their history. A hop the node sent nothing
from (no decode, no reading) is not known here, so a channel is "listened" in an hour when some
hop of that hour covered it and produced at least one observation.

Most batches add nothing: a channel-hour is written once, so the writer remembers (after its
commit) what it stored and skips it; after a restart, or when two processes ingest, a row offered
twice is dropped by the database (ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from sqlalchemy import Connection

from webmap.grouping import channel_of, dialect_insert
from webmap.history_schema import channel_heard, channel_listened
from webmap.wire import WireObservation

#: Share of a hop's sample rate, centred, whose channels count as listened to.
USABLE_FRACTION = 0.8
#: (low Hz, high Hz, raster Hz) of the bands whose channels are recorded: FM, GSM 900, DCS 1800 downlinks.
RASTERS = ((87.5e6, 108e6, 100e3), (925e6, 960e6, 200e3), (1805e6, 1880e6, 200e3))
#: Remembered keys (per kind) before the older hours are dropped from memory (they stay in the store).
REMEMBER = 100_000
_DECODES = frozenset(("gsm_cell", "fm_station"))


def hour_of(t: float) -> int:
    return int(t // 3600)


def raster_channel(freq_hz: float) -> str | None:
    """The key a frequency's coverage is recorded under (its band's nearest raster channel), or None
    outside the recorded bands."""
    for lo, hi, step in RASTERS:
        if lo - step / 2 <= freq_hz <= hi + step / 2:
            return channel_of(round(freq_hz / step) * step)
    return None


def covered_channels(center_hz: float, sample_rate_hz: float) -> list[str]:
    """The raster channels a hop at ``center_hz`` sampling ``sample_rate_hz`` listened to."""
    half = sample_rate_hz * USABLE_FRACTION / 2
    out = []
    for lo, hi, step in RASTERS:
        a, b = max(lo, center_hz - half), min(hi, center_hz + half)
        out.extend(channel_of(k * step) for k in range(math.ceil(a / step - 1e-9), math.floor(b / step + 1e-9) + 1))
    return out


@dataclass
class Pending:
    """Keys a write transaction offered; remembered by :meth:`ChannelLog.remember` once it commits."""

    slices: set = field(default_factory=set)
    listened: set = field(default_factory=set)
    heard: set = field(default_factory=set)


class ChannelLog:
    """Writes the channel-history rows of stored batches (inside ingest's transaction)."""

    def __init__(self, dialect: str):
        self._insert = dialect_insert(dialect)
        self._slices: set[tuple[float, float, int]] = set()      # (centre, rate, hour) whose channels are stored
        self._listened: set[tuple[str, int]] = set()
        self._heard: set[tuple[str, int, int]] = set()
        self._lock = threading.Lock()

    def record(self, conn: Connection, node_id: int, obs: list[WireObservation],
               groups: dict[str, tuple[int | None, str | None]], pending: Pending) -> None:
        """Offer the rows of ``obs`` not stored yet (``groups``: observation id → (target id, channel
        key), as webmap.grouping.Grouper.assign gives them)."""
        listened: dict[tuple[str, int], float] = {}
        heard: dict[tuple[str, int, int], float] = {}
        for o in obs:
            hop = o.raw.get("hop")
            if hop is None:
                continue
            hour = hour_of(o.time)
            if o.kind in _DECODES and o.id in groups:
                key = (groups[o.id][1], hour, node_id)
                if key not in self._heard and heard.get(key, math.inf) > o.time:
                    heard[key] = o.time
            piece = (float(hop["center_freq_hz"]), float(hop["sample_rate_hz"]), hour)
            if piece in self._slices:
                continue
            pending.slices.add(piece)
            for ch in covered_channels(piece[0], piece[1]):
                if (ch, hour) not in self._listened and listened.get((ch, hour), math.inf) > o.time:
                    listened[(ch, hour)] = o.time
        # in key order: concurrent PostgreSQL transactions offering the same rows wait, not deadlock
        if listened:
            conn.execute(self._insert(channel_listened).on_conflict_do_nothing(),
                         [{"channel": c, "hour": h, "first_at": t} for (c, h), t in sorted(listened.items())])
            pending.listened.update(listened)
        if heard:
            conn.execute(self._insert(channel_heard).on_conflict_do_nothing(),
                         [{"channel": c, "hour": h, "node_id": n, "time": t} for (c, h, n), t in sorted(heard.items())])
            pending.heard.update(heard)

    def remember(self, pending: Pending) -> None:
        """The keys of a committed transaction: later batches skip them. (PostgreSQL ingests in
        several threads: they only test membership, which needs no lock; changes take the lock.)"""
        with self._lock:
            for name, new, hour in (("_slices", pending.slices, 2), ("_listened", pending.listened, 1),
                                    ("_heard", pending.heard, 1)):
                known = getattr(self, name)
                known.update(new)
                if len(known) > REMEMBER:
                    newest = max(k[hour] for k in known)
                    setattr(self, name, {k for k in known if k[hour] >= newest - 1})
