"""FCCH detection over the whole capture and the carrier frequency it gives — 3GPP TS 45.002 §5.2.4, §7.

An FCCH burst is 148 zero bits: GMSK of constant α = +1, a pure tone 1625/24 kHz above the carrier
for 0.546 ms, every 10th (or 11th) TDMA frame. It is searched in the wideband spectrogram rather
than per channel, so a carrier 30 ppm (28 kHz at 947 MHz) or more off its raster is still found:
a frame of the short-time spectrum in which one bin holds far more than its ±150 kHz
neighbourhood is a hit; hits on the same frequency make a carrier. Frequencies hit in a large
share of frames are steady tones (spurs, DC leakage), not FCCH, and are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sfft
from scipy.ndimage import uniform_filter1d

from dsp.errors import DspError
from dsp.gsm.gmsk import SYMBOL_RATE

#: FCCH tone above the carrier: a quarter of the symbol rate (π/2 per symbol).
FCCH_TONE_HZ = SYMBOL_RATE / 4
FCCH_SYMBOLS = 148
#: Peak bin over neighbourhood mean: 13 dB. A noise-only bin exceeds it with probability e^-20.
DETECT_RATIO = 20.0
#: The neighbourhood: ±50 kHz (narrow, so a strong carrier next door does not raise it over a weak
#: one's tone), less the ±GAP_BINS the tone itself occupies through the Hann window.
NEIGHBOURHOOD_HZ = 50e3
GAP_BINS = 3
#: A frequency hit in more than this share of frames is a steady tone.
STEADY_SHARE = 0.2
FRAME_S = 120e-3 / 26
#: A capture this long holds two FCCH bursts of any carrier (11 frames apart at most), so a real
#: carrier's tone repeats, a whole number of frames apart to within the spectrogram's time step.
REPEAT_WITHIN_S = 12 * FRAME_S
FRAME_TOLERANCE_S = 0.5e-3
MAX_PAIRS_NEEDED = 3


@dataclass(frozen=True)
class FcchHit:
    """One FCCH burst seen in the spectrogram: time of the frame's centre, tone frequency, strength."""

    time_s: float
    tone_hz: float
    ratio_db: float


@dataclass(frozen=True)
class FcchCarrier:
    """A carrier implied by repeated FCCH tones: ``carrier_hz`` relative to the capture centre."""

    carrier_hz: float
    hits: tuple[FcchHit, ...]

    @property
    def first_s(self) -> float:
        return self.hits[0].time_s


def _frame_size(sample_rate: float) -> int:
    # A power of two no longer than ~0.8 of the burst, so a whole window often falls inside it.
    n = 1 << int(np.floor(np.log2(0.8 * FCCH_SYMBOLS / SYMBOL_RATE * sample_rate)))
    return max(n, 16)


