"""fm.off_raster — carrier off the 100 kHz channel raster (GY/T 169; ITU-R BS.412), after removing
the node's own frequency error learned from the licensed stations it sees."""

from dsp.bands import FM_ITU
from dsp.verdict.baseline import deviation_from_peers, licensed_stations
from dsp.verdict.fields import field_of
from dsp.verdict.rules.base import Abstain, Fired, Rule


def raster_offset(station) -> float | None:
    offset = field_of(station, "freq_offset_hz")  # FmStation: carrier − nearest 100 kHz channel
    freq = field_of(station, "freq_hz")
    return offset if offset is not None else None if freq is None else FM_ITU.raster_offset_hz(freq)


def _check(station, ctx, th):
    mine = raster_offset(station)
    if mine is None:
        return Abstain("no carrier frequency")
    found = deviation_from_peers(mine, licensed_stations(ctx, exclude=station), raster_offset, th["min_peers"])
    if found is None:
        return Abstain("too few licensed stations seen to learn the node's frequency error")
    dev = found[0]
    if abs(dev) <= th["max_offset_hz"]:
        return None
    return Fired({"khz": dev / 1e3})


RULE = Rule(id="fm.off_raster", kind="fm", weight=30, check=_check,
            thresholds={"max_offset_hz": 10e3, "min_peers": 2},
            template="{station} sits {khz:+.1f} kHz off the 100 kHz channel raster: not a licensed transmitter")
