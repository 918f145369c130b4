"""The long-running sensor node: scan → decode at the edge → observations → spool → uplink.

The node TOML (``foxhunt sensor --config NODE.toml``)::

    [node]
    id = "xh-xujiahui"                 # the wire's node_id
    source = "rtlsdr:0"                # or sigmf:DIR, sim:SCENARIO.toml:NODE
    sample_rate = 2.4e6
    gain_db = 32.8                     # or "auto" (no calibrated power readings under AGC)
    ppm = 0.0
    full_scale_dbm = 0.0               # calibration: input dBm reaching full scale at 0 dB gain
    bands = ["gsm900", "fm", "air"]
    lat = 31.1949                      # a fixed station's surveyed position (optional)
    lon = 121.4392
    alt_m = 60.0
    gps = "gpsd"                       # optional: gpsd[:HOST[:PORT]], nmea:PATH, gpx:PATH, csv:PATH
    spool = "/var/lib/foxhunt/spool.db"
    record_dir = "/var/lib/foxhunt/hops"   # optional: keep every hop as SigMF
    health_interval_s = 60

    [uplink]
    url = "https://central.example"
    token_file = "/etc/foxhunt/node.token"   # or token = "..."
    batch_size = 200
    timeout_s = 10

Relative paths are relative to the config file. Shutdown (SIGTERM/SIGINT) finishes the current
hop, stops the uploader and closes the spool: nothing spooled is lost, whatever is not yet
acknowledged goes at the next start.
"""

from __future__ import annotations

import importlib.metadata
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sensors.carriers import HeardCarriers
from sensors.errors import SensorError
from sensors.gps import open_gps
from sensors.plan import BANDS, PlannedHop, node_schedule
from sensors.scan import HopResult, results
from sensors.scenario import read_toml
from sensors.source import Source, open_source
from sensors.spool import Spool
from sensors.uplink import Uplink
from sensors.wire import HopInfo, Observation, Position, power_target, utc_text

log = logging.getLogger("foxhunt.sensor")

NODE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
POSITION_EVERY_S = 10.0
#: A carrier's identity is read again after this long (a pseudo base station may take over an ARFCN).
REIDENTIFY_S = 300.0


class ConfigError(SensorError):
    """A node configuration that cannot run: names the file and the key."""


@dataclass(frozen=True)
class NodeConfig:
    path: Path
    node_id: str
    source: str
    sample_rate: float
    gain_db: float | None
    ppm: float
    full_scale_dbm: float
    bands: tuple[str, ...]
    position: Position | None
    gps: str | None
    spool: Path
    record_dir: Path | None
    health_interval_s: float
    url: str | None
    token: str | None
    batch_size: int
    timeout_s: float


