"""A wideband capture → every FM station measured (ITU-R SM.1268/SM.328/BS.412/BS.450, IEC 62106)
and every aeronautical-band emission traced (ITU-R SM.1009).

Two streamed passes, so a long recording is never held whole, each read less the receiver's DC
(the LO leakage line, as the read's mean: dsp.fm.dc_block): (1) a Welch spectrum from segments
spread over the recording finds the emissions and gives power, SNR and occupied bandwidth;
(2) block by block, every emission is channelised at once and each station's composite feeds the
deviation, pilot, audio, loop and RDS stages. Samples come from ``read(start, count)`` (a
recording's reader or a slice of an array).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from dsp.bands import AIR, FM_CHINA
from dsp.errors import DspError
from dsp.fm import rds as fm_rds
from dsp.fm.audio import AudioChain
from dsp.fm.aviation import AM_MIN_CORRELATION, audio_correlation, frequency_relations
from dsp.fm.bandwidth import occupied_bandwidth, xdb_bandwidth
from dsp.fm.carriers import Emission, detect_emissions
from dsp.fm.checks import complex_1d
from dsp.fm.cochannel import CoChannelMeter
from dsp.fm.channelize import ChannelPlan, channelize, plan_for
from dsp.fm.dc_block import Reader, dc_blocked
from dsp.fm.iq_balance import iq_balanced
from dsp.fm.demod import FmDemodulator, StreamingDecimator
from dsp.fm.deviation import DEVIATION_LIMIT_HZ, DeviationMeter
from dsp.fm.loop import LoopDetector
from dsp.fm.pilot import PILOT_HZ, PilotMeter
from dsp.fm.quantisation import PROBE, adc_levels
from dsp.fm.spectrum import Psd, PsdAccumulator
from dsp.fm.station import FmStation, Spurious

#: A station's measurement span reaches at most this far from its centre (beyond: a neighbour).
MAX_HALF_SPAN_HZ = 250e3
#: Under this many ADC steps rms the capture's quantisation error follows the signal and beats like
#: a second carrier (dsp.fm.quantisation): no residual AM is reported (8 steps: -24 dBFS at 8 bits).
MIN_ADC_LEVELS = 8.0
#: A 99 % bandwidth below this is a carrier without FM programme (a CW tone, a dead carrier).
MIN_STATION_BW_HZ = 10e3
#: Weaker than this over 200 kHz of noise there is nothing to measure (nor to demodulate).
MIN_STATION_SNR_DB = 3.0
OFF_RASTER_HZ = 2e3
#: A PI needs three agreeing groups (87.6 ms each) after block sync, and the decoder's timing
#: recovery wants about a second (dsp.fm.rds fails on 0.2–0.9 s composites as of this writing).
MIN_RDS_SECONDS = 1.0
PILOT_TOLERANCE_HZ = 2.0


@dataclass(frozen=True)
class AnalysisOptions:
    nfft: int = 8192
    psd_segments: int = 300  # Welch segments spread over the recording (K=300: ±0.25 dB per bin)
    block_s: float = 0.5
    deemphasis_us: float = 50.0
    audio_seconds: float = 30.0  # audio kept per station (evidence clip, AM correlation)
    rds_seconds: float = 20.0  # composite kept per station for the RDS decoder (19 MB at 240 kHz)
    decode_rds: bool = True
    raster_band: object = FM_CHINA  # dsp.bands.Band of the broadcast raster
    other_carriers_hz: tuple[float, ...] = ()  # carriers seen in other captures (for SM.1009)
    #: Where a broadcast FM station may be: OIRT 65.8–74 MHz, Japan 76–95 MHz, 87–108 MHz. A wide
    #: emission elsewhere (a GSM carrier is as wide and as constant in envelope) is not one. None:
    #: anywhere (e.g. a capture at an IF).
    fm_range_hz: tuple[float, float] | None = (65.8e6, 108.0e6)

    def __post_init__(self) -> None:
        if self.nfft < 1024 or self.nfft & (self.nfft - 1):
            raise DspError(f"AnalysisOptions.nfft {self.nfft}: expected a power of two ≥ 1024")
        if self.psd_segments < 1 or not self.block_s > 0:
            raise DspError("AnalysisOptions: psd_segments must be ≥ 1 and block_s > 0")
        if self.deemphasis_us not in (0.0, 50.0, 75.0):
            raise DspError(f"AnalysisOptions.deemphasis_us {self.deemphasis_us}: expected 0, 50 or 75")
        if self.audio_seconds < 0 or self.rds_seconds < 0:
            raise DspError("AnalysisOptions: audio_seconds and rds_seconds must be ≥ 0")


@dataclass(frozen=True)
class StationAudio:
    freq_hz: float
    sample_rate: float
    samples: np.ndarray  # int16 mono, de-emphasised


@dataclass(frozen=True)
class FmAnalysis:
    sample_rate: float
    center_freq: float
    duration_s: float
    stations: tuple[FmStation, ...]
    spurious: tuple[Spurious, ...]
    audio: tuple[StationAudio, ...] = field(default=(), repr=False)


def analyse_array(x: np.ndarray, sample_rate: float, center_freq: float,
                  options: AnalysisOptions = AnalysisOptions()) -> FmAnalysis:
    """:func:`analyse` of samples already in memory."""
    x = complex_1d(x, "x")
    return analyse(lambda start, count: x[start:start + count], len(x), sample_rate, center_freq, options)


def analyse(read: Reader, n_samples: int, sample_rate: float, center_freq: float,
            options: AnalysisOptions = AnalysisOptions()) -> FmAnalysis:
    """Every FM station and aeronautical-band emission in a capture of ``n_samples``."""
    if not np.isfinite(center_freq):
        raise DspError(f"center_freq {center_freq}: expected a finite frequency in Hz")
    plan = plan_for(sample_rate)
    duration = n_samples / sample_rate
    if n_samples < options.nfft:
        raise DspError(f"capture of {n_samples} samples is shorter than one {options.nfft}-point spectrum")
    # The spectrum's segments each less their own mean: the notch is its 0 Hz bin.
    # No LO leakage line is left, so no bins are cut around 0 Hz (benchmarks/blind_zone.py).
    psd = _spectrum(dc_blocked(read, n_samples, options.nfft), n_samples, sample_rate, options)
    floor = psd.noise_floor()
    emissions = detect_emissions(psd, dc_cut_hz=0.0)
    spans = _spans(emissions, sample_rate)
    station_em, spur_em = [], []
    for e, span in zip(emissions, spans):
        f_abs = center_freq + e.offset_hz
        if AIR.contains(f_abs):
            spur_em.append(e)
        elif options.fm_range_hz is None or options.fm_range_hz[0] <= f_abs <= options.fm_range_hz[1]:
            obw = occupied_bandwidth(psd, floor, *span)
            if obw is not None and obw >= MIN_STATION_BW_HZ and e.snr_db >= MIN_STATION_SNR_DB:
                station_em.append((e, span, obw))
    tracks = _track(read, n_samples, plan, [e.offset_hz for e, _, _ in station_em],
                    [e.offset_hz for e in spur_em], _passbands(emissions, station_em, spur_em), options)
    fine = adc_levels(read(0, min(n_samples, PROBE))) >= MIN_ADC_LEVELS
    stations = tuple(_station(center_freq, e, span, obw, psd, floor, t, options, fine)
                     for (e, span, obw), t in zip(station_em, tracks[:len(station_em)]))
    audio = tuple(StationAudio(s.freq_hz, t.audio_rate, t.audio_clip())
                  for s, t in zip(stations, tracks[:len(station_em)]))
    carriers = [s.freq_hz for s in stations] + list(options.other_carriers_hz)
    spurious = tuple(_spurious(center_freq, e, t, audio, carriers)
                     for e, t in zip(spur_em, tracks[len(station_em):]))
    return FmAnalysis(sample_rate, center_freq, duration, stations, spurious, audio)


def _spectrum(read: Reader, n: int, fs: float, opt: AnalysisOptions) -> Psd:
    acc = PsdAccumulator(opt.nfft, fs)
    k = min(opt.psd_segments, n // opt.nfft)
    starts = np.linspace(0, n - opt.nfft, k).astype(np.int64)
    for s in starts:
        acc.add(read(int(s), opt.nfft))
    return acc.result()


def _spans(emissions: list[Emission], fs: float) -> list[tuple[float, float]]:
    """Each emission's measurement span: ±250 kHz, stopping halfway to a neighbour and at the edges."""
    cs = [e.offset_hz for e in emissions]
    out = []
    for i, c in enumerate(cs):
        lo = max(c - MAX_HALF_SPAN_HZ, -fs / 2, (cs[i - 1] + c) / 2 if i else -np.inf)
        hi = min(c + MAX_HALF_SPAN_HZ, fs / 2, (cs[i + 1] + c) / 2 if i + 1 < len(cs) else np.inf)
        out.append((lo, hi))
    return out


