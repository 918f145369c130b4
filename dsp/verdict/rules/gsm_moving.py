"""gsm.moving — the cell's position estimates spread further than a fixed site's would: a base
station in a car or a backpack."""

from dsp.verdict.context import history_key_gsm
from dsp.verdict.fields import field_of
from dsp.verdict.geo import distance_m
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    hist = ctx.history.get(history_key_gsm(field_of(cell, "arfcn")))
    if hist is None or len(hist.positions) < 2:
        return Abstain("fewer than two position estimates of this cell")
    first = hist.positions[0]
    spread = max(distance_m(*first, *p) for p in hist.positions[1:])
    if spread <= th["max_spread_m"]:
        return None
    return Fired({"km": spread / 1e3, "n": len(hist.positions)})


RULE = Rule(id="gsm.moving", kind="gsm", weight=35, check=_check,
            thresholds={"max_spread_m": 1000},
            template="{cell}: its {n} position fixes spread over {km:.1f} km: the transmitter moves")
