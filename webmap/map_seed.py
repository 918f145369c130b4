"""A synthetic city fed through the real ingest path (docs/wire-format.md v1 batches), for the map's
tests, screenshots and benchmark: fixed nodes on a ring, one van driving a track, GSM and FM
transmitters heard with log-distance path loss plus Gaussian shadowing.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from webmap import registers
from webmap.nodes import add_node
from webmap.wire import read_batch

CENTRE = (31.1950, 121.4400)            # Xuhui, Shanghai (the demo city)
M_PER_DEG_LAT = 111_320.0
BATCH = 500                             # the wire's largest batch


@dataclass(frozen=True)
class Emitter:
    """A transmitter of the synthetic city: what it broadcasts and where it is."""

    kind: str                           # gsm | fm
    freq_hz: float
    lat: float
    lon: float
    p0_dbm: float                       # power at 1 m
    payload: dict                       # the decoded carrier as a node reports it (wire payload)


@dataclass
class City:
    nodes: dict[str, tuple[float, float]] = field(default_factory=dict)    # fixed nodes
    van_track: list[tuple[float, float, float]] = field(default_factory=list)  # (t, lat, lon)
    emitters: list[Emitter] = field(default_factory=list)
    n_readings: int = 0


def offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (lat + north_m / M_PER_DEG_LAT,
            lon + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat))))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def _position(lat: float, lon: float, moving: bool, heading: float | None = None) -> dict:
    return {"lat": round(lat, 7), "lon": round(lon, 7), "alt_m": None,
            "speed_m_s": 8.0 if moving else 0.0, "heading_deg": heading,
            "fix": "3d" if moving else "surveyed", "source": "gpsd" if moving else "config"}


def _hop(kind: str, freq: float) -> dict:
    return {"center_freq_hz": freq, "sample_rate_hz": 2.4e6, "gain_db": 38.6, "dwell_s": 1.0,
            "band": "gsm900" if kind == "gsm" else "fm"}


def _obs(kind: str, t: float, pos: dict, hop: dict, payload: dict) -> dict:
    return {"id": str(uuid.uuid4()), "kind": kind, "time": _iso(t), "position": pos, "hop": hop,
            "payload": payload}


def gsm_payload(arfcn: int, mcc: str, mnc: str, lac: int, cell_id: int, *, neighbours=(1, 5, 60)) -> dict:
    return {"arfcn": arfcn, "freq_hz": 935e6 + 0.2e6 * arfcn, "bsic": {"ncc": 3, "bcc": arfcn % 8},
            "mcc": mcc, "mnc": mnc, "lac": lac, "cell_id": cell_id, "neighbours": list(neighbours),
            "cro_db": 10, "temporary_offset_db": 0, "penalty_time_s": 20, "t3212_decihours": 10,
            "cell_barred": False, "rxlev_access_min": 5, "si_types": ["SI1", "SI2", "SI3", "SI4"],
            "power_dbfs": -30.0, "snr_db": 18.0, "freq_offset_hz": 120.0, "blocks_ok": 40, "blocks_bad": 0}


def fm_payload(freq_hz: float, pi: str | None, ps: str | None, rt: str | None) -> dict:
    rds = None if pi is None else {"pi": pi, "ps": ps, "rt": rt, "pty": 10, "block_error_rate": 0.03}
    return {"freq_hz": freq_hz, "power_dbfs": -31.0, "snr_db": 30.0, "occupied_bw_hz": 190000.0,
            "peak_deviation_hz": 92000.0, "stereo": True, "rds": rds}


def default_emitters(n_targets: int, rng: np.random.Generator) -> list[Emitter]:
    """A rogue GSM cell, an FM pirate whose RDS carries markup, then ordinary cells and stations."""
    lat0, lon0 = CENTRE
    out = [Emitter("gsm", 935e6 + 0.2e6 * 62, *offset(lat0, lon0, 600, 400), 40.0,
                   gsm_payload(62, "460", "00", 4361, 20821, neighbours=())),
           Emitter("fm", 91.3e6, *offset(lat0, lon0, -700, -500), 45.0,
                   fm_payload(91.3e6, "13A1", "<script>", "<img src=x onerror=alert(1)> call 400-800"))]
    for i in range(2, n_targets):
        east, north = rng.uniform(-2500, 2500, 2)
        if i % 2:
            arfcn = 1 + (i * 7) % 120
            pay = gsm_payload(arfcn, "460", "01" if i % 3 else "00", 4000 + i, 10000 + i)
            out.append(Emitter("gsm", 935e6 + 0.2e6 * arfcn, *offset(lat0, lon0, east, north), 38.0, pay))
        else:
            f = round(87.6e6 + 0.1e6 * ((i * 13) % 200), -5)
            out.append(Emitter("fm", f, *offset(lat0, lon0, east, north), 42.0,
                               fm_payload(f, f"{0x1000 + i:04X}", f"ST{i:<6d}"[:8], "music")))
    return out


def build_city(station, *, n_targets: int = 4, n_readings: int = 2000, hours: float = 2.0,
               seed: int = 1, end: float | None = None, n_fixed: int = 6) -> City:
    """Register the nodes and ingest about ``n_readings`` power readings (plus each emitter's decoded
    carrier per node) spread over the last ``hours`` before ``end`` (now)."""
    rng = np.random.default_rng(seed)
    end = end if end is not None else datetime.now(timezone.utc).timestamp()
    lat0, lon0 = CENTRE
    city = City(emitters=default_emitters(n_targets, rng))
    for k in range(n_fixed):
        a = 2 * math.pi * k / n_fixed
        city.nodes[f"fixed-{k + 1:02d}"] = offset(lat0, lon0, 2200 * math.cos(a), 2200 * math.sin(a))
    steps = max(2, n_readings // ((n_fixed + 1) * len(city.emitters)))
    times = np.linspace(end - hours * 3600, end - 5, steps)
    # the van drives a loop through the middle of the city
    for j, t in enumerate(times):
        a = 2 * math.pi * j / steps
        city.van_track.append((float(t), *offset(lat0, lon0, 1200 * math.sin(a), 900 * math.sin(2 * a))))
    load_registers(station, city.emitters)
    tokens = {name: add_node(station.store, name)[0] for name in [*city.nodes, "van-1"]}
    for name, node in tokens.items():
        batch: list[dict] = []
        for j, t in enumerate(times):
            if name == "van-1":
                _, lat, lon = city.van_track[j]
                _, plat, plon = city.van_track[j - 1] if j else city.van_track[1]
                heading = math.degrees(math.atan2((lon - plon) * math.cos(math.radians(lat)), lat - plat)) % 360
                pos = _position(lat, lon, True, heading if j else None)
            else:
                lat, lon = city.nodes[name]
                pos = _position(lat, lon, False)
            for e in city.emitters:
                hop = _hop(e.kind, e.freq_hz)
                if j == 0 or (name == "van-1" and j % 10 == 0):
                    batch.append(_obs("gsm_cell" if e.kind == "gsm" else "fm_station", t, pos, hop, e.payload))
                d = max(10.0, _distance_m(lat, lon, e.lat, e.lon))
                p = e.p0_dbm - 10 * 3.0 * math.log10(d) + rng.normal(0, 4.0) - 30.0
                floor = p < -110.0
                batch.append(_obs("power", t, pos, hop, {
                    "freq_hz": e.freq_hz, "power_dbm": round(max(p, -110.0), 1),
                    "target": None, "floor": floor, "bandwidth_hz": 200000.0,
                    "power_dbfs": round(max(p, -110.0) + 40, 1)}))
                city.n_readings += 1
                if len(batch) >= BATCH:
                    _send(station, node, name, batch)
                    batch = []
        if batch:
            _send(station, node, name, batch)
    return city


def load_registers(station, emitters: list[Emitter]) -> None:
    """Licence registers (INTERFACES.md CSV) naming every emitter but the first two (the rogue cell
    and the pirate), so the verdict rules have something to hold the targets against."""
    cells = ["operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon"]
    fm = ["freq_hz,pi,ps,name,lat,lon,erp_w,licence_id"]
    for i, e in enumerate(emitters[2:], start=2):
        p = e.payload
        if e.kind == "gsm":
            op = "China Mobile" if p["mnc"] == "00" else "China Unicom"
            cells.append(f"{op},{p['mcc']},{p['mnc']},{p['lac']},{p['cell_id']},{p['arfcn']},"
                         f"{p['bsic']['ncc'] * 8 + p['bsic']['bcc']},{e.lat:.6f},{e.lon:.6f}")
        else:
            rds = p["rds"]
            fm.append(f"{e.freq_hz:.0f},{rds['pi']},{rds['ps'].strip()},Station {i},{e.lat:.6f},{e.lon:.6f},"
                      f"1000,SH-FM-{i:03d}")
    registers.load(station.store, "cells", "\n".join(cells) + "\n", "synthetic city (webmap.map_seed)")
    registers.load(station.store, "fm", "\n".join(fm) + "\n", "synthetic city (webmap.map_seed)")


def _send(station, node, name: str, observations: list[dict]) -> None:
    doc = {"version": 1, "node_id": name, "sent_at": observations[-1]["time"], "observations": observations}
    result = station.ingest.store_batch(node, read_batch(doc))
    if result["rejected"]:
        bad = next(r for r in result["results"] if r["status"] == "rejected")
        raise AssertionError(f"synthetic batch rejected by the wire reader: {bad}")


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dn = (lat2 - lat1) * M_PER_DEG_LAT
    de = (lon2 - lon1) * M_PER_DEG_LAT * math.cos(math.radians(lat1))
    return math.hypot(de, dn)


def locate_all(station) -> int:
    """Run the re-location worker over every dirty target once; how many it handled."""
    return station.relocator.run_once(settle=False)
