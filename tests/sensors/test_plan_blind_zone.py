"""The blind zone at the tuner's centre: every frequency of an FM or air-band plan is held by a hop
clear of that hop's blind zone, an air emission on a centre of the one-pass plan is found by the
second pass, and FM needs none (the analysis takes the LO leakage out: dsp.fm.dc_block)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from dsp.bands import AIR, E_GSM, FM_CHINA, plan_hops
from sensors.plan import AIR_GUARD_HZ, BLIND_HZ, FM_GUARD_HZ, USABLE_FRACTION, PlanError, plan_band
from sensors.scan import analyse, capture
from sensors.scenario import load_scenario
from sensors.sim import SimSource
from tests.sensors.test_scan import DEMO

RATE = 2.4e6
GUARD = {"fm": FM_GUARD_HZ, "air": AIR_GUARD_HZ}
EDGES = {"fm": (FM_CHINA.lo_hz, FM_CHINA.hi_hz), "air": (AIR.lo_hz, AIR.hi_hz)}


def _one_pass_centres(band: str) -> list[float]:
    """The hop centres of the plan before the second pass (the first pass, as dsp.bands plans it)."""
    lo, hi = EDGES[band]
    return [h.center_hz for h in plan_hops(lo, hi, RATE, USABLE_FRACTION - 2 * GUARD[band] / RATE)]


def _clear(plan, f: float) -> list:
    """The hops that hold ``f`` clear of their blind zone with its whole channel in the usable middle."""
    half = RATE * USABLE_FRACTION / 2 - GUARD[plan.band]
    return [h for h in plan.hops if h.holds(f) and abs(f - h.center_hz) <= half + 1e-6]


@pytest.mark.parametrize("band", ["air", "fm"])
def test_every_frequency_of_the_band_is_held_clear_of_a_blind_zone(band):
    plan = plan_band(band, RATE)
    lo, hi = EDGES[band]
    grid = np.concatenate((np.arange(lo, hi, 1e3), [hi]))       # every kHz: on and off any raster
    missing = [f for f in grid if not _clear(plan, f)]
    assert not missing, f"{len(missing)} frequencies unheld, first {missing[:3]}"


@pytest.mark.parametrize("band, rasters", [("air", (25e3, 25e3 / 3))])
def test_the_channels_at_the_one_pass_centres_are_held_clear_of_them(band, rasters):
    plan = plan_band(band, RATE)
    blind = BLIND_HZ[band]
    lo, _ = EDGES[band]
    for c in _one_pass_centres(band):
        for step in rasters:
            channel = lo + round((c - lo) / step) * step
            assert abs(channel - c) <= blind                     # at or inside the one-pass blind zone
            assert _clear(plan, channel), (channel, step)
            assert max(abs(channel - h.center_hz) for h in _clear(plan, channel)) > 2 * blind


def test_the_one_pass_centres_are_blind_without_the_second_pass():
    plan = plan_band("air", RATE)
    first = plan.hops[1::2]                                      # frequency order: passes alternate
    assert [h.center_hz for h in first] == pytest.approx(_one_pass_centres("air"))
    assert not any(h.holds(c) for c in _one_pass_centres("air") for h in first)


def test_the_second_pass_costs_one_hop_more_than_the_first_and_fm_and_gsm_none():
    n = len(_one_pass_centres("air"))
    plan = plan_band("air", RATE)
    assert len(plan.hops) == 2 * n + 1
    assert plan.dwell_s == pytest.approx((2 * n + 1) * plan.hops[0].dwell_s)
    fm = plan_band("fm", RATE)
    assert [h.center_hz for h in fm.hops] == pytest.approx(_one_pass_centres("fm"))
    assert fm.dwell_s == pytest.approx(13.0)                     # one pass again: 13 hops of 1 s
    gsm = plan_band("gsm900", RATE)
    lo, hi = E_GSM.downlink_edges_hz()
    assert len(gsm.hops) == len(plan_hops(lo, hi, RATE, USABLE_FRACTION - 2 * 100e3 / RATE))
    for h in fm.hops + gsm.hops:                                 # no blind zone measured for FM, GSM
        assert h.blind_hz == 0 and h.holds(h.center_hz)


def test_a_rate_too_low_for_a_second_pass_is_refused(monkeypatch):
    monkeypatch.setitem(BLIND_HZ, "fm", 200e3)                   # FM's blind zone before the DC block
    with pytest.raises(PlanError, match="blind zone"):
        plan_band("fm", 0.9e6)


# ------------------------------------------------------------------------------- end to end

def _scenario_with(spur_hz: float | None = None, weaker_fm_hz: float | None = None, moved_fm_hz: float = 0.0):
    """The demo city with the pirate's spur moved to ``spur_hz``, or the station on
    ``weaker_fm_hz`` 40 dB weaker and moved to ``moved_fm_hz``."""
    city = load_scenario(DEMO)
    fm = []
    for s in city.fm:
        if spur_hz is not None and s.spurious_hz:
            s = replace(s, spurious_hz=spur_hz)
        if weaker_fm_hz is not None and abs(s.freq_hz - weaker_fm_hz) < 1:
            s = replace(s, freq_hz=moved_fm_hz, eirp_dbm=s.eirp_dbm - 40.0)
        fm.append(s)
    return replace(city, fm=tuple(fm))


def _readings(src: SimSource, hops, kind: str, freq_hz: float, within_hz: float) -> list[dict]:
    """The ``kind`` objects the hops report (by their own slice rule) within ``within_hz``."""
    out = []
    for hop in hops:
        result = analyse(capture(src, hop), hop)
        out += [o for o in getattr(result, kind) if hop.holds(o["freq_hz"]) and abs(o["freq_hz"] - freq_hz) < within_hz]
    return out


def test_an_air_emission_on_a_one_pass_centre_is_found_by_the_plan():
    """The pirate's AM spur moved onto the centre of a one-pass air hop (the node's LO error puts it
    0.2 kHz off): that hop loses it with the LO leakage it cuts out, or reads it far weaker; the
    plan's hop that holds it clear of its blind zone reads it whole, on its frequency."""
    centre = next(c for c in _one_pass_centres("air") if 112e6 < c < 114e6)
    src = SimSource(_scenario_with(spur_hz=centre), "xh-xujiahui", sample_rate=RATE)
    plan = plan_band("air", RATE)
    on_centre = next(h for h in plan.hops if h.center_hz == centre)
    blind = [s for s in analyse(capture(src, on_centre), on_centre).spurious if abs(s["freq_hz"] - centre) < 12.5e3]
    # the centre is the boundary between two second-pass hops: the one whose slice its reading falls in
    holding = [h for h in plan.hops if h.holds(centre - 1e3) or h.holds(centre + 1e3)]
    assert len(holding) == 2 and all(abs(h.center_hz - centre) > 800e3 for h in holding)
    (found,) = _readings(src, holding, "spurious", centre, 12.5e3)
    assert abs(found["freq_hz"] - centre) < 1e3
    assert all(s["power_dbfs"] < found["power_dbfs"] - 10.0 for s in blind)


