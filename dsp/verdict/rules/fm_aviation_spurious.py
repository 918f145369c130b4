"""fm.aviation_spurious — a spurious emission in 108–137 MHz held against this station (ITU-R
SM.1009-1 §2.1, type A1: unwanted emissions of FM broadcasting transmitters).

Whom an emission is held against is :func:`dsp.verdict.culprit.held_against` (its AM audio names
any station; a frequency relation alone only the sources with no licence where the station was
heard), so every caller — ``foxhunt check`` on one capture, the central station on what its nodes
sent — judges alike from the emissions as the analysis traced them.
"""

from dsp.verdict.culprit import am_traced, held_against
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule

#: What each relation is, as SM.1009-1 names it (third order: 2f1−f2 and f1+f2−f3 alike).
_THIRD_ORDER = "third-order intermodulation, ITU-R SM.1009 type A1"


def _mhz(freq_hz: float) -> str:
    return f"{freq_hz / 1e6:.3f}"


def how_text(spur) -> str:
    """``113.150 MHz = 95.350 + 105.700 − 87.900 MHz (third-order intermodulation, ITU-R SM.1009
    type A1)``: the emission, the mechanism and its sources, each frequency once."""
    freq, mechanism = field_of(spur, "freq_hz"), field_of(spur, "mechanism") or ""
    sources = tuple(field_of(spur, "sources_hz") or ())
    head = f"{_mhz(freq)} MHz"
    if am_traced(spur):
        corr = field_of(spur, "correlation")
        detail = f"AM correlation {corr:.2f}, " if corr is not None else ""
        related = field_of(spur, "related_to_hz")
        return (f"{head} carries the audio of {_mhz(related)} MHz "
                f"(amplitude modulation, {detail}ITU-R SM.1009 type A1)")
    if mechanism == "f1+f2-f3" and len(sources) == 3:
        return f"{head} = {_mhz(sources[0])} + {_mhz(sources[1])} − {_mhz(sources[2])} MHz ({_THIRD_ORDER})"
    if mechanism == "2f1-f2" and len(sources) == 2:
        return f"{head} = 2 × {_mhz(sources[0])} − {_mhz(sources[1])} MHz ({_THIRD_ORDER})"
    if mechanism.startswith("harmonic") and mechanism[8:].isdigit() and len(sources) == 1:
        n = mechanism[8:]
        return f"{head} = {n} × {_mhz(sources[0])} MHz (harmonic {n}, ITU-R SM.1009 type A1)"
    return f"{head} (related to {_mhz(field_of(spur, 'related_to_hz'))} MHz)"


def _check(station, ctx, th):
    if not ctx.spurious_searched:
        return Abstain("the aviation band (108–137 MHz) was not searched")
    freq = field_of(station, "freq_hz")
    held = {}
    for s in ctx.spurious:
        f = field_of(s, "freq_hz")
        if (f is not None and th["air_lo_hz"] <= f <= th["air_hi_hz"]
                and any(abs(c - freq) <= th["match_hz"] for c in held_against(s, ctx, th["match_hz"]))):
            held.setdefault(_mhz(f), s)   # one emission sighted twice: named once
    if not held:
        return None
    order = sorted(held, key=float)
    return Fired({"freqs": ", ".join(f"{k} MHz" for k in order),
                  "emissions": "; ".join(how_text(held[k]) for k in order)})


RULE = Rule(id="fm.aviation_spurious", kind="fm", weight=40, check=_check,
            thresholds={"match_hz": 25e3, "air_lo_hz": 108e6, "air_hi_hz": 137e6},
            template="{station} puts spurious emissions into the aviation band at {emissions}")
