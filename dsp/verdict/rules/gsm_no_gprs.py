"""gsm.no_gprs — no SI13 / GPRS where the operator's licensed cells have it (simple catchers are
GSM-only)."""

from dsp.verdict.baseline import operator_peers
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def has_gprs(cell) -> bool | None:
    gprs = field_of(cell, "gprs")
    if gprs is not None:
        return bool(gprs)
    si = field_of(cell, "si_types")
    return None if not si or "SI3" not in si else "SI13" in si


def _check(cell, ctx, th):
    mine = has_gprs(cell)
    if mine is None:
        return Abstain("SI3 not decoded, cannot tell whether SI13 is absent")
    if mine:
        return None
    peers = [g for g in (has_gprs(p) for p in operator_peers(cell, ctx)) if g is not None]
    if len(peers) < th["min_peers"]:
        return Abstain("too few licensed cells of the operator seen to compare with")
    share = sum(peers) / len(peers)
    if share < th["min_share"]:
        return None
    return Fired({"k": sum(peers), "n": len(peers)})


RULE = Rule(id="gsm.no_gprs", kind="gsm", weight=15, check=_check,
            thresholds={"min_peers": 2, "min_share": 0.75},
            template="{cell}: no GPRS (no SI13), while {k} of {n} licensed cells of its operator seen here have it")
