"""fm.aviation_spurious — a spurious emission in 108–137 MHz attributed to this station (ITU-R
SM.1009: FM broadcast interference into aeronautical radionavigation and communication)."""

from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    if not ctx.spurious_searched:
        return Abstain("the aviation band was not searched")
    freq = field_of(station, "freq_hz")
    hits = sorted(field_of(s, "freq_hz") for s in ctx.spurious
                  if field_of(s, "related_to_hz") is not None and abs(s.related_to_hz - freq) <= th["match_hz"]
                  and th["air_lo_hz"] <= field_of(s, "freq_hz") <= th["air_hi_hz"])
    if not hits:
        return None
    return Fired({"freqs": ", ".join(f"{f / 1e6:.3f} MHz" for f in hits)})


RULE = Rule(id="fm.aviation_spurious", kind="fm", weight=40, check=_check,
            thresholds={"match_hz": 25e3, "air_lo_hz": 108e6, "air_hi_hz": 137e6},
            template="{station} puts spurious emissions into the aviation band at {freqs}")