class _Track:
    """Everything measured from one channel as the blocks go by."""

    def __init__(self, plan: ChannelPlan, opt: AnalysisOptions, fm: bool, passband_hz: float):
        self.demod = FmDemodulator(plan.out_rate)
        self.fm = fm
        # The channeliser narrows a crowded channel's flat part and keeps its transition as wide.
        self.cochannel = CoChannelMeter(plan.out_rate, passband_hz, passband_hz + plan.stopband_hz - plan.passband_hz)
        mpx_rate = self.demod.mpx_rate
        self.mpx_rate = mpx_rate
        self.audio = AudioChain(mpx_rate, opt.deemphasis_us)
        self.audio_rate = self.audio.audio_rate
        self.deviation = DeviationMeter()
        self.pilot = PilotMeter(mpx_rate)
        self.loop = LoopDetector(self.audio_rate)
        self._audio: list[np.ndarray] = []
        self._audio_left = int(opt.audio_seconds * self.audio_rate)
        self._mpx: list[np.ndarray] = []
        self._mpx_left = int(opt.rds_seconds * mpx_rate) if opt.decode_rds else 0
        factor = int(round(plan.out_rate / self.audio_rate))
        self._envelope = StreamingDecimator(signal.firwin(127, 7.5e3, fs=plan.out_rate), factor)
        self._env: list[np.ndarray] = []
        self._env_sum = 0.0
        self._env_sq = 0.0
        self._env_n = 0

    def add(self, z: np.ndarray) -> None:
        if self.fm:
            full, mpx = self.demod.process(z)
            self.cochannel.add(z)
            self.deviation.add(full)
            self.pilot.add(mpx)
            a = self.audio.process(mpx)
            self.loop.add(a)
            self._keep_audio(a)
            if self._mpx_left > 0:
                self._mpx.append(mpx[:self._mpx_left])
                self._mpx_left -= len(self._mpx[-1])
        else:
            env = np.abs(z).astype(np.float64)
            self._env_sum += env.sum()
            self._env_sq += (env ** 2).sum()
            self._env_n += len(env)
            self._keep_audio(self._envelope.process(env))

    def _keep_audio(self, a: np.ndarray) -> None:
        if self._audio_left > 0:
            self._audio.append(a[:self._audio_left])
            self._audio_left -= len(self._audio[-1])

    def audio_clip(self) -> np.ndarray:
        return np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)

    def mpx(self) -> np.ndarray:
        return np.concatenate(self._mpx) if self._mpx else np.zeros(0, np.float32)

    def am_depth(self) -> float:
        if self._env_n == 0 or self._env_sum <= 0:
            return 0.0
        mean = self._env_sum / self._env_n
        return float(np.sqrt(max(self._env_sq / self._env_n - mean ** 2, 0.0)) / mean)


