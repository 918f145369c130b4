"""Re-locating targets as readings arrive, off the request path: one worker thread per server.

Ingest marks a target dirty (``targets.dirty_since``, in the database, so a restart resumes the
work). The worker waits until a target has been dirty for ``debounce_s`` (readings of one sweep
arrive together) and its last fix is ``min_interval_s`` old (the locator's CPU stays with ingest
when readings pour in), clears the mark, then runs the locator on the target's recent readings and
appends the fix to the target's history: a moving transmitter leaves a track of fixes.

What the locator is given, and how (the locator itself is locator/):
- Floor readings (a node's "nothing heard here", censored) are dropped when the same node heard
  the target within ``FLOOR_GUARD_S`` of them: a short detection hop misses a carrier that is well
  above the floor (the demo's van logged floors 25 dB below what it read a second later, at the
  same place), and a censored reading 25 dB too low drags the fit away from the node.
- A target whose readings fail the locator's motion test (places revisited in several time windows
  changed level beyond fading: locator.tracking.motion_test), or whose last fix was moving when the
  test cannot tell, is located on its newest readings only (``MOVING_WINDOW_S``, doubled until
  they can be located): a static fit to ten minutes of a car's readings is nowhere. The fix is
  where it was around the middle of that window; its 95 % region is widened by how far it may
  have driven since, at ``MOVING_SPEED_M_S``, so that it holds the target at the window's end.
  The fix says ``"moving": true``; the target's fixes are its track.
- GSM targets are located with each node's gain offset (shrunk by its own uncertainty:
  :func:`shrunk_gains`) and the path-loss exponent calibrated on the licensed cells of the register
  that the nodes hear (locator.pathloss.calibrate: their sites are known), refitted every
  ``CALIBRATE_EVERY_S``; the exponent is trusted no tighter than
  ``EXPONENT_SD_FLOOR``, as a pseudo base station at street level does not propagate like rooftop
  cells. With four fixed nodes, an unknown EIRP and an exponent known to ±0.5 only, the 95 %
  region of a transmitter outside the nodes' ring spans kilometres either way.
- GSM targets: partial ones (no identity) are merged into their cell once it is known
  (webmap.grouping.absorb_partials); a ghost (webmap.grouping.ghost_of) is neither judged nor
  located, and is labelled as the ghost of its carrier.
"""

from __future__ import annotations

import functools
import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from sqlalchemy import and_, delete, func, insert, or_, select, update

from locator.errors import LocatorError
from locator.estimate import locate
from locator.geodesy import LocalFrame
from locator.pathloss import ExponentPrior, calibrate
from locator.readings import Readings
from locator.tracking import motion_test
from webmap import audit
from webmap.cases import latest_fix
from webmap.grouping import absorb_partials, ghost_of
from webmap.metrics import Metrics
from webmap.registers import cell_identity
from webmap.schema import fixes, nodes, observations, targets
from webmap.store import Store, now

log = logging.getLogger(__name__)


def _locator_pool() -> ProcessPoolExecutor:
    # niced: when the CPU is short, requests (and their acknowledgements) go first, fixes wait
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=os.nice, initargs=(10,))


#: A floor reading within this long of a reading the same node heard is a missed detection.
FLOOR_GUARD_S = 30.0
#: A moving target is located on its readings of this last stretch (doubled until it can be).
MOVING_WINDOW_S = 120.0
#: How fast a moving target is taken to drive (urban traffic), for its region's allowance.
MOVING_SPEED_M_S = 10.0
#: Node gains and the GSM path-loss exponent are refitted on the licensed cells this often (s).
CALIBRATE_EVERY_S = 60.0
EXPONENT_SD_FLOOR = 0.3
#: Readings a calibration reads at most (the newest).
CALIBRATION_READINGS = 20000
#: A label the worker gives a ghost target starts with this (it clears its own labels only).
GHOST_LABEL = "ghost of "


def credible_floors(readings: Readings, guard_s: float = FLOOR_GUARD_S) -> Readings:
    """The readings without the floor readings of a node that heard the target within ``guard_s``."""
    drop = np.zeros(len(readings), bool)
    for node in np.unique(readings.node_id[readings.censored]):
        mine = readings.node_id == node
        heard = np.sort(readings.timestamp[mine & ~readings.censored])
        if heard.size == 0:
            continue
        floors = np.flatnonzero(mine & readings.censored)
        t = readings.timestamp[floors]
        i = np.clip(np.searchsorted(heard, t), 1, heard.size) - 1
        near = np.minimum(np.abs(heard[i] - t), np.abs(heard[np.minimum(i + 1, heard.size - 1)] - t))
        drop[floors[near <= guard_s]] = True
    return readings.subset(~drop) if drop.any() else readings


