"""gsm.power_above_site — received far stronger than the licensed site of this identity predicts
at the node: a nearer transmitter sends it. Received levels are calibrated on the licensed cells
seen in the same scan (their residual's median), so the node's unknown gain cancels."""

from dsp.verdict.baseline import licensed_cells, median, register_entry
from dsp.verdict.fields import field_of, identity_of
from dsp.verdict.geo import distance_m, path_loss_db
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _residual(cell, site, ctx, th) -> float | None:
    """Received level + predicted loss − site EIRP: the same for every cell if all follow the model."""
    power, freq = field_of(cell, "power_dbfs"), field_of(cell, "freq_hz")
    if power is None or freq is None:
        return None
    eirp = site.power_dbm if site.power_dbm is not None else th["default_eirp_dbm"]
    d = distance_m(*ctx.node, site.lat, site.lon)
    return power + path_loss_db(d, freq, th["exponent"]) - eirp


def _check(cell, ctx, th):
    ident = identity_of(cell)
    if ident is None or ctx.cell_register is None or ctx.node is None:
        return Abstain("needs the cell identity, a register and the node position")
    sites = ctx.cell_register.lookup(*ident)
    if not sites:
        return Abstain("identity not in the register: no licensed site to predict from")
    site = min(sites, key=lambda s: distance_m(*ctx.node, s.lat, s.lon))
    mine = _residual(cell, site, ctx, th)
    calib = [r for r in (_residual(c, register_entry(c, ctx), ctx, th) for c in licensed_cells(ctx, exclude=cell))
             if r is not None]
    if mine is None or len(calib) < th["min_peers"]:
        return Abstain("too few licensed cells with a known site to calibrate the node's level")
    excess = mine - median(calib)
    if excess <= th["max_excess_db"]:
        return None
    return Fired({"excess": excess, "km": distance_m(*ctx.node, site.lat, site.lon) / 1e3, "n": len(calib)})


RULE = Rule(id="gsm.power_above_site", kind="gsm", weight=35, check=_check,
            thresholds={"max_excess_db": 20, "exponent": 3.0, "default_eirp_dbm": 43, "min_peers": 2},
            template="{cell}: received {excess:.0f} dB stronger than its licensed site {km:.1f} km away predicts "
                     "(calibrated on {n} licensed cells): a nearer transmitter sends it")
