"""Reading node batches: docs/wire-format.md version 1 and docs/wire/observations-v1.schema.json.

Written against the document, not the node's code. The envelope is checked first (a bad one is a
400); then each observation on its own, so one bad observation is rejected without stopping the
others. Every message is one line naming the field, as ``observations[2].payload.freq_hz: ...``.
"""

from __future__ import annotations

import math
import re
from calendar import timegm
from dataclasses import dataclass

import orjson

from webmap.errors import BatchTooLarge, WireFormatError

WIRE_VERSION = 1
MAX_BODY_BYTES = 1 << 20
MAX_OBSERVATIONS = 500
MAX_ERROR_CHARS = 500

_NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TARGET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?Z")
_PI = re.compile(r"[0-9A-F]{4}")
_MCC = re.compile(r"[0-9]{3}")
_MNC = re.compile(r"[0-9]{2,3}")

KINDS = ("gsm_cell", "fm_station", "spurious", "power", "health", "position")
_FIXES = frozenset(("surveyed", "3d", "2d", "dgps", "estimated", "simulated"))
_SOURCES = frozenset(("config", "gpsd", "nmea", "track", "sim"))
_BANDS = frozenset(("gsm900", "dcs1800", "fm", "air", None))
_OBSERVATION_KEYS = frozenset(("id", "kind", "time", "position", "hop", "payload"))
_POSITION_KEYS = frozenset(("lat", "lon", "alt_m", "speed_m_s", "heading_deg", "fix", "source",
                            "hdop", "satellites", "fix_time"))
_HOP_KEYS = frozenset(("center_freq_hz", "sample_rate_hz", "gain_db", "dwell_s", "band"))
_POWER_KEYS = frozenset(("freq_hz", "power_dbm", "target", "floor", "bandwidth_hz", "power_dbfs",
                         "related_to_hz"))
_HEALTH_KEYS = frozenset(("uptime_s", "hops_per_min", "cpu_percent", "spool_depth", "last_upload",
                          "dropped_buffers", "source", "software", "message"))


@dataclass(frozen=True)
class WireObservation:
    """One valid observation: the columns the store indexes, and the object as received."""

    id: str
    kind: str
    time: float                 # Unix seconds
    lat: float | None
    lon: float | None
    payload: dict
    raw: dict


@dataclass(frozen=True)
class Rejected:
    """An observation that broke the format: its id when it had a readable one, and why."""

    id: str | None
    error: str


@dataclass(frozen=True)
class Batch:
    """A batch whose envelope is valid; ``items`` keeps request order (valid or rejected)."""

    node_id: str
    sent_at: float
    items: tuple[WireObservation | Rejected, ...]


