"""The records of an FM analysis: one broadcast station, one spurious emission — each an entry of
``decode fm --json`` (INTERFACES.md: the contract's keys first, in its order, then extras)."""

from __future__ import annotations

from dataclasses import dataclass

from dsp.fm.rds_station import RdsResult

#: Flags a station can carry (what an inspector looks at first).
FLAGS = ("at_capture_edge", "off_raster", "over_deviation", "mpx_power_over_limit",
         "pilot_off_frequency", "looped_programme")


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


@dataclass(frozen=True)
class FmStation:
    """One FM broadcast emission. Frequencies in Hz (absolute), powers in dBFS, deviations in Hz."""

    freq_hz: float  # measured carrier: mean instantaneous frequency
    power_dbfs: float
    snr_db: float  # station power over the noise in 200 kHz
    occupied_bw_hz: float | None  # 99 % power (ITU-R SM.328 β = 1 %)
    peak_deviation_hz: float | None
    stereo: bool
    rds: RdsResult | None  # IEC 62106 decode (dsp.fm.rds), None when no PI reached agreement
    channel_hz: float  # nearest 100 kHz raster channel
    freq_offset_hz: float  # freq_hz − channel_hz
    occupied_bw_xdb_hz: float | None  # −26 dB bandwidth
    deviation_p999_hz: float | None
    over_75k_fraction: float | None
    mpx_power_dbr: float | None  # ITU-R BS.412, re ±19 kHz sine
    pilot_level_hz: float | None  # pilot peak deviation, when a pilot is present
    pilot_freq_error_hz: float | None
    loop_period_s: float | None
    loop_confidence: float | None
    flags: tuple[str, ...] = ()
    #: Envelope variation neither multipath nor noise explains (dsp.fm.cochannel): ≈ r/√2 for a second
    #: FM carrier r = A2/A1 on the channel; 1/(2√2) ≈ 0.3536 when two carriers of about equal strength
    #: garble (reported near-equal). None: not measurable (SNR under 20 dB, multipath too deep).
    residual_am: float | None = None
    #: How much the envelope's mean varies over the frequencies swept (dB): the channel's multipath.
    multipath_db: float | None = None

    def to_json(self) -> dict:
        return {
            "freq_hz": _r(self.freq_hz), "power_dbfs": _r(self.power_dbfs, 2), "snr_db": _r(self.snr_db, 2),
            "occupied_bw_hz": _r(self.occupied_bw_hz, 0), "peak_deviation_hz": _r(self.peak_deviation_hz, 0),
            "stereo": self.stereo, "rds": self.rds.to_json() if self.rds is not None else None,
            "channel_hz": _r(self.channel_hz), "freq_offset_hz": _r(self.freq_offset_hz),
            "occupied_bw_xdb_hz": _r(self.occupied_bw_xdb_hz, 0),
            "deviation_p999_hz": _r(self.deviation_p999_hz, 0),
            "over_75k_fraction": _r(self.over_75k_fraction, 5),
            "mpx_power_dbr": _r(self.mpx_power_dbr, 2),
            "pilot_level_hz": _r(self.pilot_level_hz, 0),
            "pilot_freq_error_hz": _r(self.pilot_freq_error_hz, 3),
            "loop_period_s": _r(self.loop_period_s, 2), "loop_confidence": _r(self.loop_confidence, 3),
            "flags": list(self.flags),
            "residual_am": _r(self.residual_am, 4), "multipath_db": _r(self.multipath_db, 2),
        }


@dataclass(frozen=True)
class Spurious:
    """An emission in the aeronautical band and what it is traced to (ITU-R SM.1009)."""

    freq_hz: float
    power_dbfs: float
    related_to_hz: float | None  # the culprit carrier (f1 of 2f1−f2, or the station whose audio it carries)
    mechanism: str | None  # "2f1-f2", "f1+f2-f3", "harmonicN", "am-audio", or None when unexplained
    sources_hz: tuple[float, ...] = ()
    correlation: float | None = None  # AM audio vs the culprit's audio
    am_depth: float | None = None
    snr_db: float | None = None

    def to_json(self) -> dict:
        return {
            "freq_hz": _r(self.freq_hz), "power_dbfs": _r(self.power_dbfs, 2),
            "related_to_hz": _r(self.related_to_hz),
            "mechanism": self.mechanism, "sources_hz": [_r(f) for f in self.sources_hz],
            "correlation": _r(self.correlation, 3), "am_depth": _r(self.am_depth, 3),
            "snr_db": _r(self.snr_db, 2),
        }
