"""One sweep of a band plan over a source: tune, capture the dwell, stamp time and position,
optionally record each hop as SigMF, decode at the edge, and merge the hops into one result
(the INTERFACES.md ``scan`` JSON).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sensors.carriers import HeardCarriers
from sensors.decoders import Peak, channel_peaks, decode_fm, decode_gsm
from sensors.errors import SensorError
from sensors.plan import BandPlan, PlannedHop, PlanError
from sensors.recording import Geolocation, write_recording
from sensors.source import Source
from sensors.wire import Position, utc_text

log = logging.getLogger(__name__)

#: Samples per read while dwelling (a progress tick and a bounded buffer each).
READ_SAMPLES = 1 << 18


@dataclass(frozen=True)
class HopResult:
    """What one dwell produced. ``cells``/``stations``/``spurious`` are decode JSON objects whose
    carrier lies in this hop's slice of the band; ``peaks`` are raster channels above the floor."""

    hop: PlannedHop
    center_freq: float
    sample_rate: float
    gain_db: float | None
    start: float  # Unix seconds of the first sample
    dwell_s: float
    position: Position | None
    cells: tuple[dict, ...] = ()
    stations: tuple[dict, ...] = ()
    spurious: tuple[dict, ...] = ()
    peaks: tuple[Peak, ...] = ()
    floor_dbfs_hz: float | None = None  # the capture's noise floor, dBFS per Hz
    recording: Path | None = None

    def hop_json(self) -> dict:
        return {"center_freq": self.center_freq, "sample_rate": self.sample_rate, "start": utc_text(self.start),
                "dwell_s": round(self.dwell_s, 6), "gain_db": self.gain_db}


@dataclass(frozen=True)
class Capture:
    """One hop's samples as read, stamped with the time of the first and the antenna's position."""

    samples: np.ndarray
    start: float
    position: Position | None
    gain_db: float | None = None
    center_freq: float = 0.0
    sample_rate: float = 0.0
    hw: str = ""


def plan_for_source(plan: BandPlan, source: Source) -> BandPlan:
    """A replayed folder can only be tuned to its recorded hops: use those inside the band."""
    if source.fixed_freqs is None:
        if plan.hops and max(h.center_hz for h in plan.hops) > source.max_freq_hz:
            raise PlanError(f"{plan.band}: hops up to {plan.hops[-1].center_hz / 1e6:.1f} MHz are above "
                            f"{source.name}'s ~{source.max_freq_hz / 1e6:.0f} MHz ceiling")
        return plan
    lo, hi = plan.hops[0].lo_hz, plan.hops[-1].hi_hz
    half = source.sample_rate * 0.4
    hops = tuple(PlannedHop(plan.band, f, max(lo, f - half), min(hi, f + half), plan.hops[0].dwell_s,
                            plan.hops[0].purpose)
                 for f in source.fixed_freqs if lo - half < f < hi + half)
    if not hops:
        raise PlanError(f"{source.name}: no recorded hop inside the {plan.band} band")
    return replace(plan, hops=hops, sample_rate=source.sample_rate)


def capture(source: Source, hop: PlannedHop, *, gps=None) -> Capture:
    """Tune and read the hop's dwell; stamp it with time and position."""
    source.tune(hop.center_hz)
    n = max(1, int(round(hop.dwell_s * source.sample_rate)))
    parts, t0 = [], None
    while n > 0:
        x, t = source.read(min(n, READ_SAMPLES))
        t0 = t if t0 is None else t0
        parts.append(x)
        n -= x.size
    x = np.concatenate(parts)
    pos = (gps.position(t0) if gps is not None else None) or source.position(t0)
    return Capture(x, t0, pos, source.gain_db, source.center_freq, source.sample_rate, hw=source.name)


def record(cap: Capture, hop: PlannedHop, folder: Path, datatype: str = "cu8") -> Path:
    """The capture as a SigMF recording (time, position, source) in ``folder``; returns its base."""
    when = datetime.fromtimestamp(cap.start, tz=timezone.utc)
    base = folder / f"{hop.band}-{cap.center_freq / 1e6:.3f}MHz-{when:%Y%m%dT%H%M%S}"
    geo = Geolocation(cap.position.lat, cap.position.lon, cap.position.alt_m) if cap.position else None
    write_recording(base, cap.samples, datatype=datatype, sample_rate=cap.sample_rate,
                    center_freq=cap.center_freq, datetime=when, hw=cap.hw, geolocation=geo,
                    description=f"foxhunt {hop.band} hop, {hop.purpose} dwell")
    return base