def test_a_weak_fm_station_near_a_hop_centre_is_measured_by_that_hop():
    """A station 40 dB weaker than the city's, on the raster 15 kHz from an FM hop's centre: the LO
    leakage sits inside its channel filter, and before the DC block the hop read it tens of kHz off
    (the plan then swept FM twice); now the one hop that holds it reads it on its frequency."""
    plan = plan_band("fm", RATE)
    (hop,) = [h for h in plan.hops if 99e6 < h.center_hz < 99.5e6]
    station = FM_CHINA.nearest_channel(hop.center_hz)
    assert 10e3 < abs(station - hop.center_hz) < 20e3
    assert [h for h in plan.hops if h.holds(station)] == [hop]
    src = SimSource(_scenario_with(weaker_fm_hz=97.7e6, moved_fm_hz=station), "xh-xujiahui", sample_rate=RATE)
    (found,) = _readings(src, [hop], "stations", station, 50e3)
    assert abs(found["freq_hz"] - station) < 500                  # the node's LO error: -0.18 kHz
    assert found["snr_db"] < 20                                    # it is the weak one


def test_a_node_schedule_visits_the_two_holders_of_a_frequency_half_a_round_apart():
    from sensors.plan import node_schedule
    plan = plan_band("air", RATE)
    n = len(plan.hops)
    cycle = list(itertools.islice(node_schedule(("air",), RATE), n))
    assert sorted(h.center_hz for h in cycle) == [h.center_hz for h in plan.hops]
    for f in np.arange(108.1e6, 137e6, 0.5e6):
        at = [i for i, h in enumerate(cycle) if h.lo_hz <= f < h.hi_hz]
        assert len(at) == 2 and abs(at[1] - at[0]) >= n // 2 - 1, f