def _passbands(emissions: list[Emission], station_em, spur_em) -> list[float]:
    """Channel filter half-widths: 160 kHz, or less where a neighbour's sidebands would get in
    (stop its carrier ± 60 kHz and keep ours; below 70 kHz the station's own peaks would go)."""
    centres = np.array([e.offset_hz for e in emissions])
    out = []
    for e in [e for e, _, _ in station_em] + spur_em:
        others = np.abs(centres - e.offset_hz)
        nearest = others[others > 0].min() if np.any(others > 0) else np.inf
        out.append(float(np.clip(nearest - 100e3, 70e3, 160e3)))
    return out


def _track(read: Reader, n: int, plan: ChannelPlan, station_offsets: list[float],
           spur_offsets: list[float], passbands: list[float], opt: AnalysisOptions) -> list[_Track]:
    offsets = station_offsets + spur_offsets
    passbands = [min(pb, plan.passband_hz) for pb in passbands]
    tracks = [_Track(plan, opt, i < len(station_offsets), pb) for i, pb in enumerate(passbands)]
    if not tracks:
        return tracks
    g = plan.guard
    unit = plan.decimation * 2 * int(round(plan.out_rate / tracks[0].audio_rate))
    block = max(unit, int(round(opt.block_s * plan.sample_rate / unit)) * unit)
    # A notch of 1 / block_s (2 Hz) where the stations are measured, then the IQ imbalance's mirror
    # image out: a station's own mirror would beat with it like a co-channel carrier (dsp.fm.iq_balance).
    read = iq_balanced(dc_blocked(read, n, block))
    for s0 in range(0, n, block):
        b = min(block, n - s0)
        lo, hi = s0 - g, s0 + b + g
        x = read(max(lo, 0), min(hi, n) - max(lo, 0))
        if lo < 0 or hi > n:
            x = np.concatenate((np.zeros(max(0, -lo), np.complex64), x, np.zeros(max(0, hi - n), np.complex64)))
        for t, z in zip(tracks, channelize(x, plan, offsets, start_index=s0, context=g, passbands_hz=passbands)):
            t.add(z)
    return tracks


