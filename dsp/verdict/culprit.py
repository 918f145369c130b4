"""Which broadcast carriers an aeronautical-band emission is held against (ITU-R SM.1009-1 §2.1,
type A1: unwanted emissions of FM broadcasting transmitters, intermodulation between them included).

The node traces an emission by its AM audio and by its frequency (``dsp.fm.aviation``); this says
whom that evidence blames:

- Its envelope carries a station's audio (mechanism ``am-audio``, or a correlation of at least
  :data:`dsp.fm.aviation.AM_MIN_CORRELATION` with the carrier it names): that station, licensed or not.
- Otherwise only its frequency speaks — a harmonic, 2f1−f2 or f1+f2−f3 of carriers heard. A product
  needs every source on the air and is made in whichever transmitter mixes them, usually the one
  least able to suppress it. A licensed transmitter is presumed to meet its spurious-emission limits,
  and products of carriers on the 100 kHz raster land on 25 kHz aeronautical channels, where a
  legitimate aeronautical station may be what was heard: on a frequency coincidence alone no licensed
  station is blamed. The emission is held against its sources that hold no licence where the station
  judged was heard (a pirate's unfiltered transmitter); against none when every source is licensed
  there or no register says. A licensee heard beyond its service area counts as licensed: the carrier
  the node measured on that channel has the level its distant licence predicts (``fm.unlicensed_carrier``
  stays quiet on it), so it is that licensee's transmitter, not a pirate on its channel.

The rule fm.aviation_spurious asks this with the judged station's node, for ``foxhunt check`` and the
central station alike: whether the carrier on that frequency is a licensee is a question about the
transmitter that node heard (a node elsewhere may hear another transmitter on the same channel).
"""

from __future__ import annotations

from dsp.fm.aviation import AM_MIN_CORRELATION
from dsp.verdict.baseline import covers
from dsp.verdict.fields import field_of
from dsp.verdict.context import VerdictContext
from dsp.verdict.registers import FmRegister
from dsp.verdict.rules.fm_unlicensed_carrier import RULE as unlicensed_carrier


def licensed_here(freq_hz: float, register: FmRegister, node: tuple[float, float] | None,
                  tolerance_hz: float = 25e3) -> bool:
    """A licence on the channel whose service area (× REACH_FACTOR) covers ``node``; anywhere when the
    node's position is unknown."""
    on_channel = register.on_channel(freq_hz, tolerance_hz)
    if node is None:
        return bool(on_channel)
    return any(covers(lic, node) for lic in on_channel)


def am_traced(spur) -> bool:
    """The emission's envelope carries the audio of the carrier it names (``related_to_hz``)."""
    corr = field_of(spur, "correlation")
    return field_of(spur, "mechanism") == "am-audio" or (corr is not None and corr >= AM_MIN_CORRELATION)


def held_against(spur, ctx: VerdictContext, tolerance_hz: float = 25e3) -> tuple[float, ...]:
    """The carriers (Hz) an emission (``dsp.fm.station.Spurious`` fields) is held against, judged with
    ``ctx`` (its FM register, the node's position and the stations of the node's scan); empty when the
    evidence blames none (see the module docstring)."""
    related = field_of(spur, "related_to_hz")
    if related is None:
        return ()
    if am_traced(spur):
        return (float(related),)
    if ctx.fm_register is None:
        return ()
    sources = field_of(spur, "sources_hz") or (related,)
    return tuple(float(f) for f in sources if not licensed_here(f, ctx.fm_register, ctx.node, tolerance_hz)
                 and not _distant_licensee(f, ctx, tolerance_hz))


def _distant_licensee(freq_hz: float, ctx: VerdictContext, tolerance_hz: float) -> bool:
    """The station the node heard on ``freq_hz`` is a licensee heard beyond its service area (its
    level fits that licence: the register rule finds nothing to hold against it)."""
    heard = [st for st in ctx.stations if abs(field_of(st, "freq_hz") - freq_hz) <= tolerance_hz]
    if not heard:
        return False
    station = min(heard, key=lambda st: abs(field_of(st, "freq_hz") - freq_hz))
    return unlicensed_carrier.evaluate(station, ctx) is None
