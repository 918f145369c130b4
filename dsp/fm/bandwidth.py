"""Occupied bandwidth: the β/2 = 0.5 % power method and the x-dB (−26 dB) method
(ITU-R SM.328 §1.2/§1.3, measured as in ITU-R SM.443).
"""

from __future__ import annotations

import numpy as np

from dsp.errors import DspError
from dsp.fm.spectrum import Psd


def _span(psd: Psd, lo_hz: float, hi_hz: float) -> slice:
    if not hi_hz > lo_hz:
        raise DspError(f"bandwidth span: hi_hz {hi_hz} must exceed lo_hz {lo_hz}")
    f = psd.freqs_hz
    return slice(int(np.searchsorted(f, lo_hz)), int(np.searchsorted(f, hi_hz)))


def occupied_bandwidth(psd: Psd, floor: float, lo_hz: float, hi_hz: float,
                       beta: float = 0.01) -> float | None:
    """Width holding all but ``beta`` of the emission's power (β/2 below, β/2 above), the noise
    floor subtracted, within [lo_hz, hi_hz]. Limits are interpolated between bins. None when the
    span's power over the floor is within 5 standard deviations of what noise alone gives
    (each bin averages K periodograms: σ = floor/√K per bin)."""
    if not 0 < beta < 1:
        raise DspError(f"beta {beta}: expected 0 < beta < 1")
    s = _span(psd, lo_hz, hi_hz)
    raw = psd.power[s] - floor
    if not raw.sum() > 5 * floor * np.sqrt(len(raw) / psd.n_segments):
        return None
    # Cumulative power at bin edges (edge i is the lower edge of bin i). Noise bins are kept signed
    # so they cancel instead of widening the band; the running maximum keeps it monotonic.
    cum = np.maximum.accumulate(np.concatenate(([0.0], np.cumsum(raw)))) / raw.sum()
    edges = psd.freqs_hz[s][0] - psd.bin_hz / 2 + psd.bin_hz * np.arange(len(cum))
    f_lo = float(np.interp(beta / 2, cum, edges))
    f_hi = float(np.interp(1 - beta / 2, cum, edges))
    return f_hi - f_lo


def xdb_bandwidth(psd: Psd, floor: float, lo_hz: float, hi_hz: float, x_db: float = 26.0) -> float | None:
    """Distance between the outermost points where the spectrum is ``x_db`` below its maximum in
    [lo_hz, hi_hz], interpolated in dB between bins. None when that level does not clear the noise
    floor by 3 dB (the edges would be noise)."""
    s = _span(psd, lo_hz, hi_hz)
    p = psd.power[s]
    level = p.max() * 10 ** (-x_db / 10)
    if level < 2 * floor:
        return None
    above = np.flatnonzero(p >= level)
    i, j = int(above[0]), int(above[-1])
    f = psd.freqs_hz[s]
    db = 10 * np.log10(np.maximum(p, 1e-30))
    ldb = 10 * np.log10(level)

    def cross(a: int, b: int) -> float:  # a below the level, b at or above it
        if a < 0 or a >= len(p):
            return float(f[b])
        return float(f[a] + (f[b] - f[a]) * (ldb - db[a]) / (db[b] - db[a]))

    return cross(j + 1, j) - cross(i - 1, i)
