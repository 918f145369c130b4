"""gsm.neighbours_few — empty or short neighbour (BA) list in SI2/SI2bis/SI2ter: a catcher wants
phones to have nowhere else to go."""

from dsp.verdict.fields import neighbours_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    neighbours = neighbours_of(cell)
    if neighbours is None:
        return Abstain("no neighbour list decoded (SI2)")
    n = len(neighbours)
    if n >= th["min_neighbours"]:
        return None
    return Fired({"n": n, "what": "empty" if n == 0 else f"only {n} entr{'y' if n == 1 else 'ies'} long",
                  "min": int(th["min_neighbours"])}, scale=1.0 if n == 0 else th["short_scale"])


RULE = Rule(id="gsm.neighbours_few", kind="gsm", weight=30, check=_check,
            thresholds={"min_neighbours": 3, "short_scale": 0.6},
            template="{cell}: its neighbour list is {what} (licensed cells list {min} or more)")
