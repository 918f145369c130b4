"""gsm.plmn_foreign — MCC of another country, or an MNC no operator of this country holds."""

from dsp.verdict.fields import identity_of, plmn_text
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    if identity_of(cell) is None:
        return Abstain("no MCC/MNC decoded")
    if ctx.country_mcc is None:
        return Abstain("the node's country (MCC) is not known")
    if cell.mcc != ctx.country_mcc:
        return Fired({"plmn": plmn_text(cell), "what": f"MCC {cell.mcc} is not this country's ({ctx.country_mcc})"},
                     scale=th["foreign_mcc_scale"])
    alloc = ctx.allocations
    if alloc is None or ctx.country_mcc not in alloc.countries():
        return None
    if alloc.of_plmn(cell.mcc, cell.mnc):
        return None
    return Fired({"plmn": plmn_text(cell), "what": f"MNC {cell.mnc} is held by no operator of MCC {cell.mcc}"})


RULE = Rule(id="gsm.plmn_foreign", kind="gsm", weight=40, check=_check,
            # Border areas receive foreign networks legitimately; a foreign MCC alone stays suspicious.
            thresholds={"foreign_mcc_scale": 0.75},
            template="{cell}: network {plmn} does not belong here — {what}")
