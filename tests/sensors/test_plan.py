"""Scan plans: coverage, dwell, DCS1800 ceiling, revisit time."""

from __future__ import annotations

import itertools

import pytest

from dsp.bands import E_GSM, FM_CHINA
from sensors.plan import (GSM_DETECT_DWELL_S, GSM_SI_DWELL_S, MAX_GSM_REVISIT_S, PlanError, node_schedule,
                          plan_band)


def test_egsm_plan_covers_every_carrier_with_its_whole_channel():
    plan = plan_band("gsm900", 2.4e6)
    for n in E_GSM.arfcns:
        f = E_GSM.downlink_hz(n)
        hop = next(h for h in plan.hops if h.lo_hz <= f <= h.hi_hz)
        assert abs(f - hop.center_hz) + 100e3 <= 0.4 * 2.4e6, n


def test_dwell_times_follow_the_multiframe():
    assert GSM_DETECT_DWELL_S == pytest.approx(0.2354, abs=1e-4)
    assert 1.88 < GSM_SI_DWELL_S < 1.94
    assert plan_band("gsm900", identity=False).dwell_s == pytest.approx(
        len(plan_band("gsm900").hops) * GSM_DETECT_DWELL_S)


def test_fm_plan_covers_the_chinese_band():
    plan = plan_band("fm", 2.4e6)
    for f in FM_CHINA.channels():
        assert any(h.lo_hz <= f <= h.hi_hz for h in plan.hops)


def test_dcs1800_refused_above_the_r820t_ceiling():
    with pytest.raises(PlanError, match="R820T.*DCS1800"):
        plan_band("dcs1800", max_freq_hz=1.766e9, tuner="R820T")
    assert plan_band("dcs1800", max_freq_hz=2.2e9).hops[-1].hi_hz >= 1879.8e6 - 1


def test_schedule_revisits_every_gsm_hop_within_ten_seconds():
    retune = 0.05
    sched = node_schedule(("gsm900", "fm", "air"), 2.4e6, retune_s=retune)
    t, last_detect, worst = 0.0, {}, 0.0
    for hop in itertools.islice(sched, 2000):
        if hop.purpose in ("detect", "identity"):
            if hop.center_hz in last_detect:
                worst = max(worst, t - last_detect[hop.center_hz])
            last_detect[hop.center_hz] = t
        t += hop.dwell_s + retune
    assert len(last_detect) == len(plan_band('gsm900').hops)
    assert 0 < worst <= MAX_GSM_REVISIT_S


def test_schedule_refuses_a_cycle_too_long():
    with pytest.raises(PlanError, match="revisited within 10 s"):
        next(node_schedule(("gsm900", "fm", "air"), 1.0e6))


def test_unknown_band():
    with pytest.raises(PlanError, match="expected one of"):
        plan_band("lte")


def test_identity_dwell_goes_where_an_unidentified_carrier_is():
    wanted: list[float] = []
    sched = node_schedule(("gsm900",), 2.4e6, wanted=lambda: wanted)
    n_detect = len(plan_band("gsm900").hops)
    cycle = list(itertools.islice(sched, n_detect + 1))
    assert cycle[-1].purpose == "identity" and cycle[-1].center_hz == plan_band("gsm900").hops[0].center_hz
    wanted.append(947.0e6)                   # a carrier with no identity yet
    cycle = list(itertools.islice(sched, n_detect + 1))
    assert cycle[-1].purpose == "identity" and cycle[-1].lo_hz <= 947.0e6 < cycle[-1].hi_hz
