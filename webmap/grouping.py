"""Which target an observation belongs to (docs/wire-format.md, `power.target` and the payloads).

- GSM: a cell is its ARFCN + BSIC (what tells co-channel cells apart) + identity (MCC-MNC-LAC-CI).
  The same identity on two ARFCNs is two targets (a clone).
- A carrier seen without its identity (FCCH/SCH only, or not even the BSIC) joins the identified
  cell of its ARFCN (and BSIC, when decoded) if there is exactly one. When several identities share
  it (a clone copying the BSIC too, or a co-channel cell reused across the city), it joins the one
  the same node decoded on that channel most recently (within ``ATTRIBUTION_S``): that node hears
  that cell there. Otherwise it stays a partial target of its own, never in either cell's readings:
  a wrong reading in a cell's fit costs more than a reading left out. :func:`absorb_partials` merges
  a partial target into its cell once the cell's identity is known (the worker calls it).
- FM and air band: one target per channel (the wire's `fm-98.7`, `air-121.500`).
- Power readings name a channel, not a cell. GSM channels are reused across a city, so a detection
  goes to the cell the same node decoded on that channel most recently (within ``ATTRIBUTION_S``);
  a floor reading (nothing heard) stays on the channel and counts for every cell on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from webmap import audit
from webmap.cases_schema import cases
from webmap.schema import fixes, observations, targets
from webmap.store import now
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
    if o.kind == "spurious":   # an aeronautical-band emission: its channel's target, as for its power readings
        return Grouper._channel_key(channel_of(p["freq_hz"]), float(p["freq_hz"]))
    return None


def is_partial(key: str) -> bool:
    """A GSM key without the cell identity (``gsm:62:35``, ``gsm:62:-``)."""
    return key.startswith("gsm:") and key.count(":") == 2


def cells_of(conn: Connection, key: str) -> list:
    """The identified targets (id, key) a partial GSM key may belong to: the same ARFCN and, when
    its BSIC was decoded, the same BSIC (a key range: the unique index serves it)."""
    _, arfcn, bsic = key.split(":")
    prefix = f"gsm:{arfcn}:" if bsic == "-" else f"gsm:{arfcn}:{bsic}:"
    rows = conn.execute(select(targets.c.id, targets.c.key).where(
        targets.c.key >= prefix, targets.c.key < prefix[:-1] + ";")).all()   # ";" follows ":"
    return [r for r in rows if not is_partial(r.key) and r.key.startswith(prefix)]


def dialect_insert(dialect: str):
    """The ``insert`` with ON CONFLICT of the store's dialect ("postgresql" or "sqlite")."""
    return (postgresql if dialect == "postgresql" else sqlite).insert


