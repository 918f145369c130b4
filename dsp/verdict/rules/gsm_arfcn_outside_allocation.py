"""gsm.arfcn_outside_allocation — the ARFCN is not in any block allocated to the cell's operator."""

from dsp.verdict.fields import field_of, identity_of, plmn_text
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    if identity_of(cell) is None:
        return Abstain("no MCC/MNC decoded")
    if ctx.allocations is None:
        return Abstain("no allocation table")
    blocks = ctx.allocations.of_plmn(cell.mcc, cell.mnc)
    if not blocks:
        return Abstain(f"no allocation data for {plmn_text(cell)}")
    arfcn = field_of(cell, "arfcn")
    if any(b.contains(arfcn) for b in blocks):
        return None
    holders = ctx.allocations.holders(cell.mcc, arfcn)
    return Fired({"arfcn": arfcn, "plmn": plmn_text(cell), "operator": blocks[0].operator,
                  "blocks": ", ".join(f"{b.band} {b.first_arfcn}–{b.last_arfcn}" for b in blocks),
                  "precision": blocks[0].precision,
                  "holder": f"; it belongs to {holders[0].operator}" if holders else ""})


RULE = Rule(id="gsm.arfcn_outside_allocation", kind="gsm", weight=35, check=_check,
            template="{cell}: ARFCN {arfcn} is outside {operator}'s ({plmn}) allocation ({blocks}, "
                     "{precision}){holder}")
