"""fm.co_channel on two carriers of about equal strength: the meter (dsp.fm.cochannel) reports them
near-equal with the beat's maximum index where multipath_db is beyond what it can measure; the rule
fires with a sentence saying so, stays quiet on the single carrier through the same deep multipath
(no index: abstains), and alone it makes the station suspicious, never rogue."""

from __future__ import annotations

import pytest

from dsp.fm.cochannel import NEAR_EQUAL_INDEX, MAX_MULTIPATH_DB, du_from_index
from dsp.verdict import ALL_RULES, FM_RULES, judge
from dsp.verdict.rules.base import Abstain, Fired
from verdict_worlds import fm_world

RULE = ALL_RULES["fm.co_channel"]
DEEP_DB = MAX_MULTIPATH_DB + 3.0  # what two garbling carriers do to the envelope's conditional mean


def test_near_equal_fires_with_an_inspector_readable_reason():
    target, ctx = fm_world({"residual_am": NEAR_EQUAL_INDEX, "multipath_db": DEEP_DB})
    outcome = RULE.evaluate(target, ctx)
    assert isinstance(outcome, Fired) and outcome.evidence["du"] == 0.0
    verdict = judge(target, ctx, FM_RULES)
    (reason,) = [r for r in verdict.reasons if r.rule == "fm.co_channel"]
    for words in ("two carriers of about equal strength share the channel", "0.354", "every frequency",
                  f"{RULE.thresholds['multipath_index']:.4f}"):
        assert words in reason.text, reason.text
    assert "dB under" not in reason.text
    assert reason.weight == RULE.weight == 30


def test_json_rounding_of_the_index_still_reads_near_equal():
    """FmStation.to_json keeps 4 decimals: 0.3536."""
    target, ctx = fm_world({"residual_am": round(NEAR_EQUAL_INDEX, 4), "multipath_db": DEEP_DB})
    outcome = RULE.evaluate(target, ctx)
    assert isinstance(outcome, Fired) and "about equal strength" in outcome.evidence["finding"]


def test_quiet_on_the_single_carrier_twin():
    """One carrier through the same deep multipath: the meter reports no index (too deep to tell),
    and the rule abstains; measured, one carrier's index stays under the class's threshold."""
    deep = fm_world({"residual_am": None, "multipath_db": DEEP_DB})
    assert isinstance(RULE.evaluate(*deep), Abstain)
    assert all(r.rule != "fm.co_channel" for r in judge(*deep, FM_RULES).reasons)
    limit = RULE.thresholds["multipath_index"]
    assert RULE.evaluate(*fm_world({"residual_am": 0.95 * limit, "multipath_db": 4.0})) is None
    assert isinstance(RULE.evaluate(*fm_world({"residual_am": 1.05 * limit, "multipath_db": 4.0})), Fired)


def test_near_equal_alone_is_suspicious_not_rogue():
    """A distant licensee ducting in can garble a channel too: worth an inspector's look, no more."""
    verdict = judge(*fm_world({"residual_am": NEAR_EQUAL_INDEX, "multipath_db": DEEP_DB}), FM_RULES)
    assert verdict.klass == "suspicious" and [r.rule for r in verdict.reasons] == ["fm.co_channel"]


@pytest.mark.parametrize("am", [0.30, 0.34])
def test_a_second_carrier_a_few_db_under_keeps_its_own_sentence(am):
    """Under the near-equal index the reason names the D/U, as before."""
    target, ctx = fm_world({"residual_am": am, "multipath_db": 4.0})
    outcome = RULE.evaluate(target, ctx)
    assert isinstance(outcome, Fired)
    assert f"about {du_from_index(am):.0f} dB under" in outcome.evidence["finding"]
    assert "about equal strength" not in outcome.evidence["finding"]
