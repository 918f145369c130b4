"""Verdicts on targets: the dsp.verdict rules run on a target's most complete recent decode, with
the context of the node that decoded it (where it stood, what else it heard in the same capture),
the current licence registers and the target's own history (first/last seen, its fixes, identities
on its ARFCN).

Most complete, not latest: a GSM cell is read on short detection hops (FCCH/SCH: no identity, no
system information) between the hops that decode its SI, and an FM station's RDS and measurements
come and go with the level at the node. Judged on whichever decode came last, a rogue cell's
verdict fell to "licensed" on every carrier-only decode (its identity rules abstaining) and rose
again on the next full one. So the decode judged is, among those of the last ``RECENT_S``, the one
with the most fields decoded (GSM: identity and SI contents; FM: RDS), then for FM the best SNR
(deviation and bandwidth measured in noise read high), then the newest.

An FM station is also weighed against the aeronautical-band emissions (wire ``spurious``) any node
saw within ``SPURIOUS_S`` of its decode: the rule fm.aviation_spurious holds against it those
dsp.verdict.culprit names it for, and abstains unless some node scanned the band in that time. An
emission that arrives after the station's decode marks the stations of its source frequencies for
re-judging (webmap.ingest), so it counts without waiting for their next decode.

Decodes arrive as wire JSON; they are rebuilt here into dsp's own records (GsmCell, FmStation, Spurious).
A field the node did not send is None, so the rules that need it abstain rather than guess.

The channel's history (hours on the air and listened to, since when it has been watched, and for
FM how every node heard it before) comes from webmap.history. Each earlier FM decode becomes a
``HeardAs`` through ``dsp.verdict.heard_as_of`` with that decode's own scan as context (the other
stations that node decoded in the same capture calibrate its pilot), once per register version:
decodes do not change, so the worker keeps them (``HEARD_CACHE`` at most).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

from sqlalchemy import Connection, select, update

from dsp.bands import AIR
from dsp.fm.station import FmStation, Spurious
from dsp.gsm.cell import Bsic, GsmCell
from dsp.verdict import (FM_RULES, GSM_RULES, HeardAs, PositionFix, TargetHistory, Verdict, VerdictContext,
                         heard_as_of, history_key_fm, history_key_gsm, judge)
from dsp.verdict.culprit import am_traced
from webmap import audit
from webmap.history import ChannelPast, channel_past, local_zone
from webmap.registers import RegisterCache, cell_identity
from webmap.schema import fixes, observations, targets
from webmap.store import Store

_DECODE_KIND = {"gsm": "gsm_cell", "fm": "fm_station"}
#: Decodes this much older than the target's newest one are not judged (the cell may have changed).
RECENT_S = 600.0
#: Fixes this recent (before the target's last observation) carry their region's trust to the rules
#: (dsp.verdict.position looks back 20 min).
FIX_DETAIL_S = 1800.0
#: Decodes read to choose from (the newest), bounding the work per verdict.
MAX_DECODES = 200
#: Earlier FM decodes kept as HeardAs by the worker (then forgotten all at once and read again).
HEARD_CACHE = 50_000
#: Aeronautical-band emissions seen this close in time to the decode judged (either side: the air band
#: is scanned between FM hops) are weighed with it; the newest ``MAX_SPURIOUS`` of them.
SPURIOUS_S = RECENT_S
MAX_SPURIOUS = 500
#: Sightings of one emission (nodes, hops) are this close in frequency (dsp.fm.analyse's relation tolerance).
SAME_EMISSION_HZ = 5e3
_GSM_FIELDS = ("mcc", "mnc", "lac", "cell_id", "bsic", "neighbours", "cro_db", "t3212_decihours",
               "rxlev_access_min", "cell_barred")
_TUPLES = {"neighbours", "si_types", "cell_channels", "si_conflicts", "flags"}


@dataclass(frozen=True)
class WireRds:
    """RDS as the wire carries it (dsp.fm.rds_station.RdsResult's fields that the node sends)."""

    pi: str | None
    ps: str | None
    rt: str | None
    pty: int | None
    block_error_rate: float | None

    def to_json(self) -> dict:
        return {"pi": self.pi, "ps": self.ps, "rt": self.rt, "pty": self.pty,
                "block_error_rate": self.block_error_rate}


def _record(cls, payload: dict, convert):
    kw = {}
    for f in fields(cls):
        v = payload.get(f.name)
        kw[f.name] = convert(f.name, v)
    return cls(**kw)


def gsm_cell_of(payload: dict) -> GsmCell:
    """The wire's ``gsm_cell`` payload as dsp's GsmCell (absent fields None, lists as tuples)."""
    def convert(name, v):
        if name == "bsic" and v is not None:
            return Bsic(int(v["ncc"]), int(v["bcc"]))
        if name in _TUPLES and v is not None:
            return tuple(v)
        if name in ("arfcn", "lac", "cell_id") and v is not None:
            return int(v)
        return v
    return _record(GsmCell, payload, convert)


def fm_station_of(payload: dict) -> FmStation:
    def convert(name, v):
        if name == "rds" and v is not None:
            return WireRds(v.get("pi"), v.get("ps"), v.get("rt"), v.get("pty"), v.get("block_error_rate"))
        if name in _TUPLES and v is not None:
            return tuple(v)
        return v
    station = _record(FmStation, payload, convert)
    if station.channel_hz is None:   # the wire's contract keys omit it; the raster is 100 kHz
        raster = round(station.freq_hz / 1e5) * 1e5
        station = FmStation(**{**{f.name: getattr(station, f.name) for f in fields(FmStation)},
                               "channel_hz": raster, "freq_offset_hz": station.freq_hz - raster})
    return station


def spurious_of(payload: dict) -> Spurious:
    """The wire's ``spurious`` payload as dsp's Spurious (absent fields None, sources as a tuple)."""
    return _record(Spurious, payload, lambda name, v: tuple(v or ()) if name == "sources_hz" else v)


def aviation_spurious(conn: Connection, t: float) -> tuple[tuple[Spurious, ...], bool]:
    """(the aeronautical-band emissions any node sent within ``SPURIOUS_S`` of ``t``, one per
    emission, whether any node scanned the band then).

    Whom an emission is held against is the rule's (fm.aviation_spurious, dsp.verdict.culprit), as
    for ``foxhunt check``: the emissions go to it as the nodes traced them. Of the sightings of one
    emission (nodes, hops) the one with the strongest evidence stands for it: traced by its audio,
    then related to carriers at all, then the strongest. "Scanned" is known from what the nodes
    sent: a spurious emission, or a power reading (a floor included) in the band."""
    window = observations.c.time.between(t - SPURIOUS_S, t + SPURIOUS_S)
    in_band = observations.c.freq_hz.between(AIR.lo_hz, AIR.hi_hz)
    rows = conn.execute(select(observations.c.raw).where(observations.c.kind == "spurious", window, in_band)
                        .order_by(observations.c.time.desc()).limit(MAX_SPURIOUS)).scalars().all()
    searched = bool(rows) or conn.execute(select(observations.c.id).where(
        observations.c.kind == "power", window, in_band).limit(1)).first() is not None
    return _best_per_emission([spurious_of(json.loads(raw)["payload"]) for raw in rows]), searched


def _evidence(s: Spurious) -> tuple:
    return am_traced(s), s.related_to_hz is not None, s.power_dbfs


def _best_per_emission(spurs: list[Spurious]) -> tuple[Spurious, ...]:
    out: list[Spurious] = []
    for s in sorted(spurs, key=lambda s: s.freq_hz):
        if out and s.freq_hz - out[-1].freq_hz <= SAME_EMISSION_HZ:
            if _evidence(s) > _evidence(out[-1]):
                out[-1] = s
        else:
            out.append(s)
    return tuple(out)


class Judge:
    """The worker's verdicts: :meth:`evaluate` (reads, runs the rules) then :meth:`record` (writes
    it; a change of class goes to the audit log)."""

    def __init__(self, store: Store, timezone: str = "UTC"):
        self.store = store
        self.registers = RegisterCache()
        self.zone = local_zone(timezone)
        self._heard: dict[tuple[int, int, float], HeardAs | None] = {}   # (target, node, time) → HeardAs
        self._heard_register = None

    def evaluate(self, conn: Connection, target) -> Verdict | None:
        """The verdict on the target's most complete recent decode, or None when it has none (air,
        power only)."""
        kind = _DECODE_KIND.get(target.kind)
        if kind is None:
            return None
        chosen = best_decode(conn, target.id, kind)
        if chosen is None:
            return None
        latest, obs = chosen
        # everything the same node decoded in the same capture: the rules compare the target with it
        scan = [o["payload"] for _, o in scans(conn, latest.node_id, kind, [latest.time]).get(latest.time, ())]
        pos = obs["position"]
        node = (pos["lat"], pos["lon"]) if pos else None
        history = self._history(conn, target)
        if target.kind == "gsm":
            cell = gsm_cell_of(obs["payload"])
            register = self.registers.get(conn, "cells")
            country = None
            if register is not None and register.cells:
                mccs = [c.mcc for c in register.cells]
                country = max(set(mccs), key=mccs.count)
            ctx = VerdictContext(cell_register=register, country_mcc=country, node=node,
                                 cells=tuple(gsm_cell_of(p) for p in scan), observed_s=obs["hop"]["dwell_s"],
                                 history={history_key_gsm(cell.arfcn): history} if cell.arfcn is not None else {})
            verdict = judge(cell, ctx, GSM_RULES)
        else:
            station = fm_station_of(obs["payload"])
            register = self.registers.get(conn, "fm")
            spurious, searched = aviation_spurious(conn, latest.time)
            ctx = VerdictContext(fm_register=register, node=node,
                                 stations=tuple(fm_station_of(p) for p in scan), observed_s=obs["hop"]["dwell_s"],
                                 spurious=spurious, spurious_searched=searched,
                                 history={history_key_fm(station.freq_hz): history})
            verdict = judge(station, ctx, FM_RULES)
        return verdict

    @staticmethod
    def record(conn: Connection, target, verdict: Verdict) -> dict:
        out = verdict.to_json()
        conn.execute(update(targets).where(targets.c.id == target.id).values(
            verdict_class=verdict.klass, verdict_score=verdict.score, verdict=json.dumps(out, ensure_ascii=False)))
        if verdict.klass != target.verdict_class:
            audit.record(conn, "system", "target.verdict",
                         {"before": target.verdict_class, "after": verdict.klass, "score": verdict.score,
                          "rules": [r["rule"] for r in out["reasons"]]}, target_id=target.id)
        return out

    def _history(self, conn: Connection, target) -> TargetHistory:
        track = conn.execute(select(fixes.c.lat, fixes.c.lon, fixes.c.radius_95_m, fixes.c.window_end, fixes.c.fix)
                             .where(fixes.c.target_id == target.id, fixes.c.lat.is_not(None))
                             .order_by(fixes.c.computed_at)).all()
        identities = ()
        if target.kind == "gsm":
            same_channel = conn.execute(select(targets.c.identity).where(targets.c.channel == target.channel)).scalars()
            identities = tuple(sorted({k for k in map(cell_identity, same_channel) if k is not None}))
        past = channel_past(conn, target, self.zone, decodes=target.kind == "fm")
        return TargetHistory(first_seen=target.first_seen_at, watched_since=past.watched_since,
                             last_seen=target.last_seen_at,
                             positions=tuple(_position(f, target.last_seen_at) for f in track),
                             identities=identities, on_air_hours=past.on_air_hours,
                             listened_hours=past.listened_hours,
                             heard_as=self._heard_as(conn, target, past) if target.kind == "fm" else ())

    def _heard_as(self, conn: Connection, target, past: ChannelPast) -> tuple[HeardAs, ...]:
        """How each earlier decode in ``past`` heard the channel, each judged in its own scan."""
        register = self.registers.get(conn, "fm")
        if register is not self._heard_register or len(self._heard) > HEARD_CACHE:
            self._heard, self._heard_register = {}, register
        missing: dict[int, list[float]] = {}
        for node_id, t in past.decodes:
            if (target.id, node_id, t) not in self._heard:
                missing.setdefault(node_id, []).append(t)
        for node_id, times in missing.items():
            found = scans(conn, node_id, "fm_station", times)
            for t in times:
                scan = found.get(t, [])
                stations = tuple(fm_station_of(o["payload"]) for _, o in scan)
                mine = [(o, s) for (tid, o), s in zip(scan, stations) if tid == target.id]
                heard = None
                if mine:
                    obs, station = mine[0]
                    pos = obs["position"]
                    ctx = VerdictContext(fm_register=register, node=(pos["lat"], pos["lon"]) if pos else None,
                                         stations=stations)
                    heard = heard_as_of(station, ctx)
                self._heard[(target.id, node_id, t)] = heard
        return tuple(h for node_id, t in past.decodes if (h := self._heard.get((target.id, node_id, t))) is not None)


def scans(conn: Connection, node_id: int, kind: str, times: list[float]) -> dict[float, list[tuple[int | None, dict]]]:
    """The ``kind`` decodes one node made in each of its captures at ``times``: time → [(target id,
    decoded observation)] (what else the node heard in the same capture is the rules' context)."""
    out: dict[float, list[tuple[int | None, dict]]] = {}
    for r in conn.execute(select(observations.c.time, observations.c.target_id, observations.c.raw)
                          .where(observations.c.node_id == node_id, observations.c.kind == kind,
                                 observations.c.time.in_(times))):
        out.setdefault(r.time, []).append((r.target_id, json.loads(r.raw)))
    return out


def _position(f, last_seen: float) -> PositionFix:
    """A stored fix as the rules' PositionFix. The region's trust (open, places, time) is read from
    the fix's JSON for the fixes of the last ``FIX_DETAIL_S`` only (the rules that use them look no
    further back); older fixes stay at the record's "unknown" defaults."""
    if f.window_end is None or last_seen - f.window_end > FIX_DETAIL_S:
        return PositionFix(f.lat, f.lon, f.radius_95_m)
    detail = json.loads(f.fix)
    return PositionFix(f.lat, f.lon, f.radius_95_m, open=detail.get("region_bounded") is False,
                       time=f.window_end, n_sites=detail.get("n_sites"))


def completeness(kind: str, payload: dict) -> tuple:
    """How much a decode tells (larger is more), for choosing the decode to judge."""
    if kind == "gsm_cell":
        return (sum(payload.get(k) is not None for k in _GSM_FIELDS) + len(payload.get("si_types") or ()),)
    rds = payload.get("rds") or {}
    return (sum(rds.get(k) is not None for k in ("pi", "ps", "pty", "rt")), payload.get("snr_db") or -1e9)


def best_decode(conn: Connection, target_id: int, kind: str):
    """(row with node_id and time, decoded observation) of the most complete decode of the last
    ``RECENT_S`` before the target's newest one, the newest among equals; None without decodes."""
    rows = conn.execute(select(observations.c.node_id, observations.c.time, observations.c.raw)
                        .where(observations.c.target_id == target_id, observations.c.kind == kind)
                        .order_by(observations.c.time.desc()).limit(MAX_DECODES)).all()
    if not rows:
        return None
    recent = [(r, json.loads(r.raw)) for r in rows if r.time >= rows[0].time - RECENT_S]
    return max(recent, key=lambda ro: (*completeness(kind, ro[1]["payload"]), ro[0].time))