def load_config(path: str | Path) -> NodeConfig:
    p = Path(path)
    data = read_toml(p, ConfigError, "node configuration")
    node, up = data.get("node"), data.get("uplink", {})
    if not isinstance(node, dict):
        raise ConfigError(f"{p}: missing the [node] table")

    def get(table: dict, where: str, key: str, kinds, default=...):
        if key not in table:
            if default is ...:
                raise ConfigError(f"{p}: [{where}] missing key {key!r}")
            return default
        v = table[key]
        allowed = kinds if isinstance(kinds, tuple) else (kinds,)
        if not isinstance(v, allowed) or (isinstance(v, bool) and bool not in allowed):
            raise ConfigError(f"{p}: [{where}].{key}: unexpected value {v!r}")
        return v

    def rel(v: str | None) -> Path | None:
        return None if v is None else (p.parent / v if not Path(v).is_absolute() else Path(v))

    node_id = get(node, "node", "id", str)
    if not NODE_ID.match(node_id):
        raise ConfigError(f"{p}: [node].id {node_id!r}: expected 1-64 of A-Z a-z 0-9 . _ - (starting alphanumeric)")
    gain = get(node, "node", "gain_db", (int, float, str), 30.0)
    if isinstance(gain, str):
        if gain != "auto":
            raise ConfigError(f"{p}: [node].gain_db: expected dB or \"auto\", got {gain!r}")
        gain = None
    bands = tuple(get(node, "node", "bands", list, ["gsm900", "fm", "air"]))
    bad = [b for b in bands if b not in BANDS]
    if bad or not bands:
        raise ConfigError(f"{p}: [node].bands: expected some of {', '.join(BANDS)}, got {bands!r}")
    pos = None
    if "lat" in node or "lon" in node:
        pos = Position(float(get(node, "node", "lat", (int, float))), float(get(node, "node", "lon", (int, float))),
                       alt_m=node.get("alt_m"), speed_m_s=0.0, fix="surveyed", source="config")
    source = get(node, "node", "source", str)
    if source.startswith(("sim:", "sigmf:")):
        kind, _, rest = source.partition(":")
        source = f"{kind}:{rel(rest)}"
    token = get(up, "uplink", "token", str, None)
    token_file = rel(get(up, "uplink", "token_file", str, None))
    if token is None and token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{p}: [uplink].token_file {token_file}: {exc.strerror}") from None
    url = get(up, "uplink", "url", str, None)
    if url is not None and token is None:
        raise ConfigError(f"{p}: [uplink] has a url but neither token nor token_file")
    return NodeConfig(
        path=p, node_id=node_id, source=source,
        sample_rate=float(get(node, "node", "sample_rate", (int, float), 2.4e6)), gain_db=gain,
        ppm=float(get(node, "node", "ppm", (int, float), 0.0)),
        full_scale_dbm=float(get(node, "node", "full_scale_dbm", (int, float), 0.0)),
        bands=bands, position=pos, gps=get(node, "node", "gps", str, None),
        spool=rel(get(node, "node", "spool", str, f"{node_id}-spool.db")),
        record_dir=rel(get(node, "node", "record_dir", str, None)),
        health_interval_s=float(get(node, "node", "health_interval_s", (int, float), 60.0)),
        url=url, token=token, batch_size=int(get(up, "uplink", "batch_size", int, 200)),
        timeout_s=float(get(up, "uplink", "timeout_s", (int, float), 10.0)))


