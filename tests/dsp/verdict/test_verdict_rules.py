"""One case per rule: it fires on its case (the reason names the values) and stays quiet on the
licensed twin; a rule lacking its data abstains instead of firing."""

from __future__ import annotations

import dataclasses

import pytest

from dsp.fm.station import Spurious
from dsp.gsm.cell import Bsic
from dsp.verdict import (ALL_RULES, FM_RULES, GSM_RULES, HeardAs, PositionFix, TargetHistory, heard_as_of,
                         judge, parse_fm_register)
from dsp.verdict.rules.base import Abstain, Fired
from dsp.verdict.verdict import ROGUE_AT, combine
from verdict_worlds import FM_REGISTER, NOW, fm_world, gsm_world, rds, received_dbfs


def _copy_on(arfcn):
    """The licensed target's identity copied onto another ARFCN, both in the scan."""
    original, ctx = gsm_world()
    moved = {"arfcn": arfcn, "freq_hz": 935e6 + 0.2e6 * arfcn, "bsic": Bsic(5, 0)}
    return gsm_world(moved, extra_cells=(original,)), gsm_world(extra_cells=(dataclasses.replace(original, **moved),))


HIST = ("gsm", 90)
FM_HIST = ("fm", 98700)


def _heard(*heard):
    """History of the target's channel (98.7 MHz): earlier decodes by this or other nodes."""
    return {FM_HIST: TargetHistory(heard_as=heard)}

def _located(lat, lon, radius_m, **fix):
    """A channel history whose newest fix (2 min before the last observation, 6 places) is at (lat, lon)."""
    fix = {"open": False, "time": NOW - 120, "n_sites": 6, **fix}
    return TargetHistory(last_seen=NOW, positions=(PositionFix(lat, lon, radius_m, **fix),))


