"""Storing a node's batch: each observation id at most once, in one transaction per batch.

The response is sent only after the commit, so an acknowledged observation is on disk; a batch
cut off before its commit is rolled back whole and the node, having no acknowledgement, resends it.
"""

from __future__ import annotations

import json
import queue
import threading
from collections import Counter
from concurrent.futures import Future

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from webmap.grouping import Grouper
from webmap.nodes import Node
from webmap.schema import nodes, observations, targets
from webmap.store import Store, now
from webmap.wire import Batch, Rejected, WireObservation


class GroupCommitter:
    """One writer thread: it takes every job waiting, runs ``write_group(jobs)`` (one transaction),
    and hands each caller its own result, or the exception that rolled the group back."""

    def __init__(self, write_group):
        self._write_group = write_group
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._run, name="foxhunt-ingest-commit", daemon=True).start()

    def submit(self, job):
        done = Future()
        self._queue.put((job, done))
        return done.result()

    def _run(self) -> None:
        while True:
            pending = [self._queue.get()]
            while True:
                try:
                    pending.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results = self._write_group([job for job, _ in pending])
            except BaseException as exc:          # the group rolled back: every caller answers 503
                for _, done in pending:
                    done.set_exception(exc)
            else:
                for (_, done), result in zip(pending, results):
                    done.set_result(result)


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

    def __init__(self, store: Store, on_dirty=lambda ids: None, *, group_commit: bool | None = None):
        self.store = store
        # SQLite commits one transaction at a time, each with an fsync: batches that arrive while
        # one commits are written together and share the next fsync
        use = store.dialect == "sqlite" if group_commit is None else group_commit
        self._committer = GroupCommitter(self._write_group) if use else None
        self.grouper = Grouper(store.dialect)
        self._insert = (postgresql if store.dialect == "postgresql" else sqlite).insert
        self.on_dirty = on_dirty

    def store_batch(self, node: Node, batch: Batch) -> dict:
        """The wire response body: one result per observation, in request order (after the commit)."""
        valid: list[WireObservation] = []
        first: set[str] = set()
        for item in batch.items:
            if isinstance(item, WireObservation) and item.id not in first:
                first.add(item.id)
                valid.append(item)
        stored: set[str] = set()
        if valid:
            if self._committer is not None:
                stored, touched = self._committer.submit((node, valid))
            else:
                stored, touched = self._write_group([(node, valid)])[0]
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

    def _write(self, conn, node: Node, valid: list[WireObservation]) -> tuple[set[str], list[int]]:
        """One batch inside a write transaction: (ids stored now, targets touched)."""
        received = now()
        existing = {r.id for r in conn.execute(select(observations.c.id).where(
            observations.c.id.in_([o.id for o in valid])))}
        fresh = [o for o in valid if o.id not in existing]
        stored: set[str] = set()
        touched: list[int] = []
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
        self._update_node(conn, node, received, fresh)
        return stored, touched

    def _write_group(self, jobs: list[tuple[Node, list[WireObservation]]]) -> list[tuple[set[str], list[int]]]:
        try:
            with self.store.write() as conn:
                return [self._write(conn, node, valid) for node, valid in jobs]
        except BaseException:
            # a target one job of the group made was seen (and cached) by another: gone with the rollback
            self.grouper.forget()
            raise

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
