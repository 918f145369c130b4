"""gsm.identity_unregistered — the cell's (MCC, MNC, LAC, CI) is in no licensed cell of the register."""

from dsp.verdict.fields import identity_of, plmn_text
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    ident = identity_of(cell)
    if ident is None:
        return Abstain("no cell identity decoded (SI3/SI4)")
    reg = ctx.cell_register
    if reg is None:
        return Abstain("no cell register")
    if reg.lookup(*ident):
        return None
    crowd = reg.crowd_sourced
    n = len(reg.of_plmn(*ident[:2]))
    return Fired({"register": reg.source, "n_plmn": f"{n} cell{'' if n == 1 else 's'}", "plmn": plmn_text(cell),
                  "caveat": " (a crowd-sourced register misses real cells, so this counts for less)" if crowd else ""},
                 scale=th["crowd_scale"] if crowd else 1.0)


RULE = Rule(id="gsm.identity_unregistered", kind="gsm", weight=45, check=_check, verifies=True,
            thresholds={"crowd_scale": 0.4},
            template="{cell} is in no licensed cell of {register}, which lists {n_plmn} of {plmn}{caveat}")
