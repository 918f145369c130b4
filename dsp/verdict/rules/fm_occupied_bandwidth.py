"""fm.occupied_bandwidth — 99 % occupied bandwidth (ITU-R SM.328) above the broadcast mask's
necessary bandwidth (ITU-R SM.1138: 180 kHz mono, 256 kHz stereo with 75 kHz deviation)."""

from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    obw = field_of(station, "occupied_bw_hz")
    if obw is None:
        return Abstain("no occupied bandwidth measured")
    stereo = bool(field_of(station, "stereo"))
    limit = th["stereo_max_hz"] if stereo else th["mono_max_hz"]
    if obw <= limit:
        return None
    return Fired({"khz": obw / 1e3, "limit": limit / 1e3, "mode": "stereo" if stereo else "mono"})


RULE = Rule(id="fm.occupied_bandwidth", kind="fm", weight=20, check=_check,
            thresholds={"stereo_max_hz": 280e3, "mono_max_hz": 220e3},
            template="{station} occupies {khz:.0f} kHz, above the {limit:.0f} kHz allowed for {mode}")
