"""gsm.high_hysteresis — CELL_RESELECT_HYSTERESIS (TS 44.018 §10.5.2.4) above the operator's cells:
phones camped on it stay even when a real cell is stronger."""

from dsp.verdict.baseline import operator_peers, peer_values
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    crh = field_of(cell, "crh_db")
    if crh is None:
        return Abstain("no CELL_RESELECT_HYSTERESIS decoded")
    baseline = peer_values(operator_peers(cell, ctx), "crh_db")
    if len(baseline) < th["min_peers"]:
        return Abstain("no baseline: too few licensed cells of the operator seen")
    if crh <= max(baseline) + th["margin_db"]:
        return None
    return Fired({"crh": crh, "peer_max": max(baseline)})


RULE = Rule(id="gsm.high_hysteresis", kind="gsm", weight=15, check=_check,
            thresholds={"margin_db": 4, "min_peers": 3},
            template="{cell}: reselection hysteresis {crh:g} dB, its operator's licensed cells here use at most {peer_max:g} dB")
