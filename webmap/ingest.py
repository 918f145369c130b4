"""Storing a node's batch: each observation id at most once, in one transaction per batch.

The response is sent only after the commit, so an acknowledged observation is on disk; a batch
cut off before its commit is rolled back whole and the node, having no acknowledgement, resends it.
The targets a batch touches are marked for the worker (``targets.dirty_since``): those it observed,
and the FM targets on the source frequencies of an aeronautical-band emission it carries, whose
verdicts weigh it (:func:`emitters`).
"""

from __future__ import annotations

import json
import queue
import threading
from collections import Counter
from concurrent.futures import Future
from operator import itemgetter

import orjson
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dsp.verdict.rules.fm_aviation_spurious import RULE as AVIATION_RULE
from webmap.channel_log import ChannelLog, Pending
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


#: An emission's source frequency names the FM targets this close (fm.aviation_spurious's match).
SOURCE_MATCH_HZ = AVIATION_RULE.thresholds["match_hz"]
#: The observation columns that differ between the rows of a batch (node_id, received_at do not).
ROW_COLUMNS = ("id", "kind", "time", "lat", "lon", "freq_hz", "power_dbm", "floor", "channel", "target_id", "raw")
_ID, _TARGET = ROW_COLUMNS.index("id"), ROW_COLUMNS.index("target_id")


def _real(v) -> float | None:
    # JSON allows 31 for 31.0; one column's values must share a type (PostgreSQL's float8[] array)
    return None if v is None else float(v)


def _row(o: WireObservation, target_id: int | None, channel: str | None) -> tuple:
    """The values of ``ROW_COLUMNS`` for one observation."""
    p = o.payload
    power = o.kind == "power"
    return (o.id, o.kind, o.time, _real(o.lat), _real(o.lon),
            _real(p.get("freq_hz")) if o.kind in ("gsm_cell", "fm_station", "spurious", "power") else None,
            _real(p["power_dbm"]) if power else None, p["floor"] if power else None,
            channel, target_id, orjson.dumps(o.raw).decode())


def emitters(conn, spurious: list[WireObservation]) -> list[int]:
    """The FM targets on the source frequencies of aeronautical-band emissions (wire ``spurious``):
    their verdicts weigh the emissions (webmap.verdicts), so they are re-judged when one arrives,
    not only at their own next decode."""
    freqs = {round(float(f), -3) for o in spurious
             for f in (*(o.payload.get("sources_hz") or ()), o.payload.get("related_to_hz")) if f is not None}
    if not freqs:
        return []
    near = or_(*(targets.c.freq_hz.between(f - SOURCE_MATCH_HZ, f + SOURCE_MATCH_HZ) for f in sorted(freqs)))
    return list(conn.execute(select(targets.c.id).where(targets.c.kind == "fm", near)).scalars())


class _Writes:
    """A batch's three statements, as driver SQL over the schema's column names: SQLAlchemy Core
    spends more Python per row building and binding a many-row statement than the database takes
    to store it."""

    dialect = None

    def __init__(self):
        quote = self.dialect.identifier_preparer.quote
        self.columns = [c.name for c in observations.columns]
        self._cols = ", ".join(quote(c) for c in self.columns)
        self._quote = quote

    def existing(self, conn, ids: list[str]) -> set[str]:
        raise NotImplementedError

    def insert(self, conn, node_id: int, received: float, rows: list[tuple]) -> set[str]:
        """The ids of ``rows`` stored now (the others were there already)."""
        raise NotImplementedError

    def mark_dirty(self, conn, target_ids: list[int], t: float) -> None:
        """Only the first batch after a fix marks a target: the others then change no row, so
        concurrent batches do not queue on the same targets' row locks."""
        raise NotImplementedError


class SqliteWrites(_Writes):
    """One writer at a time (``BEGIN IMMEDIATE``): the ids this transaction found absent stay absent
    until it commits, so every row inserted is stored; ``executemany`` binds the rows in C."""

    dialect = sqlite.dialect()

    def __init__(self):
        super().__init__()
        order = ("node_id", "received_at") + ROW_COLUMNS
        self._insert_sql = (f"INSERT INTO observations ({', '.join(self._quote(c) for c in order)}) "
                            f"VALUES ({', '.join('?' * len(order))})")

    def existing(self, conn, ids: list[str]) -> set[str]:
        return {r[0] for r in conn.exec_driver_sql(
            f"SELECT id FROM observations WHERE id IN ({', '.join('?' * len(ids))})", tuple(ids))}

    def insert(self, conn, node_id: int, received: float, rows: list[tuple]) -> set[str]:
        conn.exec_driver_sql(self._insert_sql, [(node_id, received, *r) for r in rows])
        return {r[_ID] for r in rows}

    def mark_dirty(self, conn, target_ids: list[int], t: float) -> None:
        conn.exec_driver_sql(f"UPDATE targets SET dirty_since = ? WHERE id IN ({', '.join('?' * len(target_ids))}) "
                             "AND dirty_since IS NULL", (t, *target_ids))


