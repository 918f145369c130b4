"""A channel's past as the verdict rules read it (dsp.verdict.TargetHistory's hours, watch and
earlier decodes), from the hour-by-hour channel-history tables that ingest fills
(webmap.history_schema), so judging a target costs a few indexed rows whatever its age.

- ``on_air_hours``: local hours of day in which some node decoded a carrier on the channel, over
  the ``HISTORY_S`` before the target's newest observation (and since);
- ``listened_hours``: local hours of day in which some node's hop covered the channel at all, over
  the same span: "heard only at night" is then told apart from "only listened to at night";
- ``watched_since``: the start of the unbroken run of listened hours (gaps of at most
  ``WATCH_GAP_H`` unlistened hours) that reaches the hour the target was first heard, at most
  ``WATCH_LOOKBACK_S`` before it: a node that listened a month ago and came back today did not
  watch the channel in between;
- ``decodes``: the (node, time) of each node's first decode of the channel in each of its newest
  ``HEARD_PER_NODE`` hours heard over ``HISTORY_S``: a day's worth per node, so day and night
  are both in it for a channel heard around the clock, and every node that heard it is.

Local hours use the station's configured zone (``Settings.timezone``); an hour is placed by its
middle, so zones offset by half an hour give each UTC hour one local hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, and_, func, select

from webmap.channel_log import hour_of, raster_channel
from webmap.errors import WebmapError
from webmap.history_schema import channel_heard, channel_listened

#: How far back hours and earlier decodes are read: a week shows a weekly timer too.
HISTORY_S = 7 * 86400.0
#: Earlier decodes per node (one per hour it heard the channel, newest hours first).
HEARD_PER_NODE = 24
#: Unlistened hours a watch may have and still run on.
WATCH_GAP_H = 3
#: How far before a target was first heard its channel's watch is traced.
WATCH_LOOKBACK_S = 30 * 86400.0


def local_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (the ``timezone`` setting), or WebmapError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WebmapError(f"timezone {name!r}: expected an IANA time zone name such as Asia/Shanghai or UTC") from None


def local_hours(hours, zone: ZoneInfo) -> tuple[int, ...]:
    """The local hours of day (0–23) of Unix hours ``hours``, each placed by its middle."""
    return tuple(sorted({datetime.fromtimestamp(h * 3600 + 1800, zone).hour for h in set(hours)}))


@dataclass(frozen=True)
class ChannelPast:
    """What :func:`channel_past` read: TargetHistory's hours and watch, and where the earlier decodes are."""

    on_air_hours: tuple[int, ...]
    listened_hours: tuple[int, ...]
    watched_since: float | None
    #: (node id, observation time) of the earlier decodes, each node's newest first.
    decodes: tuple[tuple[int, float], ...]


def watched_since(conn: Connection, channel: str | None, first_seen: float) -> float | None:
    """When the watch on ``channel`` that was running when the target was first heard began."""
    if channel is None:
        return None
    end = hour_of(first_seen)
    rows = conn.execute(select(channel_listened.c.hour, channel_listened.c.first_at)
                        .where(channel_listened.c.channel == channel,
                               channel_listened.c.hour.between(hour_of(first_seen - WATCH_LOOKBACK_S), end))
                        .order_by(channel_listened.c.hour.desc())).all()
    since, later = None, end
    for hour, first_at in rows:
        if later - hour - 1 > WATCH_GAP_H:
            break
        since, later = first_at, hour
    return since


def channel_past(conn: Connection, target, zone: ZoneInfo, *, decodes: bool = True) -> ChannelPast:
    """The history of ``target``'s channel (a ``targets`` row) from the channel-history tables;
    ``decodes`` False leaves the earlier decodes out (GSM: no rule reads them)."""
    start = hour_of(target.last_seen_at - HISTORY_S)
    mine = and_(channel_heard.c.channel == target.channel, channel_heard.c.hour >= start)
    on_air = conn.execute(select(channel_heard.c.hour).distinct().where(mine)).scalars().all()
    listen = raster_channel(target.freq_hz)
    listened = () if listen is None else conn.execute(
        select(channel_listened.c.hour).where(channel_listened.c.channel == listen,
                                              channel_listened.c.hour >= start)).scalars().all()
    earlier = ()
    if decodes:
        rank = func.row_number().over(partition_by=channel_heard.c.node_id,
                                      order_by=channel_heard.c.hour.desc()).label("rank")
        ranked = select(channel_heard.c.node_id, channel_heard.c.hour, channel_heard.c.time, rank).where(mine).subquery()
        earlier = tuple((r.node_id, r.time) for r in conn.execute(
            select(ranked.c.node_id, ranked.c.time).where(ranked.c.rank <= HEARD_PER_NODE)
            .order_by(ranked.c.node_id, ranked.c.hour.desc())))
    return ChannelPast(on_air_hours=local_hours(on_air, zone), listened_hours=local_hours(listened, zone),
                       watched_since=watched_since(conn, listen, target.first_seen_at), decodes=earlier)
