"""fm.fingerprint_changes — the channel was heard, by this node at other times or by other nodes,
with another RDS PI (IEC 62106 §6.1.5.1; RDS present in one and absent in the other counts),
another stereo mode, or a pilot off by more than one exciter drifts (BS.450 §3 pilot, each node's
clock removed): two transmitters share the channel. Only decodes strong enough for RDS and pilot
to be reliable count, and two PIs both licensed on the channel are the distant licensee ducting
in, not a pirate."""

from collections import Counter

from dsp.verdict.baseline import PILOT_MIN_PEERS, calibrated_pilot
from dsp.verdict.context import history_key_fm
from dsp.verdict.fields import field_of, rds_pi
from dsp.verdict.rules.base import Abstain, Fired, Rule


def _pi_text(pi):
    return "no RDS" if pi is None else f"PI {pi}"


def _check(station, ctx, th):
    freq = field_of(station, "freq_hz")
    hist = ctx.history.get(history_key_fm(freq))
    if hist is None or not hist.heard_as:
        return Abstain("no earlier decodes of this channel")
    snr = field_of(station, "snr_db")
    if snr is None or snr < th["min_snr_db"]:
        return Abstain(f"SNR under {th['min_snr_db']:g} dB: RDS and pilot may simply not decode")
    clear = [h for h in hist.heard_as if h.snr_db is not None and h.snr_db >= th["min_snr_db"]]
    if not clear:
        return Abstain(f"no earlier decode of this channel at {th['min_snr_db']:g} dB SNR or more")
    licensed_pis = ({lic.pi for lic in ctx.fm_register.on_channel(freq, th["channel_tolerance_hz"]) if lic.pi}
                    if ctx.fm_register is not None else set())
    pi = rds_pi(station)
    seen = Counter(h.pi for h in clear if h.pi != pi and not (h.pi in licensed_pis and pi in licensed_pis))
    # RDS can fail to decode even on a clear signal (multipath, a short dwell): "no RDS" must repeat.
    other_pis = sorted((p for p, n in seen.items() if p is not None or n >= th["min_rds_absent"]),
                       key=lambda p: (p is None, p or ""))
    stereo = field_of(station, "stereo")
    other_mode = stereo is not None and any(h.stereo is not None and h.stereo != stereo for h in clear)
    found = calibrated_pilot(station, ctx, th["min_peers"])
    pilot = None if found is None else found[0]
    other_pilots = sorted({round(h.pilot_offset_hz, 1) for h in clear if pilot is not None and h.pilot_offset_hz
                           is not None and abs(h.pilot_offset_hz - pilot) > th["pilot_match_hz"]})
    if not (other_pis or other_mode or other_pilots):
        return None
    now = [_pi_text(pi), "in " + ("stereo" if stereo else "mono")]
    then = [_pi_text(p) for p in other_pis] + (["in " + ("mono" if stereo else "stereo")] if other_mode else [])
    if other_pilots:
        now.append(f"pilot {pilot:+.2f} Hz")
        then.append("pilot " + ", ".join(f"{p:+.1f}" for p in other_pilots) + " Hz")
    # Another PI or another exciter's pilot is another transmitter. RDS on/off or the stereo mode alone
    # are softer: an RDS encoder fails, a programme goes mono (rds_missing already weighs the former).
    other_ident = other_pilots or any(p is not None and pi is not None for p in other_pis)
    return Fired({"now": ", ".join(now), "then": "; ".join(then), "n": len(clear)},
                 scale=1.0 if other_ident else th["soft_scale"])


# Pilots: the meter resolves millihertz and licensed exciters hold ~0.1 Hz, so two clock-corrected
# decodes of one exciter agree well within 1 Hz.
RULE = Rule(id="fm.fingerprint_changes", kind="fm", weight=40, check=_check,
            thresholds={"min_snr_db": 20, "channel_tolerance_hz": 25e3, "soft_scale": 0.75,
                        "pilot_match_hz": 1.0, "min_peers": PILOT_MIN_PEERS, "min_rds_absent": 2},
            template="{station} is heard with {now}, but {n} earlier clear decode(s) of this channel (this or "
                     "other nodes) heard {then}: two transmitters share it")
