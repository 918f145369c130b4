"""fm.rds_identity_mismatch — on a licensed channel, but the PI (IEC 62106 §6.1.5.1) or PS is not
the licensee's. Weak alone: legal stations send wrong PIs often enough."""

from dsp.verdict.baseline import licence_for
from dsp.verdict.fields import field_of, rds_pi, rds_ps
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _check(station, ctx, th):
    lic = licence_for(station, ctx)
    if lic is None or (lic.pi is None and lic.ps is None):
        return Abstain("no licence with RDS identity on this channel")
    pi, ps = rds_pi(station), rds_ps(station)
    if pi is None:
        return Abstain("no RDS decoded")
    if lic.pi is not None and pi != lic.pi:
        return Fired({"field": "PI", "got": pi, "want": lic.pi, "name": lic.name, "licence": lic.licence_id})
    seen = {text.strip().upper() for text, _ in (field_of(station.rds, "ps_seen") or ())} | {(ps or "").strip().upper()}
    if lic.ps is not None and ps is not None and ps.strip() and lic.ps.strip().upper() not in seen:
        # Many licensees scroll text through PS (every text seen is checked), so a PS alone counts for half.
        return Fired({"field": "PS", "got": ps, "want": lic.ps, "name": lic.name, "licence": lic.licence_id},
                     scale=th["ps_only_scale"])
    return None


RULE = Rule(id="fm.rds_identity_mismatch", kind="fm", weight=20, check=_check,
            thresholds={"ps_only_scale": 0.5},
            template="{station} sends {field} {got!r}, but the licensee {name} ({licence}) sends {want!r}")
