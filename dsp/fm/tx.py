"""Reference FM broadcast transmitter (ITU-R BS.450 stereo multiplex, BS.412 deviation) for tests
and the city simulator.

The station is rendered in chunks of one second. Every chunk is a pure function of the config and
the chunk index (noise is seeded per chunk, filters run over a margin of the neighbouring audio),
and each chunk's MPX has its mean removed so the FM phase returns to zero at every chunk boundary:
any block ``[start_s, start_s + n/fs)`` is therefore the same samples whether rendered alone or as
part of a longer render, and consecutive blocks join without a phase step.

Signal chain: programme audio at 48 kHz → pre-emphasis + 15 kHz low-pass (one FIR) → clipper at
the audio deviation → ×10 to the 480 kHz MPX rate → + pilot (19 kHz), L−R on 38 kHz DSB-SC, RDS on
57 kHz → FM at 480 kHz complex → resampled to the caller's rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy import signal

from dsp.errors import DspError
from dsp.fm import rds_modem

AUDIO_RATE = 48_000
MPX_RATE = 480_000
PILOT_HZ = 19_000.0
CHUNK_S = 1
_UP = MPX_RATE // AUDIO_RATE
_MARGIN = 256  # audio samples either side of a chunk: covers the FIR and the ×10 interpolator
PROGRAMMES = ("silence", "tone", "noise", "speech", "loop")


@dataclass(frozen=True)
class Programme:
    """What the station plays. ``kind``: silence, tone (``tones_hz``), noise, speech (speech-like
    noise bursts) or loop (a speech-like advert of ``period_s`` seconds, content fixed by ``seed``,
    repeated for ever). ``level`` is the audio RMS relative to full deviation before the clipper."""

    kind: str = "speech"
    tones_hz: tuple[float, ...] = (1000.0,)
    seed: int = 1
    period_s: float = 20.0
    level: float = 0.3

    def __post_init__(self) -> None:
        if self.kind not in PROGRAMMES:
            raise DspError(f"Programme.kind {self.kind!r}: expected one of {', '.join(PROGRAMMES)}")
        if self.kind == "loop" and not 1.0 <= self.period_s <= 3600.0:
            raise DspError(f"Programme.period_s {self.period_s}: expected 1..3600 s")


@dataclass(frozen=True)
class SpuriousEmission:
    """An unwanted emission rendered with the station: a CW tone or an AM copy of the station's
    mono audio (how an ATC receiver hears an intermodulation product) at ``offset_hz`` from the
    carrier, ``level_db`` relative to it."""

    offset_hz: float
    level_db: float = -40.0
    modulation: str = "am"  # "cw" | "am"
    am_depth: float = 0.8

    def __post_init__(self) -> None:
        if self.modulation not in ("cw", "am"):
            raise DspError(f"SpuriousEmission.modulation {self.modulation!r}: expected 'cw' or 'am'")


@dataclass(frozen=True)
class FmStationConfig:
    """One FM transmitter. Deviations are peak values in Hz; ``deviation_hz`` is the composite peak
    the clipper allows (75 kHz is the limit; black broadcasts go far beyond). ``rds_groups`` are
    IEC 62106 groups (4 blocks of 16 bits) cycled on the 57 kHz subcarrier."""

    freq_offset_hz: float = 0.0
    programme: Programme = field(default_factory=Programme)
    stereo: bool = True
    preemphasis_us: float = 50.0
    deviation_hz: float = 75_000.0
    pilot_dev_hz: float = 6_750.0
    pilot_error_hz: float = 0.0  # a cheap stereo coder's pilot off 19 kHz (BS.450 allows ±2 Hz)
    rds_dev_hz: float = 2_000.0
    rds_groups: tuple = ()  # RdsGroup records or 4-tuples of block words
    spurious: SpuriousEmission | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.deviation_hz <= 250e3:
            raise DspError(f"FmStationConfig.deviation_hz {self.deviation_hz}: expected 0 < dev ≤ 250 kHz")
        if self.preemphasis_us not in (0.0, 50.0, 75.0):
            raise DspError(f"FmStationConfig.preemphasis_us {self.preemphasis_us}: expected 0, 50 or 75")
        if self.pilot_dev_hz < 0 or self.rds_dev_hz < 0:
            raise DspError("FmStationConfig pilot_dev_hz/rds_dev_hz must be ≥ 0")
        if self.audio_dev_hz <= 0:
            raise DspError(f"FmStationConfig: pilot + RDS deviation leave no room for audio "
                           f"under deviation_hz {self.deviation_hz}")

    @property
    def audio_dev_hz(self) -> float:
        pilot = self.pilot_dev_hz if self.stereo else 0.0
        rds = self.rds_dev_hz if self.rds_groups else 0.0
        return self.deviation_hz - pilot - rds


# ----------------------------------------------------------------------------------- programme


def _noise(seed: int, stream: int, chunk: int, n: int) -> np.ndarray:
    return np.random.default_rng([seed, stream, chunk & 0xFFFFFFFF, 7]).standard_normal(n)


def _chunked(gen, a0: int, a1: int) -> np.ndarray:
    """Samples a0..a1 of a signal generated one second per call ``gen(chunk)``."""
    k0, k1 = a0 // AUDIO_RATE, (a1 - 1) // AUDIO_RATE
    return np.concatenate([gen(k)[max(a0 - k * AUDIO_RATE, 0):a1 - k * AUDIO_RATE] for k in range(k0, k1 + 1)])


@lru_cache(maxsize=8)
def _shaping_fir(lo_hz: float, hi_hz: float) -> np.ndarray:
    return signal.firwin(129, [lo_hz, hi_hz], pass_zero=False, fs=AUDIO_RATE)


# Each chunk is also the margin of its two neighbours: a crowded hop (15 stereo stations) needs
# 6 per station at once.
@lru_cache(maxsize=256)
def _speech_chunk(seed: int, stream: int, chunk: int) -> np.ndarray:
    """One second of speech-like sound: band-limited noise with a voiced buzz under a syllabic
    (~4 Hz) envelope with pauses. Chunks are independent; the syllable envelope starts and ends at
    zero so they abut without clicks."""
    rng = np.random.default_rng([seed, stream, chunk & 0xFFFFFFFF, 11])
    t = np.arange(AUDIO_RATE) / AUDIO_RATE
    n_syll = 4
    env = np.zeros(AUDIO_RATE)
    for k in range(n_syll):  # 4 syllables a second; a per-syllable loop, not per sample
        if rng.random() < 0.2:
            continue  # a pause
        c, w = (k + rng.uniform(0.3, 0.7)) / n_syll, rng.uniform(0.04, 0.09)
        env += rng.uniform(0.4, 1.0) * np.exp(-0.5 * ((t - c) / w) ** 2)
    f0 = rng.uniform(100.0, 220.0) * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(1, 3) * t))
    # A rising sawtooth, as scipy.signal.sawtooth(θ) computes it (without its masks for other widths).
    buzz = np.mod(2 * np.pi * np.cumsum(f0) / AUDIO_RATE, 2 * np.pi) / np.pi - 1
    hiss = rng.standard_normal(AUDIO_RATE)
    hiss = signal.oaconvolve(hiss, _shaping_fir(300.0, 4000.0), mode="same")
    x = env * (0.6 * buzz + 1.5 * hiss)
    return x / 0.45


@lru_cache(maxsize=4)
def _advert(seed: int, period_n: int) -> np.ndarray:
    n_chunks = -(-period_n // AUDIO_RATE)
    return np.concatenate([_speech_chunk(seed, 99, k) for k in range(n_chunks)])[:period_n]


def programme_audio(prog: Programme, seed: int, stream: int, a0: int, a1: int) -> np.ndarray:
    """Programme samples ``a0 .. a1`` (absolute 48 kHz indices) of one audio channel, RMS ≈ level."""
    n = a1 - a0
    if prog.kind == "silence":
        x = np.zeros(n)
    elif prog.kind == "tone":
        t = np.arange(a0, a1) / AUDIO_RATE
        x = sum(np.sin(2 * np.pi * f * t) for f in prog.tones_hz) * (math.sqrt(2) / len(prog.tones_hz))
    elif prog.kind == "noise":
        lp = _shaping_fir(30.0, 3000.0)
        raw = _chunked(lambda k: _noise(seed, stream, k, AUDIO_RATE), a0 - len(lp), a1)
        x = np.convolve(raw, lp, mode="valid")[1:] / math.sqrt(np.sum(lp ** 2))
    elif prog.kind == "speech":
        x = _chunked(lambda k: _speech_chunk(seed, stream, k), a0, a1)
    else:
        period_n = int(round(prog.period_s * AUDIO_RATE))
        x = _advert(prog.seed, period_n)[np.arange(a0, a1) % period_n]
    return (prog.level * x).astype(np.float64)


# ----------------------------------------------------------------------------------------- MPX


@lru_cache(maxsize=4)
def _preemphasis_fir(tau_us: float) -> np.ndarray:
    """Pre-emphasis |1 + jωτ| up to 15 kHz, nothing above 16.5 kHz (keeps 19 kHz clear)."""
    tau = tau_us * 1e-6
    f = np.array([0.0, 1000, 3000, 6000, 10000, 13000, 15000, 16500, AUDIO_RATE / 2])
    g = np.sqrt(1 + (2 * np.pi * f * tau) ** 2)
    g[-2:] = 0.0
    return signal.firwin2(127, f, g, fs=AUDIO_RATE)


def _chunk_mpx(cfg: FmStationConfig, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(MPX in Hz of deviation at 480 kHz, mono audio at 48 kHz) of chunk k, MPX mean removed."""
    a0, a1 = k * AUDIO_RATE, (k + 1) * AUDIO_RATE
    fir = _preemphasis_fir(cfg.preemphasis_us) if cfg.preemphasis_us else signal.firwin(127, 15500, fs=AUDIO_RATE)
    chans = [programme_audio(cfg.programme, cfg.seed, s, a0 - _MARGIN, a1 + _MARGIN)
             for s in ((0, 1) if cfg.stereo and cfg.programme.kind in ("noise", "speech") else (0,))]
    shaped = [np.clip(signal.oaconvolve(c, fir, mode="same"), -1.0, 1.0) for c in chans]
    mono_audio = sum(chans) / len(chans)
    up = [signal.resample_poly(s, _UP, 1)[_MARGIN * _UP:-_MARGIN * _UP] for s in shaped]
    n = MPX_RATE * CHUNK_S
    left = up[0]
    right = up[-1]
    if cfg.stereo:
        pilot, subcarrier = _pilot_and_subcarrier(k * n, n, cfg.pilot_error_hz)
        mpx = cfg.audio_dev_hz * (0.5 * (left + right) + 0.5 * (left - right) * subcarrier)
        mpx += cfg.pilot_dev_hz * pilot
    else:
        mpx = cfg.audio_dev_hz * left
    if cfg.rds_groups and k >= 0:  # chunk −1 only feeds the resampler's margin before t = 0
        mpx += cfg.rds_dev_hz * _rds_chunk(cfg, k, n)
    mpx -= mpx.mean()
    return mpx, mono_audio[_MARGIN:-_MARGIN]


