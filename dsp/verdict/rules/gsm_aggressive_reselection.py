"""gsm.aggressive_reselection — CELL_RESELECT_OFFSET far above the operator's own cells
(TS 45.008 §6.4: C2 = C1 + CRO − TO·H(PT − T); PT code 31 means C2 = C1 − CRO instead).

Decoders give ``penalty_time_s`` None for PT code 31 (TS 44.018 §10.5.2.34), and CRO/TO/PT are
broadcast together, so a CRO with no penalty time is a subtracted CRO."""

from dsp.verdict.baseline import operator_peers, peer_values
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule

def _check(cell, ctx, th):
    cro = field_of(cell, "cro_db")
    if cro is None:
        return Abstain("no cell reselection parameters broadcast (SI3/SI4 rest octets)")
    pt, to = field_of(cell, "penalty_time_s"), field_of(cell, "temporary_offset_db")
    if pt is None:
        return None  # PT code 31: CRO is subtracted, the cell makes itself less attractive
    baseline = peer_values(operator_peers(cell, ctx), "cro_db")
    if len(baseline) >= th["min_peers"]:
        limit, basis = max(baseline) + th["margin_db"], f"the operator's licensed cells here use at most {max(baseline):g} dB"
    else:
        limit, basis = th["fallback_db"], "no baseline of the operator's cells, so only a very high CRO counts"
    limit = max(limit, th["floor_db"])
    if cro <= limit:
        return None
    return Fired({"cro": cro, "to": "∞" if to is None else f"{to:g}", "pt": f"{pt:g}",
                  "basis": basis})


RULE = Rule(id="gsm.aggressive_reselection", kind="gsm", weight=30, check=_check,
            thresholds={"margin_db": 10, "floor_db": 20, "fallback_db": 40, "min_peers": 3},
            template="{cell}: reselection offset CRO {cro:g} dB (TO {to} dB, PT {pt} s) pulls phones to it; {basis}")
