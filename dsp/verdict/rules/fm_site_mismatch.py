"""fm.site_mismatch — the station's recent, closed position fix excludes every licensed site on its
channel by a margin: whatever it sends, it is not transmitted from where a licensee is
(dsp.verdict.position)."""

from dsp.verdict.context import history_key_fm
from dsp.verdict.fields import field_of
from dsp.verdict.position import SITE_THRESHOLDS, site_mismatch
from dsp.verdict.rules.base import Abstain, Rule


def _check(station, ctx, th):
    freq = field_of(station, "freq_hz")
    if ctx.fm_register is None or freq is None:
        return Abstain("no FM licence register" if freq is not None else "no frequency measured")
    sites = [(lic.lat, lic.lon, f"{lic.name} ({lic.licence_id})")
             for lic in ctx.fm_register.on_channel(freq, th["channel_tolerance_hz"])]
    return site_mismatch(ctx.history.get(history_key_fm(freq)), sites, th)


RULE = Rule(id="fm.site_mismatch", kind="fm", weight=45, check=_check,
            thresholds={**SITE_THRESHOLDS, "channel_tolerance_hz": 25e3},
            template="{station} is located {km:.1f} km from the nearest licensed site on its channel, {licence}, "
                     "beyond its 95 % region ({radius_km:.1f} km) by more than {margin_km:.1f} km: "
                     "it is not transmitted from the licensed site")
