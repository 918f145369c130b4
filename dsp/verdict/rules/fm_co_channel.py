"""fm.co_channel — a second transmitter shares the channel: its carrier beats on the envelope
(residual AM, dsp.fm.cochannel; the co-channel interference of ITU-R BS.412-9 §3) beyond what
multipath and noise leave on a single carrier. The node may hear either one: a pirate with the
licensee's beat under it, or the licensee with an unheard pirate's. Two carriers of about equal
strength garble each other so deeply that no index can be measured; the meter then reports them
near-equal, with the beat's maximum index 1/(2√2), and this rule says so. A distant licensee carried
in by tropospheric ducting beats alike, so on its own this only makes a station suspicious."""

from dsp.fm.cochannel import du_from_index
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule

_SECOND = ("its envelope beats with a residual AM index of {am:.3f} (one carrier on {where} stays under "
           "{limit:.4f}): a second FM transmitter about {du:.0f} dB under the stronger shares the channel")
_NEAR_EQUAL = ("two carriers of about equal strength share the channel: its envelope beats with a residual AM "
               "index of {am:.3f} (two equal carriers give 0.354; one carrier, even through multipath, stays under "
               "{limit:.4f}) — its power fading under a twentieth of its mean at every frequency the programme "
               "sweeps, which no echo does — and the audio garbles between two programmes")


def limit_for(multipath_db: float, th) -> float:
    """The residual AM one carrier stays under in a channel of ``multipath_db`` (the rule's class thresholds ``th``)."""
    return th["flat_index"] if multipath_db <= th["flat_db"] else \
        th["mild_index"] if multipath_db <= th["mild_db"] else th["multipath_index"]


def _check(station, ctx, th):
    am, depth = field_of(station, "residual_am"), field_of(station, "multipath_db")
    if am is None or depth is None:
        return Abstain("no residual AM measured (SNR under 20 dB, multipath too deep to tell, or a capture "
                       "too few ADC steps strong)")
    limit = limit_for(depth, th)
    if am <= limit:
        return None
    if am >= th["near_equal_index"]:
        return Fired({"finding": _NEAR_EQUAL.format(am=am, limit=th["multipath_index"]), "am": am, "du": 0.0})
    where = "a channel without multipath" if depth <= th["flat_db"] else f"a channel with {depth:.1f} dB of multipath"
    du = du_from_index(am)
    return Fired({"finding": _SECOND.format(am=am, where=where, limit=limit, du=du), "am": am, "du": du})


# Thresholds: the 99.9th percentile of one station's residual AM (the meter's low chunk,
# dsp.fm.cochannel.LOW_CHUNK) through random 1-3-ray rooftop multipath at 22-40 dB SNR, per class of
# channel (multipath_db up to 1 dB, up to 2.5 dB, more): a second carrier 29.7 / 19.5 / 12.5 dB under;
# benchmarks/fm_cochannel.py (seed 1, 11000 draws), its table benchmarks/fm_cochannel_table.json.
# near_equal_index: the meter's near-equal report, NEAR_EQUAL_INDEX = 1/(2√2) = 0.35355 (JSON keeps 4
# decimals); a measured index that high means D/U under 1.2 dB (du_from_index) all the same.
RULE = Rule(id="fm.co_channel", kind="fm", weight=30, check=_check,
            thresholds={"flat_db": 1.0, "flat_index": 0.0230, "mild_db": 2.5, "mild_index": 0.0744,
                        "multipath_index": 0.1591, "near_equal_index": 0.35},
            template="{station}: {finding}")
