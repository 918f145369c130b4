"""gsm.identity_clone — the identity is licensed, but on another ARFCN or with another BSIC (a copy)."""

from dsp.verdict.fields import bsic_of, bsic_text, field_of, identity_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    ident = identity_of(cell)
    if ident is None or ctx.cell_register is None:
        return Abstain("no cell identity decoded" if ident is None else "no cell register")
    entries = ctx.cell_register.lookup(*ident)
    if not entries:
        return None
    arfcn, bsic = field_of(cell, "arfcn"), bsic_of(cell)
    comparable = [e for e in entries if e.arfcn is not None or (e.bsic is not None and bsic is not None)]
    if not comparable:
        return Abstain(f"{ctx.cell_register.source} gives no ARFCN or BSIC for this identity")
    if any((e.arfcn is None or e.arfcn == arfcn) and (e.bsic is None or bsic is None or e.bsic == bsic)
           for e in comparable):
        return None
    e = comparable[0]
    return Fired({"arfcn": arfcn, "bsic": bsic_text(bsic), "lic_arfcn": e.arfcn if e.arfcn is not None else "unknown",
                  "lic_bsic": bsic_text(e.bsic), "operator": e.operator, "line": e.line})


RULE = Rule(id="gsm.identity_clone", kind="gsm", weight=55, check=_check,
            template="{cell} copies a licensed identity: {operator}'s register (line {line}) has it on ARFCN "
                     "{lic_arfcn} with BSIC {lic_bsic}, this one sends ARFCN {arfcn}, BSIC {bsic}")
