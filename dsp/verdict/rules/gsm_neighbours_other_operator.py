"""gsm.neighbours_other_operator — the neighbour list points at another operator's channels
(a catcher copying whatever it hears)."""

from dsp.verdict.fields import identity_of, neighbours_of, plmn_text
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _owner(arfcn, mcc, ctx, seen):
    """The MNC holding the ARFCN: a cell seen on it, else an allocation block held by one MNC alone."""
    if arfcn in seen:
        return seen[arfcn]
    holders = {b.mnc for b in ctx.allocations.holders(mcc, arfcn)} if ctx.allocations is not None else set()
    return holders.pop() if len(holders) == 1 else None


def _check(cell, ctx, th):
    neighbours = neighbours_of(cell)
    ident = identity_of(cell)
    if ident is None or not neighbours:
        return Abstain("no identity decoded" if ident is None else "no neighbour list")
    seen = {c.arfcn: identity_of(c)[1] for c in ctx.cells if identity_of(c) is not None and identity_of(c)[0] == ident[0]}
    owners = {n: _owner(n, ident[0], ctx, seen) for n in neighbours}
    known = {n: o for n, o in owners.items() if o is not None}
    if len(known) < th["min_known"]:
        return Abstain("too few neighbour ARFCNs with a known operator (allocations or cells seen)")
    foreign = sorted(n for n, o in known.items() if o != ident[1])
    if len(foreign) / len(known) < th["min_fraction"]:
        return None
    return Fired({"n": len(foreign), "of": len(known), "plmn": plmn_text(cell), "arfcns": ", ".join(map(str, foreign[:8]))})


RULE = Rule(id="gsm.neighbours_other_operator", kind="gsm", weight=25, check=_check,
            thresholds={"min_known": 2, "min_fraction": 0.5},
            template="{cell}: {n} of {of} neighbours whose operator is known belong to another network than "
                     "{plmn} (ARFCN {arfcns})")
