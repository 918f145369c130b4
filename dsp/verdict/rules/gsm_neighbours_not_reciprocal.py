"""gsm.neighbours_not_reciprocal — none of the operator's licensed cells seen here lists this
cell's ARFCN as a neighbour: the network does not know it."""

from dsp.verdict.baseline import operator_peers
from dsp.verdict.fields import field_of, neighbours_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    peers = [p for p in operator_peers(cell, ctx) if neighbours_of(p) is not None]
    if len(peers) < th["min_peers"]:
        return Abstain(f"fewer than {int(th['min_peers'])} licensed cells of the operator with neighbour lists seen")
    arfcn = field_of(cell, "arfcn")
    if any(arfcn in neighbours_of(p) for p in peers):
        return None
    return Fired({"arfcn": arfcn, "n": len(peers), "peers": ", ".join(str(p.arfcn) for p in peers[:6])})


RULE = Rule(id="gsm.neighbours_not_reciprocal", kind="gsm", weight=25, check=_check,
            thresholds={"min_peers": 2},
            template="{cell}: none of the {n} licensed cells of its operator seen here (ARFCN {peers}) "
                     "lists ARFCN {arfcn} as a neighbour")
