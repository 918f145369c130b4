"""Emission detection in a wideband spectrum: on or off any raster, a station's sidebands merged
into one detection, the SDR's DC spike and IQ-imbalance images rejected (ITU-R SM.1880 style
occupancy: excess power over a calibrated noise floor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.errors import DspError
from dsp.fm.spectrum import Psd

#: Noise bandwidth the SNR is referred to (one broadcast FM channel).
SNR_REFERENCE_BW_HZ = 200e3


@dataclass(frozen=True)
class Emission:
    """One detected emission; frequencies relative to the capture centre, in Hz."""

    offset_hz: float  # power-weighted centroid of the excess spectrum
    lo_hz: float
    hi_hz: float
    power_dbfs: float  # excess power over the noise floor inside [lo, hi]
    snr_db: float  # power over the noise in SNR_REFERENCE_BW_HZ
    at_edge: bool  # touches the capture's band edge: power and bandwidth are partial

    @property
    def width_hz(self) -> float:
        return self.hi_hz - self.lo_hz


def remove_dc_spike(psd: Psd, half_width_hz: float = 2e3) -> np.ndarray:
    """The PSD with the bins around 0 Hz replaced by the mean of their neighbours: the SDR's DC
    offset is a line there, while a station centred on 0 Hz keeps its wide skirt. A half-width of
    0 cuts nothing (a spectrum of DC-blocked samples, dsp.fm.dc_block)."""
    p = psd.power.copy()
    if half_width_hz <= 0:
        return p
    centre = int(np.argmin(np.abs(psd.freqs_hz)))
    k = max(2, int(np.ceil(half_width_hz / psd.bin_hz)))
    lo, hi = max(0, centre - k), min(len(p), centre + k + 1)
    neighbours = np.concatenate((p[max(0, lo - 2 * k):lo], p[hi:hi + 2 * k]))
    if len(neighbours):
        p[lo:hi] = np.median(neighbours)
    return p


def detect_emissions(psd: Psd, *, threshold_db: float = 6.0, smooth_hz: float = 20e3,
                     merge_gap_hz: float = 40e3, image_margin_db: float = 15.0,
                     edge_guard_hz: float | None = None, dc_cut_hz: float = 2e3) -> list[Emission]:
    """Emissions whose smoothed PSD exceeds the noise floor by ``threshold_db``.

    Runs closer than ``merge_gap_hz`` are one emission (an FM station's discrete sidebands, its
    pilot and RDS lines). An emission mirrored about 0 Hz onto one at least ``image_margin_db``
    stronger is the IQ imbalance image of that one and is dropped (RTL-SDR image rejection is
    25–40 dB; a real station that much weaker on exactly the mirror frequency is not told apart).
    ``dc_cut_hz``: the half-width cut out around 0 Hz (:func:`remove_dc_spike`).
    """
    if not isinstance(psd, Psd):
        raise DspError(f"psd: expected a Psd, got {type(psd).__name__}")
    p = remove_dc_spike(psd, dc_cut_hz)
    floor = Psd(psd.freqs_hz, p, psd.sample_rate, psd.n_segments).noise_floor()
    if not floor > 0:
        return []  # digital silence: no noise, nothing to detect against
    df = psd.bin_hz
    k = max(1, int(round(smooth_hz / df)) | 1)
    smooth = np.convolve(p, np.ones(k) / k, mode="same")
    mask = smooth > floor * 10 ** (threshold_db / 10)
    runs = _runs(mask)
    merged: list[list[int]] = []
    gap = int(merge_gap_hz / df)
    for a, b in runs:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    merged = [part for a, b in merged for part in _split(smooth, a, b, df)]
    guard = edge_guard_hz if edge_guard_hz is not None else 0.02 * psd.sample_rate
    f = psd.freqs_hz
    found = []
    for a, b in merged:
        excess = np.clip(p[a:b] - floor, 0.0, None)
        power = float(excess.sum() * df)
        if power <= 0:
            continue
        centroid = float((f[a:b] * excess).sum() / excess.sum())
        found.append(Emission(
            offset_hz=centroid, lo_hz=float(f[a]), hi_hz=float(f[b - 1] + df),
            power_dbfs=float(10 * np.log10(power)),
            snr_db=float(10 * np.log10(power / (floor * SNR_REFERENCE_BW_HZ))),
            at_edge=bool(f[a] <= f[0] + guard or f[b - 1] >= f[-1] - guard)))
    return [e for e in found if not _is_image(e, found, image_margin_db)]


def _split(smooth: np.ndarray, a: int, b: int, df: float, min_sep_hz: float = 100e3,
           valley_db: float = 10.0) -> list[tuple[int, int]]:
    """Strong neighbours' skirts meet above the threshold: cut a run at a valley at least
    ``valley_db`` below the weaker of the two highest peaks on either side of it."""
    sep = int(min_sep_hz / df)
    if b - a < 2 * sep:
        return [(a, b)]
    db = 10 * np.log10(np.maximum(smooth[a:b], 1e-30))
    # Valley candidates: the lowest point between the peak left of it and the peak right of it.
    left_peak = np.maximum.accumulate(db)
    right_peak = np.maximum.accumulate(db[::-1])[::-1]
    depth = np.minimum(left_peak, right_peak) - db
    depth[:sep] = depth[-sep:] = -np.inf
    i = int(np.argmax(depth))
    if depth[i] < valley_db:
        return [(a, b)]
    return _split(smooth, a, a + i, df, min_sep_hz, valley_db) + _split(smooth, a + i, b, df, min_sep_hz, valley_db)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def _is_image(e: Emission, all_: list[Emission], margin_db: float) -> bool:
    for o in all_:
        if o is e or o.power_dbfs < e.power_dbfs + margin_db:
            continue
        if -o.hi_hz <= e.offset_hz <= -o.lo_hz and abs(e.offset_hz + o.offset_hz) < 0.25 * o.width_hz:
            return True
    return False