def fcch_hits(x: np.ndarray, sample_rate: float, t0_s: float = 0.0) -> list[FcchHit]:
    """Every spectrogram frame of ``x`` (complex, front-end corrected) with an FCCH-like tone.

    Returns at most one hit per frame and tone (the strongest bin of a peak); ``t0_s`` is the time
    of ``x[0]`` so blocks of a long capture report absolute times.
    """
    a = np.asarray(x)
    if a.ndim != 1:
        raise DspError(f"x must be a 1-D complex array, got shape {a.shape}")
    if not sample_rate > 0:
        raise DspError(f"sample_rate must be positive, got {sample_rate}")
    n = _frame_size(sample_rate)
    hop = n // 2
    if a.size < n:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(a.astype(np.complex64, copy=False), n)[::hop]
    win = np.hanning(n).astype(np.float32)
    spec = sfft.fft(frames * win, axis=1, workers=1)
    p = spec.real ** 2 + spec.imag ** 2
    bin_hz = sample_rate / n
    width = max(4 * GAP_BINS + 3, int(round(2 * NEIGHBOURHOOD_HZ / bin_hz)) | 1)
    gap = 2 * GAP_BINS + 1
    # The spectrum is circular (bin n−1 neighbours bin 0), so is the neighbourhood.
    wide = uniform_filter1d(p, width, axis=1, mode="wrap") * np.float32(width)
    near = uniform_filter1d(p, gap, axis=1, mode="wrap") * np.float32(gap)
    ref = (wide - near) / np.float32(width - gap) + np.float32(1e-30)
    # A Hann window spreads the tone over two bins: the statistic is the peak bin plus its larger
    # neighbour over two bins of the neighbourhood mean. Since that pair is at most twice the
    # peak, only bins above DETECT_RATIO · mean need looking at.
    fi, bi = np.nonzero(p > DETECT_RATIO * ref)
    pc, pl, pr = p[fi, bi], p[fi, bi - 1], p[fi, (bi + 1) % n]
    ratio = (pc + np.maximum(pl, pr)) / (2 * ref[fi, bi])
    keep = (pc >= pl) & (pc >= pr) & (ratio > DETECT_RATIO)
    fi, bi, ratio = fi[keep], bi[keep], ratio[keep]
    if fi.size == 0:
        return []
    # Parabolic interpolation of the log spectrum for the tone's frequency between bins.
    bl, bc, br = (np.log(p[fi, (bi + d) % n] + 1e-30) for d in (-1, 0, 1))
    den = bl - 2 * bc + br
    frac = np.where(den < 0, 0.5 * (bl - br) / np.where(den < 0, den, -1), 0.0)
    signed = np.where(bi < n // 2, bi, bi - n)
    tone = (signed + np.clip(frac, -0.5, 0.5)) * bin_hz
    times = t0_s + (fi * hop + n / 2) / sample_rate
    return [FcchHit(float(t), float(f), float(10 * np.log10(r)))
            for t, f, r in zip(times, tone, ratio)]


def group_carriers(hits: list[FcchHit], n_frames_scanned: int, tolerance_hz: float = 2e3,
                   capture_s: float = 0.0) -> list[FcchCarrier]:
    """Carriers from the hits: tones within ``tolerance_hz`` belong together. Dropped: steady tones;
    in a capture of ``capture_s`` ≥ REPEAT_WITHIN_S, tones not repeated a whole number of TDMA
    frames apart often enough (a carrier sends its FCCH every 10 or 11 frames); and a tone ¼ symbol rate below
    a stronger carrier's FCCH, which is that carrier's own runs of alternating bits — unless the two
    come in the same bursts: then one is the other clipped in the ADC (e^{j3φ} of an FCCH at f is a
    tone at 3f), which only the SCH can tell apart.

    Consecutive frames that saw the same burst count once (the strongest).
    """
    if not hits:
        return []
    hits = sorted(hits, key=lambda h: h.tone_hz)
    groups: list[list[FcchHit]] = [[hits[0]]]
    for h in hits[1:]:
        if h.tone_hz - groups[-1][-1].tone_hz <= tolerance_hz:
            groups[-1].append(h)
        else:
            groups.append([h])
    burst_s = FCCH_SYMBOLS / SYMBOL_RATE
    out = []
    for g in groups:
        if len(g) > STEADY_SHARE * max(n_frames_scanned, 1):
            continue
        g.sort(key=lambda h: h.time_s)
        bursts: list[FcchHit] = []
        for h in g:
            if bursts and h.time_s - bursts[-1].time_s < burst_s:
                if h.ratio_db > bursts[-1].ratio_db:
                    bursts[-1] = h
            else:
                bursts.append(h)
        if capture_s >= REPEAT_WITHIN_S and _frame_spaced_pairs(bursts) < _pairs_needed(capture_s):
            continue
        tone = float(np.median([h.tone_hz for h in bursts]))
        out.append(FcchCarrier(carrier_hz=tone - FCCH_TONE_HZ, hits=tuple(bursts)))
    return [c for c in out if not any(
        abs(c.carrier_hz + 2 * FCCH_TONE_HZ - o.carrier_hz) <= tolerance_hz and len(o.hits) >= len(c.hits)
        and not _same_bursts(c, o) for o in out)]


def _same_bursts(a: FcchCarrier, b: FcchCarrier) -> bool:
    """Whether most of ``a``'s tones sound at the time of one of ``b``'s (within half a burst)."""
    tb = np.array([h.time_s for h in b.hits])
    near = [np.min(np.abs(tb - h.time_s)) < FCCH_SYMBOLS / SYMBOL_RATE / 2 for h in a.hits]
    return 2 * sum(near) > len(near)


def _frame_spaced_pairs(bursts: list[FcchHit]) -> int:
    """How many consecutive hits (time-sorted) are a whole number of frames apart."""
    d = np.diff([h.time_s for h in bursts]) / FRAME_S
    return int(np.count_nonzero((d > 0.5) & (np.abs(d - np.round(d)) * FRAME_S < FRAME_TOLERANCE_S)))


def _pairs_needed(capture_s: float) -> int:
    """One such pair in a capture of two FCCH periods, up to three from a quarter second on: noise
    hits pairing up by chance grow with the capture's length, a carrier's pairs faster."""
    return int(np.clip(np.floor(capture_s / (11 * FRAME_S)) - 1, 1, MAX_PAIRS_NEEDED))


def n_frames(n_samples: int, sample_rate: float) -> int:
    """How many spectrogram frames :func:`fcch_hits` looks at in ``n_samples``."""
    n = _frame_size(sample_rate)
    return 0 if n_samples < n else (n_samples - n) // (n // 2) + 1
