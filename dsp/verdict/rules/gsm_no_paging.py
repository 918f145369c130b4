"""gsm.no_paging — no paging on the PCH (TS 44.018 §9.1.22–24) for the whole observation while the
operator's cells carry it: a fake location area has no subscribers to page."""

from dsp.verdict.baseline import operator_peers, peer_values
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    count = field_of(cell, "paging_count")
    if count is None:
        return Abstain("paging not counted")
    if ctx.observed_s is None or ctx.observed_s < th["min_observed_s"]:
        return Abstain(f"observed under {th['min_observed_s']:g} s")
    if count > 0:
        return None
    paged = [v for v in peer_values(operator_peers(cell, ctx), "paging_count") if v > 0]
    if not paged:
        return Abstain("no licensed cell of the operator with paging seen to compare with")
    return Fired({"seconds": ctx.observed_s, "n": len(paged)})


RULE = Rule(id="gsm.no_paging", kind="gsm", weight=30, check=_check,
            thresholds={"min_observed_s": 5},
            template="{cell}: not one paging message in {seconds:g} s, while {n} licensed cells of its operator page")
