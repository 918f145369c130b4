"""Re-locating targets as readings arrive, off the request path: one worker thread per server.

Ingest marks a target dirty (``targets.dirty_since``, in the database, so a restart resumes the
work). The worker waits until a target has been dirty for ``debounce_s`` (readings of one sweep
arrive together) and its last fix is ``min_interval_s`` old (the locator's CPU stays with ingest
when readings pour in), clears the mark, then runs the locator on the target's recent readings and
appends the fix to the target's history: a moving transmitter leaves a track of fixes.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy import and_, delete, func, insert, or_, select, update

from locator.errors import LocatorError
from locator.estimate import locate
from locator.readings import Readings
from webmap.metrics import Metrics
from webmap.schema import fixes, nodes, observations, targets
from webmap.store import Store, now

log = logging.getLogger(__name__)


def _locator_pool() -> ProcessPoolExecutor:
    # niced: when the CPU is short, requests (and their acknowledgements) go first, fixes wait
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=os.nice, initargs=(10,))


def locate_json(locate_fn: Callable, readings: Readings) -> dict:
    """The fix as JSON (run in the locator's process: only plain data crosses back)."""
    return locate_fn(readings).to_json()


class Relocator:
    def __init__(self, store: Store, *, debounce_s: float = 2.0, min_interval_s: float = 15.0,
                 window_s: float = 600.0,
                 min_readings: int = 4, max_readings: int = 4000, retention_days: float | None = None,
                 metrics: Metrics | None = None, judge: Callable | None = None,
                 locate_fn: Callable = locate, duty: float = 0.25):
        self.store = store
        self.debounce_s, self.min_interval_s, self.window_s = debounce_s, min_interval_s, window_s
        self.min_readings, self.max_readings = min_readings, max_readings
        self.retention_days = retention_days
        self.metrics = metrics or Metrics()
        self.judge = judge                     # webmap.verdicts.Judge: evaluate(conn, t), record(conn, t, v)
        self.locate_fn = locate_fn             # locator.estimate.locate: Readings -> Fix
        self.duty = duty                       # share of wall time the worker may take (0..1]
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._last_purge = 0.0

    def notify(self, target_ids=()) -> None:
        self._wake.set()

    def start(self, *, subprocess: bool = True) -> None:
        """Run in a thread; the locator itself in a child process (``subprocess``), so its seconds of
        CPU do not hold this process's GIL while requests wait for it."""
        if subprocess:
            self._pool = _locator_pool()
        self._thread = threading.Thread(target=self._run, name="foxhunt-relocate", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once(throttle=True)
                self._purge_if_due()
            except Exception:           # the worker must outlive a bad row or a lost connection
                log.exception("re-location pass failed")
                self.metrics.inc("foxhunt_relocations_total", outcome="crashed")
                busy = 0
            if not busy:
                self._wake.wait(self.debounce_s)
                self._wake.clear()

    def pending(self) -> int:
        with self.store.read() as conn:
            return conn.execute(select(func.count()).where(targets.c.dirty_since.is_not(None))).scalar_one()

    def run_once(self, *, settle: bool = True, throttle: bool = False) -> int:
        """Re-locate the targets that have settled (all dirty ones when ``settle`` is False); how many.
        ``throttle``: pause after each target so the worker's own share of the GIL stays near ``duty``."""
        t = now()
        q = select(targets).where(targets.c.dirty_since.is_not(None)).order_by(targets.c.dirty_since).limit(32)
        if settle:   # readings of one sweep arrive together; and a fix a few seconds old is still fresh
            q = q.where(targets.c.dirty_since <= t - self.debounce_s,
                        or_(targets.c.located_at.is_(None), targets.c.located_at <= t - self.min_interval_s))
        with self.store.read() as conn:
            due = conn.execute(q).all()
        for t in due:
            if self._stop.is_set():
                break
            started = time.perf_counter()
            # short write transactions only: on SQLite every writer waits for the one in progress,
            # so the counting and the verdict's rules run in read transactions between them
            with self.store.write() as conn:
                cleared = conn.execute(update(targets).where(and_(targets.c.id == t.id,
                                                                  targets.c.dirty_since == t.dirty_since))
                                       .values(dirty_since=None)).rowcount
            if not cleared:
                continue
            t = self._refresh(t)
            if self.judge is not None:
                with self.store.read() as conn:
                    verdict = self.judge.evaluate(conn, t)
                if verdict is not None:
                    with self.store.write() as conn:
                        self.judge.record(conn, t, verdict)
            self.relocate(t)
            if throttle:
                self._stop.wait((time.perf_counter() - started) * (1.0 / self.duty - 1.0))
        return len(due)

    def _refresh(self, t):
        """Count and last-heard time from the observations (ingest leaves them to this worker, so
        concurrent batches never write the same target rows)."""
        with self.store.read() as conn:
            n, last = conn.execute(select(func.count(), func.max(observations.c.time))
                                   .where(observations.c.target_id == t.id)).one()
        with self.store.write() as conn:
            conn.execute(update(targets).where(targets.c.id == t.id).values(
                n_observations=n, last_seen_at=max(last or t.last_seen_at, t.last_seen_at)))
            return conn.execute(select(targets).where(targets.c.id == t.id)).one()

    def readings(self, t) -> Readings:
        """The target's readings over the window ending at its newest one (floor readings of its
        channel that no cell claimed count too: nothing was heard there)."""
        mine = or_(observations.c.target_id == t.id,
                   and_(observations.c.channel == t.channel, observations.c.floor.is_(True),
                        observations.c.target_id.is_(None)))
        q = (select(observations.c.time, nodes.c.name, observations.c.lat, observations.c.lon,
                    observations.c.freq_hz, observations.c.power_dbm, observations.c.floor)
             .join(nodes, nodes.c.id == observations.c.node_id)
             .where(observations.c.kind == "power", mine, observations.c.lat.is_not(None),
                    observations.c.time >= t.last_seen_at - self.window_s)
             .order_by(observations.c.time.desc()).limit(self.max_readings))
        with self.store.read() as conn:
            rows = conn.execute(q).all()
        cols = list(zip(*rows)) if rows else [[]] * 7
        return Readings.of(cols[0], list(cols[1]), cols[2], cols[3], cols[4], cols[5], cols[6], target=t.key)

    def relocate(self, t) -> dict | None:
        r = self.readings(t)
        if int((~r.censored).sum()) < self.min_readings:
            self.metrics.inc("foxhunt_relocations_total", outcome="too_few_readings")
            return None
        try:
            if self._pool is not None:
                try:
                    fix = self._pool.submit(locate_json, self.locate_fn, r).result()
                except BrokenProcessPool:    # the child died (killed, out of memory): a new one next time
                    self._pool = _locator_pool()
                    raise
            else:
                fix = locate_json(self.locate_fn, r)
        except LocatorError as exc:
            log.info("target %s not located: %s", t.key, exc)
            self.metrics.inc("foxhunt_relocations_total", outcome="locator_error")
            return None
        except Exception:   # a locator bug must not stop the worker, nor the other targets
            log.exception("locator failed on target %s (%d readings)", t.key, len(r))
            self.metrics.inc("foxhunt_relocations_total", outcome="locator_failed")
            return None
        done = now()
        with self.store.write() as conn:
            conn.execute(insert(fixes).values(
                target_id=t.id, computed_at=done, window_start=float(r.timestamp.min()),
                window_end=float(r.timestamp.max()), n_readings=len(r), lat=fix["lat"], lon=fix["lon"],
                radius_95_m=fix["radius_95_m"], fix=json.dumps(fix)))
            conn.execute(update(targets).where(targets.c.id == t.id).values(located_at=done))
        self.metrics.inc("foxhunt_relocations_total", outcome="located")
        return fix

    def _purge_if_due(self) -> None:
        """Retention: raw power readings older than ``retention_days`` go, hourly; fixes stay."""
        if self.retention_days is None or now() - self._last_purge < 3600:
            return
        self._last_purge = now()
        with self.store.write() as conn:
            gone = conn.execute(delete(observations).where(
                observations.c.kind == "power", observations.c.time < now() - self.retention_days * 86400)).rowcount
        log.info("retention: %d power readings older than %g days deleted", gone, self.retention_days)
