"""Which target an observation belongs to (docs/wire-format.md, `power.target` and the payloads).

- GSM: a cell is its ARFCN + BSIC (what tells co-channel cells apart) + identity (MCC-MNC-LAC-CI).
  The same identity on two ARFCNs is two targets (a clone); a carrier seen without its identity
  joins the one target known on that ARFCN + BSIC, else stays a partial target of its own.
- FM and air band: one target per channel (the wire's `fm-98.7`, `air-121.500`).
- Power readings name a channel, not a cell. GSM channels are reused across a city, so a detection
  goes to the cell the same node decoded on that channel most recently (within ``ATTRIBUTION_S``);
  a floor reading (nothing heard) stays on the channel and counts for every cell on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, and_, select
from sqlalchemy.dialects import postgresql, sqlite

from webmap.schema import observations, targets
from webmap.wire import WireObservation

#: How long a node's decoded cell identity labels its power readings on the same channel.
ATTRIBUTION_S = 600.0

_GSM_BANDS = ((925e6, 960e6), (1805e6, 1880e6))


def channel_of(freq_hz: float) -> str:
    """The wire's channel key for a frequency, for power readings sent with ``target: null``."""
    mhz = freq_hz / 1e6
    if 87.5e6 <= freq_hz <= 108e6:
        on_raster = abs(freq_hz - round(freq_hz / 1e5) * 1e5) < 1e3
        return f"fm-{mhz:.1f}" if on_raster else f"fm-{mhz:.3f}"
    if 108e6 < freq_hz <= 137e6:
        return f"air-{mhz:.3f}"
    if any(lo <= freq_hz <= hi for lo, hi in _GSM_BANDS):
        return f"gsm-{mhz:.1f}"
    return f"rf-{mhz:.3f}"


def kind_of(channel: str) -> str:
    return channel.split("-", 1)[0][:8]


@dataclass(frozen=True)
class TargetKey:
    key: str
    kind: str
    channel: str
    freq_hz: float
    identity: dict


def _gsm_key(p: dict) -> tuple[str, dict]:
    bsic = p.get("bsic")
    def whole(v):  # the wire allows 62.0 for an integer; keys must not depend on it
        return None if v is None else int(v)
    bsic = {"ncc": whole(bsic["ncc"]), "bcc": whole(bsic["bcc"])} if bsic else None
    arfcn = whole(p.get("arfcn"))
    b = f"{bsic['ncc']}{bsic['bcc']}" if bsic else "-"
    base = f"gsm:{arfcn if arfcn is not None else channel_of(p['freq_hz'])}:{b}"
    ident = {"mcc": p.get("mcc"), "mnc": p.get("mnc"), "lac": whole(p.get("lac")),
             "cell_id": whole(p.get("cell_id")), "arfcn": arfcn, "bsic": bsic}
    if all(ident[k] is not None for k in ("mcc", "mnc", "lac", "cell_id")):
        return f"{base}:{ident['mcc']}-{ident['mnc']}-{ident['lac']}-{ident['cell_id']}", ident
    return base, ident


def key_of(o: WireObservation) -> TargetKey | None:
    """The target key of a decoded carrier, or None for kinds that are not carriers."""
    p = o.payload
    if o.kind == "gsm_cell":
        key, ident = _gsm_key(p)
        return TargetKey(key, "gsm", channel_of(p["freq_hz"]), float(p["freq_hz"]), ident)
    if o.kind == "fm_station":
        ch = channel_of(p["freq_hz"])
        rds = p.get("rds") or {}
        return TargetKey(f"fm:{ch}", "fm", ch, float(p["freq_hz"]), {"pi": rds.get("pi"), "ps": rds.get("ps")})
    return None


def _insert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert


