"""Scan plans: which hops cover a band, how long to dwell on each, and in what order to revisit them.

Dwell times follow the GSM frame structure (3GPP TS 45.002 §4.3): a TDMA frame lasts 120/26 ms;
FCCH and SCH repeat in every 51-multiframe (≈ 235 ms), and BCCH carries each SI type once per
8 multiframes (TC = (FN div 51) mod 8, §6.3.1.3), so a full set of SI needs ≈ 1.9 s. A pseudo
base station releases a phone within 10 s, so the node's schedule revisits every GSM hop for
FCCH/SCH detection within :data:`MAX_GSM_REVISIT_S`, fitting one identity (SI) dwell and one FM or
air hop between detection sweeps.

An RTL-SDR has a blind zone at its tuner's centre (:data:`BLIND_HZ`): an air-band sweep is two
passes, the second centred on the first's slice boundaries, so every frequency of the band is held
by some hop at least the blind zone away from that hop's centre. An FM sweep is one pass: the
analysis takes the LO leakage out of the IQ (dsp.fm.dc_block) and reads a station on the centre.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dsp.bands import AIR, DCS_1800, E_GSM, FM_CHINA, plan_hops
from sensors.errors import SensorError

GSM_FRAME_S = 120e-3 / 26
MULTIFRAME_51_S = 51 * GSM_FRAME_S
#: FCCH/SCH of every carrier in the hop: one whole 51-multiframe.
GSM_DETECT_DWELL_S = MULTIFRAME_51_S
#: Every SI type: 8 multiframes, plus the ≤ 11 frames it takes to meet the first SCH.
GSM_SI_DWELL_S = 8 * MULTIFRAME_51_S + 11 * GSM_FRAME_S
#: RDS PI and PS (four 0A groups of 87.6 ms each) several times over, and a stable OBW estimate.
FM_DWELL_S = 1.0
AIR_DWELL_S = 0.25
MAX_GSM_REVISIT_S = 10.0
USABLE_FRACTION = 0.8
GSM_GUARD_HZ = 100e3
FM_GUARD_HZ = 100e3
AIR_GUARD_HZ = 12.5e3

BANDS = ("gsm900", "dcs1800", "fm", "air")

#: Half-width of the blind zone around the tuner's centre, where the RTL-SDR's LO leakage loses or
#: mis-measures an emission. Measured by benchmarks/blind_zone.py on the simulated front end
#: (-45 dBFS leakage, 8-bit ADC), with the leakage line taken out of the IQ (dsp.fm.dc_block, a
#: 2 Hz notch): air: an AM emission exactly on the LO loses its carrier (13 dB weaker, or lost
#: when weak), and a weak one (-60 dBc) is read up to 2.6 kHz towards the centre within 5 kHz (the
#: 8-bit ADC's small-signal gain differs between the I rail, offset by the leakage, and the Q rail:
#: a mirror of the emission about 0 Hz, 5 dB under it, merges with it; no DC block after the ADC
#: undoes that, and without the leakage or the ADC the reading is exact); exact from 6.25 kHz,
#: so an 8.33 kHz channel would be misnamed: air keeps a second pass. FM: a station at 15 dB SNR is
#: read on its frequency (only the node's LO error) at every offset 0-200 kHz, so none. GSM: a
#: carrier at 8 dB SNR is decoded with its BSIC on the centre (reported SNR 2 dB lower), so none.
BLIND_HZ = {"gsm900": 0.0, "dcs1800": 0.0, "fm": 0.0, "air": 6.25e3}


class PlanError(SensorError):
    """A plan the front end cannot carry out (a band above the tuner's ceiling, a bad dwell)."""


@dataclass(frozen=True)
class PlannedHop:
    """One dwell: tune to ``center_hz``, read ``dwell_s``; the carriers whose centre lies in
    [lo_hz, hi_hz] are this hop's (their whole channel is inside the trusted middle of the capture)."""

    band: str
    center_hz: float
    lo_hz: float
    hi_hz: float
    dwell_s: float
    purpose: str  # "detect" (FCCH/SCH, carrier power), "identity" (all SI), "fm", "air"
    blind_hz: float = 0.0  # half-width of the blind zone around center_hz (see BLIND_HZ)

    def holds(self, freq_hz: float) -> bool:
        """A carrier this hop measures and reports: in its slice, and clear of its blind zone
        (another hop of the plan holds the blind zone)."""
        return self.lo_hz <= freq_hz < self.hi_hz and abs(freq_hz - self.center_hz) >= self.blind_hz


@dataclass(frozen=True)
class BandPlan:
    """The hops of one sweep in order of frequency (a band with a blind zone: the second pass's
    hops alternate with the first's, starting and ending with the second's)."""

    band: str
    sample_rate: float
    hops: tuple[PlannedHop, ...]

    @property
    def dwell_s(self) -> float:
        """The lower bound on a sweep's duration: the sum of its dwells."""
        return sum(h.dwell_s for h in self.hops)


def band_edges(band: str) -> tuple[float, float, float]:
    """(lowest carrier, highest carrier, guard) of a band the node scans."""
    if band == "gsm900":
        return (*E_GSM.downlink_edges_hz(), GSM_GUARD_HZ)
    if band == "dcs1800":
        return (*DCS_1800.downlink_edges_hz(), GSM_GUARD_HZ)
    if band == "fm":
        return FM_CHINA.lo_hz, FM_CHINA.hi_hz, FM_GUARD_HZ
    if band == "air":
        return AIR.lo_hz, AIR.hi_hz, AIR_GUARD_HZ
    raise PlanError(f"band {band!r}: expected one of {', '.join(BANDS)}")


def plan_band(band: str, sample_rate: float = 2.4e6, *, identity: bool = True,
              max_freq_hz: float = float("inf"), tuner: str = "this SDR") -> BandPlan:
    """Hops covering ``band`` at ``sample_rate``. GSM hops dwell for all SI when ``identity``,
    else for FCCH/SCH only. A band above ``max_freq_hz`` is refused, naming the tuner."""
    lo, hi, guard = band_edges(band)
    if hi + guard > max_freq_hz:
        raise PlanError(f"{band}: carriers up to {hi / 1e6:.1f} MHz are above {tuner}'s "
                        f"~{max_freq_hz / 1e6:.0f} MHz ceiling (the R820T/R828D stops near 1.76 GHz; "
                        f"DCS1800 needs an E4000-tuner dongle or another SDR)")
    if band in ("gsm900", "dcs1800"):
        dwell, purpose = (GSM_SI_DWELL_S, "identity") if identity else (GSM_DETECT_DWELL_S, "detect")
    else:
        dwell, purpose = (FM_DWELL_S, "fm") if band == "fm" else (AIR_DWELL_S, "air")
    # Shrink each hop's slice by half a channel at both ends, so a carrier centred on a slice
    # edge still has its whole channel inside the trusted USABLE_FRACTION of the capture.
    slice_fraction = USABLE_FRACTION - 2 * guard / sample_rate
    if slice_fraction <= 0:
        raise PlanError(f"{band}: a {sample_rate / 1e3:.0f} kHz capture is too narrow for its channels")
    try:
        hops = plan_hops(lo, hi, sample_rate, slice_fraction)
    except ValueError as exc:  # DspError from the band plan: a rate the tuner cannot use
        raise PlanError(f"{band}: {exc}") from None
    slices = [(h.center_hz, h.lo_hz, h.hi_hz) for h in hops] + _second_pass(band, hops)
    # Slices are half-open: the band's edge hops reach half a channel beyond its edge carriers, so
    # the top carrier is held too, and an edge carrier read a little outside the band is kept.
    lo_e, hi_e = hops[0].lo_hz, hops[-1].hi_hz
    slices = [(c, a - guard if a == lo_e else a, b + guard if b == hi_e else b) for c, a, b in slices]
    return BandPlan(band, sample_rate, tuple(PlannedHop(band, c, a, b, dwell, purpose, BLIND_HZ[band])
                                             for c, a, b in sorted(slices)))


def _second_pass(band: str, first: list) -> list[tuple[float, float, float]]:
    """(centre, lo, hi) of hops centred on the first pass's slice boundaries (band edges included),
    each holding half a slice either side: a frequency within the blind zone of a first-pass centre
    is half a slice from every second-pass centre, and a second-pass centre is a first-pass
    boundary. One hop more than the first pass; none for a band without a blind zone."""
    blind = BLIND_HZ[band]
    if blind == 0 or not first:
        return []
    step = first[0].hi_hz - first[0].lo_hz
    if blind > step / 4:  # beyond this a second-pass centre's own blind zone reaches a first-pass one
        raise PlanError(f"{band}: a {step / 1e3:.0f} kHz hop is too narrow to cover its ±{blind / 1e3:g} kHz "
                        f"blind zone from a second pass (raise the sample rate)")
    edges = [first[0].lo_hz] + [h.center_hz for h in first] + [first[-1].hi_hz]
    centres = [h.lo_hz for h in first] + [first[-1].hi_hz]
    return [(c, a, b) for c, a, b in zip(centres, edges, edges[1:])]


def node_schedule(bands: tuple[str, ...], sample_rate: float = 2.4e6, *, retune_s: float = 0.05,
                  max_freq_hz: float = float("inf"),
                  wanted: Callable[[], list[float]] | None = None) -> Iterator[PlannedHop]:
    """The node's endless hop sequence: each cycle a full GSM detection sweep, then one identity
    dwell and one hop of each other band (round-robin). The identity dwell goes to the hop holding
    the first carrier ``wanted()`` lists (carriers seen but not yet identified: a new pseudo base
    station is identified within one cycle), else round-robin over the GSM hops.

    Raises PlanError when a cycle (dwells plus ``retune_s`` per hop) would leave a GSM hop
    unvisited for longer than :data:`MAX_GSM_REVISIT_S`.
    """
    gsm = [b for b in bands if b in ("gsm900", "dcs1800")]
    other = [b for b in bands if b not in gsm]
    detect = [h for b in gsm for h in plan_band(b, sample_rate, identity=False, max_freq_hz=max_freq_hz).hops]
    identity = [h for b in gsm for h in plan_band(b, sample_rate, identity=True, max_freq_hz=max_freq_hz).hops]
    if gsm:
        cycle_s = (sum(h.dwell_s for h in detect) + GSM_SI_DWELL_S
                   + sum(FM_DWELL_S if b == "fm" else AIR_DWELL_S for b in other)
                   + retune_s * (len(detect) + 1 + len(other)))
        if cycle_s > MAX_GSM_REVISIT_S:
            raise PlanError(f"a node cycle over {', '.join(bands)} takes {cycle_s:.1f} s; a GSM hop must be "
                            f"revisited within {MAX_GSM_REVISIT_S:.0f} s (drop a band or raise the sample rate)")
    # Every other hop, then the rest: the two hops that hold a frequency (overlapping neighbours
    # of a two-pass plan) come half a round-robin apart.
    others = [itertools.cycle(hops[1::2] + hops[0::2]) for hops in (plan_band(b, sample_rate).hops for b in other)]
    ident = itertools.cycle(identity) if identity else None
    while True:
        yield from detect
        if ident is not None:
            want = [f for f in (wanted() if wanted else ()) if any(h.lo_hz <= f < h.hi_hz for h in identity)]
            if want:
                yield next(h for h in identity if h.lo_hz <= want[0] < h.hi_hz)
            else:
                yield next(ident)
        for it in others:
            yield next(it)
