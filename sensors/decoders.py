"""The edge decoders a node runs on one hop's capture, returning the ``decode --json`` objects:
GSM cells (dsp.gsm.receiver + dsp.gsm.cell), FM stations and spurious emissions (dsp.fm.analyse),
and channel-power peaks on the band raster (a Welch spectrum; what the locator's power readings
are made of, and what a scan reports for a band no decoder covers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dsp.bands import AIR, FM_CHINA, downlink_hz_to_arfcn
from dsp.fm.carriers import remove_dc_spike
from dsp.fm.spectrum import welch_psd

#: A channel is a peak when its power exceeds the floor over the same bandwidth by this much.
PEAK_THRESHOLD_DB = 10.0
BLOCK_SAMPLES = 1 << 20
#: Per band: (raster step, first raster frequency, channel bandwidth).
_RASTER = {"gsm900": (200e3, 200e3, 200e3), "dcs1800": (200e3, 200e3, 200e3),
           "fm": (FM_CHINA.raster_hz, FM_CHINA.first_hz, 200e3), "air": (AIR.raster_hz, AIR.first_hz, 25e3)}


@dataclass(frozen=True)
class Peak:
    """Power in one raster channel of a hop, above the capture's noise floor."""

    freq_hz: float
    bandwidth_hz: float
    power_dbfs: float
    snr_db: float

    def to_json(self) -> dict:
        return {"freq_hz": round(self.freq_hz, 1), "bandwidth_hz": self.bandwidth_hz,
                "power_dbfs": round(self.power_dbfs, 2), "snr_db": round(self.snr_db, 2)}


class _Capture:
    """One hop's samples, shaped for the GSM receiver's two streamed passes."""

    def __init__(self, x: np.ndarray):
        self.x = x

    def blocks(self):
        return (self.x[i:i + BLOCK_SAMPLES] for i in range(0, self.x.size, BLOCK_SAMPLES))


def decode_gsm(x: np.ndarray, sample_rate: float, center_freq: float) -> list[dict]:
    """Every GSM cell in the capture as ``decode gsm --json`` cell objects (carriers on no GSM
    ARFCN — a mistuned hop — cannot be named and are left out)."""
    from dsp.gsm.receiver import decode_cells

    cells, _ = decode_cells(_Capture(x).blocks, sample_rate, center_freq)
    return [c.to_json() for c in cells]


def decode_fm(x: np.ndarray, sample_rate: float, center_freq: float,
              other_carriers_hz: tuple[float, ...] = ()) -> tuple[list[dict], list[dict]]:
    """(stations, spurious) as ``decode fm --json`` objects; the aviation-band spur search included,
    its emissions related to the capture's stations and to ``other_carriers_hz`` (heard elsewhere)."""
    from dsp.fm.analyse import AnalysisOptions, analyse_array

    result = analyse_array(x, sample_rate, center_freq, AnalysisOptions(other_carriers_hz=tuple(other_carriers_hz)))
    return [s.to_json() for s in result.stations], [s.to_json() for s in result.spurious]


def channel_peaks(x: np.ndarray, sample_rate: float, center_freq: float, band: str,
                  lo_hz: float, hi_hz: float) -> tuple[list[Peak], float]:
    """Raster channels of ``band`` with centres in [lo_hz, hi_hz] whose power stands
    :data:`PEAK_THRESHOLD_DB` above the noise floor integrated over the same bandwidth, and that
    floor (dBFS per Hz) — what a channel with nothing in it reads."""
    step, first, bw = _RASTER[band]
    psd = welch_psd(x, sample_rate, nfft=4096 if bw >= 100e3 else 16384)
    floor = psd.noise_floor()
    f_abs = psd.freqs_hz + center_freq
    k0 = math.ceil((lo_hz - first) / step - 1e-9)
    k1 = math.floor((hi_hz - first) / step + 1e-9)
    # The LO leakage line at 0 Hz is the receiver's, not an emission.
    cum = np.concatenate(([0.0], np.cumsum(remove_dc_spike(psd))))
    out = []
    for k in range(k0, k1 + 1):
        fc = first + k * step
        a, b = np.searchsorted(f_abs, [fc - bw / 2, fc + bw / 2])
        if b - a < 2:
            continue
        power = (cum[b] - cum[a]) * psd.bin_hz
        noise = floor * (b - a) * psd.bin_hz
        snr = 10 * math.log10(max(power / noise - 1, 1e-12))
        if snr >= PEAK_THRESHOLD_DB:
            out.append(Peak(fc, bw, 10 * math.log10(power), snr))
    if band in ("gsm900", "dcs1800"):
        out = [p for p in out if downlink_hz_to_arfcn(p.freq_hz) is not None]
    return _local_maxima(out, step), 10 * math.log10(max(floor, 1e-30))


def _local_maxima(peaks: list[Peak], step: float) -> list[Peak]:
    """One peak per emission: a channel stronger than both raster neighbours (an FM station
    spills into the channels either side of its own)."""
    by_f = {round(p.freq_hz / step): p for p in peaks}
    keep = []
    for key, p in by_f.items():
        left, right = by_f.get(key - 1), by_f.get(key + 1)
        if (left is None or left.power_dbfs < p.power_dbfs) and (right is None or right.power_dbfs <= p.power_dbfs):
            keep.append(p)
    return sorted(keep, key=lambda p: p.freq_hz)
