"""The FM carriers a node heard on its recent hops: what an air-band hop's emissions are related to
(ITU-R SM.1009 §2: harmonics and third-order intermodulation of broadcast carriers).

A 2.4 MS/s tuner never holds an FM carrier and the aviation band in one capture, so without this
memory an air-band emission could be traced to no carrier at all. The memory spans
:data:`MEMORY_S` of capture time rather than "the last complete FM sweep": a node's schedule
interleaves FM hops with GSM and air hops round-robin, so a sweep has no clean end, and a pirate
that left the air ten minutes ago no longer explains anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from sensors.errors import SensorError

#: A carrier explains air-band emissions for this long after it was last heard (capture time, s).
MEMORY_S = 600.0
#: Two sightings this close are one carrier (broadcast stations are ≥ 100 kHz apart, off-raster
#: pirates ≥ 50 kHz from their neighbours; one carrier measured twice differs by far less).
SAME_CARRIER_HZ = 10e3


class HeardCarriers:
    """Carrier frequency → when last heard. Used by the one decode thread of a sweep
    (:func:`sensors.scan.results`), in hop order, so no lock."""

    def __init__(self, memory_s: float = MEMORY_S):
        if not memory_s > 0:
            raise SensorError(f"HeardCarriers: memory_s {memory_s}: expected > 0")
        self.memory_s = memory_s
        self._heard: dict[float, float] = {}

    def note(self, freqs_hz: Iterable[float], t: float) -> None:
        """Carriers decoded in a capture made at ``t`` (Unix s); a new sighting replaces an older
        one of the same carrier (its newest measured frequency is kept)."""
        for f in map(float, freqs_hz):
            for old in [g for g in self._heard if abs(g - f) <= SAME_CARRIER_HZ]:
                t = max(t, self._heard.pop(old))
            self._heard[f] = t

    def recent(self, t: float, outside: tuple[float, float] = (math.inf, -math.inf)) -> tuple[float, ...]:
        """The carriers heard within :data:`MEMORY_S` before ``t`` (or after it), sorted, leaving out
        those in ``outside`` = (lo, hi) Hz: a capture spanning them measures them itself (and a
        carrier it does not find there is off the air now)."""
        lo, hi = outside
        self._heard = {f: when for f, when in self._heard.items() if when >= t - self.memory_s}
        return tuple(sorted(f for f in self._heard if not lo <= f <= hi))
