"""Storing a node's batch: each observation id at most once, in one transaction per batch.

The response is sent only after the commit, so an acknowledged observation is on disk; a batch
cut off before its commit is rolled back whole and the node, having no acknowledgement, resends it.
"""

from __future__ import annotations

import json
from collections import Counter

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from webmap.grouping import Grouper
from webmap.nodes import Node
from webmap.schema import nodes, observations, targets
from webmap.store import Store, now
from webmap.wire import Batch, Rejected, WireObservation


def _row(o: WireObservation, node_id: int, received: float, target_id: int | None, channel: str | None) -> dict:
    p = o.payload
    power = o.kind == "power"
    return {"id": o.id, "node_id": node_id, "kind": o.kind, "time": o.time, "received_at": received,
            "lat": o.lat, "lon": o.lon, "freq_hz": p.get("freq_hz") if o.kind in ("gsm_cell", "fm_station", "power") else None,
            "power_dbm": p["power_dbm"] if power else None, "floor": p["floor"] if power else None,
            "channel": channel, "target_id": target_id,
            "raw": orjson.dumps(o.raw).decode()}


class Ingest:
    """Writes batches; ``on_dirty`` is called with the ids of targets that got new observations."""

    def __init__(self, store: Store, on_dirty=lambda ids: None):
        self.store = store
        self.grouper = Grouper(store.dialect)
        self._insert = (postgresql if store.dialect == "postgresql" else sqlite).insert
        self.on_dirty = on_dirty

    def store_batch(self, node: Node, batch: Batch) -> dict:
        """The wire response body: one result per observation, in request order."""
        valid: list[WireObservation] = []
        first: set[str] = set()
        for item in batch.items:
            if isinstance(item, WireObservation) and item.id not in first:
                first.add(item.id)
                valid.append(item)
        received = now()
        stored: set[str] = set()
        touched: list[int] = []
        if valid:
            with self.store.write() as conn:
                existing = {r.id for r in conn.execute(select(observations.c.id).where(
                    observations.c.id.in_([o.id for o in valid])))}
                fresh = [o for o in valid if o.id not in existing]
                if fresh:
                    groups = self.grouper.assign(conn, node.id, fresh)
                    rows = [_row(o, node.id, received, *groups.get(o.id, (None, None))) for o in fresh]
                    stmt = self._insert(observations).on_conflict_do_nothing(index_elements=["id"]) \
                        .returning(observations.c.id)
                    stored = set(conn.execute(stmt, rows).scalars())
                    touched = sorted({r["target_id"] for r in rows if r["id"] in stored and r["target_id"] is not None})
                    if touched:
                        # only the first batch after a fix marks the target: the others then change
                        # no row, so concurrent batches do not queue on the same targets' row locks
                        conn.execute(update(targets).where(targets.c.id.in_(touched), targets.c.dirty_since.is_(None))
                                     .values(dirty_since=received))
                self._update_node(conn, node, received, fresh if fresh else [])
        if touched:
            self.on_dirty(touched)
        results = []
        counts = Counter()
        for item in batch.items:
            if isinstance(item, Rejected):
                results.append({"id": item.id, "status": "rejected", "error": item.error})
            elif item.id in stored:
                stored.discard(item.id)   # a second copy in the same batch is a duplicate
                results.append({"id": item.id, "status": "stored"})
            else:
                results.append({"id": item.id, "status": "duplicate"})
            counts[results[-1]["status"]] += 1
        return {"version": 1, "results": results, "stored": counts["stored"],
                "duplicates": counts["duplicate"], "rejected": counts["rejected"]}

    @staticmethod
    def _update_node(conn, node: Node, received: float, fresh: list[WireObservation]) -> None:
        values: dict = {"last_seen_at": received}
        placed = [o for o in fresh if o.lat is not None]
        if placed:
            latest = max(placed, key=lambda o: o.time)
            values.update(last_lat=latest.lat, last_lon=latest.lon)
        health = [o for o in fresh if o.kind == "health"]
        if health:
            values["last_health"] = json.dumps(max(health, key=lambda o: o.time).payload, ensure_ascii=False)
        conn.execute(update(nodes).where(nodes.c.id == node.id).values(**values))