def shrunk_gains(gains: dict[str, float], residual_sd_db: float, tx: np.ndarray, rows) -> dict[str, float]:
    """Node gains shrunk toward 0 by how much of their spread their own error explains (empirical
    Bayes): a node's gain is fitted on one shadowing draw per cell it hears, so it is uncertain by
    about residual_sd / √cells. Offsets of many dB between stations (other antennas, cables) are
    kept nearly whole; offsets of the size of that error (the demo's nodes differ by ±2 dB) mostly
    go, instead of being applied as exact and shrinking the regions on noise."""
    node = np.array([r.name for r in rows], dtype=object)
    err2 = {n: residual_sd_db ** 2 / max(len(np.unique(tx[node == n])), 1) for n in gains}
    spread = max(float(np.mean([g * g - err2[n] for n, g in gains.items()])), 0.0)
    return {n: g * spread / (spread + err2[n]) for n, g in gains.items()}


def locate_json(locate_fn: Callable, readings: Readings, was_moving: bool = False,
                options: dict | None = None) -> dict:
    """The fix as JSON (run in the locator's process: only plain data crosses back), with
    ``moving``, the motion test's figures and the ``window`` [start, end] it was located on;
    ``options`` go to ``locate_fn`` (the calibration)."""
    if options:
        locate_fn = functools.partial(locate_fn, **options)
    motion = motion_test(readings)
    moving = motion.moving if motion.moving is not None else was_moving
    if moving:
        out = _locate_recent(locate_fn, readings)
    else:
        out = locate_fn(readings).to_json()
        out["window"] = [float(readings.timestamp.min()), float(readings.timestamp.max())]
    out["moving"] = bool(moving)
    out["motion"] = {"f_statistic": _finite(motion.f_statistic), "p_value": _finite(motion.p_value),
                     "rms_change_db": _finite(motion.rms_change_db), "n_places": motion.n_places}
    return out


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _locate_recent(locate_fn: Callable, readings: Readings) -> dict:
    """The newest stretch of a moving target's readings that can be located, its region widened by
    the drive from the stretch's middle (where a static fit puts it) to its end."""
    t = readings.timestamp
    end = float(t.max())
    span = MOVING_WINDOW_S
    while True:
        recent = readings.subset(t >= end - span)
        try:
            fix = locate_fn(recent)
            break
        except LocatorError:
            if len(recent) == len(readings):
                raise
            span *= 2.0
    heard = recent.timestamp[~recent.censored]
    allowance = MOVING_SPEED_M_S * (end - float(np.median(heard)))
    out = fix.widened(allowance).to_json()
    out["window"] = [float(recent.timestamp.min()), end]
    out["motion_allowance_m"] = round(allowance, 1)
    return out


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
        self._calibrated_at = -float("inf")
        self._calibration: dict = {}

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
        with self.store.write() as conn:
            for merged in absorb_partials(conn):
                log.info("partial target %s merged into %s", *merged)
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
            if t.kind == "gsm" and self._ghost(t):
                continue
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

    def _ghost(self, t) -> bool:
        """Whether the target is a ghost (webmap.grouping.ghost_of): then it keeps no verdict and is
        labelled (unless someone labelled it); a target no longer a ghost loses the worker's label."""
        with self.store.read() as conn:
            carrier = ghost_of(conn, t)
        ours = t.label is None or t.label.startswith(GHOST_LABEL)
        if carrier is None:
            if ours and t.label is not None:
                with self.store.write() as conn:
                    conn.execute(update(targets).where(targets.c.id == t.id).values(label=None))
            return False
        label = f"{GHOST_LABEL}{carrier}"[:200] if ours else t.label
        if t.verdict is None and t.label == label:
            return True
        with self.store.write() as conn:
            conn.execute(update(targets).where(targets.c.id == t.id).values(
                label=label, verdict_class=None, verdict_score=None, verdict=None))
            audit.record(conn, "system", "target.ghost", {"of": carrier, "verdict_before": t.verdict_class},
                         target_id=t.id)
        self.metrics.inc("foxhunt_relocations_total", outcome="ghost")
        return True

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
        return credible_floors(Readings.of(cols[0], list(cols[1]), cols[2], cols[3], cols[4], cols[5], cols[6],
                                           target=t.key))

    def _was_moving(self, t) -> bool:
        with self.store.read() as conn:
            last = latest_fix(conn, t.id)
        return bool(last and json.loads(last.fix).get("moving"))

    def relocate(self, t) -> dict | None:
        r = self.readings(t)
        if int((~r.censored).sum()) < self.min_readings:
            self.metrics.inc("foxhunt_relocations_total", outcome="too_few_readings")
            return None
        was_moving = self._was_moving(t)
        options = self.calibration() if t.kind == "gsm" else {}
        try:
            if self._pool is not None:
                try:
                    fix = self._pool.submit(locate_json, self.locate_fn, r, was_moving, options).result()
                except BrokenProcessPool:    # the child died (killed, out of memory): a new one next time
                    self._pool = _locator_pool()
                    raise
            else:
                fix = locate_json(self.locate_fn, r, was_moving, options)
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
                target_id=t.id, computed_at=done, window_start=fix["window"][0],
                window_end=fix["window"][1], n_readings=fix["n_readings"], lat=fix["lat"], lon=fix["lon"],
                radius_95_m=fix["radius_95_m"], fix=json.dumps(fix)))
            conn.execute(update(targets).where(targets.c.id == t.id).values(located_at=done))
        self.metrics.inc("foxhunt_relocations_total", outcome="located")
        return fix

    def calibration(self) -> dict:
        """The locator's options for GSM targets (``node_gain_db``, ``prior``) from the licensed
        cells' readings of the last window, refitted every ``CALIBRATE_EVERY_S``; {} when the
        register or the readings cannot give one."""
        if self.judge is None or now() - self._calibrated_at < CALIBRATE_EVERY_S:
            return self._calibration
        self._calibrated_at = now()
        with self.store.read() as conn:
            register = self.judge.registers.get(conn, "cells")
            sites = {c.identity: (c.lat, c.lon) for c in (register.cells if register is not None else ())}
            known = {}
            for tid, identity in conn.execute(select(targets.c.id, targets.c.identity).where(targets.c.kind == "gsm")):
                site = sites.get(cell_identity(identity))
                if site is not None:
                    known[tid] = site
            newest = conn.execute(select(func.max(observations.c.time)).where(observations.c.kind == "power")).scalar()
            rows = [] if not known or newest is None else conn.execute(
                select(observations.c.target_id, nodes.c.name, observations.c.lat, observations.c.lon,
                       observations.c.power_dbm)
                .join(nodes, nodes.c.id == observations.c.node_id)
                .where(observations.c.kind == "power", observations.c.floor.is_(False),
                       observations.c.target_id.in_(known), observations.c.lat.is_not(None),
                       observations.c.time >= newest - self.window_s)
                .order_by(observations.c.time.desc()).limit(CALIBRATION_READINGS)).all()
        if len({r.target_id for r in rows}) < 2:
            self._calibration = {}
            return self._calibration
        tx = np.array([r.target_id for r in rows])
        lat, lon = np.array([r.lat for r in rows]), np.array([r.lon for r in rows])
        dx, dy = np.empty(len(rows)), np.empty(len(rows))
        for tid in np.unique(tx):
            sel = tx == tid
            frame = LocalFrame.around(np.array([known[tid][0]]), np.array([known[tid][1]]))
            dx[sel], dy[sel] = frame.to_xy(lat[sel], lon[sel])
        try:
            cal = calibrate(tx, [r.name for r in rows], dx, dy, [r.power_dbm for r in rows])
        except LocatorError as exc:
            log.info("no calibration: %s", exc)
            self._calibration = {}
            return self._calibration
        self._calibration = {"node_gain_db": shrunk_gains(cal.node_gain_db, cal.residual_sd_db, tx, rows),
                             "prior": ExponentPrior(cal.exponent.mean, max(cal.exponent.sd, EXPONENT_SD_FLOOR))}
        return self._calibration

    def _purge_if_due(self) -> None:
        """Retention: raw power readings older than ``retention_days`` go, hourly; fixes stay."""
        if self.retention_days is None or now() - self._last_purge < 3600:
            return
        self._last_purge = now()
        with self.store.write() as conn:
            gone = conn.execute(delete(observations).where(
                observations.c.kind == "power", observations.c.time < now() - self.retention_days * 86400)).rowcount
        log.info("retention: %d power readings older than %g days deleted", gone, self.retention_days)
