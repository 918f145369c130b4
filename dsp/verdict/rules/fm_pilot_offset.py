"""fm.pilot_offset — stereo pilot off 19 kHz ± 2 Hz (ITU-R BS.450 §3). The node's sample-clock
error shifts every pilot alike, so the reference is the licensed stations' median when known."""

from dsp.verdict.baseline import licensed_stations, median, peer_values
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    err = field_of(station, "pilot_freq_error_hz")
    if err is None or not field_of(station, "stereo"):
        return Abstain("no stereo pilot measured")
    ref = peer_values(licensed_stations(ctx, exclude=station), "pilot_freq_error_hz")
    if len(ref) >= th["min_peers"]:
        mid, tol, basis = median(ref), th["tolerance_hz"], f"the median of {len(ref)} licensed stations"
    else:
        mid, tol, basis = 0.0, th["tolerance_hz"] + th["uncalibrated_margin_hz"], "19 kHz (node clock not calibrated)"
    if abs(err - mid) <= tol:
        return None
    return Fired({"dev": err - mid, "basis": basis, "tol": tol})


RULE = Rule(id="fm.pilot_offset", kind="fm", weight=30, check=_check,
            thresholds={"tolerance_hz": 2.0, "uncalibrated_margin_hz": 1.5, "min_peers": 2},
            template="{station}: stereo pilot {dev:+.1f} Hz from {basis} (tolerance ±{tol:g} Hz): not a licensed exciter")
