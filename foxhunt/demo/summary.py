"""The scenario's truth beside what the pipeline concluded: one row per emitter of the city
(INTERFACES.md ``demo`` shape), the table printed at the end, and ``summary.json``.

An FM station's spurious emission in the aviation band (108–137 MHz) is a row of its own, after its
station's: kind "fm" (it is that transmitter's emission), truth "rogue" (no licence covers an
emission into the aviation band), matched to the station's air-band target on its channel. The
station's attribution of it is the FM target whose verdict holds it against that target (rule
fm.aviation_spurious, its evidence naming the emission's frequency), else the carrier the air
target's readings relate it to (``related_to_hz``, the node's first guess); its verdict is the air
target's own, else that of the FM target it is attributed to.

``summary.json`` carries the contract's keys only; the printed table adds each row's 95 % radius, whether
its region is open (the radius then a lower bound) and, for a spurious emission, both attributions.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import shapely
from shapely.geometry import shape

from dsp.bands import AIR
from sensors.gps import haversine_m
from sensors.scenario import FmEmitter, GsmEmitter, Scenario

#: A measured FM carrier is this close to its station's frequency (the wire's raster tolerance).
FM_MATCH_HZ = 25e3
#: A measured air-band emission is this close to the scenario's spurious frequency (half a 25 kHz channel).
AIR_MATCH_HZ = 12.5e3
#: The verdict rule that holds an aviation-band emission against an FM station (its evidence: "freqs").
AVIATION_RULE = "fm.aviation_spurious"


@dataclass(frozen=True)
class Row:
    """One emitter of the scenario and the pipeline's target for it (None: never seen)."""

    kind: str                        # "gsm" | "fm"
    label: str
    truth: str                       # "licensed" | "rogue"
    verdict: str | None              # "licensed" | "suspicious" | "rogue"; None: not seen or not judged
    seen: bool
    error_m: float | None
    inside_region_95: bool | None
    radius_95_m: float | None
    region_open: bool                # the 95 % region reaches the edge of the locator's search area
    reasons: tuple[str, ...]
    moving: bool = False             # the station located it as a moving target (newest readings)
    emission_of: str | None = None   # a spurious emission: the scenario's station that emits it (truth)
    attributed_to: str | None = None  # ... and the carrier the station's readings relate it to, if any

    def to_json(self) -> dict:
        return {"kind": self.kind, "label": self.label, "verdict": self.verdict, "truth": self.truth,
                "error_m": self.error_m, "inside_region_95": self.inside_region_95}


def _gsm_label(c: GsmEmitter) -> str:
    return f"{c.id} ARFCN {c.arfcn} {c.mcc}-{c.mnc}-{c.lac}-{c.cell_id}"


def _fm_label(s: FmEmitter) -> str:
    return f"{s.id} {s.freq_hz / 1e6:.2f} MHz {s.name}"


def _match_gsm(c: GsmEmitter, targets: list[dict]) -> dict | None:
    """The target of the cell's ARFCN and BSIC, the one carrying its identity first."""
    same = [t for t in targets if t["kind"] == "gsm" and (t.get("identity") or {}).get("arfcn") == c.arfcn
            and (t["identity"].get("bsic") or {}) == {"ncc": c.ncc, "bcc": c.bcc}]
    ident = (c.mcc, c.mnc, c.lac, c.cell_id)

    def rank(t):
        i = t["identity"]
        return ((i.get("mcc"), i.get("mnc"), i.get("lac"), i.get("cell_id")) == ident, t["n_observations"])

    return max(same, key=rank, default=None)


def _spur_label(s: FmEmitter) -> str:
    return f"{s.id} spurious {s.spurious_hz / 1e6:.3f} MHz (air band) of {s.freq_hz / 1e6:.2f} MHz {s.name}"


def _nearest(targets: list[dict], kind: str, freq_hz: float, within_hz: float) -> dict | None:
    near = [t for t in targets if t["kind"] == kind and abs(t["freq_hz"] - freq_hz) <= within_hz]
    return max(near, key=lambda t: t["n_observations"], default=None)


def _match_fm(s: FmEmitter, targets: list[dict]) -> dict | None:
    return _nearest(targets, "fm", s.freq_hz, FM_MATCH_HZ)


def _located(target: dict | None, truth_at) -> tuple[float | None, bool | None, float | None, bool, bool]:
    """(error_m, inside the 95 % region, region radius, region open, moving) of the target's newest
    fix, against the truth at the end of the readings that fix was made from (a moving emitter's
    fix is where the station says it is at that moment)."""
    fix = (target or {}).get("fix")
    if not fix or fix.get("lat") is None:
        return None, None, None, False, False
    lat, lon = truth_at(fix["window_end"])
    error = round(haversine_m(fix["lat"], fix["lon"], lat, lon), 1)
    region = (fix.get("fix") or {}).get("region")
    inside = bool(shape(region).covers(shapely.Point(lon, lat))) if region else None
    detail = fix.get("fix") or {}
    return error, inside, fix.get("radius_95_m"), detail.get("region_bounded") is False, bool(detail.get("moving"))


