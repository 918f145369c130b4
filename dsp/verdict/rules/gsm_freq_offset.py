"""gsm.freq_offset — carrier offset far from the median of licensed cells seen by the same node.
Licensed BTSs hold ±0.05 ppm (TS 45.010 §5.1); the node's own error is common to all and cancels."""

from dsp.verdict.baseline import licensed_cells, median, peer_values
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(cell, ctx, th):
    offset = field_of(cell, "freq_offset_hz")
    if offset is None:
        return Abstain("no frequency offset measured")
    ref = peer_values(licensed_cells(ctx, exclude=cell), "freq_offset_hz")
    if len(ref) < th["min_peers"]:
        return Abstain("too few licensed cells seen to learn this node's offset")
    mid = median(ref)
    if abs(offset - mid) <= th["max_dev_hz"]:
        return None
    return Fired({"offset": offset, "median": mid, "n": len(ref), "dev": offset - mid})


RULE = Rule(id="gsm.freq_offset", kind="gsm", weight=25, check=_check,
            thresholds={"max_dev_hz": 400, "min_peers": 2},
            template="{cell}: carrier {dev:+.0f} Hz off the median of {n} licensed cells seen by this node "
                     "({offset:+.0f} Hz against {median:+.0f} Hz): not a network-synchronised BTS")
