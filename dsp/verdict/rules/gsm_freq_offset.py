"""gsm.freq_offset — carrier offset far from the licensed cells seen by the same node. Licensed
BTSs hold ±0.05 ppm (TS 45.010 §5.1); the node's own error is common to all (in ppm, so GSM900
and DCS1800 carriers compare) and cancels against their median."""

from dsp.verdict.baseline import deviation_from_peers, licensed_cells
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def offset_ppm(cell) -> float | None:
    offset, freq = field_of(cell, "freq_offset_hz"), field_of(cell, "freq_hz")
    return None if offset is None or not freq else offset / freq * 1e6


def _check(cell, ctx, th):
    mine = offset_ppm(cell)
    if mine is None:
        return Abstain("no frequency offset measured")
    found = deviation_from_peers(mine, licensed_cells(ctx, exclude=cell), offset_ppm, th["min_peers"])
    if found is None:
        return Abstain("too few licensed cells seen to learn this node's offset")
    dev, n = found
    if abs(dev) <= th["max_dev_ppm"]:
        return None
    return Fired({"dev_ppm": dev, "dev_hz": dev * cell.freq_hz / 1e6, "n": n})


RULE = Rule(id="gsm.freq_offset", kind="gsm", weight=25, check=_check,
            thresholds={"max_dev_ppm": 0.4, "min_peers": 2},
            template="{cell}: carrier {dev_hz:+.0f} Hz ({dev_ppm:+.2f} ppm) off the {n} licensed cells seen by this node "
                     "(their median): not a network-synchronised BTS")
