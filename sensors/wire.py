"""Observations as the node sends them: the records and their JSON (docs/wire-format.md, version 1).

The central station builds against the document, not this module; this module only produces it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sensors.errors import SensorError

WIRE_VERSION = 1
MAX_BATCH = 500
MAX_BODY_BYTES = 1 << 20
KINDS = ("gsm_cell", "fm_station", "spurious", "power", "health", "position")
FIXES = ("surveyed", "3d", "2d", "dgps", "estimated", "simulated")
POSITION_SOURCES = ("config", "gpsd", "nmea", "track", "sim")


class WireError(SensorError):
    """An observation or batch that would break the wire contract."""


def utc_text(t: datetime | float) -> str:
    """RFC 3339 UTC with a Z suffix and millisecond precision (``2026-11-28T19:04:05.250Z``)."""
    if not isinstance(t, datetime):
        t = datetime.fromtimestamp(float(t), tz=timezone.utc)
    elif t.tzinfo is None:
        raise WireError(f"time {t.isoformat()} has no time zone; expected an aware UTC datetime")
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class Position:
    """Where the antenna was (the wire's ``position`` object)."""

    lat: float
    lon: float
    alt_m: float | None = None
    speed_m_s: float | None = None
    heading_deg: float | None = None
    fix: str = "surveyed"
    source: str = "config"
    hdop: float | None = None
    satellites: int | None = None
    fix_time: float | None = None  # Unix seconds

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise WireError(f"position lat={self.lat} lon={self.lon}: expected WGS84 degrees")
        if self.fix not in FIXES:
            raise WireError(f"position.fix {self.fix!r}: expected one of {', '.join(FIXES)}")
        if self.source not in POSITION_SOURCES:
            raise WireError(f"position.source {self.source!r}: expected one of {', '.join(POSITION_SOURCES)}")
        if self.heading_deg is not None and not 0 <= self.heading_deg < 360:
            raise WireError(f"position.heading_deg {self.heading_deg}: expected 0 ≤ h < 360")

    def to_json(self) -> dict:
        out = {"lat": round(self.lat, 7), "lon": round(self.lon, 7), "alt_m": self.alt_m,
               "speed_m_s": self.speed_m_s, "heading_deg": self.heading_deg,
               "fix": self.fix, "source": self.source}
        if self.hdop is not None:
            out["hdop"] = self.hdop
        if self.satellites is not None:
            out["satellites"] = self.satellites
        if self.fix_time is not None:
            out["fix_time"] = utc_text(self.fix_time)
        return out


@dataclass(frozen=True)
class HopInfo:
    """The tuner setting a capture was made with (the wire's ``hop`` object)."""

    center_freq_hz: float
    sample_rate_hz: float
    gain_db: float | None
    dwell_s: float
    band: str | None = None

    def to_json(self) -> dict:
        out = {"center_freq_hz": float(self.center_freq_hz), "sample_rate_hz": float(self.sample_rate_hz),
               "gain_db": None if self.gain_db is None else float(self.gain_db),
               "dwell_s": float(self.dwell_s)}
        if self.band is not None:
            out["band"] = self.band
        return out


@dataclass(frozen=True)
class Observation:
    """One observation; ``payload`` is the decoder's JSON object (or the power/health fields)."""

    kind: str
    time: float  # Unix seconds, start of the capture
    position: Position | None
    hop: HopInfo | None
    payload: dict
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise WireError(f"observation kind {self.kind!r}: expected one of {', '.join(KINDS)}")
        if self.kind in ("gsm_cell", "fm_station", "spurious", "power") and self.hop is None:
            raise WireError(f"a {self.kind} observation needs its hop")
        if self.kind == "position" and self.position is None:
            raise WireError("a position observation needs a position")

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "time": utc_text(self.time),
                "position": None if self.position is None else self.position.to_json(),
                "hop": None if self.hop is None or self.kind in ("health", "position") else self.hop.to_json(),
                "payload": self.payload}


def power_target(band: str, freq_hz: float) -> str:
    """The locator grouping key the node uses: ``gsm-947.4``; ``fm-98.7`` on the 100 kHz raster
    (within 5 kHz: a measured carrier is never exact), else to the kHz, ``fm-98.735``;
    ``air-121.500``."""
    mhz = freq_hz / 1e6
    if band == "air":
        return f"air-{mhz:.3f}"
    if band == "fm":
        on_raster = abs(freq_hz - round(freq_hz, -5)) <= 5e3
        return f"fm-{mhz:.1f}" if on_raster else f"fm-{mhz:.3f}"
    return f"gsm-{mhz:.1f}"


def batch_body(node_id: str, observations: list[dict], sent_at: float) -> bytes:
    """The POST body for already-encoded observations (``Observation.to_json()`` dicts)."""
    if not 1 <= len(observations) <= MAX_BATCH:
        raise WireError(f"a batch holds 1..{MAX_BATCH} observations, got {len(observations)}")
    body = {"version": WIRE_VERSION, "node_id": node_id, "sent_at": utc_text(sent_at),
            "observations": observations}
    return json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
