"""Carrier synchronisation on one channel: FCCH fine frequency and position, SCH timing and decode —
3GPP TS 45.002 §5.2.4–5.2.5, §7 (FCCH/SCH on TS0), TS 45.003 §4.7.

Works on the channelised carrier at a whole number of samples per symbol. The FCCH burst is a
tone at +¼ symbol rate: the lag-one-symbol product y[n+sps]·y*[n] has a constant phase π/2 +
2π·Δf/R over its 148 symbols, so a sliding sum finds where the burst starts (its magnitude) and
the residual frequency (its angle). The SCH follows one TDMA frame (1250 symbols) later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.errors import DspError
from dsp.gsm.bursts import SCH_TRAINING, split_sch
from dsp.gsm.equalizer import Equalised, equalise
from dsp.gsm.gmsk import SYMBOL_RATE
from dsp.gsm.sch import SchInfo, decode_sch

FRAME_SYMBOLS = 1250
SLOT_SYMBOLS = 156.25
FCCH_SYMBOLS = 148
SCH_TRAINING_START = 42
#: Fine frequency: over 140 of the burst's symbols, phase change across 70 (±1.9 kHz unambiguous).
FINE_SPAN = 140
FINE_LAG = 70
#: How far (rad per symbol) the tone's phase step may be from π/2: ±0.3 rad is ±13 kHz, beyond any
#: residual after the wideband search, within reach of the bias noise gives that angle.
MAX_TONE_ANGLE = 0.3
#: |Σ y[n+sps]·y*[n]| / Σ|y|² above which a stretch is taken for an FCCH burst (≈ S/(S+N)).
MIN_QUALITY = 0.35


@dataclass(frozen=True)
class FcchFix:
    """Where an FCCH burst starts (sample index, fractional) and the carrier's residual offset (Hz)."""

    start: float
    freq_offset_hz: float
    quality: float


@dataclass(frozen=True)
class SchFix:
    """A decoded SCH: its information, where its symbol 0 is (sample index), and the equalised burst."""

    info: SchInfo
    start: int
    burst: Equalised


def fcch_fix(y: np.ndarray, samples_per_symbol: int) -> FcchFix | None:
    """The FCCH burst in ``y`` (a stretch of channel samples around one) or None if none is clear.

    ``quality`` is |Σ y[n+sps]·y*[n]| / Σ|y|² over the burst: ≈ 1 for a clean tone, ≈ 0 for GMSK data.
    """
    sps = int(samples_per_symbol)
    y = np.asarray(y)
    span = FCCH_SYMBOLS * sps
    if y.ndim != 1 or y.size < span + sps + 1:
        raise DspError(f"fcch_fix: need ≥ {span + sps + 1} samples, got shape {y.shape}")
    prod = y[sps:] * np.conj(y[:-sps])
    inner = span - sps
    csum = np.concatenate(([0], np.cumsum(prod)))
    psum = np.concatenate(([0], np.cumsum(np.abs(y[:-sps]) ** 2)))
    s = csum[inner:] - csum[:-inner]
    p = psum[inner:] - psum[:-inner]
    q = np.abs(s) / np.maximum(p, 1e-30)
    # Only the FCCH's own tone: a quarter turn per symbol (any steady tone has a high q too).
    q = np.where(np.abs(np.angle(s * -1j)) < MAX_TONE_ANGLE, q, 0.0)
    k = int(np.argmax(q))
    if q[k] < MIN_QUALITY:
        return None
    # The plateau of q is flat where the window is inside the burst; its centre is the best start.
    near = np.nonzero(q >= q[k] - 0.02 * q[k])[0]
    near = near[np.abs(near - k) <= 2 * sps]
    start = float(near.mean())
    # The angle of s is no frequency estimate: filtered noise, correlated over one symbol, biases it
    # by hundreds of Hz at low SNR. Measure over a long lag instead, where the noise is uncorrelated,
    # on the tone brought to DC; the wideband search already put the carrier within ±1.9 kHz.
    lo = min(int(start) + 4 * sps, y.size - FINE_SPAN * sps)
    z = y[lo: lo + FINE_SPAN * sps] * np.exp(-0.5j * np.pi * np.arange(FINE_SPAN * sps) / sps)
    lag = FINE_LAG * sps
    fine = np.angle(np.sum(z[lag:] * np.conj(z[:-lag]))) * SYMBOL_RATE / (2 * np.pi * FINE_LAG)
    return FcchFix(start=start, freq_offset_hz=float(fine), quality=float(q[k]))


def sch_fix(y: np.ndarray, samples_per_symbol: int, t0: int, search: int) -> SchFix | None:
    """Decode the SCH burst nominally starting at sample ``t0`` of ``y``, trying ±``search`` symbols."""
    burst = equalise(y, samples_per_symbol, SCH_TRAINING, SCH_TRAINING_START, t0, search)
    info = decode_sch(split_sch(burst.soft))
    if info is None:
        return None
    return SchFix(info=info, start=t0 + burst.offset_samples, burst=burst)