def analyse(cap: Capture, hop: PlannedHop, record_dir: Path | None = None,
            carriers: HeardCarriers | None = None) -> HopResult:
    """Record the capture when asked, run the decoders of the hop's band and keep what the hop
    holds: its own slice, clear of its blind zone (a carrier there is misread; another hop holds it).
    ``carriers``: the FM carriers heard on earlier hops, which the capture's aviation-band emissions
    are related to (an FM hop's stations are added to it)."""
    recording = record(cap, hop, Path(record_dir)) if record_dir is not None else None
    fs, fc = cap.sample_rate, cap.center_freq
    cells: list[dict] = []
    stations: list[dict] = []
    spurious: list[dict] = []
    if hop.band in ("gsm900", "dcs1800"):
        cells = [c for c in decode_gsm(cap.samples, fs, fc) if hop.holds(c["freq_hz"])]
    else:
        others = carriers.recent(cap.start, outside=(fc - fs / 2, fc + fs / 2)) if carriers is not None else ()
        st, sp = decode_fm(cap.samples, fs, fc, others)
        if hop.band == "fm":
            stations = [s for s in st if hop.holds(s["freq_hz"])]
            if carriers is not None:
                carriers.note((s["freq_hz"] for s in stations), cap.start)
        spurious = [s for s in sp if hop.holds(s["freq_hz"])]
    peaks, floor = channel_peaks(cap.samples, fs, fc, hop.band, hop.lo_hz, hop.hi_hz)
    peaks = [p for p in peaks if hop.holds(p.freq_hz)]
    return HopResult(hop, fc, fs, cap.gain_db, cap.start, cap.samples.size / fs, cap.position,
                     tuple(cells), tuple(stations), tuple(spurious), tuple(peaks), floor, recording)


def results(source: Source, hops: Iterable[PlannedHop], *, gps=None, record_dir: Path | None = None,
            progress: Callable[[int, PlannedHop], None] | None = None,
            carriers: HeardCarriers | None = None) -> Iterator[HopResult]:
    """Capture hop after hop while a worker thread decodes the previous one, so the sweep runs at
    the speed of the dwells rather than dwell + decode. Results come in hop order.

    The FM carriers decoded on the way (``carriers``, a fresh memory when None) relate the later
    hops' aviation-band emissions to them; the one worker decodes in hop order, so an air hop
    knows every FM hop before it, the one just before included."""
    carriers = HeardCarriers() if carriers is None else carriers
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="decode") as pool:
        pending: Future | None = None
        for i, hop in enumerate(hops):
            if progress:
                progress(i, hop)
            cap = capture(source, hop, gps=gps)
            job = pool.submit(analyse, cap, hop, record_dir, carriers)
            if pending is not None:
                yield pending.result()
            pending = job
        if pending is not None:
            yield pending.result()


def sweep(source: Source, plan: BandPlan, *, gps=None, record_dir: Path | None = None,
          progress: Callable[[int, int, PlannedHop], None] | None = None) -> list[HopResult]:
    """Every hop of ``plan`` once, in order."""
    plan = plan_for_source(plan, source)
    n = len(plan.hops)
    tick = (lambda i, hop: progress(i, n, hop)) if progress else None
    out = list(results(source, plan.hops, gps=gps, record_dir=record_dir, progress=tick))
    if progress:
        progress(n, n, None)
    return out


def merge(results: list[HopResult]) -> dict:
    """The ``scan`` JSON: decode-shaped lists merged over hops (one entry per carrier, the
    strongest sighting), plus the hops and the raster peaks."""
    if not results:
        raise SensorError("scan: no hop was captured")
    band = results[0].hop.band
    best: dict = {}
    for r in results:
        for kind, items in (("cells", r.cells), ("stations", r.stations), ("spurious", r.spurious)):
            for it in items:
                key = (kind, round(it["freq_hz"] / 10e3), _bsic_key(it))
                if key not in best or (it.get("power_dbfs") or -999) > (best[key].get("power_dbfs") or -999):
                    best[key] = it
    def pick(kind):
        return sorted((v for (k, _, _), v in best.items() if k == kind), key=lambda o: o["freq_hz"])
    out: dict = {}
    if band in ("gsm900", "dcs1800"):
        out["cells"] = pick("cells")
    elif band == "fm":
        out["stations"] = pick("stations")
        out["spurious"] = pick("spurious")
    else:
        out["spurious"] = pick("spurious")
    out["peaks"] = [p.to_json() for r in results for p in r.peaks]
    out["hops"] = [r.hop_json() for r in results]
    return out


def _bsic_key(item: dict):
    b = item.get("bsic")
    return (b["ncc"], b["bcc"]) if isinstance(b, dict) else None