# rule id → (firing case, licensed twin, words the reason must contain)
CASES = {
    "gsm.identity_unregistered": (lambda: gsm_world({"cell_id": 5501}), gsm_world, ["CI 5501", "no licensed cell"]),
    "gsm.identity_clone": (lambda: gsm_world({"arfcn": 85, "bsic": Bsic(5, 0)}), gsm_world,
                           ["ARFCN 90", "ARFCN 85", "BSIC 40 (NCC 5, BCC 0)"]),
    "gsm.duplicate_identity": (lambda: _copy_on(85)[0], lambda: _copy_on(85)[1], ["ARFCN 90", "licenses ARFCN 90"]),
    "gsm.arfcn_identity_changes": (
        lambda: gsm_world(history={HIST: TargetHistory(identities=(("460", "00", 4361, 20824), ("460", "00", 41234, 5501)))}),
        lambda: gsm_world(history={HIST: TargetHistory(identities=(("460", "00", 4361, 20824),))}),
        ["2 different identities", "LAC 41234 CI 5501"]),
    "gsm.arfcn_outside_allocation": (lambda: gsm_world({"arfcn": 110}), gsm_world,
                                     ["ARFCN 110", "China Mobile", "China Unicom"]),
    "gsm.plmn_foreign": (lambda: gsm_world({"mnc": "05"}), gsm_world, ["460-05", "MNC 05"]),
    "gsm.lac_unknown": (lambda: gsm_world({"lac": 41234}), gsm_world, ["LAC 41234", "20 km"]),
    "gsm.neighbours_few": (lambda: gsm_world({"neighbours": ()}), gsm_world, ["empty"]),
    "gsm.neighbours_not_reciprocal": (lambda: gsm_world({"arfcn": 40}), gsm_world, ["ARFCN 40", "3 licensed cells"]),
    "gsm.neighbours_other_operator": (lambda: gsm_world({"neighbours": (110, 115, 120, 62)}), gsm_world,
                                      ["3 of 4", "110, 115, 120"]),
    "gsm.aggressive_reselection": (lambda: gsm_world({"cro_db": 62}), gsm_world, ["CRO 62 dB", "at most 4 dB"]),
    "gsm.high_hysteresis": (lambda: gsm_world({"crh_db": 14}), gsm_world, ["14 dB", "at most 4 dB"]),
    "gsm.short_t3212": (lambda: gsm_world({"t3212_decihours": 1}), gsm_world, ["every 6 min"]),
    "gsm.no_paging": (lambda: gsm_world({"paging_count": 8, "paging_identities": 0}), gsm_world,
                     ["nobody paged in 12 s", "3 licensed cells"]),
    "gsm.no_gprs": (lambda: gsm_world({"gprs": False}), gsm_world, ["no GPRS", "3 of 3"]),
    "gsm.freq_offset": (lambda: gsm_world({"freq_offset_hz": 2500.0}), gsm_world, ["+2378 Hz (+2.49 ppm)", "6 licensed cells"]),
    "gsm.power_above_site": (lambda: gsm_world({"power_dbfs": gsm_world()[0].power_dbfs + 30}), gsm_world,
                             ["29 dB stronger", "1.5 km away", "nearer transmitter"]),
    "gsm.recently_appeared": (
        lambda: gsm_world(history={HIST: TargetHistory(first_seen=NOW - 900, last_seen=NOW, watched_since=NOW - 3 * 86400)}),
        lambda: gsm_world(history={HIST: TargetHistory(first_seen=NOW - 30 * 86400, last_seen=NOW,
                                                       watched_since=NOW - 60 * 86400)}),
        ["15 min", "72 h"]),
    "gsm.moving": (
        lambda: gsm_world(history={HIST: TargetHistory(positions=(
            PositionFix(31.23, 121.47, 300.0), PositionFix(31.24, 121.48, 250.0), PositionFix(31.25, 121.49, 400.0)))}),
        lambda: gsm_world(history={HIST: TargetHistory(positions=(
            PositionFix(31.23, 121.47, 300.0), PositionFix(31.2305, 121.4705, 300.0)))}),
        ["3 position fixes", "2.9 km"]),
    "gsm.site_mismatch": (lambda: gsm_world(history={HIST: _located(31.2450, 121.4650, 400.0)}),
                          lambda: gsm_world(history={HIST: _located(31.2210, 121.4790, 400.0)}),
                          ["located 3.1 km", "China Mobile's register line 5", "95 % region (0.4 km)"]),
    "fm.unlicensed_carrier": (lambda: fm_world({"freq_hz": 96.3e6, "channel_hz": 96.3e6}), fm_world,
                              ["96.30 MHz", "no licence for this place"]),
    "fm.rds_identity_mismatch": (lambda: fm_world({"rds": rds("1234", "CNR 1")}), fm_world,
                                 ["PI '1234'", "'13A1'", "China National Radio 1 (GD-001)"]),
    "fm.rds_missing": (lambda: fm_world({"rds": None}), fm_world, ["no RDS at 35 dB", "PI 13A1"]),
    "fm.over_deviation": (lambda: fm_world({"over_75k_fraction": 0.08, "deviation_p999_hz": 110e3}), fm_world,
                          ["8.0 %", "110 kHz"]),
    "fm.occupied_bandwidth": (lambda: fm_world({"occupied_bw_hz": 320e3}), fm_world, ["320 kHz", "280 kHz", "stereo"]),
    "fm.pilot_offset": (lambda: fm_world({"pilot_freq_error_hz": 6.0}), fm_world,
                        ["+5.5 Hz", "median of 3 licensed stations"]),
    "fm.power_above_prediction": (lambda: fm_world({"power_dbfs": fm_world()[0].power_dbfs + 30}), fm_world,
                                  ["28 dB stronger", "China National Radio 1", "10 km away"]),
    "fm.looped_audio": (lambda: fm_world({"loop_period_s": 45.0, "loop_confidence": 0.95}), fm_world,
                        ["every 45 s", "looped advert"]),
    # its AM audio names even a licensed station; a frequency relation alone does not (dsp.verdict.culprit)
    "fm.aviation_spurious": (
        lambda: fm_world(spurious=(Spurious(freq_hz=121.5e6, power_dbfs=-70.0, related_to_hz=98.7e6,
                                            mechanism="am-audio", sources_hz=(98.7e6,), correlation=0.8),)),
        lambda: fm_world(spurious=(Spurious(freq_hz=121.5e6, power_dbfs=-70.0, related_to_hz=98.7e6,
                                            mechanism="2f1-f2", sources_hz=(98.7e6, 75.9e6)),)),
        ["121.500 MHz carries the audio of 98.700 MHz", "AM correlation 0.80"]),
    "fm.odd_schedule": (
        lambda: fm_world(history={("fm", 98700): TargetHistory(on_air_hours=(23, 0, 1, 2), listened_hours=tuple(range(24)))}),
        lambda: fm_world(history={("fm", 98700): TargetHistory(on_air_hours=tuple(range(24)), listened_hours=tuple(range(24)))}),
        ["only at night", "23h", "16 daytime hours"]),
    "fm.off_raster": (lambda: fm_world({"freq_hz": 98.735e6, "freq_offset_hz": 35e3}), fm_world, ["+34.6 kHz"]),
    "fm.fingerprint_changes": (
        lambda: fm_world({"rds": rds("BEEF", "BEST MED"), "stereo": False, "pilot_freq_error_hz": None},
                         history=_heard(HeardAs("13A1", True, 38.0, -0.05), HeardAs("13A1", True, 44.0, -0.1))),
        lambda: fm_world(history=_heard(HeardAs("13A1", True, 38.0, -0.05), HeardAs("13A1", True, 44.0, -0.1))),
        ["PI BEEF, in mono", "2 earlier clear decode(s)", "PI 13A1; in stereo", "two transmitters"]),
    "fm.co_channel": (lambda: fm_world({"residual_am": 0.09, "multipath_db": 0.4}),
                      lambda: fm_world({"residual_am": 0.09, "multipath_db": 3.0}),
                      ["0.090", "without multipath", f"{ALL_RULES['fm.co_channel'].thresholds['flat_index']:.4f}",
                       "about 18 dB under", "second FM transmitter"]),
    "fm.site_mismatch": (lambda: fm_world(history={FM_HIST: _located(31.2400, 121.4700, 800.0)}),
                         lambda: fm_world(history={FM_HIST: _located(31.3180, 121.4720, 1500.0)}),
                         ["located 8.9 km", "China National Radio 1 (GD-001)", "95 % region (0.8 km)"]),
}