class Grouper:
    """Assigns targets to observations inside the ingest transaction; caches target ids by key."""

    def __init__(self, dialect: str):
        self._insert = _insert(dialect)
        self._ids: dict[str, int] = {}

    def forget(self) -> None:
        """Drop the cache (after a rollback: it may hold a target that was never committed)."""
        self._ids = {}

    def target_id(self, conn: Connection, tk: TargetKey, t: float) -> int:
        tid = self._ids.get(tk.key)
        if tid is None:
            if tk.kind == "gsm" and tk.key.count(":") == 2:   # identity unknown: join the one known cell
                rows = conn.execute(select(targets.c.id).where(targets.c.key.like(tk.key + ":%"))
                                    .limit(2)).all()
                if len(rows) == 1:
                    return rows[0].id
            # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT DO NOTHING
            tid = conn.execute(self._insert(targets).values(
                key=tk.key, kind=tk.kind, channel=tk.channel, freq_hz=tk.freq_hz,
                identity=json.dumps(tk.identity, ensure_ascii=False), first_seen_at=t, last_seen_at=t,
                n_observations=0, status="new").on_conflict_do_nothing(index_elements=["key"])
                .returning(targets.c.id)).scalar()
            if tid is None:   # it existed (committed): cache it; one made here may yet roll back
                tid = conn.execute(select(targets.c.id).where(targets.c.key == tk.key)).scalar_one()
                self._ids[tk.key] = tid
        return tid

    @staticmethod
    def _channel_key(channel: str, freq_hz: float) -> TargetKey:
        """The single target of an FM / air / other channel."""
        return TargetKey(f"{kind_of(channel)}:{channel}", kind_of(channel), channel, freq_hz, {})

    def assign(self, conn: Connection, node_id: int, obs: list[WireObservation]) -> dict[str, tuple[int | None, str | None]]:
        """``{observation id: (target id, channel)}`` for carriers and power readings."""
        keys: dict[str, TargetKey] = {}
        first: dict[str, float] = {}
        for o in obs:
            tk = key_of(o)
            if tk is None and o.kind == "power":
                ch = o.payload["target"] or channel_of(o.payload["freq_hz"])
                if not ch.startswith("gsm-"):
                    tk = self._channel_key(ch, float(o.payload["freq_hz"]))
            if tk is not None:
                keys[o.id] = tk
                first[tk.key] = min(first.get(tk.key, o.time), o.time)
        # targets are found or made in key order: concurrent batches then lock them in one order
        # (PostgreSQL would otherwise find deadlocks between batches sharing new targets)
        ids = {k: self.target_id(conn, tk, first[k]) for k, tk in sorted({tk.key: tk for tk in keys.values()}.items())}
        out: dict[str, tuple[int | None, str | None]] = {}
        heard: dict[str, tuple[float, int]] = {}        # channel -> (time, target) decoded by this node
        for o in obs:
            tk = keys.get(o.id)
            if tk is not None and o.kind != "power":
                out[o.id] = (ids[tk.key], tk.channel)
                if tk.kind == "gsm" and heard.get(tk.channel, (-1e300,))[0] <= o.time:
                    heard[tk.channel] = (o.time, ids[tk.key])
        for o in obs:
            if o.kind != "power":
                continue
            ch = o.payload["target"] or channel_of(o.payload["freq_hz"])
            if o.id in keys:
                out[o.id] = (ids[keys[o.id].key], ch)
            elif o.payload["floor"]:
                out[o.id] = (None, ch)
            else:
                out[o.id] = (self._decoded_cell(conn, node_id, ch, o.time, heard), ch)
        return out

    def _decoded_cell(self, conn: Connection, node_id: int, channel: str, t: float,
                      heard: dict[str, tuple[float, int]]) -> int | None:
        seen = heard.get(channel)
        if seen is not None and abs(seen[0] - t) <= ATTRIBUTION_S:
            return seen[1]
        row = conn.execute(select(observations.c.target_id).where(and_(
            observations.c.node_id == node_id, observations.c.kind == "gsm_cell",
            observations.c.channel == channel, observations.c.time.between(t - ATTRIBUTION_S, t + ATTRIBUTION_S)))
            .order_by(observations.c.time.desc()).limit(1)).first()
        if row is not None:
            return row.target_id
        only = conn.execute(select(targets.c.id).where(targets.c.channel == channel).limit(2)).all()
        return only[0].id if len(only) == 1 else None
