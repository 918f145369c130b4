"""A transmitter's position fix held against the licensed sites it claims (the locator's 95 % region,
``locator.fix.Fix``): the regulator's next step after decoding — locate it, compare with the licence.

Shared by ``fm.site_mismatch`` and ``gsm.site_mismatch``. Only a fix that can be trusted to bound
the transmitter counts: its region closed (an open one runs off the search area and its radius
bounds nothing), resting on enough receiving places, and recent (a channel's older fix may be of
another transmitter on it: a licensee by day, a pirate by night)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dsp.verdict.context import PositionFix, TargetHistory
from dsp.verdict.geo import distance_m
from dsp.verdict.rules.base import Abstain, Fired, Outcome

#: A licensed site: (lat, lon, how the reason names its licence).
Site = tuple[float, float, str]


def trusted_fix(hist: TargetHistory | None, th: Mapping[str, float]) -> PositionFix | Abstain:
    """The newest fix of the channel's history that is closed, has a radius, rests on at least
    ``min_sites`` places (when known) and ended at most ``max_age_s`` before the channel's last observation."""
    if hist is None or not hist.positions:
        return Abstain("no position fix of this channel")
    if hist.last_seen is None:
        return Abstain("the channel's last observation time is unknown: cannot tell a fix is of this transmitter")
    recent = [f for f in hist.positions if f.time is not None and hist.last_seen - f.time <= th["max_age_s"]]
    if not recent:
        return Abstain(f"no position fix of the last {th['max_age_s'] / 60:g} min before the channel's last "
                       f"observation (or fixes without a time)")
    usable = [f for f in recent if not f.open and f.radius_95_m is not None
              and (f.n_sites is None or f.n_sites >= th["min_sites"])]
    if not usable:
        return Abstain("the recent position fixes are open (their region runs off the locator's search area), "
                       "lack a 95 % radius or rest on too few receiving places")
    return usable[-1]


def site_mismatch(hist: TargetHistory | None, sites: Sequence[Site], th: Mapping[str, float]) -> Outcome:
    """Fired when the trusted fix's centre is farther from every licensed site than its 95 % radius
    plus a margin: ``max(margin_m, margin_ratio · radius)``. A 2-D Gaussian region that holds its
    truth with probability c misses it by more than x radii with probability (1 − c)^(x²): at 2.5
    radii 6·10⁻⁷ for a region covering only 90 % (locators measure 92–97 %), 2·10⁻⁶ at 87.5 %. So
    a fix that merely misses stays quiet; the metres absorb a register's mast coordinates and the
    misses of small regions (the locator's worst relative misses are regions under 300 m)."""
    fix = trusted_fix(hist, th)
    if isinstance(fix, Abstain):
        return fix
    if not sites:
        return Abstain("no licensed site to compare the position fix with")
    d, label = min((distance_m(fix.lat, fix.lon, lat, lon), label) for lat, lon, label in sites)
    radius = fix.radius_95_m
    margin = max(th["margin_m"], th["margin_ratio"] * radius)
    if d - radius <= margin:
        return None
    return Fired({"km": d / 1e3, "radius_km": radius / 1e3, "margin_km": margin / 1e3, "licence": label,
                  "n_licensed": len(sites)})


#: Thresholds both site rules share (data, per rule, in their RULE).
SITE_THRESHOLDS = {"margin_m": 1000.0, "margin_ratio": 1.5, "max_age_s": 1200.0, "min_sites": 3}
