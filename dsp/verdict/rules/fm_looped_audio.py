"""fm.looped_audio — the programme repeats with a short period: a looped advert."""

from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    period, confidence = field_of(station, "loop_period_s"), field_of(station, "loop_confidence")
    if confidence is None:
        return Abstain("audio not analysed for loops")
    if period is None or confidence < th["min_confidence"] or period > th["max_period_s"]:
        return None
    return Fired({"period": period, "confidence": confidence})


RULE = Rule(id="fm.looped_audio", kind="fm", weight=35, check=_check,
            thresholds={"min_confidence": 0.8, "max_period_s": 600},
            template="{station} repeats the same audio every {period:.0f} s (match {confidence:.2f}): a looped advert")
