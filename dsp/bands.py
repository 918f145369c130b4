"""Band plans: GSM ARFCN ↔ carrier frequency (3GPP TS 45.005 §2), FM broadcast and aeronautical
VHF bands, and the hops a tuner of a given bandwidth needs to cover a band.

All frequencies are in Hz. GSM channel numbers are not unique across bands (ARFCN 512–810 is
both DCS 1800 and PCS 1900; 955–1023 are R-GSM and E-GSM), so functions take the band when it
matters and say so when it is ambiguous.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dsp.errors import DspError

GSM_CHANNEL_SPACING_HZ = 200e3


@dataclass(frozen=True)
class GsmBand:
    """One GSM band: ARFCN ranges and the uplink formula F_ul(n) = first_ul_hz + 200 kHz·(n − offset)."""

    name: str
    #: (first ARFCN, last ARFCN, ARFCN that maps to ``first_ul_hz``) — one triple per segment.
    segments: tuple[tuple[int, int, int], ...]
    first_ul_hz: float
    duplex_hz: float

    def contains(self, arfcn: int) -> bool:
        return any(lo <= arfcn <= hi for lo, hi, _ in self.segments)

    @property
    def arfcns(self) -> tuple[int, ...]:
        return tuple(n for lo, hi, _ in self.segments for n in range(lo, hi + 1))

    def uplink_hz(self, arfcn: int) -> float:
        for lo, hi, base in self.segments:
            if lo <= arfcn <= hi:
                return self.first_ul_hz + GSM_CHANNEL_SPACING_HZ * (arfcn - base)
        raise DspError(f"ARFCN {arfcn} is not in {self.name} ({self._ranges()})")

    def downlink_hz(self, arfcn: int) -> float:
        return self.uplink_hz(arfcn) + self.duplex_hz

    def downlink_edges_hz(self) -> tuple[float, float]:
        """Lowest and highest downlink carrier of the band."""
        freqs = [self.downlink_hz(n) for lo, hi, _ in self.segments for n in (lo, hi)]
        return min(freqs), max(freqs)

    def _ranges(self) -> str:
        return ", ".join(f"{lo}–{hi}" for lo, hi, _ in self.segments)


# TS 45.005 §2: P-GSM, E-GSM and R-GSM share the 900 MHz formula; ARFCN 0 and the 975–1023 /
# 955–1023 wrap-around sit below 890 MHz (n − 1024).
P_GSM = GsmBand("P-GSM900", ((1, 124, 0),), 890.0e6, 45e6)
E_GSM = GsmBand("E-GSM900", ((0, 124, 0), (975, 1023, 1024)), 890.0e6, 45e6)
R_GSM = GsmBand("R-GSM900", ((0, 124, 0), (955, 1023, 1024)), 890.0e6, 45e6)
GSM_850 = GsmBand("GSM850", ((128, 251, 128),), 824.2e6, 45e6)
DCS_1800 = GsmBand("DCS1800", ((512, 885, 512),), 1710.2e6, 95e6)
PCS_1900 = GsmBand("PCS1900", ((512, 810, 512),), 1850.2e6, 80e6)

GSM_BANDS: dict[str, GsmBand] = {b.name: b for b in (P_GSM, E_GSM, R_GSM, GSM_850, DCS_1800, PCS_1900)}
#: Bands tried, in order, when a frequency is mapped to an ARFCN without a named band (Region 1/3:
#: E-GSM900 and DCS1800 first, so China's and Europe's allocations resolve without help).
DEFAULT_GSM_BANDS: tuple[GsmBand, ...] = (E_GSM, DCS_1800, GSM_850, PCS_1900, R_GSM)


def gsm_band(name: str) -> GsmBand:
    """The band of that name (case and separators ignored: ``egsm900``, ``E-GSM900``, ``dcs``)."""
    key = name.replace("-", "").replace("_", "").upper()
    for band in GSM_BANDS.values():
        bkey = band.name.replace("-", "").upper()
        if key in (bkey, bkey.rstrip("0123456789")):
            return band
    raise DspError(f"unknown GSM band {name!r}; expected one of {', '.join(GSM_BANDS)}")


def arfcn_to_downlink_hz(arfcn: int, band: GsmBand | str | None = None) -> float:
    """Downlink carrier of an ARFCN. Without a band, 512–810 is refused as ambiguous (DCS/PCS)."""
    if band is None:
        if 512 <= arfcn <= 810:
            raise DspError(f"ARFCN {arfcn} is both DCS1800 and PCS1900; name the band")
        band = next((b for b in DEFAULT_GSM_BANDS if b.contains(arfcn)), None)
        if band is None:
            raise DspError(f"ARFCN {arfcn} is in no GSM band")
    elif isinstance(band, str):
        band = gsm_band(band)
    return band.downlink_hz(arfcn)


def downlink_hz_to_arfcn(freq_hz: float, bands: tuple[GsmBand, ...] = DEFAULT_GSM_BANDS,
                         tolerance_hz: float = 50e3) -> tuple[int, GsmBand] | None:
    """The (ARFCN, band) whose downlink carrier is within ``tolerance_hz`` of ``freq_hz``, or None."""
    for band in bands:
        for lo, hi, base in band.segments:
            n = base + round((freq_hz - band.duplex_hz - band.first_ul_hz) / GSM_CHANNEL_SPACING_HZ)
            if lo <= n <= hi and abs(band.downlink_hz(n) - freq_hz) <= tolerance_hz:
                return n, band
    return None


def gsm_downlink_channels(f_lo_hz: float, f_hi_hz: float,
                          bands: tuple[GsmBand, ...] = DEFAULT_GSM_BANDS) -> list[tuple[int, float]]:
    """(ARFCN, downlink Hz) of every carrier of the first band that has any inside [f_lo, f_hi]."""
    for band in bands:
        chans = sorted((band.downlink_hz(n), n) for n in band.arfcns)
        inside = [(n, f) for f, n in chans if f_lo_hz <= f <= f_hi_hz]
        if inside:
            return inside
    return []


# ------------------------------------------------------------------------------------ FM and air


@dataclass(frozen=True)
class Band:
    """A contiguous band with a channel raster (centre frequencies ``first_hz + k·raster_hz``)."""

    name: str
    lo_hz: float
    hi_hz: float
    raster_hz: float
    first_hz: float
    channel_bw_hz: float

    def channels(self) -> list[float]:
        n = int(math.floor((self.hi_hz - self.first_hz) / self.raster_hz + 1e-9)) + 1
        return [self.first_hz + k * self.raster_hz for k in range(n) if self.first_hz + k * self.raster_hz <= self.hi_hz]

    def contains(self, freq_hz: float) -> bool:
        return self.lo_hz <= freq_hz <= self.hi_hz

    def nearest_channel(self, freq_hz: float) -> float:
        k = round((freq_hz - self.first_hz) / self.raster_hz)
        return self.first_hz + k * self.raster_hz

    def raster_offset_hz(self, freq_hz: float) -> float:
        """How far a carrier sits from the nearest raster channel (a black broadcast often sits off it)."""
        return freq_hz - self.nearest_channel(freq_hz)


# China allocates 87–108 MHz (GY/T 169); ITU Region 1 and most of the world 87.5–108 MHz.
# Carriers on a 100 kHz raster, top channel 107.9 / 108.0 MHz depending on the administration.
FM_CHINA = Band("FM-CN", 87.0e6, 108.0e6, 100e3, 87.0e6, 200e3)
FM_ITU = Band("FM", 87.5e6, 108.0e6, 100e3, 87.5e6, 200e3)
# Aeronautical VHF: 108–117.975 MHz radionavigation (ILS localiser, VOR), 118–137 MHz mobile (AM voice,
# 25 kHz raster; 8.33 kHz channels inside it in Europe). Black broadcasts' harmonics and
# intermodulation land here (ITU-R SM.1009).
AIR_NAV = Band("AIR-NAV", 108.0e6, 117.975e6, 50e3, 108.0e6, 25e3)
AIR_COM = Band("AIR-COM", 118.0e6, 137.0e6, 25e3, 118.0e6, 25e3)
AIR = Band("AIR", 108.0e6, 137.0e6, 25e3, 108.0e6, 25e3)

BANDS: dict[str, Band] = {b.name: b for b in (FM_CHINA, FM_ITU, AIR_NAV, AIR_COM, AIR)}


# ------------------------------------------------------------------------------------------ hops


@dataclass(frozen=True)
class Hop:
    """One tuner setting and the slice of spectrum it is trusted for."""

    center_hz: float
    lo_hz: float
    hi_hz: float


def plan_hops(lo_hz: float, hi_hz: float, sample_rate: float, usable_fraction: float = 0.8,
              guard_hz: float = 0.0) -> list[Hop]:
    """Centre frequencies that cover [lo_hz − guard, hi_hz + guard] with the usable middle of each capture.

    ``usable_fraction`` of the sample rate is trusted (the rest is anti-alias roll-off); ``guard_hz``
    widens the span so a channel at the band edge is captured whole (e.g. 100 kHz for a GSM carrier).
    Hops are spread evenly so neighbouring spans share the spare bandwidth as overlap.
    """
    if sample_rate <= 0 or not 0 < usable_fraction <= 1:
        raise DspError(f"plan_hops needs sample_rate > 0 and 0 < usable_fraction ≤ 1, "
                       f"got {sample_rate} and {usable_fraction}")
    if hi_hz < lo_hz:
        raise DspError(f"plan_hops: band upper edge {hi_hz} below lower edge {lo_hz}")
    lo, hi = lo_hz - guard_hz, hi_hz + guard_hz
    usable = sample_rate * usable_fraction
    n = max(1, math.ceil((hi - lo) / usable - 1e-9))
    step = (hi - lo) / n
    return [Hop(center_hz=lo + step * (k + 0.5), lo_hz=lo + step * k, hi_hz=lo + step * (k + 1))
            for k in range(n)]
