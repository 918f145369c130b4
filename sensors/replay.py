"""Replay of SigMF recordings as if they were live: one recording, or a folder of per-hop recordings.

Tuning selects the recording whose centre frequency matches; each recording resumes where it was
left. Timestamps come from the recording's ``core:datetime`` (else the wall clock at open) plus the
sample offset, positions from ``core:geolocation`` or a GPS track. Paced replay delivers samples
no faster than a dongle would: after a retune the clock restarts at the wall time of the tune, so a
consumer sees the same timing as on hardware.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sensors.errors import SourceError
from sensors.recording import META_EXT, Recording, open_recording
from sensors.source import Source, check_read_count
from sensors.wire import Position

#: How close a requested frequency must be to a recording's centre to select it.
TUNE_TOLERANCE_HZ = 1e3


@dataclass
class _Hop:
    recording: Recording
    t0: float
    cursor: int = 0


class ReplaySource(Source):
    """Recordings played back through the :class:`~sensors.source.Source` interface."""

    def __init__(self, path: str | Path, *, paced: bool = False, track=None, loop: bool = False):
        p = Path(path)
        self.name = f"sigmf:{p}"
        metas = sorted(p.glob(f"*{META_EXT}")) if p.is_dir() else [p]
        if not metas:
            raise SourceError(f"{p}: folder holds no SigMF recordings (*{META_EXT})")
        opened = time.time()
        self._hops: dict[float, _Hop] = {}
        for m in metas:
            rec = open_recording(m)
            info = rec.info
            f = info.center_freq
            if f in self._hops:
                raise SourceError(f"{m}: a second recording at {f / 1e6:.3f} MHz in {p}")
            t0 = info.datetime.timestamp() if info.datetime else opened
            self._hops[f] = _Hop(rec, t0)
        rates = {h.recording.info.sample_rate for h in self._hops.values()}
        if len(rates) != 1:
            raise SourceError(f"{p}: recordings at different sample rates {sorted(rates)}; replay needs one")
        self._rate = rates.pop()
        self.fixed_freqs = tuple(sorted(self._hops))
        self._current = self._hops[self.fixed_freqs[0]]
        self._paced, self._loop, self._track = paced, loop, track
        self._clock: float | None = None

    @property
    def center_freq(self) -> float:
        return self._current.recording.info.center_freq

    def tune(self, freq_hz: float) -> None:
        best = min(self.fixed_freqs, key=lambda f: abs(f - freq_hz))
        if abs(best - freq_hz) > TUNE_TOLERANCE_HZ:
            have = ", ".join(f"{f / 1e6:.3f}" for f in self.fixed_freqs[:8])
            raise SourceError(f"{self.name}: no recording at {freq_hz / 1e6:.3f} MHz "
                              f"(recorded hops, MHz: {have}{' …' if len(self.fixed_freqs) > 8 else ''})")
        self._current = self._hops[best]
        self._clock = None

    def read(self, n: int) -> tuple[np.ndarray, float]:
        n = check_read_count(self, n)
        hop = self._current
        total = hop.recording.info.n_samples
        if hop.cursor + n > total:
            if not self._loop or n > total:
                raise SourceError(f"{hop.recording.info.data_path}: recording ends after {total} samples; "
                                  f"{hop.cursor + n} asked")
            hop.cursor = 0
        x = hop.recording.read(hop.cursor, n)
        t = hop.t0 + hop.cursor / self._rate
        hop.cursor += n
        if self._paced:
            self._pace(n)
        return x, t

    def _pace(self, n: int) -> None:
        """Return no earlier than a dongle streaming since the last tune would have delivered n more."""
        now = time.monotonic()
        start = now if self._clock is None else self._clock
        self._clock = start + n / self._rate
        if self._clock > now:
            time.sleep(self._clock - now)

    def position(self, t: float) -> Position | None:
        if self._track is not None:
            return self._track.position(t)
        geo = self._current.recording.info.geolocation
        if geo is None:
            return None
        return Position(geo.lat, geo.lon, alt_m=geo.alt_m, fix="3d" if geo.alt_m is not None else "2d",
                        source="track")