def parse_body(body: bytes) -> object:
    """The JSON document in ``body``: strict UTF-8 (no lone surrogates, which PostgreSQL cannot
    store), no NaN/Infinity (not JSON), integers within 64 bits, nesting within 1024 levels."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise WireFormatError(f"body: not JSON or not UTF-8 ({str(exc)[:200]})") from None


def utc_seconds(value: object, where: str) -> float:
    """Unix seconds of an RFC 3339 UTC ``...Z`` string."""
    m = _TIME.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise WireFormatError(f"{where}: expected an RFC 3339 UTC time like 2026-11-28T19:04:05.250Z")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and s <= 60):
        raise WireFormatError(f"{where}: {value!r} is not a valid date and time")
    frac = float(m.group(7)) if m.group(7) else 0.0
    return timegm((y, mo, d, h, mi, s, 0, 0, 0)) + frac


def _is_number(v: object) -> bool:
    # bool is an int in Python, not a number in JSON; json.loads gives no NaN (refused above)
    return (type(v) is int or type(v) is float) and math.isfinite(v)


def _is_integer(v: object) -> bool:
    # JSON Schema's "integer" is a number with no fraction: 1e7 parses to a float and is one
    return type(v) is int or (type(v) is float and math.isfinite(v) and v.is_integer())


def _given(obj: dict, key: str, where: str, required: bool, nullable: bool) -> bool:
    """Whether ``obj[key]`` is there to check: missing is an error when required, null when not nullable."""
    if key not in obj:
        if required:
            raise WireFormatError(f"{where}.{key}: missing")
        return False
    return not (obj[key] is None and nullable)


def _number(obj: dict, key: str, where: str, lo: float | None = None, hi: float | None = None, *,
            nullable: bool = False, required: bool = True, lo_open: bool = False, hi_open: bool = False,
            integer: bool = False) -> None:
    if not _given(obj, key, where, required, nullable):
        return
    v = obj[key]
    ok = _is_integer(v) if integer else _is_number(v)
    if ok and lo is not None:
        ok = v > lo if lo_open else v >= lo
    if ok and hi is not None:
        ok = v < hi if hi_open else v <= hi
    if not ok:
        what = "an integer" if integer else "a number"
        rng = f" in {'(' if lo_open else ''}{lo:g}..{hi:g}{')' if hi_open else ''}" if lo is not None and hi is not None \
            else (f" > {lo:g}" if lo_open else f" ≥ {lo:g}") if lo is not None else ""
        raise WireFormatError(f"{where}.{key}: expected {what}{rng}{' or null' if nullable else ''}")


def _string(obj: dict, key: str, where: str, *, max_len: int | None = None, pattern: re.Pattern | None = None,
            nullable: bool = False, required: bool = True) -> None:
    if not _given(obj, key, where, required, nullable):
        return
    v = obj[key]
    if not isinstance(v, str) or (max_len is not None and len(v) > max_len) or \
            (pattern is not None and not pattern.fullmatch(v)):
        shape = f" matching {pattern.pattern}" if pattern is not None else ""
        size = f" of at most {max_len} characters" if max_len is not None else ""
        raise WireFormatError(f"{where}.{key}: expected a string{size}{shape}{' or null' if nullable else ''}")


def _object(v: object, where: str, allowed: frozenset | None = None) -> dict:
    if not isinstance(v, dict):
        raise WireFormatError(f"{where}: expected an object")
    if allowed is not None and not allowed.issuperset(v):
        extra = sorted(set(v) - allowed)[0]
        raise WireFormatError(f"{where}.{extra[:64]}: unexpected key")
    return v


def _time(obj: dict, key: str, where: str, *, nullable: bool = False, required: bool = True) -> None:
    if _given(obj, key, where, required, nullable):
        utc_seconds(obj[key], f"{where}.{key}")


def _position(v: object, where: str) -> dict:
    p = _object(v, where, _POSITION_KEYS)
    _number(p, "lat", where, -90, 90)
    _number(p, "lon", where, -180, 180)
    _number(p, "alt_m", where, -1000, 20000, nullable=True)
    _number(p, "speed_m_s", where, 0, 400, nullable=True)
    _number(p, "heading_deg", where, 0, 360, nullable=True, hi_open=True)
    for key, allowed in (("fix", _FIXES), ("source", _SOURCES)):
        if key not in p:
            raise WireFormatError(f"{where}.{key}: missing")
        if not isinstance(p[key], str) or p[key] not in allowed:
            raise WireFormatError(f"{where}.{key}: expected one of {', '.join(sorted(allowed))}")
    _number(p, "hdop", where, 0, 100, nullable=True, required=False)
    _number(p, "satellites", where, 0, 255, nullable=True, required=False, integer=True)
    _time(p, "fix_time", where, nullable=True, required=False)
    return p


def _hop(v: object, where: str) -> None:
    h = _object(v, where, _HOP_KEYS)
    _number(h, "center_freq_hz", where, 1e6, 6e9)
    _number(h, "sample_rate_hz", where, 0, 1e8, lo_open=True)
    _number(h, "gain_db", where, -20, 80, nullable=True)
    _number(h, "dwell_s", where, 0, 3600, lo_open=True)
    band = h.get("band")
    if not (band is None or isinstance(band, str)) or band not in _BANDS:
        raise WireFormatError(f"{where}.band: expected one of gsm900, dcs1800, fm, air or null")


def _gsm_cell(p: dict, where: str) -> None:
    _number(p, "arfcn", where, 0, 1023, nullable=True, integer=True)
    _number(p, "freq_hz", where, 1e6, 6e9)
    if "bsic" not in p:
        raise WireFormatError(f"{where}.bsic: missing")
    if p["bsic"] is not None:
        b = _object(p["bsic"], f"{where}.bsic")
        _number(b, "ncc", f"{where}.bsic", 0, 7, integer=True)
        _number(b, "bcc", f"{where}.bsic", 0, 7, integer=True)
    _string(p, "mcc", where, pattern=_MCC, nullable=True)
    _string(p, "mnc", where, pattern=_MNC, nullable=True)
    _number(p, "lac", where, 0, 65535, nullable=True, integer=True)
    _number(p, "cell_id", where, 0, 65535, nullable=True, integer=True)
    _number(p, "power_dbfs", where, -200, 10)
    _number(p, "snr_db", where, nullable=True, required=False)
    for key, n, check in (("neighbours", 1024, lambda x: _is_integer(x) and 0 <= x <= 1023),
                          ("si_types", 32, lambda x: isinstance(x, str) and len(x) <= 16)):
        v = p.get(key)
        if v is not None and not (isinstance(v, list) and len(v) <= n and all(map(check, v))):
            raise WireFormatError(f"{where}.{key}: expected a list of at most {n} "
                                  f"{'ARFCNs 0..1023' if key == 'neighbours' else 'short strings'} or null")


def _fm_station(p: dict, where: str) -> None:
    _number(p, "freq_hz", where, 1e6, 6e9)
    _number(p, "power_dbfs", where, -200, 10)
    if "rds" not in p:
        raise WireFormatError(f"{where}.rds: missing")
    if p["rds"] is not None:
        r = _object(p["rds"], f"{where}.rds")
        _string(r, "pi", f"{where}.rds", pattern=_PI, nullable=True, required=False)
        _string(r, "ps", f"{where}.rds", max_len=8, nullable=True, required=False)
        _string(r, "rt", f"{where}.rds", max_len=64, nullable=True, required=False)


def _spurious(p: dict, where: str) -> None:
    _number(p, "freq_hz", where, 1e6, 6e9)
    _number(p, "power_dbfs", where, -200, 10)
    _number(p, "related_to_hz", where, 1e6, 6e9, nullable=True)
    _string(p, "mechanism", where, max_len=32, nullable=True, required=False)
    sources = p.get("sources_hz")
    if sources is not None and not (isinstance(sources, list) and len(sources) <= 8
                                    and all(_is_number(f) and 1e6 <= f <= 6e9 for f in sources)):
        raise WireFormatError(f"{where}.sources_hz: expected a list of at most 8 frequencies in 1e6..6e9 or null")
    _number(p, "correlation", where, -1, 1, nullable=True, required=False)


def _power(v: object, where: str) -> None:
    p = _object(v, where, _POWER_KEYS)
    _number(p, "freq_hz", where, 1e6, 6e9)
    _number(p, "power_dbm", where, -200, 60)
    _string(p, "target", where, pattern=_TARGET, nullable=True)
    if type(p.get("floor")) is not bool:
        raise WireFormatError(f"{where}.floor: expected true or false")
    _number(p, "bandwidth_hz", where, 0, 1e8, nullable=True, required=False, lo_open=True)
    _number(p, "power_dbfs", where, -200, 10, nullable=True, required=False)
    _number(p, "related_to_hz", where, 1e6, 6e9, nullable=True, required=False)


def _health(v: object, where: str) -> None:
    p = _object(v, where, _HEALTH_KEYS)
    _number(p, "uptime_s", where, 0)
    _number(p, "hops_per_min", where, 0)
    _number(p, "cpu_percent", where, 0, 100000, nullable=True)
    _number(p, "spool_depth", where, 0, integer=True)
    _time(p, "last_upload", where, nullable=True)
    _number(p, "dropped_buffers", where, 0, integer=True, required=False)
    _string(p, "source", where, max_len=64, required=False)
    _string(p, "software", where, max_len=64, required=False)
    _string(p, "message", where, max_len=500, nullable=True, required=False)


def _position_payload(v: object, where: str) -> None:
    if _object(v, where):
        raise WireFormatError(f"{where}: expected the empty object {{}} for a position observation")


_PAYLOADS = {"gsm_cell": _gsm_cell, "fm_station": _fm_station, "spurious": _spurious, "power": _power,
             "health": _health,
             "position": _position_payload}


def read_observation(obj: object, where: str) -> WireObservation:
    """One observation checked against the schema, or :class:`WireFormatError` naming the field."""
    o = _object(obj, where, _OBSERVATION_KEYS)
    for key in ("id", "kind", "time", "position", "hop", "payload"):
        if key not in o:
            raise WireFormatError(f"{where}.{key}: missing")
    if not isinstance(o["id"], str) or not _UUID.fullmatch(o["id"]):
        raise WireFormatError(f"{where}.id: expected a lower-case canonical UUID")
    kind = o["kind"]
    if not isinstance(kind, str) or kind not in _PAYLOADS:
        raise WireFormatError(f"{where}.kind: expected one of {', '.join(KINDS)}")
    t = utc_seconds(o["time"], f"{where}.time")
    pos = o["position"]
    if pos is None:
        if kind == "position":
            raise WireFormatError(f"{where}.position: must not be null for a position observation")
    else:
        _position(pos, f"{where}.position")
    if kind in ("health", "position"):
        if o["hop"] is not None:
            raise WireFormatError(f"{where}.hop: expected null for a {kind} observation")
    elif o["hop"] is None:
        raise WireFormatError(f"{where}.hop: required for a {kind} observation")
    else:
        _hop(o["hop"], f"{where}.hop")
    payload = o["payload"]
    if kind in ("gsm_cell", "fm_station", "spurious"):
        _object(payload, f"{where}.payload")  # additional keys allowed: a newer decoder may add fields
    _PAYLOADS[kind](payload, f"{where}.payload")
    return WireObservation(o["id"], kind, t, pos["lat"] if pos else None, pos["lon"] if pos else None,
                           payload, o)


def read_batch(doc: object) -> Batch:
    """The envelope checked (:class:`WireFormatError` → 400), each observation checked on its own."""
    b = _object(doc, "batch")
    for key in ("version", "node_id", "sent_at", "observations"):
        if key not in b:
            raise WireFormatError(f"{key}: missing")
    if set(b) - {"version", "node_id", "sent_at", "observations"}:
        raise WireFormatError(f"{sorted(set(b) - {'version', 'node_id', 'sent_at', 'observations'})[0][:64]}: "
                              "unexpected key")
    if type(b["version"]) is not int or b["version"] != WIRE_VERSION:
        raise WireFormatError(f"version: expected {WIRE_VERSION}, this server speaks wire format version 1")
    if not isinstance(b["node_id"], str) or not _NODE_ID.fullmatch(b["node_id"]):
        raise WireFormatError("node_id: expected 1-64 characters [A-Za-z0-9._-] starting with a letter or digit")
    sent_at = utc_seconds(b["sent_at"], "sent_at")
    obs = b["observations"]
    if isinstance(obs, list) and len(obs) > MAX_OBSERVATIONS:
        raise BatchTooLarge(f"observations: {len(obs)} in one batch, at most {MAX_OBSERVATIONS}")
    if not isinstance(obs, list) or not obs:
        raise WireFormatError(f"observations: expected an array of 1..{MAX_OBSERVATIONS} observations")
    items: list[WireObservation | Rejected] = []
    for i, o in enumerate(obs):
        try:
            items.append(read_observation(o, f"observations[{i}]"))
        except WireFormatError as exc:
            oid = o.get("id") if isinstance(o, dict) else None
            items.append(Rejected(oid if isinstance(oid, str) and len(oid) <= 64 else None,
                                  str(exc)[:MAX_ERROR_CHARS]))
    return Batch(b["node_id"], sent_at, tuple(items))