def test_every_rule_has_a_case_and_ids_are_unique():
    assert set(CASES) == set(ALL_RULES)
    assert len(ALL_RULES) == len(GSM_RULES) + len(FM_RULES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_its_case_with_the_values_in_the_reason(rule_id):
    make_case, _, words = CASES[rule_id]
    target, ctx = make_case()
    rule = ALL_RULES[rule_id]
    assert isinstance(rule.evaluate(target, ctx), Fired)
    verdict = judge(target, ctx, GSM_RULES if rule.kind == "gsm" else FM_RULES)
    reason = next(r for r in verdict.reasons if r.rule == rule_id)
    for word in words:
        assert word in reason.text, reason.text
    assert 0 < reason.weight <= rule.weight


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_quiet_on_the_licensed_twin(rule_id):
    _, make_twin, _ = CASES[rule_id]
    target, ctx = make_twin()
    assert ALL_RULES[rule_id].evaluate(target, ctx) is None


#: What ``decode gsm`` gives for a carrier whose SCH decoded but no SI or CCCH block did, seen briefly.
GSM_BLANK = {"mcc": None, "mnc": None, "lac": None, "cell_id": None, "neighbours": (), "cro_db": None,
             "temporary_offset_db": None, "penalty_time_s": None, "crh_db": None, "t3212_decihours": None,
             "paging_count": 0, "paging_identities": 0, "gprs": None, "si_types": (), "blocks_ok": 0,
             "first_seen_s": 0.0, "last_seen_s": 1.5}
FM_BLANK = {"rds": None, "snr_db": 5.0, "over_75k_fraction": None, "deviation_p999_hz": None,
            "occupied_bw_hz": None, "pilot_freq_error_hz": None, "loop_confidence": None}


@pytest.mark.parametrize("rule_id", sorted(r.id for r in GSM_RULES))
def test_gsm_rule_abstains_on_a_carrier_whose_system_information_never_decoded(rule_id):
    target, ctx = gsm_world(GSM_BLANK, cells=())
    assert isinstance(ALL_RULES[rule_id].evaluate(target, ctx), Abstain)


@pytest.mark.parametrize("rule_id", sorted(r.id for r in FM_RULES))
def test_fm_rule_abstains_without_registers_node_or_measurements(rule_id):
    target, ctx = fm_world(FM_BLANK, fm_register=None, node=None, spurious_searched=False, stations=())
    outcome = ALL_RULES[rule_id].evaluate(target, ctx)
    # Off-raster with no licensed station to learn the node's error from cannot be told apart either.
    assert isinstance(outcome, Abstain), outcome


def test_cro_subtracted_when_penalty_time_flags_it():
    target, ctx = gsm_world({"cro_db": 62, "penalty_time_s": None})
    assert ALL_RULES["gsm.aggressive_reselection"].evaluate(target, ctx) is None


def test_identity_absent_from_a_crowd_register_counts_less():
    from dsp.verdict import parse_opencellid
    crowd = parse_opencellid("radio,mcc,net,area,cell,unit,lon,lat,range\nGSM,460,0,4361,20821,0,121.475,31.235,1000\n")
    target, ctx = gsm_world({"cell_id": 5501}, cell_register=crowd)
    fired = ALL_RULES["gsm.identity_unregistered"].evaluate(target, ctx)
    assert fired.scale < 1
    reason = next(r for r in judge(target, ctx, GSM_RULES).reasons if r.rule == "gsm.identity_unregistered")
    assert "crowd-sourced" in reason.text and reason.weight < ALL_RULES["gsm.identity_unregistered"].weight


def test_distant_licensee_heard_beyond_its_area_is_told_apart_by_level():
    far = {"freq_hz": 105.7e6, "channel_hz": 105.7e6, "rds": rds("2222", "FARAWAY")}
    level = received_dbfs(70.0, (35.0, 117.0), 105.7e6)  # 10 kW ERP from the licensee's site, 591 km off
    rule = ALL_RULES["fm.unlicensed_carrier"]
    assert rule.evaluate(*fm_world({**far, "power_dbfs": level + 3})) is None
    loud = rule.evaluate(*fm_world({**far, "power_dbfs": level + 30}))
    assert isinstance(loud, Fired) and "received 29 dB above" in loud.evidence["elsewhere"]
    assert "free-space" not in loud.evidence["elsewhere"]  # 591 km: free space is 28 dB above exponent 3
    assert loud.scale == rule.thresholds["loud_same_pi_scale"]  # it sends the licensee's PI: ducting? less sure
    louder = rule.evaluate(*fm_world({**far, "power_dbfs": level + 45}))
    assert "16 dB above even free-space propagation" in louder.evidence["elsewhere"]
    assert louder.scale == 1  # no propagation delivers more than free space: not that licensee, whatever its PI
    other_pi = rule.evaluate(*fm_world({**far, "rds": rds("BEEF", "PIRATE"), "power_dbfs": level + 40}))
    assert isinstance(other_pi, Fired) and other_pi.scale == 1
    target, ctx = fm_world({**far, "power_dbfs": level})
    unsure = rule.evaluate(target, dataclasses.replace(ctx, stations=(target,)))
    assert isinstance(unsure, Fired) and unsure.scale == rule.thresholds["same_pi_scale"]


def test_a_little_above_a_distant_licensee_counts_weak_the_strong_excess_once():
    """Beyond the licensee's service area the 10–20 dB excess still corroborates (weak); above 20 dB
    fm.unlicensed_carrier weighs it, and fm.power_above_prediction stays out (no double count)."""
    far = {"freq_hz": 105.7e6, "channel_hz": 105.7e6, "rds": rds("BEEF", "BEST MED")}
    level = received_dbfs(70.0, (35.0, 117.0), 105.7e6)
    rule = ALL_RULES["fm.power_above_prediction"]
    weak = rule.evaluate(*fm_world({**far, "power_dbfs": level + 15}))
    assert isinstance(weak, Fired) and weak.scale == rule.thresholds["weak_scale"]
    verdict = judge(*fm_world({**far, "power_dbfs": level + 15}), FM_RULES)
    assert verdict.klass == "suspicious"
    assert {r.rule for r in verdict.reasons} == {"fm.power_above_prediction", "fm.rds_identity_mismatch"}
    assert rule.evaluate(*fm_world({**far, "power_dbfs": level + 30})) is None
    assert rule.evaluate(*fm_world({**far, "power_dbfs": level + 5})) is None


def test_scrolling_ps_that_includes_the_licensed_name_is_not_a_mismatch():
    target, ctx = fm_world({"rds": rds("13A1", "NEWS    ", ps_seen=(("NEWS    ", 30), ("CNR 1   ", 20)))})
    assert ALL_RULES["fm.rds_identity_mismatch"].evaluate(target, ctx) is None
    target, ctx = fm_world({"rds": rds("13A1", "HEALTH  ")})
    assert ALL_RULES["fm.rds_identity_mismatch"].evaluate(target, ctx).scale == 0.5


def test_wide_overlapping_fixes_are_one_place_not_a_journey():
    """Early fixes of a fixed cell heard by few nodes are kilometres wide: 2 km between two fixes
    whose 95 % regions (1.5 km each) overlap is no evidence of movement; the same 2 km between
    tight fixes is."""
    (moving,) = [r for r in GSM_RULES if r.id == "gsm.moving"]
    wide = (PositionFix(31.23, 121.47, 1500.0), PositionFix(31.248, 121.47, 1500.0))
    tight = (PositionFix(31.23, 121.47, 200.0), PositionFix(31.248, 121.47, 200.0))
    cell, ctx = gsm_world(history={HIST: TargetHistory(positions=wide)})
    assert moving.id not in [r.rule for r in judge(cell, ctx, GSM_RULES).reasons]
    cell, ctx = gsm_world(history={HIST: TargetHistory(positions=tight)})
    assert moving.id in [r.rule for r in judge(cell, ctx, GSM_RULES).reasons]


def test_fingerprint_needs_clear_decodes_and_tells_pilots_apart():
    rule = ALL_RULES["fm.fingerprint_changes"]
    licensee = (HeardAs("13A1", True, 38.0, -0.05), HeardAs("13A1", True, 44.0, -0.1))
    # The licensee's PI and stereo copied, but another exciter: its pilot is off the licensee's by 2.5 Hz
    # once each node's clock is removed (this node: median 0.5 Hz of the other licensed stations).
    copy = rule.evaluate(*fm_world({"pilot_freq_error_hz": 2.9}, history=_heard(*licensee)))
    assert isinstance(copy, Fired) and copy.scale == 1 and "pilot +2.40 Hz" in copy.evidence["now"]
    assert rule.evaluate(*fm_world({"pilot_freq_error_hz": 0.9}, history=_heard(*licensee))) is None
    # Weak earlier decodes (RDS and pilot may fail there) are no evidence; neither is a weak decode now.
    weak = (HeardAs(None, False, 12.0), HeardAs(None, False, 9.0))
    assert isinstance(rule.evaluate(*fm_world(history=_heard(*weak))), Abstain)
    assert isinstance(rule.evaluate(*fm_world({"snr_db": 14.0, "rds": None}, history=_heard(*licensee))), Abstain)
    # Mono now where the channel was stereo, all else alike: the softer trait.
    mono = rule.evaluate(*fm_world({"stereo": False, "pilot_freq_error_hz": None}, history=_heard(*licensee)))
    assert isinstance(mono, Fired) and mono.scale == rule.thresholds["soft_scale"]
    # RDS gone where the channel had the licensee's: an RDS encoder can fail. Soft, and with
    # fm.rds_missing weighing the same absence, no more than suspicious.
    target, ctx = fm_world({"rds": None}, history=_heard(*licensee))
    assert rule.evaluate(target, ctx).scale == rule.thresholds["soft_scale"]
    v = judge(target, ctx, FM_RULES)
    assert {r.rule for r in v.reasons} == {"fm.fingerprint_changes", "fm.rds_missing"} and v.klass == "suspicious"
    # One clear decode without RDS in the history is a decoding failure, not a transmitter without RDS.
    once = (HeardAs(None, True, 40.0, -0.05),) + licensee
    assert rule.evaluate(*fm_world(history=_heard(*once))) is None
    assert isinstance(rule.evaluate(*fm_world(history=_heard(once[0], *once))), Fired)


def test_fingerprint_ignores_a_distant_licensee_of_the_channel_ducting_in():
    """105.7 MHz is licensed 591 km away (PI 2222); a register with the channel licensed here too
    (PI 13A5): the two licensees' PIs on one channel are two licensed stations, not a pirate."""
    register = parse_fm_register(FM_REGISTER + "105700000,13A5,LOCAL,Local 105.7,31.2400,121.4800,1000,GD-005,20000\n",
                                 "fm-licences.csv")
    here = {"freq_hz": 105.7e6 + 200, "channel_hz": 105.7e6, "rds": rds("13A5", "LOCAL")}
    history = {("fm", 105700): TargetHistory(heard_as=(HeardAs("2222", True, 30.0), HeardAs("13A5", True, 40.0)))}
    assert ALL_RULES["fm.fingerprint_changes"].evaluate(*fm_world(here, fm_register=register, history=history)) is None
    history = {("fm", 105700): TargetHistory(heard_as=(HeardAs("BEEF", True, 30.0), HeardAs("13A5", True, 40.0)))}
    assert isinstance(ALL_RULES["fm.fingerprint_changes"].evaluate(*fm_world(here, fm_register=register, history=history)),
                      Fired)


def test_heard_as_of_keeps_what_tells_transmitters_apart_with_the_node_clock_removed():
    target, ctx = fm_world()
    assert heard_as_of(target, ctx) == HeardAs("13A1", True, 35.0, pytest.approx(0.4 - 0.5))
    target, ctx = fm_world({"stereo": False, "pilot_freq_error_hz": None, "rds": None})
    assert heard_as_of(target, ctx) == HeardAs(None, False, 35.0, None)


@pytest.mark.parametrize("world,key,rule_id,site", [(fm_world, FM_HIST, "fm.site_mismatch", (31.3200, 121.4700)),
                                                     (gsm_world, HIST, "gsm.site_mismatch", (31.2200, 121.4800))])
def test_site_mismatch_abstains_on_open_stale_or_thin_fixes_and_keeps_a_margin(world, key, rule_id, site):
    rule = ALL_RULES[rule_id]
    far = (site[0] - 0.0315, site[1])  # 3.5 km south of the licensed site

    def outcome(radius_m, history=None, **fix):
        return rule.evaluate(*world(history={key: history or _located(*far, radius_m, **fix)}))

    assert isinstance(outcome(1000.0), Fired)
    # Missing the site by less than the margin (here 1.5 radii: 3 km) is a fix that misses, not another place.
    assert outcome(2000.0) is None
    assert isinstance(outcome(1000.0, open=True), Abstain)                  # open region: its radius bounds nothing
    assert isinstance(outcome(1000.0, n_sites=2), Abstain)
    assert isinstance(outcome(1000.0, time=NOW - 3600), Abstain)            # may be another transmitter on the channel
    assert isinstance(outcome(1000.0, time=None), Abstain)
    assert isinstance(outcome(0, history=TargetHistory(positions=(PositionFix(*far, 1000.0),))), Abstain)
    # The newest trusted fix counts: an open fix after it does not hide it, an older closed fix elsewhere does not fire.
    trusted = _located(*far, 1000.0).positions[0]
    newer_open = dataclasses.replace(trusted, time=NOW - 30, open=True)
    assert isinstance(outcome(0, history=TargetHistory(last_seen=NOW, positions=(trusted, newer_open))), Fired)
    at_site = dataclasses.replace(trusted, lat=site[0], lon=site[1], time=NOW - 30)
    assert outcome(0, history=TargetHistory(last_seen=NOW, positions=(trusted, at_site))) is None


def test_site_mismatch_alone_is_suspicious_and_with_any_other_cue_rogue():
    located = {FM_HIST: _located(31.2400, 121.4700, 800.0)}
    alone = judge(*fm_world(history=located), FM_RULES)
    assert alone.klass == "suspicious" and [r.rule for r in alone.reasons] == ["fm.site_mismatch"]
    # The weakest cue any other rule can give: its weight at its smallest scale (e.g. a PS-only mismatch, 10).
    weakest = min(r.weight * min([v for k, v in r.thresholds.items() if k.endswith("scale")], default=1.0)
                  for r in GSM_RULES + FM_RULES if not r.id.endswith("site_mismatch"))
    for kind in ("fm", "gsm"):
        assert combine([ALL_RULES[f"{kind}.site_mismatch"].weight, weakest]) >= ROGUE_AT, weakest
    with_pi = judge(*fm_world({"rds": rds("1234", "CNR 1")}, history=located), FM_RULES)
    assert with_pi.klass == "rogue" and {r.rule for r in with_pi.reasons} == {"fm.site_mismatch", "fm.rds_identity_mismatch"}


def test_power_a_little_above_prediction_corroborates_but_never_decides_alone():
    """10–20 dB over the licensee's prediction is what shadowing gives one licensed station in ten
    somewhere: weak alone (the rule counts at its weak scale), suspicious with one other weak cue."""
    rule = ALL_RULES["fm.power_above_prediction"]
    base = fm_world()[0].power_dbfs              # the world's licensee sits 2 dB under its prediction
    louder = judge(*fm_world({"power_dbfs": base + 15}), FM_RULES)
    assert louder.klass == "licensed" and [r.rule for r in louder.reasons] == ["fm.power_above_prediction"]
    assert louder.reasons[0].weight == round(rule.weight * rule.thresholds["weak_scale"], 1) < 25
    assert "13 dB stronger" in louder.reasons[0].text and "weak on its own" in louder.reasons[0].text
    assert judge(*fm_world({"power_dbfs": base + 11}), FM_RULES).reasons == ()      # 9 dB: quiet
    no_rds = judge(*fm_world({"power_dbfs": base + 15, "rds": None}), FM_RULES)
    assert no_rds.klass == "suspicious"
    assert {r.rule for r in no_rds.reasons} == {"fm.power_above_prediction", "fm.rds_missing"}
    strong = judge(*fm_world({"power_dbfs": base + 30}), FM_RULES).reasons[0]
    assert strong.weight == rule.weight and "a nearer transmitter" in strong.text and "weak" not in strong.text


def test_co_channel_alone_is_suspicious_not_rogue():
    """A distant licensee ducting in beats on a channel too: interference worth a look, not a pirate."""
    beat = judge(*fm_world({"residual_am": 0.2, "multipath_db": 0.4}), FM_RULES)
    assert beat.klass == "suspicious" and [r.rule for r in beat.reasons] == ["fm.co_channel"]
    assert "about 10 dB under" in beat.reasons[0].text
    # Too deep multipath to tell (the analyser reports no residual AM): abstains, never fires.
    deep = fm_world({"residual_am": None, "multipath_db": 9.0})
    assert isinstance(ALL_RULES["fm.co_channel"].evaluate(*deep), Abstain)


def test_licensed_without_any_register_check_says_nothing_was_checked():
    """A carrier with no identity that every rule abstains on is "licensed" only by default: the
    verdict's reason says so (weight 0), while a licensed cell found in the register carries none."""
    blank = judge(*gsm_world(GSM_BLANK, cells=()), GSM_RULES)
    assert blank.klass == "licensed" and blank.score == 0
    (note,) = blank.reasons
    assert note.rule == "verdict.unverified" and note.weight == 0
    assert "nothing could be checked" in note.text and "no cell identity decoded" in note.text
    no_register = judge(*fm_world(fm_register=None), FM_RULES)
    assert [r.rule for r in no_register.reasons] == ["verdict.unverified"]
    assert "not held against the licence register" in no_register.reasons[0].text
    assert judge(*gsm_world(), GSM_RULES).reasons == ()
    assert judge(*fm_world(), FM_RULES).reasons == ()
