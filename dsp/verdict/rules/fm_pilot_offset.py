"""fm.pilot_offset — stereo pilot off 19 kHz ± 2 Hz (ITU-R BS.450 §3). The node's sample-clock
error shifts every pilot alike, so the reference is the licensed stations' median when known."""

from dsp.verdict.baseline import PILOT_MIN_PEERS, calibrated_pilot
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    err = field_of(station, "pilot_freq_error_hz")
    if err is None or not field_of(station, "stereo"):
        return Abstain("no stereo pilot measured")
    found = calibrated_pilot(station, ctx, th["min_peers"])
    if found is not None:
        dev, tol, basis = found[0], th["tolerance_hz"], f"the median of {found[1]} licensed stations"
    else:
        dev, tol, basis = err, th["tolerance_hz"] + th["uncalibrated_margin_hz"], "19 kHz (node clock not calibrated)"
    if abs(dev) <= tol:
        return None
    return Fired({"dev": dev, "basis": basis, "tol": tol})


RULE = Rule(id="fm.pilot_offset", kind="fm", weight=30, check=_check,
            thresholds={"tolerance_hz": 2.0, "uncalibrated_margin_hz": 1.5, "min_peers": PILOT_MIN_PEERS},
            template="{station}: stereo pilot {dev:+.1f} Hz from {basis} (tolerance ±{tol:g} Hz): not a licensed exciter")
