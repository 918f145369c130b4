"""fm.unlicensed_carrier — no licence on this channel whose service area covers the node."""

from dsp.verdict.baseline import REACH_FACTOR
from dsp.verdict.fields import field_of, rds_pi
from dsp.verdict.geo import distance_m
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    reg = ctx.fm_register
    if reg is None:
        return Abstain("no FM licence register")
    on_channel = reg.on_channel(field_of(station, "freq_hz"), th["channel_tolerance_hz"])
    if ctx.node is None:
        if on_channel:
            return Abstain("licensed somewhere on this channel; the node position is needed to say whether here")
        return Fired({"where": f"anywhere in {reg.source}", "elsewhere": ""})
    covering = [lic for lic in on_channel
                if distance_m(*ctx.node, lic.lat, lic.lon) <= lic.service_radius_m * REACH_FACTOR]
    if covering:
        return None
    pi = rds_pi(station)
    twin = next((lic for lic in on_channel if pi and lic.pi == pi), None)
    if twin is not None:  # the distant licensee itself, heard beyond its service area
        km = distance_m(*ctx.node, twin.lat, twin.lon) / 1e3
        return Fired({"where": "for this place", "elsewhere": f"; its PI matches {twin.name} ({twin.licence_id}), "
                      f"{km:.0f} km away, so it may be that station heard far beyond its service area"},
                     scale=th["distant_twin_scale"])
    return Fired({"where": "for this place", "elsewhere": f" ({len(on_channel)} licence(s) on the channel elsewhere)"
                  if on_channel else ""})


RULE = Rule(id="fm.unlicensed_carrier", kind="fm", weight=55, check=_check,
            thresholds={"channel_tolerance_hz": 25e3, "distant_twin_scale": 0.3},
            template="{station} holds no licence {where}{elsewhere}")
