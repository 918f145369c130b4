"""Where the node is: gpsd (JSON over TCP 2947), NMEA 0183 RMC/GGA (serial port or file), and
GPX/CSV tracks for replay, all answering ``position(t)`` with a :class:`~sensors.wire.Position`.

NMEA sentences per NMEA 0183 v4 (RMC, GGA; checksum = XOR of the bytes between ``$`` and ``*``);
gpsd messages per gpsd_json(5) (TPV, SKY).
"""

from __future__ import annotations

import bisect
import csv
import json
import logging
import math
import socket
import threading
import time
import xml.etree.ElementTree as ET
from calendar import timegm
from datetime import datetime, timezone
from pathlib import Path

from sensors.errors import SensorError
from sensors.wire import Position

log = logging.getLogger(__name__)

KNOT_M_S = 1852 / 3600
EARTH_RADIUS_M = 6_371_008.8
#: A live fix older than this is not used to stamp an observation.
MAX_FIX_AGE_S = 5.0
#: A track is not extrapolated further than this beyond its first/last point.
TRACK_MARGIN_S = 30.0
GGA_FIX = {1: "3d", 2: "dgps", 4: "dgps", 5: "dgps", 6: "estimated"}


class GpsError(SensorError):
    """A GPS source or track that cannot be read; the message names the file/host and the field."""


# ---------------------------------------------------------------------------------------- NMEA


def nmea_checksum_ok(sentence: str) -> bool:
    body, star, given = sentence.strip().lstrip("$!").partition("*")
    if not star:
        return False
    calc = 0
    for ch in body.encode("ascii", "replace"):
        calc ^= ch
    try:
        return calc == int(given[:2], 16)
    except ValueError:
        return False


def _nmea_angle(value: str, hemi: str) -> float | None:
    """``ddmm.mmmm`` / ``dddmm.mmmm`` + N/S/E/W → signed degrees."""
    if not value:
        return None
    dot = value.index(".") if "." in value else len(value)
    deg = float(value[: dot - 2]) + float(value[dot - 2:]) / 60
    return -deg if hemi in ("S", "W") else deg


def _nmea_time(hhmmss: str, ddmmyy: str | None, today: datetime | None) -> float | None:
    if not hhmmss:
        return None
    h, m, s = int(hhmmss[0:2]), int(hhmmss[2:4]), float(hhmmss[4:])
    if ddmmyy:
        yy = int(ddmmyy[4:6])
        day, month, year = int(ddmmyy[0:2]), int(ddmmyy[2:4]), (1900 if yy >= 80 else 2000) + yy
    elif today is not None:
        day, month, year = today.day, today.month, today.year
    else:
        return None
    return timegm((year, month, day, h, m, 0)) + s


class NmeaTracker:
    """Feed NMEA lines; keeps the latest fix merged from RMC (date, speed, course) and GGA
    (quality, satellites, HDOP, altitude)."""

    def __init__(self) -> None:
        self.latest: Position | None = None
        self._date: datetime | None = None
        self._gga: dict = {}
        self._rmc: dict = {}

    def feed(self, line: str) -> Position | None:
        """Parse one sentence; returns the updated fix, or None for sentences that carry none."""
        line = line.strip()
        if not line.startswith("$") or not nmea_checksum_ok(line):
            return None
        fields = line[1:].split("*", 1)[0].split(",")
        kind = fields[0][2:]
        try:
            if kind == "RMC" and len(fields) >= 10:
                return self._on_rmc(fields)
            if kind == "GGA" and len(fields) >= 12:
                return self._on_gga(fields)
        except (ValueError, IndexError):
            log.debug("unparseable NMEA sentence %r", line)
        return None

    def _on_rmc(self, f: list[str]) -> Position | None:
        if f[2] != "A":  # V: receiver warning, no valid fix
            return None
        t = _nmea_time(f[1], f[9], None)
        self._date = datetime.fromtimestamp(t, tz=timezone.utc)
        self._rmc = {"t": t, "lat": _nmea_angle(f[3], f[4]), "lon": _nmea_angle(f[5], f[6]),
                     "speed": float(f[7]) * KNOT_M_S if f[7] else None,
                     "course": float(f[8]) % 360 if f[8] else None}
        return self._merge(t)

    def _on_gga(self, f: list[str]) -> Position | None:
        quality = int(f[6] or 0)
        if quality == 0:
            return None
        t = _nmea_time(f[1], None, self._date)
        alt = float(f[9]) + float(f[11] or 0) if f[9] else None  # MSL + geoid separation = ellipsoid
        self._gga = {"t": t, "lat": _nmea_angle(f[2], f[3]), "lon": _nmea_angle(f[4], f[5]),
                     "fix": GGA_FIX.get(quality, "3d"), "sats": int(f[7]) if f[7] else None,
                     "hdop": float(f[8]) if f[8] else None, "alt": alt}
        return self._merge(t) if t is not None else None

    def _merge(self, t: float) -> Position:
        rmc = self._rmc if self._rmc.get("t") == t else {}
        gga = self._gga if self._gga.get("t") == t else {}
        src = gga or rmc
        moving = (rmc.get("speed") or 0) > 0.5
        self.latest = Position(
            src["lat"], src["lon"], alt_m=gga.get("alt"), speed_m_s=rmc.get("speed"),
            heading_deg=rmc.get("course") if moving else None,
            fix=gga.get("fix", "2d"), source="nmea", hdop=gga.get("hdop"), satellites=gga.get("sats"),
            fix_time=t)
        return self.latest


