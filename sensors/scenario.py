"""The simulated city: a TOML scenario of emitters (GSM cells, pseudo base stations, FM stations,
black broadcasts) and sensor nodes (fixed stations, vehicles), read into frozen records.

File format (every key is documented in ``recordings/demo_city.toml``, which is the reference
example). Positions are WGS84 degrees, powers dBm EIRP, frequencies Hz, times seconds from the
scenario ``start``. Tables::

    [scenario]        name, start (RFC 3339 UTC), seed, duration_s
    [propagation]     exponent_gsm, exponent_fm, shadowing_db, decorrelation_m
    [[gsm_cell]]      id, operator, mcc, mnc, lac, cell_id, arfcn, band, ncc, bcc, lat, lon, eirp_dbm,
                      neighbours, cro_db, temporary_offset_db, penalty_time_s, t3212_decihours,
                      cell_barred, rxlev_access_min, licensed; a pseudo base station adds
                      path = [[lat, lon], ...], speed_m_s, on = [[t0, t1], ...]
    [[fm_station]]    id, name, freq_hz, lat, lon, eirp_dbm, pi, ps, rt, pty, deviation_hz, stereo,
                      programme, licence_id, licensed, on; a black broadcast adds
                      spurious_hz, spurious_dbc
    [[node]]          id, kind ("fixed" | "vehicle"), lat, lon (fixed) or route + speed_m_s (vehicle),
                      alt_m, antenna_gain_dbi, noise_figure_db, ppm, dc_spike_dbfs, iq_gain_db,
                      iq_phase_deg, adc_bits, full_scale_dbm
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dsp.bands import arfcn_to_downlink_hz
from sensors.errors import SensorError
from sensors.gps import bearing_deg, haversine_m

_REQUIRED = object()


class ScenarioError(SensorError):
    """A scenario file that does not describe a city: names the file, the table and the key."""


@dataclass(frozen=True)
class Propagation:
    """Log-distance path loss (exponent per band) with spatially correlated log-normal shadowing."""

    exponent_gsm: float = 3.1
    exponent_fm: float = 2.9
    shadowing_db: float = 6.0
    decorrelation_m: float = 50.0


@dataclass(frozen=True)
class Path2D:
    """A polyline walked at constant speed; ``loop``: back to the start, else back and forth."""

    points: tuple[tuple[float, float], ...]
    speed_m_s: float
    loop: bool = False

    def at(self, t: float) -> tuple[float, float, float, float | None]:
        """(lat, lon, speed, heading) after ``t`` seconds of travel."""
        pts = self.points
        legs = [haversine_m(*pts[i], *pts[i + 1]) for i in range(len(pts) - 1)]
        total = sum(legs)
        if len(pts) == 1 or total == 0 or self.speed_m_s == 0:
            return pts[0][0], pts[0][1], 0.0, None
        s = t * self.speed_m_s
        forward = True
        if self.loop:
            s %= total
        else:
            s %= 2 * total
            if s > total:
                s, forward = 2 * total - s, False
        for i, leg in enumerate(legs):
            if s <= leg or i == len(legs) - 1:
                w = min(1.0, s / leg) if leg else 0.0
                (la0, lo0), (la1, lo1) = pts[i], pts[i + 1]
                heading = bearing_deg(la0, lo0, la1, lo1) if forward else bearing_deg(la1, lo1, la0, lo0)
                return la0 + w * (la1 - la0), lo0 + w * (lo1 - lo0), self.speed_m_s, heading
            s -= leg
        raise AssertionError("unreachable")


def _on_at(on: tuple[tuple[float, float], ...] | None, t: float) -> bool:
    return on is None or any(a <= t < b for a, b in on)


@dataclass(frozen=True)
class GsmEmitter:
    """A GSM BCCH carrier: a licensed cell (fixed) or a pseudo base station (``path``, ``on``)."""

    id: str
    operator: str
    mcc: str
    mnc: str
    lac: int
    cell_id: int
    arfcn: int
    band: str
    ncc: int
    bcc: int
    lat: float
    lon: float
    eirp_dbm: float
    neighbours: tuple[int, ...] = ()
    cro_db: int | None = None
    temporary_offset_db: int = 0
    penalty_time_s: int = 20
    t3212_decihours: int = 10
    cell_barred: bool = False
    rxlev_access_min: int = 8
    licensed: bool = True
    path: Path2D | None = None
    on: tuple[tuple[float, float], ...] | None = None
    seed: int = 0

    @property
    def freq_hz(self) -> float:
        return arfcn_to_downlink_hz(self.arfcn, "DCS1800" if self.band == "dcs1800" else "E-GSM900")

    @property
    def bsic(self) -> int:
        return 8 * self.ncc + self.bcc

    def position(self, t: float) -> tuple[float, float]:
        if self.path is None:
            return self.lat, self.lon
        lat, lon, _, _ = self.path.at(t)
        return lat, lon

    def on_air(self, t: float) -> bool:
        return _on_at(self.on, t)


@dataclass(frozen=True)
class FmEmitter:
    """An FM broadcast transmitter; a black broadcast may spill a spurious emission elsewhere."""

    id: str
    name: str
    freq_hz: float
    lat: float
    lon: float
    eirp_dbm: float
    pi: str | None = None
    ps: str | None = None
    rt: str | None = None
    pty: int = 0
    deviation_hz: float = 75e3
    stereo: bool = True
    programme: str = "speech"
    licence_id: str | None = None
    licensed: bool = True
    on: tuple[tuple[float, float], ...] | None = None
    spurious_hz: float | None = None
    spurious_dbc: float = -40.0
    seed: int = 0

    @property
    def erp_w(self) -> float:
        """ERP (relative to a half-wave dipole, 2.15 dBi) in watts, as licence registers state it."""
        return 10 ** ((self.eirp_dbm - 2.15 - 30) / 10)

    def on_air(self, t: float) -> bool:
        return _on_at(self.on, t)


@dataclass(frozen=True)
class Node:
    """A sensor node and its receiver chain (RTL-SDR impairments included)."""

    id: str
    kind: str
    lat: float
    lon: float
    alt_m: float | None = None
    route: Path2D | None = None
    antenna_gain_dbi: float = 2.0
    noise_figure_db: float = 7.0
    ppm: float = 0.0
    dc_spike_dbfs: float = -45.0
    iq_gain_db: float = 0.3
    iq_phase_deg: float = 1.5
    adc_bits: int = 8
    #: Input power (dBm) that reaches ADC full scale at 0 dB tuner gain.
    full_scale_dbm: float = 0.0

    def position(self, t: float) -> tuple[float, float, float, float | None]:
        """(lat, lon, speed, heading) at scenario time ``t``."""
        if self.route is None:
            return self.lat, self.lon, 0.0, None
        return self.route.at(t)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    start: datetime
    seed: int
    duration_s: float
    propagation: Propagation
    cells: tuple[GsmEmitter, ...]
    fm: tuple[FmEmitter, ...]
    nodes: tuple[Node, ...]

    @property
    def start_unix(self) -> float:
        return self.start.timestamp()

    def node(self, node_id: str | None) -> Node:
        if node_id is None:
            return self.nodes[0]
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise ScenarioError(f"{self.path}: no node {node_id!r}; nodes are {', '.join(n.id for n in self.nodes)}")


# ------------------------------------------------------------------------------------- parsing


class _Table:
    """Typed access to one TOML table with errors naming ``file: table[i].key``."""

    def __init__(self, path: Path, where: str, data: dict):
        if not isinstance(data, dict):
            raise ScenarioError(f"{path}: {where}: expected a table")
        self.path, self.where, self.data = path, where, data
        self.used: set[str] = set()

    def fail(self, key: str, expected: str):
        raise ScenarioError(f"{self.path}: {self.where}.{key}: expected {expected}, got {self.data.get(key)!r}")

    def get(self, key: str, kind, default=_REQUIRED, *, lo=None, hi=None, expected: str | None = None):
        self.used.add(key)
        if key not in self.data:
            if default is _REQUIRED:
                raise ScenarioError(f"{self.path}: {self.where}: missing key {key!r}")
            return default
        v = self.data[key]
        desc = expected or {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[kind]
        if kind is float and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)
        if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            self.fail(key, desc)
        if kind is float and not math.isfinite(v):
            self.fail(key, desc)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            self.fail(key, f"{desc} in {lo}..{hi}")
        return v

    def latlon(self) -> tuple[float, float]:
        return self.get("lat", float, lo=-90, hi=90), self.get("lon", float, lo=-180, hi=180)

    def points(self, key: str) -> tuple[tuple[float, float], ...] | None:
        self.used.add(key)
        v = self.data.get(key)
        if v is None:
            return None
        ok = (isinstance(v, list) and v and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(c, (int, float)) for c in p)
            and -90 <= p[0] <= 90 and -180 <= p[1] <= 180 for p in v))
        if not ok:
            self.fail(key, "a list of [lat, lon] pairs")
        return tuple((float(a), float(b)) for a, b in v)

    def windows(self) -> tuple[tuple[float, float], ...] | None:
        self.used.add("on")
        v = self.data.get("on")
        if v is None:
            return None
        ok = isinstance(v, list) and all(isinstance(w, list) and len(w) == 2 and
                                         all(isinstance(c, (int, float)) for c in w) and w[0] < w[1] for w in v)
        if not ok:
            self.fail("on", "a list of [start_s, end_s] windows with start < end")
        return tuple((float(a), float(b)) for a, b in v)

    def done(self) -> None:
        extra = set(self.data) - self.used
        if extra:
            raise ScenarioError(f"{self.path}: {self.where}: unknown key(s) {', '.join(sorted(extra))}")


def _cell(t: _Table, index: int) -> GsmEmitter:
    lat, lon = t.latlon()
    path = t.points("path")
    speed = t.get("speed_m_s", float, 0.0, lo=0, hi=60)
    band = t.get("band", str, "gsm900", expected="'gsm900' or 'dcs1800'")
    if band not in ("gsm900", "dcs1800"):
        t.fail("band", "'gsm900' or 'dcs1800'")
    mcc, mnc = t.get("mcc", str), t.get("mnc", str)
    if not (mcc.isdigit() and len(mcc) == 3):
        t.fail("mcc", "three digits as a string, e.g. \"460\"")
    if not (mnc.isdigit() and len(mnc) in (2, 3)):
        t.fail("mnc", "two or three digits as a string, e.g. \"00\"")
    neighbours = t.get("neighbours", list, [], expected="a list of ARFCNs")
    if not all(isinstance(n, int) and 0 <= n <= 1023 for n in neighbours):
        t.fail("neighbours", "a list of ARFCNs 0..1023")
    cro = t.get("cro_db", int, None, lo=0, hi=126)
    if cro is not None and cro % 2:
        t.fail("cro_db", "an even number of dB 0..126 (TS 45.008 §9: 2 dB steps)")
    to_db = t.get("temporary_offset_db", int, 0, lo=0, hi=60)
    if to_db % 10:
        t.fail("temporary_offset_db", "0..60 dB in 10 dB steps")
    pt = t.get("penalty_time_s", int, 20, lo=20, hi=620)
    if pt % 20:
        t.fail("penalty_time_s", "20..620 s in 20 s steps")
    cell = GsmEmitter(
        id=t.get("id", str), operator=t.get("operator", str), mcc=mcc, mnc=mnc,
        lac=t.get("lac", int, lo=1, hi=65533), cell_id=t.get("cell_id", int, lo=0, hi=65535),
        arfcn=t.get("arfcn", int, lo=0, hi=1023), band=band,
        ncc=t.get("ncc", int, lo=0, hi=7), bcc=t.get("bcc", int, lo=0, hi=7),
        lat=lat, lon=lon, eirp_dbm=t.get("eirp_dbm", float, lo=-30, hi=90),
        neighbours=tuple(neighbours), cro_db=cro,
        temporary_offset_db=to_db, penalty_time_s=pt,
        t3212_decihours=t.get("t3212_decihours", int, 10, lo=0, hi=255),
        cell_barred=t.get("cell_barred", bool, False),
        rxlev_access_min=t.get("rxlev_access_min", int, 8, lo=0, hi=63),
        licensed=t.get("licensed", bool, True),
        path=Path2D(path, speed) if path else None, on=t.windows(), seed=index + 1)
    try:
        cell.freq_hz
    except ValueError as exc:
        t.fail("arfcn", f"an ARFCN of {band} ({exc})")
    t.done()
    return cell


def _fm(t: _Table, index: int) -> FmEmitter:
    lat, lon = t.latlon()
    pi = t.get("pi", str, None, expected="4 hex digits")
    if pi is not None:
        try:
            int(pi, 16)
        except ValueError:
            t.fail("pi", "4 hex digits")
        if len(pi) != 4:
            t.fail("pi", "4 hex digits")
    ps = t.get("ps", str, None)
    if ps is not None and len(ps) > 8:
        t.fail("ps", "at most 8 characters")
    programme = t.get("programme", str, "speech")
    if programme not in ("silence", "tone", "noise", "speech", "loop"):
        t.fail("programme", "one of silence, tone, noise, speech, loop")
    fm = FmEmitter(
        id=t.get("id", str), name=t.get("name", str, ""), freq_hz=t.get("freq_hz", float, lo=76e6, hi=108e6),
        lat=lat, lon=lon, eirp_dbm=t.get("eirp_dbm", float, lo=-30, hi=100),
        pi=pi.upper() if pi else None, ps=ps, rt=t.get("rt", str, None), pty=t.get("pty", int, 0, lo=0, hi=31),
        deviation_hz=t.get("deviation_hz", float, 75e3, lo=1e3, hi=250e3), stereo=t.get("stereo", bool, True),
        programme=programme, licence_id=t.get("licence_id", str, None), licensed=t.get("licensed", bool, True),
        on=t.windows(), spurious_hz=t.get("spurious_hz", float, None, lo=1e6, hi=6e9),
        spurious_dbc=t.get("spurious_dbc", float, -40.0, lo=-120, hi=0), seed=index + 101)
    t.done()
    return fm


def _node(t: _Table) -> Node:
    kind = t.get("kind", str, "fixed")
    if kind not in ("fixed", "vehicle"):
        t.fail("kind", "'fixed' or 'vehicle'")
    route = t.points("route")
    if kind == "vehicle":
        if not route:
            raise ScenarioError(f"{t.path}: {t.where}: a vehicle needs a route = [[lat, lon], ...]")
        lat, lon = route[0]
        path = Path2D(route, t.get("speed_m_s", float, lo=0, hi=60), t.get("loop", bool, False))
    else:
        lat, lon = t.latlon()
        path = None
    node = Node(
        id=t.get("id", str), kind=kind, lat=lat, lon=lon, alt_m=t.get("alt_m", float, None), route=path,
        antenna_gain_dbi=t.get("antenna_gain_dbi", float, 2.0, lo=-20, hi=30),
        noise_figure_db=t.get("noise_figure_db", float, 7.0, lo=0, hi=30),
        ppm=t.get("ppm", float, 0.0, lo=-200, hi=200), dc_spike_dbfs=t.get("dc_spike_dbfs", float, -45.0, lo=-200, hi=0),
        iq_gain_db=t.get("iq_gain_db", float, 0.3, lo=-6, hi=6), iq_phase_deg=t.get("iq_phase_deg", float, 1.5, lo=-30, hi=30),
        adc_bits=t.get("adc_bits", int, 8, lo=0, hi=16),
        full_scale_dbm=t.get("full_scale_dbm", float, 0.0, lo=-100, hi=30))
    if kind == "vehicle":
        t.used.update({"lat", "lon"})
    t.done()
    return node


def read_toml(path: Path, error: type[SensorError], what: str) -> dict:
    """A TOML file's tables, or ``error`` with one line naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; every problem is one ScenarioError line naming the key."""
    p = Path(path)
    data = read_toml(p, ScenarioError, "scenario file")
    head = _Table(p, "scenario", data.get("scenario", {}))
    start_text = head.get("start", str)
    try:
        start = datetime.fromisoformat(start_text.replace("Z", "+00:00"))
    except ValueError:
        head.fail("start", "an RFC 3339 UTC time such as 2026-11-28T20:00:00Z")
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    name, seed = head.get("name", str), head.get("seed", int, 1)
    duration = head.get("duration_s", float, 3600.0, lo=1, hi=86400 * 7)
    head.done()
    prop_t = _Table(p, "propagation", data.get("propagation", {}))
    prop = Propagation(prop_t.get("exponent_gsm", float, 3.1, lo=1.5, hi=6),
                       prop_t.get("exponent_fm", float, 2.9, lo=1.5, hi=6),
                       prop_t.get("shadowing_db", float, 6.0, lo=0, hi=20),
                       prop_t.get("decorrelation_m", float, 50.0, lo=1, hi=5000))
    prop_t.done()
    cells = tuple(_cell(_Table(p, f"gsm_cell[{i}]", c), i) for i, c in enumerate(data.get("gsm_cell", [])))
    fm = tuple(_fm(_Table(p, f"fm_station[{i}]", c), i) for i, c in enumerate(data.get("fm_station", [])))
    nodes = tuple(_node(_Table(p, f"node[{i}]", c)) for i, c in enumerate(data.get("node", [])))
    unknown = set(data) - {"scenario", "propagation", "gsm_cell", "fm_station", "node"}
    if unknown:
        raise ScenarioError(f"{p}: unknown table(s) {', '.join(sorted(unknown))}")
    if not nodes:
        raise ScenarioError(f"{p}: a scenario needs at least one [[node]]")
    for what, items in (("gsm_cell", cells), ("fm_station", fm), ("node", nodes)):
        ids = [x.id for x in items]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ScenarioError(f"{p}: {what}: duplicate id(s) {', '.join(sorted(dup))}")
    return Scenario(name, p, start, seed, duration, prop, cells, fm, nodes)


def cell_register_rows(scenario: Scenario) -> list[dict]:
    """The licensed cells as rows of the INTERFACES.md cell register."""
    return [{"operator": c.operator, "mcc": c.mcc, "mnc": c.mnc, "lac": c.lac, "cell_id": c.cell_id,
             "arfcn": c.arfcn, "bsic": c.bsic, "lat": c.lat, "lon": c.lon}
            for c in scenario.cells if c.licensed]


def fm_register_rows(scenario: Scenario) -> list[dict]:
    """The licensed FM stations as rows of the INTERFACES.md FM register."""
    return [{"freq_hz": f"{s.freq_hz:.0f}", "pi": s.pi or "", "ps": s.ps or "", "name": s.name,
             "lat": s.lat, "lon": s.lon, "erp_w": f"{s.erp_w:.0f}", "licence_id": s.licence_id or ""}
            for s in scenario.fm if s.licensed]
