"""fm.power_above_prediction — received far stronger than the licensee's ERP and distance predict:
a nearer, different transmitter on the channel. Calibrated on the licensed stations seen."""

import math

from dsp.verdict.baseline import licence_for, licensed_stations, median
from dsp.verdict.fields import field_of
from dsp.verdict.geo import distance_m, path_loss_db
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _residual(station, lic, ctx, th) -> float | None:
    power = field_of(station, "power_dbfs")
    if power is None or lic is None or lic.erp_w <= 0:
        return None
    erp_dbm = 10 * math.log10(lic.erp_w * 1e3)
    return power + path_loss_db(distance_m(*ctx.node, lic.lat, lic.lon), lic.freq_hz, th["exponent"]) - erp_dbm


def _check(station, ctx, th):
    if ctx.node is None:
        return Abstain("no node position")
    lic = licence_for(station, ctx)
    if lic is None:
        return Abstain("no licence on this channel to predict from")
    mine = _residual(station, lic, ctx, th)
    calib = [r for r in (_residual(s, licence_for(s, ctx), ctx, th) for s in licensed_stations(ctx, exclude=station))
             if r is not None]
    if mine is None or len(calib) < th["min_peers"]:
        return Abstain("too few licensed stations seen to calibrate the node's level")
    excess = mine - median(calib)
    if excess <= th["max_excess_db"]:
        return None
    return Fired({"excess": excess, "name": lic.name, "km": distance_m(*ctx.node, lic.lat, lic.lon) / 1e3,
                  "erp": lic.erp_w, "n": len(calib)})


RULE = Rule(id="fm.power_above_prediction", kind="fm", weight=35, check=_check,
            thresholds={"max_excess_db": 15, "exponent": 3.0, "min_peers": 2},
            template="{station} is received {excess:.0f} dB stronger than {name} ({erp:g} W ERP, {km:.0f} km away) "
                     "predicts (calibrated on {n} licensed stations): a nearer transmitter")
