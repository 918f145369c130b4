"""gsm.duplicate_identity — the same cell identity is on the air on two ARFCNs in one scan."""

from dsp.verdict.fields import field_of, identity_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    ident = identity_of(cell)
    if ident is None:
        return Abstain("no cell identity decoded")
    arfcn = field_of(cell, "arfcn")
    others = sorted({field_of(c, "arfcn") for c in ctx.cells
                     if identity_of(c) == ident and field_of(c, "arfcn") != arfcn})
    if not others:
        return None
    reg = ctx.cell_register
    licensed_arfcns = {e.arfcn for e in reg.lookup(*ident)} if reg is not None else set()
    if arfcn in licensed_arfcns:
        return None  # this one is the licensed original; the copy is the other
    return Fired({"arfcn": arfcn, "others": ", ".join(map(str, others)),
                  "which": "neither" if not licensed_arfcns - {None} else f"ARFCN {min(licensed_arfcns - {None})}"})


RULE = Rule(id="gsm.duplicate_identity", kind="gsm", weight=35, check=_check,
            template="{cell}: the same identity is also on ARFCN {others} in this scan; the register "
                     "licenses {which}, so one of them is a copy")
