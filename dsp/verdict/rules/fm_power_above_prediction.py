"""fm.power_above_prediction — received far stronger than the licensee's ERP and distance predict:
a nearer, different transmitter on the channel. Calibrated on the licensed stations seen.

Graded: beyond ``max_excess_db`` (≈ 3 σ of location variability) it is strong evidence on its own;
beyond ``weak_excess_db`` (≈ 1.5 σ: one licensed station in ten or so is that loud somewhere) it
counts at ``weak_scale`` of the weight — never suspicious alone, but it corroborates another weak cue
(a pirate a few dB over the licensee that also sends the wrong PI or no RDS) — here or beyond the
licensee's service area, where fm.unlicensed_carrier takes only the strong excess."""

from dsp.verdict.baseline import covers, fm_level_excess, licence_for
from dsp.verdict.geo import distance_m
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    if ctx.node is None:
        return Abstain("no node position")
    lic = licence_for(station, ctx)
    if lic is None:
        return Abstain("no licence on this channel to predict from")
    excess = fm_level_excess(station, lic, ctx, th["exponent"], th["min_peers"])
    if excess is None:
        return Abstain("too few licensed stations seen to calibrate the node's level")
    if excess[0] <= th["weak_excess_db"]:
        return None
    strong = excess[0] > th["max_excess_db"]
    if strong and not covers(lic, ctx.node):
        return None  # not this place's licensee: fm.unlicensed_carrier weighs that level, once
    meaning = ("a nearer transmitter" if strong else
               f"more than location variability usually gives (≤ {th['max_excess_db']:g} dB): "
               "perhaps a nearer transmitter, weak on its own")
    return Fired({"excess": excess[0], "name": lic.name, "km": distance_m(*ctx.node, lic.lat, lic.lon) / 1e3,
                  "erp": lic.erp_w, "n": excess[1], "meaning": meaning},
                 scale=1.0 if strong else th["weak_scale"])


RULE = Rule(id="fm.power_above_prediction", kind="fm", weight=35, check=_check,
            # 20 dB ≈ 3 σ and 10 dB ≈ 1.5 σ of 6–8 dB shadowing (ITU-R P.1546 location variability);
            # the weak tier weighs 35 × 0.3 ≈ 10: with one weak cue (≤ 20) it reaches suspicious, not rogue.
            thresholds={"max_excess_db": 20, "weak_excess_db": 10, "weak_scale": 0.3, "exponent": 3.0,
                        "min_peers": 2},
            template="{station} is received {excess:.0f} dB stronger than {name} ({erp:g} W ERP, {km:.0f} km away) "
                     "predicts (calibrated on {n} licensed stations): {meaning}")