def _finite(obj):
    """JSON-safe copy: NaN/Inf (a decoder's "not measured") become null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


#: How far a detection may sit from a known target's frequency and still be that target.
_SAME_TARGET_HZ = {"gsm": 20e3, "fm": 20e3, "air": 5e3}
_BANDWIDTH_HZ = {"gsm": 200e3, "fm": 200e3, "air": 25e3}


def _target_band(band: str) -> str:
    return "gsm" if band in ("gsm900", "dcs1800") else band


def observations(result: HopResult, full_scale_dbm: float | None, fallback: Position | None,
                 known: dict[str, float] | None = None) -> list[Observation]:
    """The wire observations of one hop: decoded cells, stations and spurious emissions, and power
    readings for the locator (only with a calibrated, manual gain: ``full_scale_dbm`` at the hop's
    gain): one per decoded carrier, and on GSM and air hops one per raster peak no decode accounts for.

    ``known`` (target key → frequency) lists targets seen before; one of them inside this hop's
    slice and not detected now gets a floor reading (the noise floor in its channel: an upper
    bound on its power here, which the locator uses as a censored reading).
    """
    hop = HopInfo(result.center_freq, result.sample_rate, result.gain_db, result.dwell_s, result.hop.band)
    pos = result.position or fallback
    t = result.start
    out: list[Observation] = []
    fs_dbm = None if full_scale_dbm is None or result.gain_db is None else full_scale_dbm - result.gain_db

    def power(freq: float, dbfs: float | None, band: str, related: float | None = None, floor: bool = False,
              target: str | None = None):
        if fs_dbm is None or dbfs is None or not math.isfinite(dbfs):
            return
        payload = {"freq_hz": float(freq), "power_dbm": round(dbfs + fs_dbm, 2),
                   "target": target or power_target(band, freq), "floor": floor,
                   "bandwidth_hz": _BANDWIDTH_HZ[band], "power_dbfs": round(float(dbfs), 2)}
        if related is not None:
            payload["related_to_hz"] = float(related)
        out.append(Observation("power", t, pos, hop, payload))

    for c in result.cells:
        out.append(Observation("gsm_cell", t, pos, hop, _finite(c)))
        power(c["freq_hz"], c.get("power_dbfs"), "gsm")
    for s in result.stations:
        out.append(Observation("fm_station", t, pos, hop, _finite(s)))
        power(s["freq_hz"], s.get("power_dbfs"), "fm")
    for s in result.spurious:
        out.append(Observation("spurious", t, pos, hop, _finite(s)))
        power(s["freq_hz"], s.get("power_dbfs"), "air" if s["freq_hz"] >= 108e6 else "fm", s.get("related_to_hz"))
    band = _target_band(result.hop.band)
    if band in ("gsm", "air"):
        # A carrier with energy on the raster but nothing decoded (too short a dwell, clipped,
        # jammed, not GSM at all) is still a reading for the locator, keyed like a decoded one.
        step = _BANDWIDTH_HZ[band]  # the channel raster, in these bands
        read = {round(o.payload["freq_hz"] / step) for o in out if o.kind == "power"}
        for p in result.peaks:
            if round(p.freq_hz / step) not in read:
                power(p.freq_hz, p.power_dbfs, band)
    if known and result.floor_dbfs_hz is not None:
        detected = [o.payload["freq_hz"] for o in out if o.kind == "power"]
        for target, freq in known.items():
            if (target.startswith(band + "-") and result.hop.holds(freq)
                    and all(abs(freq - f) > _SAME_TARGET_HZ[band] for f in detected)):
                floor = result.floor_dbfs_hz + 10 * math.log10(_BANDWIDTH_HZ[band])
                power(freq, floor, band, floor=True, target=target)
    return out


class Node:
    """One running node; :meth:`run` returns when ``stop`` is set (or after ``max_hops``, or when
    its hops run out)."""

    def __init__(self, cfg: NodeConfig, *, source: Source | None = None):
        self.cfg = cfg
        self.source = source or open_source(cfg.source, sample_rate=cfg.sample_rate, gain_db=cfg.gain_db,
                                            ppm=cfg.ppm)
        full_scale = cfg.full_scale_dbm
        sim_node = getattr(self.source, "node", None)
        if sim_node is not None:  # a simulated node knows its own calibration
            full_scale = sim_node.full_scale_dbm
        self.full_scale_dbm = full_scale
        self.gps = open_gps(cfg.gps)
        self.spool = Spool(cfg.spool)
        self.uplink = (Uplink(self.spool, cfg.url, cfg.token, cfg.node_id, batch_size=cfg.batch_size,
                              timeout_s=cfg.timeout_s) if cfg.url else None)
        self.stop = threading.Event()
        self.started = time.time()
        self.hops_done = 0
        #: Targets this node has detected (key → Hz): a later miss becomes a floor reading.
        self.known_targets: dict[str, float] = {}
        #: FM carriers heard lately: an air hop's emissions are related to them (ITU-R SM.1009).
        self.fm_carriers = HeardCarriers()
        #: GSM carrier (Hz) → when last seen / last identified (Unix s); steers identity dwells.
        self._carriers: dict[float, float] = {}
        self._identified: dict[float, float] = {}
        self._hop_times: list[float] = []
        self._last_position = -math.inf
        self._cpu_mark = (time.monotonic(), time.process_time())

    def run(self, max_hops: int | None = None, *, hops: Iterable[PlannedHop] | None = None,
            on_result: Callable[[HopResult, list[Observation]], None] | None = None,
            drain_s: float | None = None) -> int:
        """Scan ``hops`` (default: the configuration's bands, revisited for ever) until ``stop`` is
        set or ``max_hops`` are done, :meth:`handle` each result (then ``on_result(result, its
        observations)``), log a last health line, and drain the uplink for up to ``drain_s``
        (default the uplink timeout). Returns the observations left unacknowledged in the spool."""
        up_thread = None
        if self.uplink is not None:
            up_thread = threading.Thread(target=self.uplink.run, args=(self.stop,), name="uplink", daemon=True)
            up_thread.start()
        if hops is None:
            hops = node_schedule(self.cfg.bands, self.source.sample_rate, max_freq_hz=self.source.max_freq_hz,
                                 wanted=self._unidentified)
        next_health = time.monotonic() + self.cfg.health_interval_s
        log.info("node %s: %s, bands %s, spool %s (%d waiting)", self.cfg.node_id, self.source.name,
                 ",".join(self.cfg.bands), self.cfg.spool, self.spool.depth())

        def issued():
            for n, hop in enumerate(hops):
                if self.stop.is_set() or (max_hops is not None and n >= max_hops):
                    return
                yield hop

        last = None
        try:
            for last in results(self.source, issued(), gps=self.gps, record_dir=self.cfg.record_dir,
                                carriers=self.fm_carriers):
                obs = self.handle(last)
                if on_result is not None:
                    on_result(last, obs)
                if time.monotonic() >= next_health:
                    self.health(last.start)
                    next_health = time.monotonic() + self.cfg.health_interval_s
            self.health(time.time() if last is None else last.start + last.dwell_s)
        finally:
            self.stop.set()
            left = self._shut_down(up_thread, self.cfg.timeout_s if drain_s is None else drain_s)
        return left

    def handle(self, result: HopResult) -> list[Observation]:
        """One hop's result: its observations (plus the node's position every
        :data:`POSITION_EVERY_S` while it moves) into the spool, the uplink woken, the known
        targets and carriers updated. Returns the observations spooled."""
        self._note_carriers(result)
        obs = observations(result, self.full_scale_dbm, self.cfg.position, self.known_targets)
        self.known_targets.update((o.payload["target"], o.payload["freq_hz"]) for o in obs
                                  if o.kind == "power" and not o.payload["floor"])
        pos = result.position or self.cfg.position
        if pos is not None and pos.speed_m_s and result.start - self._last_position >= POSITION_EVERY_S:
            obs.append(Observation("position", result.start, pos, None, {}))
            self._last_position = result.start
        if obs:
            self.spool.put(obs)
            if self.uplink is not None:
                self.uplink.wake.set()
        self.hops_done += 1
        self._hop_times.append(time.monotonic())
        return obs

    def _shut_down(self, up_thread: threading.Thread | None, drain_s: float) -> int:
        if self.uplink is not None:
            self.uplink.wake.set()
        if up_thread is not None:
            up_thread.join(timeout=self.cfg.timeout_s + 1)
            self.uplink.drain(drain_s)
        self.source.close()
        left = self.spool.depth()
        log.info("node %s stopped after %d hops; %d observations wait in the spool",
                 self.cfg.node_id, self.hops_done, left)
        self.spool.close()
        return left

    def _note_carriers(self, result: HopResult) -> None:
        for c in result.cells:
            self._carriers[c["freq_hz"]] = result.start
            if c.get("mcc") is not None:
                self._identified[c["freq_hz"]] = result.start

    def _unidentified(self) -> list[float]:
        """GSM carriers seen in the last minute whose identity is unknown or older than
        :data:`REIDENTIFY_S`, oldest identity first."""
        now = max(self._carriers.values(), default=0.0)
        stale = [(self._identified.get(f, -math.inf), f) for f, seen in self._carriers.items()
                 if now - seen <= 60.0 and now - self._identified.get(f, -math.inf) > REIDENTIFY_S]
        return [f for _, f in sorted(stale)]

    def health(self, t: float) -> dict:
        """Log the minute line and spool it as a health observation."""
        now = time.monotonic()
        self._hop_times = [x for x in self._hop_times if now - x <= 60.0]
        wall0, cpu0 = self._cpu_mark
        cpu = 100.0 * (time.process_time() - cpu0) / max(now - wall0, 1e-9)
        self._cpu_mark = (now, time.process_time())
        last = self.uplink.last_upload if self.uplink else None
        payload = {"uptime_s": round(time.time() - self.started, 1), "hops_per_min": float(len(self._hop_times)),
                   "cpu_percent": round(cpu, 1), "spool_depth": self.spool.depth(),
                   "last_upload": utc_text(last) if last else None,
                   "dropped_buffers": int(getattr(self.source, "dropped_buffers", 0)),
                   "source": self.source.name[:64], "software": _software()}
        log.info("health: %.0f hops/min, CPU %.0f %%, spool %d, last upload %s", payload["hops_per_min"],
                 payload["cpu_percent"], payload["spool_depth"], payload["last_upload"] or "never")
        pos = self.source.position(t) or self.cfg.position
        self.spool.put(Observation("health", t, pos, None, payload))
        return payload


def _software() -> str:
    try:
        return f"foxhunt {importlib.metadata.version('foxhunt')}"
    except importlib.metadata.PackageNotFoundError:
        return "foxhunt"