class PostgresWrites(_Writes):
    """Concurrent writers, so ``ON CONFLICT DO NOTHING RETURNING`` says which rows this batch stored;
    each column goes as one binary array parameter, one statement text for any batch. psycopg
    parses and caches a query text only up to 4 096 characters and 50 parameters: a multi-row
    VALUES (1 300 parameters for 100 observations) or an IN list it re-parses with a regular
    expression on every batch (~7 ms of the GIL per 100 observations), and text arrays it escapes
    element by element (~4 ms more)."""

    dialect = postgresql.dialect()

    def __init__(self):
        super().__init__()
        types = {c.name: c.type.compile(dialect=self.dialect) for c in observations.columns}
        arrays = ", ".join(f"%({c})b::{types[c]}[]" for c in ROW_COLUMNS)
        picked = ", ".join(f"%({c})s" if c not in ROW_COLUMNS else f"u.{self._quote(c)}" for c in self.columns)
        self._insert_sql = (f"INSERT INTO observations ({self._cols}) SELECT {picked} FROM unnest({arrays}) "
                            f"AS u({', '.join(self._quote(c) for c in ROW_COLUMNS)}) "
                            "ON CONFLICT (id) DO NOTHING RETURNING id")

    def existing(self, conn, ids: list[str]) -> set[str]:
        return {r[0] for r in conn.exec_driver_sql("SELECT id FROM observations WHERE id = ANY(%(ids)b::text[])",
                                                   {"ids": ids})}

    def insert(self, conn, node_id: int, received: float, rows: list[tuple]) -> set[str]:
        # in id order: two batches holding the same new ids wait for one another instead of deadlocking
        params = dict(zip(ROW_COLUMNS, map(list, zip(*sorted(rows, key=itemgetter(_ID))))),
                      node_id=node_id, received_at=received)
        return {r[0] for r in conn.exec_driver_sql(self._insert_sql, params)}

    def mark_dirty(self, conn, target_ids: list[int], t: float) -> None:
        conn.exec_driver_sql("UPDATE targets SET dirty_since = %(t)s WHERE id = ANY(%(ids)b::integer[]) "
                             "AND dirty_since IS NULL", {"t": t, "ids": target_ids})


class Ingest:
    """Writes batches; ``on_dirty`` is called with the ids of targets that got new observations."""

    def __init__(self, store: Store, on_dirty=lambda ids: None, *, group_commit: bool | None = None):
        self.store = store
        # SQLite commits one transaction at a time, each with an fsync: batches that arrive while
        # one commits are written together and share the next fsync
        use = store.dialect == "sqlite" if group_commit is None else group_commit
        self._committer = GroupCommitter(self._write_group) if use else None
        self.grouper = Grouper(store.dialect)
        self.channels = ChannelLog(store.dialect)
        self._sql = PostgresWrites() if store.dialect == "postgresql" else SqliteWrites()
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

    def _write(self, conn, node: Node, valid: list[WireObservation], pending: Pending) -> tuple[set[str], list[int]]:
        """One batch inside a write transaction: (ids stored now, targets touched)."""
        received = now()
        existing = self._sql.existing(conn, [o.id for o in valid])
        fresh = [o for o in valid if o.id not in existing]
        stored: set[str] = set()
        touched: list[int] = []
        if fresh:
            groups = self.grouper.assign(conn, node.id, fresh)
            rows = [_row(o, *groups.get(o.id, (None, None))) for o in fresh]
            stored = self._sql.insert(conn, node.id, received, rows)
            touched = sorted({r[_TARGET] for r in rows if r[_ID] in stored and r[_TARGET] is not None}
                             | set(emitters(conn, [o for o in fresh if o.kind == "spurious" and o.id in stored])))
            if touched:
                self._sql.mark_dirty(conn, touched, received)
            self.channels.record(conn, node.id, fresh, groups, pending)
        self._update_node(conn, node, received, fresh)
        return stored, touched

    def _write_group(self, jobs: list[tuple[Node, list[WireObservation]]]) -> list[tuple[set[str], list[int]]]:
        pending = Pending()
        try:
            with self.store.write() as conn:
                results = [self._write(conn, node, valid, pending) for node, valid in jobs]
        except BaseException:
            # a target one job of the group made was seen (and cached) by another: gone with the rollback
            self.grouper.forget()
            raise
        self.channels.remember(pending)
        return results

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
