"""gsm.site_mismatch — the cell's recent, closed position fix excludes every licensed site of its
identity by a margin: the identity is sent from somewhere else (dsp.verdict.position)."""

from dsp.verdict.context import history_key_gsm
from dsp.verdict.fields import field_of, identity_of
from dsp.verdict.position import SITE_THRESHOLDS, site_mismatch
from dsp.verdict.rules.base import Abstain, Rule


def _check(cell, ctx, th):
    ident = identity_of(cell)
    if ident is None or ctx.cell_register is None:
        return Abstain("no cell identity decoded" if ident is None else "no cell register")
    sites = [(e.lat, e.lon, f"{e.operator}'s register line {e.line}") for e in ctx.cell_register.lookup(*ident)]
    if not sites:
        return Abstain("identity not in the register: no licensed site to compare the position fix with")
    return site_mismatch(ctx.history.get(history_key_gsm(field_of(cell, "arfcn"))), sites, th)


RULE = Rule(id="gsm.site_mismatch", kind="gsm", weight=45, check=_check, thresholds=SITE_THRESHOLDS,
            template="{cell} is located {km:.1f} km from the nearest licensed site of its identity "
                     "({licence}), beyond its 95 % region ({radius_km:.1f} km) by more than {margin_km:.1f} km: "
                     "the identity is sent from elsewhere")
