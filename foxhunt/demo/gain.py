"""Manual tuner gain per hop, steered from visit to visit: the strongest channel of a hop's last
capture is brought toward :data:`TARGET_DBFS`, leaving headroom below the 8-bit ADC's full scale
while lifting weak hops above its quantisation noise. Every capture still has a known, fixed gain,
so its power readings stay calibrated (an AGC's would not)."""

from __future__ import annotations

from sensors.rtlsdr import R820T_GAINS_DB
from sensors.scan import HopResult

TARGET_DBFS = -20.0
#: Where a hop starts, and the most it may reach (above it the R820T's own noise dominates).
START_DB = 29.7
MAX_DB = 44.5
#: A hop with nothing above the floor: one step this large up per visit.
EMPTY_STEP_DB = 6.0


class HopGains:
    def __init__(self) -> None:
        self._gain: dict[float, float] = {}

    def gain(self, center_hz: float) -> float:
        return self._gain.get(center_hz, START_DB)

    def update(self, result: HopResult) -> None:
        """The next visit's gain from this capture's strongest channel."""
        if result.gain_db is None:
            return
        strongest = max((p.power_dbfs for p in result.peaks), default=None)
        want = result.gain_db + (EMPTY_STEP_DB if strongest is None else TARGET_DBFS - strongest)
        fitting = [g for g in R820T_GAINS_DB if g <= min(want, MAX_DB)]
        self._gain[result.hop.center_hz] = fitting[-1] if fitting else R820T_GAINS_DB[0]
