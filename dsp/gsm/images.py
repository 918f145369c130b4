"""Decoded carriers that are copies of a stronger one, not transmitters — 3GPP TS 45.010 §5.1 (a BTS's
one frequency source, 0.05 ppm, clocks all its carriers).

A carrier driving the ADC into clipping (a blaster beside the antenna, an 8-bit RTL-SDR) is mixed
with itself: e^{jmφ} for m = −3, 5, −7, … steps ±π/2 per symbol as e^{jφ} does (m ≡ 1 mod 4), so
it decodes to the same bits. Its FCCH tone lands at m·(f + 67.7 kHz), f the carrier's offset from
the capture centre, so the receiver sees a carrier 67.7 kHz below that — usually on another
ARFCN, often an adjacent one, with the strong cell's BSIC, frame numbers and frame timing. It is
no transmitter:

- its carrier is off the raster the strong one sets (a BTS holds 0.05 ppm, so a real carrier
  keeping the strong one's frame clock is off its ARFCN by what the strong one is), or
- it is so much weaker (≥ LEAK_DB) that it is the strong one's leak, whatever its frequency.

A second transmitter with the same BSIC (a clone) on its own frame clock is kept; so is one
keeping the strong cell's frame clock, on its raster and within LEAK_DB of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from dsp.gsm.gmsk import SYMBOL_RATE
from dsp.gsm.multiframe import HYPERFRAME

if TYPE_CHECKING:
    from dsp.gsm.receiver import CarrierDecode

FRAME_S = 1250 / SYMBOL_RATE
#: "The same frame timing": within one timeslot (156.25 symbols). A copy's timing is the strong
#: carrier's to within the equaliser's timing search (a few µs); an unrelated cell with the same
#: BSIC shares the FN and this timing by chance about once in 10⁹.
SAME_TIMING_S = 156.25 / SYMBOL_RATE
#: How far a real carrier's offset may be from the strong one's: a BTS holds 0.05 ppm, a
#: transmitter keeping another's frame clock locks to its carrier as a phone does (0.1 ppm,
#: TS 45.010 §6.1), and the estimates err by tens of Hz. A clipping product is off by
#: (m − 1)·(67.7 kHz + the receiver's error) modulo 200 kHz: tens of kHz, except for receiver
#: errors within ±RASTER_PPM/4 of −17.7 kHz (and, for m = −7, 9, of +7.3 kHz), centre on the raster.
RASTER_PPM = 1.0
#: A copy this much weaker is a leak whatever its frequency: what the channel filter or the front
#: end lets through (a clipping product on the raster 33 dB down was measured); a clone keeping the
#: cell's frame clock would be pointless so far under it.
LEAK_DB = 30.0


def timing_difference_s(weak: CarrierDecode, strong: CarrierDecode) -> float:
    """Median over ``weak``'s SCH bursts of its frame timing minus ``strong``'s at the nearest SCH
    (FN-aligned: a different frame number is a difference of whole frames). inf without SCHs."""
    if not weak.frame_clock or not strong.frame_clock:
        return float("inf")
    fn_w, t_w = np.array(weak.frame_clock).T
    fn_s, t_s = np.array(strong.frame_clock).T
    # Against the strong carrier's nearest SCH, so the sample clock's error (ppm) does not add up.
    i = np.abs(t_s[None, :] - t_w[:, None]).argmin(axis=1)
    dfn = (fn_w - fn_s[i] + HYPERFRAME // 2) % HYPERFRAME - HYPERFRAME // 2
    return float(np.median(np.abs(t_w - t_s[i] - dfn * FRAME_S)))


def is_image(weak: CarrierDecode, strong: CarrierDecode) -> bool:
    """True when ``weak`` is a copy of ``strong``: same BSIC and frame timing, weaker, and off the
    raster ``strong`` sets or ≥ LEAK_DB under it."""
    if weak.sch.bsic != strong.sch.bsic or not weak.power_dbfs < strong.power_dbfs:
        return False
    if timing_difference_s(weak, strong) > SAME_TIMING_S:
        return False
    off_raster = abs(weak.freq_offset_hz - strong.freq_offset_hz) > RASTER_PPM * 1e-6 * weak.freq_hz
    return off_raster or strong.power_dbfs - weak.power_dbfs >= LEAK_DB


def drop_images(carriers: Sequence[CarrierDecode]) -> list[CarrierDecode]:
    """``carriers`` without the copies of stronger ones (order kept)."""
    kept: list[CarrierDecode] = []
    for c in sorted(carriers, key=lambda c: -np.nan_to_num(c.power_dbfs, nan=-np.inf)):
        if not any(is_image(c, k) for k in kept):
            kept.append(c)
    return [c for c in carriers if any(c is k for k in kept)]
