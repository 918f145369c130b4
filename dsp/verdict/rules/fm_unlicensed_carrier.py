"""fm.unlicensed_carrier — no licence on this channel whose service area covers the node, and the
carrier is not the distant licensee heard beyond its area (its level, calibrated on the licensed
stations seen, would match that licensee's ERP and distance). A carrier sending the distant
licensee's PI counts for less (ducting carries far stations), unless it is louder than free-space
propagation from that licensee's site allows (ITU-R P.525; ducting approaches free space, never beats it)."""

from dsp.verdict.baseline import covers, fm_level_excess
from dsp.verdict.fields import field_of, rds_pi
from dsp.verdict.geo import distance_m, path_loss_db
from dsp.verdict.rules.base import Abstain, Fired, Rule

#: Path-loss exponent of free space: no propagation mode, ducting included, does better over distance.
FREE_SPACE = 2.0


def _check(station, ctx, th):
    reg = ctx.fm_register
    if reg is None:
        return Abstain("no FM licence register")
    on_channel = reg.on_channel(field_of(station, "freq_hz"), th["channel_tolerance_hz"])
    if ctx.node is None:
        if on_channel:
            return Abstain("licensed somewhere on this channel; the node position is needed to say whether here")
        return Fired({"where": f"anywhere in {reg.source}", "elsewhere": ""})
    if any(covers(lic, ctx.node) for lic in on_channel):
        return None
    if not on_channel:
        return Fired({"where": "for this place", "elsewhere": ""})
    pi = rds_pi(station)
    lic = min(on_channel, key=lambda x: (pi is None or x.pi != pi, distance_m(*ctx.node, x.lat, x.lon)))
    km = distance_m(*ctx.node, lic.lat, lic.lon) / 1e3
    excess = fm_level_excess(station, lic, ctx, th["exponent"], th["min_peers"])
    if excess is not None and excess[0] <= th["max_excess_db"]:
        return None  # as strong as the distant licensee should be: it is heard beyond its service area
    same_pi = pi is not None and pi == lic.pi
    if excess is not None:
        # Sending the distant licensee's own PI, it may still be that station on a freak path (ducting):
        # less sure — unless it is louder than even free-space propagation from that site delivers.
        above_free = excess[0] - (path_loss_db(km * 1e3, lic.freq_hz, th["exponent"])
                                  - path_loss_db(km * 1e3, lic.freq_hz, FREE_SPACE))
        beyond = above_free > th["free_space_margin_db"]
        return Fired({"where": "for this place", "elsewhere": f"; {lic.name} ({lic.licence_id}) holds it {km:.0f} km "
                      f"away, but this is received {excess[0]:.0f} dB above what that licensee predicts"
                      + (f", {above_free:.0f} dB above even free-space propagation from its site" if beyond else "")
                      + (" (it does send that licensee’s PI)" if same_pi else "")},
                     scale=th["loud_same_pi_scale"] if same_pi and not beyond else 1.0)
    return Fired({"where": "for this place", "elsewhere": f"; {lic.name} ({lic.licence_id}) holds it {km:.0f} km away "
                  f"{'and its PI matches' if same_pi else ''} — too few licensed stations seen to tell by level "
                  f"whether this is that station heard far beyond its area"},
                 scale=th["same_pi_scale"] if same_pi else th["unsure_scale"])


RULE = Rule(id="fm.unlicensed_carrier", kind="fm", weight=55, check=_check, verifies=True,
            thresholds={"channel_tolerance_hz": 25e3, "max_excess_db": 20, "exponent": 3.0, "min_peers": 2,
                        "same_pi_scale": 0.3, "unsure_scale": 0.6, "loud_same_pi_scale": 0.6,
                        "free_space_margin_db": 10},
            template="{station} holds no licence {where}{elsewhere}")
