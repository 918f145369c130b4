"""The scenario's truth beside what the pipeline concluded: one row per emitter of the city
(INTERFACES.md ``demo`` shape), the table printed at the end, and ``summary.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import shape

from sensors.gps import haversine_m
from sensors.scenario import FmEmitter, GsmEmitter, Scenario

#: A measured FM carrier is this close to its station's frequency (the wire's raster tolerance).
FM_MATCH_HZ = 25e3


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


def _match_fm(s: FmEmitter, targets: list[dict]) -> dict | None:
    near = [t for t in targets if t["kind"] == "fm" and abs(t["freq_hz"] - s.freq_hz) <= FM_MATCH_HZ]
    return max(near, key=lambda t: t["n_observations"], default=None)


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


def rows(scenario: Scenario, targets: list[dict]) -> list[Row]:
    """Every GSM cell and FM station of the scenario against the station's targets (API JSON with
    ``fix``); a moving emitter is compared where it was at the end of the fix's reading window."""
    start = scenario.start_unix
    out = []
    for c in scenario.cells:
        t = _match_gsm(c, targets)
        out.append(_row("gsm", _gsm_label(c), c.licensed, t, lambda when, c=c: c.position(when - start)))
    for s in scenario.fm:
        t = _match_fm(s, targets)
        out.append(_row("fm", _fm_label(s), s.licensed, t, lambda when, s=s: (s.lat, s.lon)))
    return out


def _row(kind: str, label: str, licensed: bool, target: dict | None, truth_at) -> Row:
    verdict = (target or {}).get("verdict") or {}
    error, inside, radius, open_, moving = _located(target, truth_at)
    return Row(kind, label, "licensed" if licensed else "rogue", verdict.get("class"), target is not None,
               error, inside, radius, open_, tuple(r["text"] for r in verdict.get("reasons", [])), moving)


def write_json(path: Path, found: list[Row]) -> None:
    path.write_text(json.dumps({"targets": [r.to_json() for r in found]}, indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def table(found: list[Row]) -> str:
    """The human summary: one line per emitter, the reasons under each flagged one; a region that
    reaches the edge of the locator's search area is marked "open", a target located as moving
    (on its newest readings) "moving"."""
    lines = [f"{'kind':<4}  {'target':<52} {'truth':<8} {'verdict':<10} {'error':>8} {'r95':>8}  in 95 %"]
    for r in found:
        verdict = r.verdict or ("missed" if not r.seen else "unjudged")
        err = "-" if r.error_m is None else f"{r.error_m:.0f} m"
        rad = "-" if r.radius_95_m is None else f"{r.radius_95_m:.0f} m"
        inside = "-" if r.inside_region_95 is None else ("yes" if r.inside_region_95 else "NO")
        inside += " (open)" if r.region_open else ""
        inside += " (moving)" if r.moving else ""
        lines.append(f"{r.kind:<4}  {r.label[:52]:<52} {r.truth:<8} {verdict:<10} {err:>8} {rad:>8}  {inside}")
        if r.verdict in ("rogue", "suspicious"):
            lines.extend(f"{'':6}· {text}" for text in r.reasons)
    return "\n".join(lines)
