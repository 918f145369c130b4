"""gsm.no_paging — no paging on the PCH (TS 44.018 §9.1.22–24) for the whole observation while the
operator's cells carry it: a fake location area has no subscribers to page."""

from dsp.verdict.baseline import operator_peers
from dsp.verdict.fields import observed_s, paged_count
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    count, seconds = paged_count(cell), observed_s(cell, ctx.observed_s)
    if count is None:
        return Abstain("paging not counted")
    if seconds is None or seconds < th["min_observed_s"]:
        return Abstain(f"observed under {th['min_observed_s']:g} s")
    if count > 0:
        return None
    paged = [p for p in operator_peers(cell, ctx) if (paged_count(p) or 0) > 0]
    if not paged:
        return Abstain("no licensed cell of the operator with paging seen to compare with")
    return Fired({"seconds": seconds, "n": len(paged)})


RULE = Rule(id="gsm.no_paging", kind="gsm", weight=30, check=_check,
            thresholds={"min_observed_s": 5},
            template="{cell}: nobody paged in {seconds:.0f} s, while {n} licensed cells of its operator page")