# ---------------------------------------------------------------------------------------- gpsd


def parse_gpsd(message: dict, sky: dict | None = None) -> Position | None:
    """A gpsd TPV report → Position (None without a 2D/3D fix). ``sky``: the last SKY report."""
    if message.get("class") != "TPV" or message.get("mode", 0) < 2 or "lat" not in message:
        return None
    t = message.get("time")
    fix_time = datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() if t else None
    speed = message.get("speed")
    track = message.get("track")
    sats = None
    if sky:
        sats = sky.get("uSat") or sum(1 for s in sky.get("satellites", []) if s.get("used"))
    return Position(float(message["lat"]), float(message["lon"]),
                    alt_m=message.get("altHAE", message.get("alt")), speed_m_s=speed,
                    heading_deg=float(track) % 360 if track is not None and (speed or 0) > 0.5 else None,
                    fix="3d" if message["mode"] >= 3 else "2d", source="gpsd",
                    hdop=sky.get("hdop") if sky else None, satellites=sats, fix_time=fix_time)


class _LiveFix:
    """A reader thread that keeps the newest fix; ``position(t)`` refuses a stale one."""

    def __init__(self, name: str):
        self.name = name
        self.latest: Position | None = None
        self._received = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def _update(self, pos: Position | None) -> None:
        if pos is not None:
            self.latest, self._received = pos, time.time()

    def position(self, t: float) -> Position | None:
        if self.latest is None or abs(t - self._received) > MAX_FIX_AGE_S:
            return None
        return self.latest

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._read()
            except (OSError, ValueError) as exc:
                log.warning("%s: %s; retrying in 2 s", self.name, exc)
            self._stop.wait(2.0)

    def _read(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()


class GpsdClient(_LiveFix):
    """Live fixes from gpsd's JSON stream (``?WATCH={"enable":true,"json":true}``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 2947):
        super().__init__(f"gpsd {host}:{port}")
        self.host, self.port = host, port
        self._sky: dict | None = None

    def _read(self) -> None:
        with socket.create_connection((self.host, self.port), timeout=10) as s:
            s.sendall(b'?WATCH={"enable":true,"json":true}\n')
            for line in s.makefile("r", encoding="utf-8", errors="replace"):
                if self._stop.is_set():
                    return
                try:
                    msg = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if msg.get("class") == "SKY":
                    self._sky = msg
                self._update(parse_gpsd(msg, self._sky))


class NmeaReader(_LiveFix):
    """Live fixes from an NMEA serial port (configure its baud rate with ``stty``) or a file."""

    def __init__(self, path: str | Path):
        super().__init__(f"nmea {path}")
        self.path = Path(path)
        self.tracker = NmeaTracker()

    def _read(self) -> None:
        with open(self.path, encoding="ascii", errors="replace") as f:
            for line in f:
                if self._stop.is_set():
                    return
                self._update(self.tracker.feed(line))


# --------------------------------------------------------------------------------------- tracks


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360


class Track:
    """Time-stamped points (Unix seconds), linearly interpolated; speed and heading from the segment."""

    def __init__(self, points: list[tuple[float, float, float, float | None]], name: str = "track"):
        pts = sorted(points)
        if len(pts) < 1:
            raise GpsError(f"{name}: a track needs at least one point")
        self.name = name
        self.times = [p[0] for p in pts]
        self.points = pts

    @classmethod
    def from_gpx(cls, path: str | Path) -> Track:
        p = Path(path)
        try:
            root = ET.parse(p).getroot()
        except (ET.ParseError, OSError) as exc:
            raise GpsError(f"{p}: not a readable GPX file ({exc})") from None
        pts = []
        for el in root.iter():
            if not el.tag.endswith("trkpt"):
                continue
            t = next((c.text for c in el if c.tag.endswith("time")), None)
            ele = next((c.text for c in el if c.tag.endswith("ele")), None)
            if t is None:
                raise GpsError(f"{p}: trkpt at {el.get('lat')},{el.get('lon')} has no <time>")
            pts.append((_iso(p, t), float(el.get("lat")), float(el.get("lon")),
                        float(ele) if ele else None))
        if not pts:
            raise GpsError(f"{p}: no <trkpt> with a time")
        return cls(pts, str(p))

    @classmethod
    def from_csv(cls, path: str | Path) -> Track:
        """Columns ``timestamp`` (Unix seconds or ISO 8601), ``lat``, ``lon``, optional ``alt_m``."""
        p = Path(path)
        pts = []
        with open(p, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = {"timestamp", "lat", "lon"} - set(reader.fieldnames or ())
            if missing:
                raise GpsError(f"{p}: track CSV lacks column(s) {', '.join(sorted(missing))}")
            for i, row in enumerate(reader, start=2):
                try:
                    ts = row["timestamp"]
                    t = float(ts) if _is_number(ts) else _iso(p, ts)
                    alt = row.get("alt_m")
                    pts.append((t, float(row["lat"]), float(row["lon"]), float(alt) if alt else None))
                except ValueError as exc:
                    raise GpsError(f"{p}:{i}: {exc}") from None
        return cls(pts, str(p))

    def position(self, t: float) -> Position | None:
        times = self.times
        if t < times[0] - TRACK_MARGIN_S or t > times[-1] + TRACK_MARGIN_S:
            return None
        i = bisect.bisect_right(times, t)
        if i == 0 or i == len(times):
            _, lat, lon, alt = self.points[0 if i == 0 else -1]
            return Position(lat, lon, alt_m=alt, speed_m_s=0.0, fix="estimated", source="track", fix_time=t)
        (t0, la0, lo0, al0), (t1, la1, lo1, al1) = self.points[i - 1], self.points[i]
        w = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        dist = haversine_m(la0, lo0, la1, lo1)
        speed = dist / (t1 - t0) if t1 > t0 else 0.0
        alt = al0 + w * (al1 - al0) if al0 is not None and al1 is not None else None
        return Position(la0 + w * (la1 - la0), lo0 + w * (lo1 - lo0), alt_m=alt, speed_m_s=speed,
                        heading_deg=bearing_deg(la0, lo0, la1, lo1) if dist > 0.5 else None,
                        fix="estimated", source="track", fix_time=t)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _iso(where, text: str) -> float:
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise GpsError(f"{where}: time {text!r} is not ISO 8601") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).timestamp()


def open_gps(spec: str | None):
    """``gpsd[:HOST[:PORT]]``, ``nmea:PATH``, ``gpx:PATH``, ``csv:PATH``, or None for no GPS."""
    if not spec:
        return None
    kind, _, rest = spec.partition(":")
    if kind == "gpsd":
        host, _, port = rest.partition(":")
        return GpsdClient(host or "127.0.0.1", int(port or 2947)).start()
    if kind == "nmea" and rest:
        return NmeaReader(rest).start()
    if kind == "gpx" and rest:
        return Track.from_gpx(rest)
    if kind == "csv" and rest:
        return Track.from_csv(rest)
    raise GpsError(f"gps {spec!r}: expected gpsd[:HOST[:PORT]], nmea:PATH, gpx:PATH or csv:PATH")
