"""Tight scan plans for the demo nodes: only the hops the scenario's emitters fall in.

A full sweep of E-GSM, FM and the air band costs a simulated node ~8 s of rendered IQ per cycle;
the demo city needs a fraction of those hops. Carriers are clustered into captures with the same
slice rule as :func:`sensors.plan.plan_band` (the usable middle of the capture minus a channel
guard at each end) and dwell the times of :mod:`sensors.plan` (3GPP TS 45.002 §4.3 for GSM).
"""

from __future__ import annotations

from dataclasses import dataclass

from dsp.bands import plan_hops
from sensors.plan import (AIR_DWELL_S, AIR_GUARD_HZ, FM_DWELL_S, FM_GUARD_HZ, GSM_DETECT_DWELL_S, GSM_GUARD_HZ,
                          GSM_SI_DWELL_S, USABLE_FRACTION, PlannedHop)
from sensors.scenario import Scenario


#: An air-band capture is tuned this far above the emissions it is for (see :func:`_off_centre`).
AIR_TUNE_OFFSET_HZ = 300e3


@dataclass(frozen=True)
class DemoPlan:
    """The hops of one node: GSM detection (every cycle), GSM identity, FM and air (round-robin)."""

    detect: tuple[PlannedHop, ...]
    identity: tuple[PlannedHop, ...]
    fm: tuple[PlannedHop, ...]
    air: tuple[PlannedHop, ...]

    def cycle(self, k: int, offset: int = 0, fm_per_cycle: int = 2) -> list[PlannedHop]:
        """Cycle ``k``: every detection hop, one identity hop, ``fm_per_cycle`` FM hops and one air
        hop, the round-robins started at ``offset`` so that nodes cover different hops at once.

        The first cycle dwells for identity on every GSM hop instead: verdicts need the identities,
        and a carrier seen without one (FCCH/SCH only) waits in a partial target until its cell is
        identified (the station then merges it: webmap.grouping.absorb_partials)."""
        if k == 0:
            out = list(self.identity)
        else:
            out = list(self.detect)
            if self.identity:
                out.append(self.identity[(k + offset) % len(self.identity)])
        for j in range(min(fm_per_cycle, len(self.fm))):
            out.append(self.fm[(k * fm_per_cycle + j + offset) % len(self.fm)])
        if self.air:
            out.append(self.air[(k + offset) % len(self.air)])
        return out

    def dwell_s(self, fm_per_cycle: int = 2) -> float:
        """Rendered IQ per cycle (seconds of samples)."""
        return (sum(h.dwell_s for h in self.detect) + (GSM_SI_DWELL_S if self.identity else 0.0)
                + min(fm_per_cycle, len(self.fm)) * FM_DWELL_S + (AIR_DWELL_S if self.air else 0.0))


def _clustered(freqs: list[float], sample_rate: float, guard_hz: float) -> list[tuple[float, float, float]]:
    """(centre, lo, hi) captures covering ``freqs``; each carrier lies in exactly one [lo, hi)."""
    slice_hz = sample_rate * USABLE_FRACTION - 2 * guard_hz
    out = []
    group: list[float] = []
    for f in sorted(set(freqs)) + [float("inf")]:
        if group and f - group[0] >= slice_hz:
            (hop,) = plan_hops(group[0], group[-1], sample_rate, USABLE_FRACTION, guard_hz=guard_hz)
            out.append((hop.center_hz, hop.lo_hz, hop.hi_hz + 1.0))
            group = []
        group.append(f)
    return out


def _off_centre(lo_hz: float, hi_hz: float, sample_rate: float) -> float:
    """How far above its emissions to tune an air-band capture: within ±6.25 kHz of the tuner's
    centre a narrow emission is misread (sensors.plan.BLIND_HZ; benchmarks/blind_zone.py: on 0 Hz
    its carrier goes with the LO leakage dsp.fm.dc_block removes, and a weak one within 5 kHz merges
    with the mirror image the 8-bit ADC makes of it about 0 Hz). The emissions stay inside the
    capture's usable middle.

    The node's own air plan has no such offset: its second pass holds every first-pass centre.
    A demo capture is tuned on the emissions it is for, so it keeps clear of the blind zone itself.
    A demo FM capture needs none: FM has no blind zone once the leakage is removed."""
    return max(0.0, min(AIR_TUNE_OFFSET_HZ, (sample_rate * USABLE_FRACTION - (hi_hz - lo_hz)) / 2))


def demo_plan(scenario: Scenario, sample_rate: float, max_freq_hz: float = float("inf")) -> DemoPlan:
    """The hops covering every emitter of ``scenario`` that a tuner reaching ``max_freq_hz`` can hear."""
    gsm = [c.freq_hz for c in scenario.cells if c.freq_hz + GSM_GUARD_HZ <= max_freq_hz]
    fm = [s.freq_hz for s in scenario.fm]
    air = [s.spurious_hz for s in scenario.fm if s.spurious_hz and 108e6 < s.spurious_hz <= 137e6]
    gsm_hops = _clustered(gsm, sample_rate, GSM_GUARD_HZ)
    band = {True: "gsm900", False: "dcs1800"}
    detect = tuple(PlannedHop(band[c < 1e9], c, lo, hi, GSM_DETECT_DWELL_S, "detect") for c, lo, hi in gsm_hops)
    identity = tuple(PlannedHop(band[c < 1e9], c, lo, hi, GSM_SI_DWELL_S, "identity") for c, lo, hi in gsm_hops)
    fm_hops = tuple(PlannedHop("fm", c, lo, hi, FM_DWELL_S, "fm") for c, lo, hi in _clustered(fm, sample_rate, FM_GUARD_HZ))
    air_hops = tuple(PlannedHop("air", c + _off_centre(lo, hi, sample_rate), lo, hi, AIR_DWELL_S, "air")
                     for c, lo, hi in _clustered(air, sample_rate, AIR_GUARD_HZ))
    return DemoPlan(detect, identity, fm_hops, air_hops)
