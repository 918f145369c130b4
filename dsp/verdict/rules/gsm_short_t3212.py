"""gsm.short_t3212 — periodic location-update timer T3212 (TS 44.018 §10.5.2.11, decihours) far
shorter than the operator's: phones keep re-registering with the cell."""

from dsp.verdict.baseline import operator_peers, peer_values
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    t = field_of(cell, "t3212_decihours")
    if t is None:
        return Abstain("T3212 not decoded (SI3)")
    if t == 0:
        return None  # periodic updating switched off: not a harvesting setting
    baseline = [v for v in peer_values(operator_peers(cell, ctx), "t3212_decihours") if v > 0]
    limit = min(baseline) * th["fraction_of_peer_min"] if len(baseline) >= th["min_peers"] else th["fallback_decihours"]
    if t >= limit:
        return None
    return Fired({"minutes": t * 6, "limit": limit * 6})


RULE = Rule(id="gsm.short_t3212", kind="gsm", weight=20, check=_check,
            thresholds={"fraction_of_peer_min": 0.5, "fallback_decihours": 3, "min_peers": 2},
            template="{cell}: periodic location update every {minutes:g} min (T3212), under {limit:g} min")