def rows(scenario: Scenario, targets: list[dict], related_hz: dict[int, float] | None = None) -> list[Row]:
    """Every GSM cell, FM station and aviation-band spurious emission of the scenario against the
    station's targets (API JSON with ``fix``); ``related_hz``: per air-band target id, the carrier
    its readings relate it to (see :func:`related_carrier`). A moving emitter is compared where it
    was at the end of the fix's reading window."""
    start = scenario.start_unix
    out = []
    for c in scenario.cells:
        t = _match_gsm(c, targets)
        out.append(_row("gsm", _gsm_label(c), c.licensed, t, lambda when, c=c: c.position(when - start)))
    for s in scenario.fm:
        t = _match_fm(s, targets)
        out.append(_row("fm", _fm_label(s), s.licensed, t, lambda when, s=s: (s.lat, s.lon)))
        if s.spurious_hz and AIR.contains(s.spurious_hz):
            out.append(_spur_row(s, targets, related_hz or {}))
    return out


def _row(kind: str, label: str, licensed: bool, target: dict | None, truth_at) -> Row:
    verdict = (target or {}).get("verdict") or {}
    error, inside, radius, open_, moving = _located(target, truth_at)
    return Row(kind, label, "licensed" if licensed else "rogue", verdict.get("class"), target is not None,
               error, inside, radius, open_, tuple(r["text"] for r in verdict.get("reasons", [])), moving)


def _spur_row(s: FmEmitter, targets: list[dict], related_hz: dict[int, float]) -> Row:
    """The station's air-band target on the spurious emission's channel, judged as itself or, when it
    has no verdict of its own, as the FM target the station attributes it to."""
    air = _nearest(targets, "air", s.spurious_hz, AIR_MATCH_HZ)
    source = _blamed(targets, air["freq_hz"]) if air is not None else None
    if source is not None:
        attributed = f"{source['freq_hz'] / 1e6:.3f} MHz ({source['key']}) in that station's verdict"
    else:
        carrier = related_hz.get(air["id"]) if air is not None else None
        source = _nearest(targets, "fm", carrier, FM_MATCH_HZ) if carrier is not None else None
        named = f" ({source['key']})" if source is not None else ""
        attributed = None if carrier is None else f"{carrier / 1e6:.3f} MHz{named} by its readings alone"
    judged = air if (air or {}).get("verdict") else source
    row = _row("fm", _spur_label(s), False, air, lambda when: (s.lat, s.lon))
    verdict = (judged or {}).get("verdict") or {}
    return replace(row, verdict=verdict.get("class"), reasons=tuple(r["text"] for r in verdict.get("reasons", [])),
                   emission_of=f"{s.id} ({s.freq_hz / 1e6:.2f} MHz)", attributed_to=attributed)


def _blamed(targets: list[dict], freq_hz: float) -> dict | None:
    """The FM target whose verdict holds the aviation-band emission at ``freq_hz`` against it."""
    def names(t: dict) -> bool:
        return any(r.get("rule") == AVIATION_RULE and any(
            abs(float(f.split()[0]) * 1e6 - freq_hz) <= AIR_MATCH_HZ
            for f in str((r.get("evidence") or {}).get("freqs", "")).split(", ") if f)
            for r in (t.get("verdict") or {}).get("reasons", ()))
    return max((t for t in targets if t["kind"] == "fm" and names(t)), key=lambda t: t["n_observations"], default=None)


def related_carrier(observations: list[dict]) -> float | None:
    """The carrier an air-band target's power readings (wire observations) relate it to: the one most
    of them name in ``related_to_hz`` (a harmonic, intermodulation or AM-audio match at the edge)."""
    named = [round(o["payload"]["related_to_hz"], -3) for o in observations
             if o.get("kind") == "power" and o["payload"].get("related_to_hz") is not None]
    return Counter(named).most_common(1)[0][0] if named else None


def write_json(path: Path, found: list[Row]) -> None:
    path.write_text(json.dumps({"targets": [r.to_json() for r in found]}, indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def table(found: list[Row]) -> str:
    """The human summary: one line per emitter, the reasons under each flagged one and the
    attributions under a spurious emission. ``r95`` is the 95 % region's radius, shown as a lower
    bound (≥) when the region is open — it reaches the edge of the locator's search area, so the
    target may be farther — and the ``region`` column says which; a target located as moving (on its
    newest readings) is marked "(moving)"."""
    lines = [f"{'kind':<4}  {'target':<52} {'truth':<8} {'verdict':<10} {'error':>8} {'r95':>9} {'region':<6}  in 95 %"]
    for r in found:
        verdict = r.verdict or ("missed" if not r.seen else "unjudged")
        err = "-" if r.error_m is None else f"{r.error_m:.0f} m"
        rad = "-" if r.radius_95_m is None else ("≥" if r.region_open else "") + f"{r.radius_95_m:.0f} m"
        region = "-" if r.radius_95_m is None else "open" if r.region_open else "closed"
        inside = "-" if r.inside_region_95 is None else ("yes" if r.inside_region_95 else "NO")
        inside += " (moving)" if r.moving else ""
        lines.append(f"{r.kind:<4}  {r.label[:52]:<52} {r.truth:<8} {verdict:<10} {err:>8} {rad:>9} {region:<6}  {inside}")
        if r.emission_of is not None:
            lines.append(f"{'':6}· spurious emission of {r.emission_of} in the scenario; the station attributes it to "
                         + (r.attributed_to or "no carrier (its readings name none)")
                         + ("" if r.seen else "; the station never heard it"))
        if r.verdict in ("rogue", "suspicious"):
            lines.extend(f"{'':6}· {text}" for text in r.reasons)
    return "\n".join(lines)
