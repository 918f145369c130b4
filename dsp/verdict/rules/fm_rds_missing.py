"""fm.rds_missing — no RDS at a signal strong enough to decode it, where the licensee sends RDS."""

from dsp.verdict.baseline import licence_for
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    lic = licence_for(station, ctx)
    if lic is None or lic.pi is None:
        return Abstain("no licence with RDS on this channel")
    if field_of(station, "rds") is not None:
        return None
    snr = field_of(station, "snr_db")
    if snr is None or snr < th["min_snr_db"]:
        return Abstain(f"SNR under {th['min_snr_db']:g} dB: RDS may simply not decode")
    return Fired({"snr": snr, "name": lic.name, "pi": lic.pi})


RULE = Rule(id="fm.rds_missing", kind="fm", weight=20, check=_check,
            thresholds={"min_snr_db": 20},
            template="{station} sends no RDS at {snr:.0f} dB SNR, while the licensee {name} sends PI {pi}")
