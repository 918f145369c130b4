"""gsm.lac_unknown — no other licensed cell of the operator near the node holds this LAC (a catcher
invents a location area so phones must register with it)."""

from dsp.verdict.fields import identity_of, plmn_text
from dsp.verdict.geo import distance_m
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    ident = identity_of(cell)
    if ident is None or ctx.cell_register is None:
        return Abstain("no cell identity decoded" if ident is None else "no cell register")
    reg = ctx.cell_register
    plmn_cells = reg.of_plmn(*ident[:2])
    if not plmn_cells:
        return Abstain(f"{reg.source} lists no cell of {plmn_text(cell)}")
    holders = [e for e in plmn_cells if e.lac == ident[2] and e.identity != ident]
    where = "anywhere in the register"
    if ctx.node is not None:
        holders = [e for e in holders if distance_m(*ctx.node, e.lat, e.lon) <= th["radius_m"]]
        where = f"within {th['radius_m'] / 1e3:g} km of the node"
    if holders:
        return None
    return Fired({"lac": ident[2], "plmn": plmn_text(cell), "where": where, "register": reg.source},
                 scale=th["crowd_scale"] if reg.crowd_sourced else 1.0)


RULE = Rule(id="gsm.lac_unknown", kind="gsm", weight=25, check=_check,
            thresholds={"radius_m": 20e3, "crowd_scale": 0.5},
            template="{cell}: no other licensed {plmn} cell {where} is in LAC {lac} ({register})")