def _station(fc: float, e: Emission, span: tuple[float, float], obw: float, psd: Psd, floor: float,
             t: _Track, opt: AnalysisOptions, fine: bool) -> FmStation:
    dev = t.deviation.result()
    pilot = t.pilot.result()
    loop = t.loop.result()
    freq = fc + e.offset_hz + (dev.carrier_offset_hz if dev else 0.0)
    band = opt.raster_band
    channel = band.nearest_channel(freq)
    stereo = bool(pilot and pilot.present)
    rds = None
    mpx = t.mpx()
    if opt.decode_rds and len(mpx) >= MIN_RDS_SECONDS * t.mpx_rate:
        pilot_hz = PILOT_HZ + pilot.freq_error_hz if stereo and abs(pilot.freq_error_hz) < 20 else None
        rds = fm_rds.decode_mpx(mpx, t.mpx_rate, pilot_hz=pilot_hz)
    flags = []
    if e.at_edge:
        flags.append("at_capture_edge")
    if abs(freq - channel) > OFF_RASTER_HZ:
        flags.append("off_raster")
    if dev and dev.p999_hz > DEVIATION_LIMIT_HZ:
        flags.append("over_deviation")
    if dev and dev.mpx_power_db > 0.0:
        flags.append("mpx_power_over_limit")
    if stereo and abs(pilot.freq_error_hz) > PILOT_TOLERANCE_HZ:
        flags.append("pilot_off_frequency")
    if loop.period_s is not None:
        flags.append("looped_programme")
    cochannel = t.cochannel.result(floor)
    return FmStation(
        freq_hz=freq, power_dbfs=e.power_dbfs, snr_db=e.snr_db, occupied_bw_hz=obw,
        peak_deviation_hz=dev.peak_hz if dev else None, stereo=stereo, rds=rds,
        channel_hz=channel, freq_offset_hz=freq - channel,
        occupied_bw_xdb_hz=xdb_bandwidth(psd, floor, *span),
        deviation_p999_hz=dev.p999_hz if dev else None,
        over_75k_fraction=dev.over_limit_fraction if dev else None,
        mpx_power_dbr=dev.mpx_power_db if dev else None,
        pilot_level_hz=pilot.level_hz if stereo else None,
        pilot_freq_error_hz=pilot.freq_error_hz if stereo else None,
        loop_period_s=loop.period_s, loop_confidence=loop.confidence,
        flags=tuple(flags),
        residual_am=cochannel.am_index if cochannel and fine else None,
        multipath_db=cochannel.multipath_db if cochannel else None)


def _spurious(fc: float, e: Emission, t: _Track, audio: tuple[StationAudio, ...],
              carriers: list[float]) -> Spurious:
    """Trace an aeronautical-band emission: the station whose audio its AM envelope carries (the
    stronger evidence), and the harmonic or intermodulation formula its frequency fits."""
    freq = fc + e.offset_hz
    depth = t.am_depth()
    culprit, corr = None, None
    clip = t.audio_clip()
    if depth > 0.02 and len(clip) and audio:
        max_lag = int(0.05 * t.audio_rate)
        corr, culprit = max((audio_correlation(clip, a.samples, max_lag), a.freq_hz) for a in audio)
        if corr < AM_MIN_CORRELATION:
            culprit = None
    relations = frequency_relations(freq, carriers, tolerance_hz=max(5e3, 0.05 * e.width_hz))
    if culprit is not None:
        rel = next((r for r in relations if culprit in r.sources_hz), None)
    else:
        rel = relations[0] if relations else None
    if rel is not None:
        mech, sources, related = rel.mechanism, rel.sources_hz, culprit or rel.sources_hz[0]
    elif culprit is not None:
        mech, sources, related = "am-audio", (culprit,), culprit
    else:
        mech, sources, related = None, (), None
    return Spurious(freq_hz=freq, power_dbfs=e.power_dbfs, related_to_hz=related, mechanism=mech,
                    sources_hz=tuple(sources), correlation=corr, am_depth=depth, snr_db=e.snr_db)
