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
    gross = (over or 0.0) > th["gross_fraction_over"] or (p999 or 0.0) > th["gross_p999_hz"]
    return Fired({"percent": 100 * (over or 0.0), "p999": (p999 or 0.0) / 1e3,
                  "how": "grossly, " if gross else ""}, scale=1.0 if gross else th["mild_scale"])


# A licensed transmitter that over-modulates now and then gets the mild weight (30); one past ±75 kHz
# for 5 % of the time or with a 99.9th percentile over 100 kHz is no broadcast exciter in adjustment (40).
RULE = Rule(id="fm.over_deviation", kind="fm", weight=40, check=_check,
            thresholds={"max_fraction_over": 0.01, "max_p999_hz": 85e3, "gross_fraction_over": 0.05,
                        "gross_p999_hz": 100e3, "mild_scale": 0.75},
            template="{station} {how}deviates beyond ±75 kHz {percent:.1f} % of the time (99.9th percentile {p999:.0f} kHz)")
