"""fm.over_deviation — frequency deviation beyond ±75 kHz (ITU-R BS.450 §2) for more than a
moment."""

from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    over = field_of(station, "over_75k_fraction")
    p999 = field_of(station, "deviation_p999_hz")
    if over is None and p999 is None:
        return Abstain("no deviation statistics (time over ±75 kHz, 99.9th percentile)")
    if (over or 0.0) <= th["max_fraction_over"] and (p999 or 0.0) <= th["max_p999_hz"]:
        return None
    return Fired({"percent": 100 * (over or 0.0), "p999": (p999 or 0.0) / 1e3})


RULE = Rule(id="fm.over_deviation", kind="fm", weight=30, check=_check,
            thresholds={"max_fraction_over": 0.01, "max_p999_hz": 85e3},
            template="{station} deviates beyond ±75 kHz {percent:.1f} % of the time (99.9th percentile {p999:.0f} kHz)")