class Grouper:
    """Assigns targets to observations inside the ingest transaction; caches target ids by key."""

    def __init__(self, dialect: str):
        self._insert = dialect_insert(dialect)
        self._ids: dict[str, int] = {}

    def forget(self) -> None:
        """Drop the cache (after a rollback: it may hold a target that was never committed)."""
        self._ids = {}

    def target_id(self, conn: Connection, tk: TargetKey, t: float, node_id: int | None = None,
                  heard: dict[str, list[tuple[float, int]]] | None = None) -> int:
        """The target of a key, made when new; a partial GSM key resolves to its cell when it can
        (``node_id`` and ``heard``, this batch's identified decodes per channel, settle clones)."""
        if is_partial(tk.key):
            cell = self._cell_for(conn, tk, t, node_id, heard or {})
            if cell is not None:
                return cell
        tid = self._ids.get(tk.key)
        if tid is None:
            # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT DO NOTHING
            tid = conn.execute(self._insert(targets).values(
                key=tk.key, kind=tk.kind, channel=tk.channel, freq_hz=tk.freq_hz,
                identity=json.dumps(tk.identity, ensure_ascii=False), first_seen_at=t, last_seen_at=t,
                n_observations=0, status="new").on_conflict_do_nothing(index_elements=["key"])
                .returning(targets.c.id)).scalar()
            if tid is None:   # it existed (committed): cache it; one made here may yet roll back
                tid = conn.execute(select(targets.c.id).where(targets.c.key == tk.key)).scalar_one()
                if not is_partial(tk.key):   # a partial target may be merged away by the worker
                    self._ids[tk.key] = tid
        return tid

    @staticmethod
    def _cell_for(conn: Connection, tk: TargetKey, t: float, node_id: int | None,
                  heard: dict[str, list[tuple[float, int]]]) -> int | None:
        """The identified cell a carrier without identity belongs to, or None (see the module docstring)."""
        cells = {c.id for c in cells_of(conn, tk.key)}
        if len(cells) <= 1:
            return next(iter(cells), None)
        near = [(abs(when - t), tid) for when, tid in heard.get(tk.channel, ()) if tid in cells
                and abs(when - t) <= ATTRIBUTION_S]
        if near:
            return min(near)[1]
        if node_id is None:
            return None
        return conn.execute(select(observations.c.target_id).where(and_(
            observations.c.node_id == node_id, observations.c.kind == "gsm_cell",
            observations.c.channel == tk.channel, observations.c.target_id.in_(cells),
            observations.c.time.between(t - ATTRIBUTION_S, t + ATTRIBUTION_S)))
            .order_by(observations.c.time.desc()).limit(1)).scalar()

    @staticmethod
    def _channel_key(channel: str, freq_hz: float) -> TargetKey:
        """The single target of an FM / air / other channel."""
        return TargetKey(f"{kind_of(channel)}:{channel}", kind_of(channel), channel, freq_hz, {})

    def assign(self, conn: Connection, node_id: int, obs: list[WireObservation]) -> dict[str, tuple[int | None, str | None]]:
        """``{observation id: (target id, channel)}`` for carriers and power readings."""
        keys: dict[str, TargetKey] = {}
        first: dict[str, float] = {}
        decoded: dict[str, list[float]] = {}            # key -> times of this batch's decodes
        for o in obs:
            tk = key_of(o)
            if tk is None and o.kind == "power":
                ch = o.payload["target"] or channel_of(o.payload["freq_hz"])
                if not ch.startswith("gsm-"):
                    tk = self._channel_key(ch, float(o.payload["freq_hz"]))
            if tk is not None:
                keys[o.id] = tk
                first[tk.key] = min(first.get(tk.key, o.time), o.time)
                if o.kind != "power":
                    decoded.setdefault(tk.key, []).append(o.time)
        # targets are found or made in one global order (identified keys, then partial ones, each by
        # key): concurrent batches then lock them in one order (PostgreSQL would otherwise find
        # deadlocks between batches sharing new targets). Partial keys come last so that they can
        # join a cell this very batch identified.
        unique = sorted({tk.key: tk for tk in keys.values()}.items(), key=lambda kv: (is_partial(kv[0]), kv[0]))
        ids: dict[str, int] = {}
        batch_cells: dict[str, list[tuple[float, int]]] = {}
        for k, tk in unique:
            ids[k] = self.target_id(conn, tk, first[k], node_id, batch_cells)
            if tk.kind == "gsm" and not is_partial(k):
                batch_cells.setdefault(tk.channel, []).extend((when, ids[k]) for when in decoded.get(k, ()))
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


