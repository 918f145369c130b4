"""gsm.arfcn_identity_changes — one ARFCN has carried several cell identities over time."""

from dsp.verdict.context import history_key_gsm
from dsp.verdict.fields import field_of, identity_of
from dsp.verdict.registers import cell_key
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    hist = ctx.history.get(history_key_gsm(field_of(cell, "arfcn")))
    if hist is None or not hist.identities:
        return Abstain("no history of identities on this ARFCN")
    seen = {cell_key(*i) for i in hist.identities}
    if identity_of(cell) is not None:
        seen.add(identity_of(cell))
    if len(seen) < th["min_identities"]:
        return None
    listed = sorted(seen)[:4]
    return Fired({"n": len(seen), "identities": "; ".join(f"{m}-{n:02d} LAC {lac} CI {ci}" for m, n, lac, ci in listed)})


RULE = Rule(id="gsm.arfcn_identity_changes", kind="gsm", weight=30, check=_check,
            thresholds={"min_identities": 2},
            template="{cell}: this ARFCN has carried {n} different identities ({identities}); licensed cells keep theirs")
