"""gsm.moving — the cell's position fixes spread further than a fixed site's would: a base
station in a car or a backpack.

Two fixes only say "moved" when they are farther apart than the threshold AND than their 95 %
radii together: early fixes of a fixed cell from a few nodes are kilometres wide, and two wide
regions that overlap are one place, not a journey."""

from dsp.verdict.context import history_key_gsm
from dsp.verdict.fields import field_of
from dsp.verdict.geo import distance_m
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    hist = ctx.history.get(history_key_gsm(field_of(cell, "arfcn")))
    if hist is None or len(hist.positions) < 2:
        return Abstain("fewer than two position estimates of this cell")
    first = hist.positions[0]
    apart = [distance_m(first.lat, first.lon, p.lat, p.lon) for p in hist.positions[1:]]
    moved = [d for d, p in zip(apart, hist.positions[1:])
             if d > th["max_spread_m"] and d > (first.radius_95_m or 0.0) + (p.radius_95_m or 0.0)]
    if not moved:
        return None
    spread = max(moved)
    return Fired({"km": spread / 1e3, "n": len(hist.positions)})


RULE = Rule(id="gsm.moving", kind="gsm", weight=35, check=_check,
            thresholds={"max_spread_m": 1000},
            template="{cell}: its {n} position fixes spread over {km:.1f} km: the transmitter moves")