def absorb_partials(conn: Connection) -> list[tuple[str, str]]:
    """Merge every partial GSM target that now resolves to exactly one identified cell into it:
    its observations move over, its fixes (from a part of the cell's readings) go, the cell is
    marked for re-location. A partial target with a case stays (the case names it). Returns the
    (partial key, cell key) pairs merged; each merge is in the audit log."""
    merged = []
    partial = conn.execute(select(targets.c.id, targets.c.key).where(
        targets.c.kind == "gsm", targets.c.key.not_like("gsm:%:%:%"))).all()
    for p in partial:
        cells = cells_of(conn, p.key)
        if len(cells) != 1 or conn.execute(select(cases.c.id).where(cases.c.target_id == p.id)).first():
            continue
        (cell,) = cells
        moved = conn.execute(update(observations).where(observations.c.target_id == p.id)
                             .values(target_id=cell.id)).rowcount
        conn.execute(delete(fixes).where(fixes.c.target_id == p.id))
        conn.execute(delete(targets).where(targets.c.id == p.id))
        conn.execute(update(targets).where(targets.c.id == cell.id, targets.c.dirty_since.is_(None))
                     .values(dirty_since=now()))
        audit.record(conn, "system", "target.merged", {"from": p.key, "into": cell.key, "observations": moved},
                     target_id=cell.id)
        merged.append((p.key, cell.key))
    return merged


#: A ghost's carrier is at least this much stronger in the same capture. Ghosts measured in the
#: demo city were 4 and 15 dB below their carrier; two real cells sharing a BSIC within a few dB
#: of each other in one capture stay two targets.
GHOST_MARGIN_DB = 3.0
#: A decode carrying the carrier's whole identity must be this much weaker: a clone of a licensed
#: cell on another ARFCN (same identity and BSIC) that is weaker at every node must stay a target.
GHOST_IDENTITY_MARGIN_DB = 10.0
#: Decodes of a target examined (newest first): all must be shadowed for it to be a ghost.
GHOST_DECODES = 20


def ghost_of(conn: Connection, target) -> str | None:
    """The key of the cell a GSM target is a ghost of, or None when it is a transmitter.

    A ghost is a decode the receiver made of a strong carrier on another ARFCN of the same capture
    (an image, a leak through the channel filter): it carries that carrier's BSIC and no identity
    of its own (or the same identity), and is weaker by ``GHOST_MARGIN_DB``. A target is a ghost
    when every one of its recent decodes has such a carrier beside it, decoded by the same node at
    the same time; a real cell, heard at several nodes and times, has decodes without one."""
    mine = [(r.node_id, r.time, json.loads(r.raw)["payload"]) for r in conn.execute(
        select(observations.c.node_id, observations.c.time, observations.c.raw)
        .where(observations.c.target_id == target.id, observations.c.kind == "gsm_cell")
        .order_by(observations.c.time.desc()).limit(GHOST_DECODES))]
    if not mine or any(p.get("bsic") is None for _, _, p in mine):
        return None
    beside: dict[tuple[int, float], list[tuple[int, dict]]] = {}
    for r in conn.execute(select(observations.c.node_id, observations.c.time, observations.c.target_id,
                                 observations.c.raw)
                          .where(observations.c.kind == "gsm_cell",
                                 observations.c.node_id.in_({n for n, _, _ in mine}),
                                 observations.c.time.in_({t for _, t, _ in mine}),
                                 observations.c.target_id != target.id)):
        beside.setdefault((r.node_id, r.time), []).append((r.target_id, json.loads(r.raw)["payload"]))
    carriers = []
    for node, t, p in mine:
        strong = [tid for tid, q in beside.get((node, t), ()) if _shadows(q, p)]
        if not strong:
            return None
        carriers.extend(strong)
    tid = max(set(carriers), key=carriers.count)
    return conn.execute(select(targets.c.key).where(targets.c.id == tid)).scalar()


def _shadows(carrier: dict, ghost: dict) -> bool:
    """``carrier`` explains ``ghost`` (two payloads of one capture)."""
    if carrier.get("arfcn") == ghost.get("arfcn") or carrier.get("bsic") != ghost.get("bsic"):
        return False
    ident = ("mcc", "mnc", "lac", "cell_id")
    named = any(ghost.get(k) is not None for k in ident)
    if named and any(ghost.get(k) != carrier.get(k) for k in ident):
        return False
    pc, pg = carrier.get("power_dbfs"), ghost.get("power_dbfs")
    return pc is not None and pg is not None and pc - pg >= (GHOST_IDENTITY_MARGIN_DB if named else GHOST_MARGIN_DB)
