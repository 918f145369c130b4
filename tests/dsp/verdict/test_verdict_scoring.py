"""The verdict: how weights combine, the classes, the JSON object, and what weak cues cannot do."""

from __future__ import annotations

import json

import pytest

from dsp.errors import DspError
from dsp.verdict import FM_RULES, GSM_RULES, LICENSED, ROGUE, SUSPICIOUS, judge
from dsp.verdict.verdict import ROGUE_AT, SUSPICIOUS_AT, combine
from verdict_worlds import fm_world, gsm_world, rds


def test_combine_is_a_noisy_or():
    assert combine([]) == 0.0 and combine([100]) == 100.0
    assert combine([50, 50]) == 75.0
    assert combine([20]) < SUSPICIOUS_AT and combine([20, 20, 20]) < ROGUE_AT


def test_licensed_twins_are_licensed():
    for target, ctx, rules in ((*gsm_world(), GSM_RULES), (*fm_world(), FM_RULES)):
        verdict = judge(target, ctx, rules)
        assert verdict.klass == LICENSED and verdict.score == 0 and not verdict.reasons


def test_no_single_weak_cue_makes_a_station_rogue_or_even_suspicious():
    weak = [r for r in GSM_RULES + FM_RULES if r.weight <= 20]
    assert {r.id for r in weak} >= {"fm.rds_identity_mismatch", "fm.rds_missing", "gsm.short_t3212"}
    target, ctx = fm_world({"rds": rds("BEEF", "PIRATE")})
    assert judge(target, ctx, FM_RULES).klass == LICENSED


def test_a_catcher_with_the_usual_settings_is_rogue_and_every_reason_is_a_sentence():
    target, ctx = gsm_world({"cell_id": 5501, "lac": 41234, "neighbours": (), "cro_db": 62, "paging_identities": 0,
                             "gprs": False, "arfcn": 40})
    verdict = judge(target, ctx, GSM_RULES)
    assert verdict.klass == ROGUE and verdict.score >= 90
    ids = [r.rule for r in verdict.reasons]
    assert ids[0] == "gsm.identity_unregistered" and "gsm.aggressive_reselection" in ids
    weights = [r.weight for r in verdict.reasons]
    assert weights == sorted(weights, reverse=True)
    text = verdict.sentence()
    assert "LAC 41234 CI 5501" in text and "CRO 62 dB" in text and "neighbour list is empty" in text


def test_json_is_the_interfaces_verdict_object_then_extras():
    target, ctx = gsm_world({"cro_db": 62, "gprs": False})
    obj = judge(target, ctx, GSM_RULES).to_json()
    assert list(obj)[:3] == ["class", "score", "reasons"] and obj["class"] == SUSPICIOUS
    assert all(list(r)[:3] == ["rule", "text", "weight"] for r in obj["reasons"])
    assert {a["rule"] for a in obj["abstained"]} == {"gsm.arfcn_identity_changes", "gsm.recently_appeared", "gsm.moving",
                                                      "gsm.site_mismatch"}
    json.dumps(obj)


def test_decoded_text_stays_verbatim_in_reasons():
    ps = "<b>{x}&"
    target, ctx = fm_world({"rds": rds("13A1", ps)})
    reason = next(r for r in judge(target, ctx, FM_RULES).reasons if r.rule == "fm.rds_identity_mismatch")
    assert ps in reason.text  # renderers escape; the record keeps what was sent


def test_judge_refuses_mixed_rules_and_bad_context():
    target, ctx = gsm_world()
    with pytest.raises(DspError, match="mix kinds"):
        judge(target, ctx, GSM_RULES + FM_RULES)
    with pytest.raises(DspError, match="VerdictContext"):
        judge(target, {}, GSM_RULES)
