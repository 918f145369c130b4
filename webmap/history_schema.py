"""The channel-history tables: which channels nodes listened to and heard, hour by hour, so a
verdict reads a channel's past in a few indexed rows instead of its every observation.

Created by migration 0003; filled by ingest (webmap.channel_log), read by webmap.history. Hours are
Unix hours (UTC): ``floor(time / 3600)``; local hours of day are derived when read.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table

from webmap.schema import metadata

#: A channel (webmap.grouping.channel_of of its raster frequency) lay inside a hop some node made
#: in that hour, whether or not anything was on it.
channel_listened = Table(
    "channel_listened", metadata,
    Column("channel", String(64), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("first_at", Float, nullable=False),          # the first such hop stored for that hour
)

#: A node decoded a carrier on the channel in that hour; ``time`` is that node's first decode of
#: it stored for the hour (an observation's time: with ``node_id`` it finds the decode and its scan).
channel_heard = Table(
    "channel_heard", metadata,
    Column("channel", String(64), primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("node_id", Integer, ForeignKey("nodes.id"), primary_key=True),
    Column("time", Float, nullable=False),
)
