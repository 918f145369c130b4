"""The power readings the locator works from: one frozen record per reading and a columnar batch.

Spec: the ``locate`` READINGS.csv columns of INTERFACES.md (timestamp, node_id, lat, lon, freq_hz,
power_dbm, target), plus an optional censoring flag: a node at its floor heard nothing above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from locator.errors import LocatorError
from locator.geodesy import check_latlon

#: |power_dbm| beyond this is no received power (a unit or column mix-up); it would also overflow Q.
MAX_ABS_POWER_DBM = 1000.0


@dataclass(frozen=True)
class Reading:
    """One received-power reading. ``censored`` means the true power was at or below ``power_dbm``."""

    timestamp: float          # Unix seconds, UTC
    node_id: str
    lat: float
    lon: float
    freq_hz: float
    power_dbm: float
    target: str | None = None
    censored: bool = False


@dataclass(frozen=True, eq=False)
class Readings:
    """A batch of readings of ONE target as parallel arrays (what the estimator consumes)."""

    timestamp: np.ndarray     # float64 Unix seconds
    node_id: np.ndarray       # object (str)
    lat: np.ndarray
    lon: np.ndarray
    freq_hz: np.ndarray
    power_dbm: np.ndarray
    censored: np.ndarray      # bool
    target: str = ""

    def __post_init__(self) -> None:
        n = len(self.power_dbm)
        for name in ("timestamp", "node_id", "lat", "lon", "freq_hz", "censored"):
            if len(getattr(self, name)) != n:
                raise LocatorError(f"readings.{name}: {len(getattr(self, name))} values, expected {n}")
        for name in ("timestamp", "freq_hz", "power_dbm"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise LocatorError(f"readings.{name}: every value must be a finite number")
        if np.any(self.freq_hz <= 0):
            raise LocatorError("readings.freq_hz: every value must be a positive frequency (Hz)")
        if np.any(np.abs(self.power_dbm) > MAX_ABS_POWER_DBM):
            raise LocatorError(f"readings.power_dbm: every value must be within ±{MAX_ABS_POWER_DBM:g} dBm")
        check_latlon(self.lat, self.lon, "readings")

    def __len__(self) -> int:
        return len(self.power_dbm)

    @classmethod
    def of(cls, timestamp, node_id, lat, lon, freq_hz, power_dbm, censored=None, target: str = "") -> "Readings":
        """Build a batch from sequences, converting types (censored defaults to all False)."""
        power = np.asarray(power_dbm, dtype=float)
        n = power.size
        return cls(np.broadcast_to(np.asarray(timestamp, dtype=float), (n,)).copy(),
                   np.asarray(node_id, dtype=object).reshape(-1) if np.ndim(node_id) else np.full(n, str(node_id), object),
                   np.asarray(lat, dtype=float).reshape(-1), np.asarray(lon, dtype=float).reshape(-1),
                   np.broadcast_to(np.asarray(freq_hz, dtype=float), (n,)).copy(), power.reshape(-1),
                   np.zeros(n, bool) if censored is None else np.asarray(censored, dtype=bool).reshape(-1),
                   target)

    @classmethod
    def from_records(cls, records: Iterable[Reading], target: str = "") -> "Readings":
        rs = list(records)
        return cls.of([r.timestamp for r in rs], [r.node_id for r in rs], [r.lat for r in rs],
                      [r.lon for r in rs], [r.freq_hz for r in rs], [r.power_dbm for r in rs],
                      [r.censored for r in rs], target)

    def records(self) -> list[Reading]:
        return [Reading(float(t), str(n), float(a), float(o), float(f), float(p), self.target or None, bool(c))
                for t, n, a, o, f, p, c in zip(self.timestamp, self.node_id, self.lat, self.lon,
                                              self.freq_hz, self.power_dbm, self.censored)]

    def subset(self, mask: np.ndarray) -> "Readings":
        """The readings selected by a boolean mask or index array (same target)."""
        return Readings(self.timestamp[mask], self.node_id[mask], self.lat[mask], self.lon[mask],
                        self.freq_hz[mask], self.power_dbm[mask], self.censored[mask], self.target)


def group_by_target(records: Iterable[Reading]) -> dict[str, Readings]:
    """Batches per target: by ``target`` when given, else by frequency (as ``"<freq MHz>MHz"``)."""
    groups: dict[str, list[Reading]] = {}
    for r in records:
        key = r.target if r.target else f"{r.freq_hz / 1e6:.4f}MHz"
        groups.setdefault(key, []).append(r)
    return {k: Readings.from_records(v, target=k) for k, v in groups.items()}