def _pilot_and_subcarrier(i0: int, n: int, error_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """sin θ and sin 2θ of the pilot phase θ at 480 kHz samples i0 .. i0+n. On frequency, θ comes
    from the integer sample index (19 kHz / 480 kHz = 19/480: exact over hours, and a table)."""
    if not error_hz:
        return _pilot_tables(i0 % 480, n)
    idx = np.arange(i0, i0 + n, dtype=np.int64)
    theta = 2 * np.pi * (((idx * 19) % 480) / 480.0 + (error_hz * idx / MPX_RATE) % 1.0)
    return np.sin(theta), np.sin(2 * theta)


@lru_cache(maxsize=4)
def _pilot_tables(phase: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """On frequency, every chunk starts on a whole pilot cycle: its tables are the same."""
    turn = ((phase + np.arange(n, dtype=np.int64)) * 19) % 480
    table = np.sin(2 * np.pi * np.arange(480) / 480)
    pilot, sub = table[turn], table[(2 * turn) % 480]
    pilot.flags.writeable = sub.flags.writeable = False  # shared by every chunk
    return pilot, sub


#: The RDS component is modulated at a third of the MPX rate (57 ± 2.4 kHz fits under 80 kHz) and
#: interpolated. At that rate 19 bits (1187.5 bit/s) span exactly 2560 samples and the 57 kHz
#: subcarrier whole cycles, so every sample is a fixed weighting of the 7 bits around it
#: (IEC 62106-1 §4: biphase symbols shaped by H_T(f), DSB-SC on 57 kHz): one table per period.
_RDS_RATE = MPX_RATE // 3
_RDS_PERIOD_BITS = 19
_RDS_PERIOD = 2560


@lru_cache(maxsize=2)
def _rds_table(stereo: bool) -> tuple[np.ndarray, np.ndarray]:
    """For sample r of a period: the bit it falls in (from the period's first) and the weights
    (one row per neighbour j = −span..span) of bit ``first − j``: shaped pulse × subcarrier."""
    tab_t, tab_p = rds_modem.pulse_table()
    t = np.arange(_RDS_PERIOD) / _RDS_RATE
    first = np.floor(t / rds_modem.BIT_S).astype(np.int64)
    span = np.arange(-rds_modem.PULSE_SPAN_BITS, rds_modem.PULSE_SPAN_BITS + 1)
    pulse = np.interp(t - (first - span[:, None]) * rds_modem.BIT_S, tab_t, tab_p, left=0.0, right=0.0)
    # Our pilot is sin(θ) = cos(θ − π/2); IEC 62106 locks the 57 kHz carrier to its third harmonic.
    phase0 = 3 * (-np.pi / 2) if stereo else 0.0
    return first, pulse * np.cos(2 * np.pi * np.mod(rds_modem.SUBCARRIER_HZ * t, 1.0) + phase0)


@lru_cache(maxsize=64)
def _rds_bits(groups: tuple) -> np.ndarray:
    return rds_modem.group_bits(groups)


def _rds_chunk(cfg: FmStationConfig, k: int, n: int) -> np.ndarray:
    """The RDS component of chunk k at 480 kHz: unit peak, modulated at :data:`_RDS_RATE` from
    the period table, then interpolated ×3."""
    m = 64
    i0 = k * _RDS_RATE - m  # absolute sample index at the RDS rate
    q0 = i0 // _RDS_PERIOD
    rows = -(-(i0 + n // 3 + 2 * m - q0 * _RDS_PERIOD) // _RDS_PERIOD)
    first, weights = _rds_table(cfg.stereo)
    span = rds_modem.PULSE_SPAN_BITS
    # Differential symbols of the bits each row can touch: columns −span .. 18 + span of its period.
    cols = np.arange(-span, _RDS_PERIOD_BITS + span)
    bit = _RDS_PERIOD_BITS * (q0 + np.arange(rows))[:, None] + cols
    sym = rds_modem._encoded_symbols(_rds_bits(tuple(cfg.rds_groups)), bit)
    x = np.zeros((rows, _RDS_PERIOD))
    for row, j in enumerate(range(-span, span + 1)):
        x += sym[:, first - j + span] * weights[row]
    x = x.ravel()[i0 - q0 * _RDS_PERIOD:][:n // 3 + 2 * m].astype(np.float32)
    return signal.resample_poly(x, 3, 1)[3 * m:3 * m + n]


@lru_cache(maxsize=48)
def _chunk_phase(cfg: FmStationConfig, k: int) -> np.ndarray:
    """FM phase (rad) at the chunk's 480 kHz samples, 0 at its first; also 0 after its last, since
    the chunk's MPX has zero mean."""
    mpx, _ = _chunk_mpx(cfg, k)
    phase = np.empty(mpx.size)
    phase[0] = 0.0
    np.cumsum(mpx[:-1], out=phase[1:])
    phase[1:] *= 2 * np.pi / MPX_RATE
    return phase


def render_mpx(config: FmStationConfig, start_s: float, n_samples: int) -> np.ndarray:
    """The composite (MPX) in Hz of instantaneous deviation at :data:`MPX_RATE`, float64 —
    the ground truth the measurements are checked against."""
    return _span(lambda k: _chunk_mpx(config, k)[0], MPX_RATE, _start_index(start_s, MPX_RATE), n_samples)


def render_audio(config: FmStationConfig, start_s: float, n_samples: int) -> np.ndarray:
    """The mono programme (before pre-emphasis) at :data:`AUDIO_RATE`, float64."""
    return _span(lambda k: _chunk_mpx(config, k)[1], AUDIO_RATE, _start_index(start_s, AUDIO_RATE), n_samples)


def _start_index(start_s: float, rate: int) -> int:
    if not math.isfinite(start_s) or start_s < 0:
        raise DspError(f"start_s {start_s}: expected a finite time ≥ 0")
    return int(round(start_s * rate))


def _span(chunk, rate: int, i0: int, n: int) -> np.ndarray:
    per = rate * CHUNK_S
    k0, k1 = i0 // per, (i0 + max(n, 1) - 1) // per
    # Cut each chunk to the span before joining: a short read copies only what it needs.
    return np.concatenate([chunk(k)[max(i0 - k * per, 0):i0 + n - k * per] for k in range(k0, k1 + 1)])


def render_fm_station(config: FmStationConfig, sample_rate: float, start_s: float,
                      n_samples: int) -> np.ndarray:
    """Complex64 baseband of the station, carrier at ``config.freq_offset_hz`` (0 for the
    simulator, which mixes), carrier power 1 (a spurious emission adds its own power).

    Deterministic in (config, start_s): consecutive blocks concatenate to the single long render.
    """
    if not isinstance(config, FmStationConfig):
        raise DspError(f"config: expected FmStationConfig, got {type(config).__name__}")
    if not math.isfinite(sample_rate) or sample_rate < 2 * 200e3:
        raise DspError(f"sample_rate {sample_rate}: expected ≥ 400 kHz for a broadcast FM channel")
    if n_samples < 0:
        raise DspError(f"n_samples {n_samples}: expected ≥ 0")
    if n_samples == 0:
        return np.zeros(0, np.complex64)
    ratio = Fraction(sample_rate / MPX_RATE).limit_denominator(10000)
    if abs(float(ratio) * MPX_RATE - sample_rate) > 1e-6 * sample_rate:
        raise DspError(f"sample_rate {sample_rate}: not a simple ratio of {MPX_RATE} Hz")
    up, down = ratio.numerator, ratio.denominator
    out_i0 = int(round(start_s * sample_rate))
    if out_i0 < 0:
        raise DspError(f"start_s {start_s}: expected ≥ 0")
    # Output sample i sits at 480 kHz position (i·down)/up. Between 480 kHz samples the phase is a
    # cubic Hermite fit to the phase and its slope (the instantaneous frequency): the error, about
    # h^4/384 times the 4th derivative, stays under 1e-3 rad for a 60 kHz composite, where
    # interpolating the complex signal would need a long filter.
    first = out_i0 * down
    b0 = first // up - 1
    last = (out_i0 + n_samples - 1) * down // up
    phi = _span(lambda k: _chunk_phase(config, k), MPX_RATE, b0, last + 3 - b0)
    if config.freq_offset_hz:
        # A frequency offset is a phase ramp, which the cubic reproduces exactly: add it at the
        # 480 kHz nodes (a fifth of the work at 2.4 MS/s), reduced to turns so it stays precise.
        cycles = (config.freq_offset_hz / MPX_RATE) * np.arange(b0, last + 3, dtype=np.float64)
        phi = phi + 2 * np.pi * (cycles - np.floor(cycles[0]))
    if up == down == 1:
        phase = phi[1:-2]  # the output is the 480 kHz grid itself
    elif down == 1 and first % up == 0 and n_samples % up == 0:
        # Every 480 kHz interval holds the same `up` output positions: one small matrix product.
        u = np.arange(up) / up
        p0, p1 = phi[1:-2], phi[2:-1]
        h = _hermite(u)
        phase = (p0[:, None] * h[:, 0] + (0.5 * (p1 - phi[:-3]))[:, None] * h[:, 1]
                 + p1[:, None] * h[:, 2] + (0.5 * (phi[3:] - p0))[:, None] * h[:, 3]).ravel()
    else:
        idx, rem = np.divmod((out_i0 + np.arange(n_samples, dtype=np.int64)) * down, up)
        j = idx - b0
        p0, p1 = phi[j], phi[j + 1]
        h = _hermite(rem / up)
        phase = h[:, 0] * p0 + h[:, 1] * 0.5 * (p1 - phi[j - 1]) + h[:, 2] * p1 + h[:, 3] * 0.5 * (phi[j + 2] - p0)
    # Reduced to one turn first, the phase loses nothing in float32, where cos/sin are several
    # times faster: the output rate is where the time goes.
    phase = np.mod(phase, 2 * np.pi).astype(np.float32)
    y = np.empty(n_samples, np.complex64)
    y.real = np.cos(phase)
    y.imag = np.sin(phase)
    if config.spurious is not None:
        y += _spurious(config, np.arange(out_i0, out_i0 + n_samples, dtype=np.float64) / sample_rate)
    return y


def _hermite(u: np.ndarray) -> np.ndarray:
    """Cubic Hermite basis (h00, h10, h01, h11) at fractions u of an interval, one row per u."""
    u2, u3 = u * u, u * u * u
    return np.stack((2 * u3 - 3 * u2 + 1, u3 - 2 * u2 + u, 3 * u2 - 2 * u3, u3 - u2), axis=1)


def render_spurious(config: FmStationConfig, sample_rate: float, start_s: float, n_samples: int) -> np.ndarray:
    """The station's spurious emission alone, centred on 0 Hz, carrier amplitude 1 (``level_db``
    and the offsets are the caller's to apply) — what the simulator mixes to the spur frequency,
    without rendering the station twice."""
    if not isinstance(config, FmStationConfig) or config.spurious is None:
        raise DspError("config: expected an FmStationConfig with a spurious emission")
    if not math.isfinite(sample_rate) or sample_rate <= 0 or n_samples < 0:
        raise DspError(f"sample_rate {sample_rate} / n_samples {n_samples}: expected > 0 and ≥ 0")
    if not math.isfinite(start_s) or start_s < 0:
        raise DspError(f"start_s {start_s}: expected a finite time ≥ 0")
    i0 = int(round(start_s * sample_rate))
    t = np.arange(i0, i0 + n_samples, dtype=np.float64) / sample_rate
    return _spur_envelope(config, t).astype(np.complex64)


def _spur_envelope(cfg: FmStationConfig, t: np.ndarray) -> np.ndarray:
    """1 for CW; 1 + m·audio for AM, the audio scaled by a fixed 4× its programme RMS (so every
    block of a render is scaled alike) and clipped, keeping the envelope positive."""
    sp = cfg.spurious
    if sp.modulation != "am" or len(t) == 0:
        return np.ones_like(t)
    a0 = int(math.floor(t[0] * AUDIO_RATE))
    audio = render_audio(cfg, a0 / AUDIO_RATE, int(math.ceil((t[-1] - t[0]) * AUDIO_RATE)) + 2)
    scale = 4 * max(cfg.programme.level, 1e-9)
    a = np.clip(np.interp(t * AUDIO_RATE - a0, np.arange(len(audio)), audio) / scale, -1.0, 1.0)
    return 1 + sp.am_depth * a


def _spurious(cfg: FmStationConfig, t: np.ndarray) -> np.ndarray:
    amp = 10 ** (cfg.spurious.level_db / 20)
    offset = cfg.freq_offset_hz + cfg.spurious.offset_hz
    return (amp * _spur_envelope(cfg, t) * np.exp(2j * np.pi * offset * t)).astype(np.complex64)
