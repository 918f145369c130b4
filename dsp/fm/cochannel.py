"""Co-channel interference measured from one channel: the residual AM a second FM carrier beats onto
the wanted one (the interference ITU-R BS.412-9 §3 protects against with its co-channel ratios).

Physics. One FM carrier has a constant envelope. Two carriers of amplitudes A1 > A2 sum to an
envelope that beats between A1 − A2 and A1 + A2 at their phase difference, which two independent
programmes drive through every value: the power |z|² = A1² + A2² + 2·A1·A2·cos θ has a relative
standard deviation √2·r/(1 + r²), r = A2/A1, so the AM index (envelope std / mean, half the power's
relative std) is ≈ r/√2 — 0.07 at 20 dB D/U, where capture already makes the audio clean.
Multipath puts AM on one carrier too, but through the channel's linear response, so it is (nearly)
a function of the instantaneous frequency — |H(f)| at the frequency swept —, while the beat of two
independently modulated carriers is not. The envelope's power is taken out by its conditional mean
in instantaneous-frequency bins, twice: on the channel as received, and behind a short blind
constant-modulus equaliser (least-squares CMA, Agee 1986) that undoes most of a long echo's
dynamic part (the envelope depends on the frequency over the echo's delay, not at one instant);
the smaller residual counts. Its variance, less the noise's known share (N·(2S + N) for the power,
from the capture's noise floor, the channel filter and the equaliser's noise gain), is the residual
AM — taken per chunk, and of the chunks a low one (LOW_CHUNK): two independent programmes beat in
every chunk alike, while what one carrier's multipath leaves beyond the conditional mean comes
with the programme's loud passages, heavy-tailed, and stays low in the quieter chunks. Where
multipath is too deep — the conditional mean spans more than MAX_MULTIPATH_DB, or a null fades one
frequency bin most of the time — the received frequency itself is corrupted and one
carrier can leave as large a residual as two: not measured (None), never a detection.

Two carriers of about equal strength (within ~2.5 dB) are the one case told apart there. Their sum
|1 + r·e^{jθ}| fades to a twentieth of its mean power whenever θ passes near π (≈ 10 % of the time
at r = 1, never beyond 2.7 dB on a flat channel), θ driven by the two programmes: no linear filter
undoes that, while the equaliser mostly removes one carrier's multipath fades. So a fade share behind
the equaliser over NEAR_EQUAL_FADE_SHARE (a fixed bound, one station's false rate measured by
benchmarks/fm_cochannel.py), with fades in every well-populated frequency bin, reports ``near_equal``
and an AM index of NEAR_EQUAL_INDEX, the beat's maximum (D/U 0 dB).

Only a few short chunks of each block are kept (a bounded total), so the cost per station does not
grow with the recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from dsp.errors import DspError
from dsp.fm.carriers import SNR_REFERENCE_BW_HZ as SNR_BW_HZ
from dsp.fm.checks import complex_1d
from dsp.fm.demod import discriminate

#: Equaliser length: 11 taps at 480 kHz span 21 µs, four times the longest rooftop echo (5 µs).
EQUALISER_TAPS = 11
_CMA_ITERATIONS = 8
#: Ridge on the equaliser's normal equations, re their mean diagonal: a channel filter leaves part of
#: the band empty, where an unregularised fit would put noise gain.
_RIDGE = 1e-3
#: Instantaneous-frequency bins of the conditional mean (a tenth of a typical speech deviation).
_BIN_HZ = 2500.0
#: Composite low-pass for the frequency the bins use: the MPX band, not the discriminator's noise.
_MPX_HZ = 90e3
_MPX_TAPS = 47
#: Under this SNR (per 200 kHz, as dsp.fm.carriers reports it) the noise's share of the envelope
#: and the noisy instantaneous frequency swamp the measurement (benchmarks/fm_cochannel.py): None.
MIN_SNR_DB = 20.0
#: Too deep to tell: in some frequency bin the envelope's power is under FADE_LEVEL of its mean more
#: than MAX_NULL_SHARE of the time (a multipath null sits there; a second carrier's fades fall in
#: every bin alike), or its conditional mean spans more than MAX_MULTIPATH_DB over the frequencies
#: swept 90 % of the time (a strong beat throws the discriminator to the extremes, where a bin's
#: mean is the beat's). Bins of fewer than MIN_BIN_SAMPLES do not count.
FADE_LEVEL = 0.05
MAX_NULL_SHARE = 0.5
MAX_MULTIPATH_DB = 6.0
DEPTH_PERCENTILES = (5.0, 95.0)
MIN_BIN_SAMPLES = 50
#: Two near-equal carriers: behind the equaliser the envelope's power is under FADE_LEVEL of its mean
#: more than this share of the time, with fades in every frequency bin of MIN_BIN_SAMPLES. A fixed
#: bound just above the 99.9th percentile of one station's fade share through 1-3-ray rooftop
#: multipath at 22-40 dB SNR (0.0441 over benchmarks/fm_cochannel.py's 11000 draws, seed 1; 0.0404
#: over 7150 more, seeds 2-3, where 4 exceed it): two carriers 0 dB apart fade a median 6.8 % of the
#: time, 3 dB apart 1.7 %.
NEAR_EQUAL_FADE_SHARE = 0.045
#: The AM index reported for two near-equal carriers: the beat's maximum 1/(2√2), at r = 1.
NEAR_EQUAL_INDEX = float(1 / (2 * np.sqrt(2)))
#: Classes of channel by multipath_db: up to each bound, one station leaves less residual AM, so a
#: second carrier is told apart at a lower one (the rule's thresholds come per class from
#: benchmarks/fm_cochannel.py). A strong beat raises multipath_db itself (1–2 dB at 10 dB D/U).
CLASS_BOUNDS_DB = (1.0, 2.5)
#: Chunks kept: CHUNKS_PER_BLOCK spread over each block, MAX_CHUNKS in all (16 k samples: 34 ms of
#: programme, ~1.5 ms of CPU per station whatever the recording's length).
CHUNK = 2048
MAX_CHUNKS = 8
CHUNKS_PER_BLOCK = 4
#: The equaliser is fitted on every FIT_STEP-th row: 11 taps need far fewer than the 16 k rows kept.
FIT_STEP = 4
#: The residual counted: each chunk's own (the conditional mean is the channel's, fitted on all), and
#: of those the one LOW_CHUNK of the way up (the second lowest of the analyser's 8). A second carrier
#: beats alike in every chunk; one carrier's multipath AM follows the programme's deviation, loud in
#: some chunks and low in others, and its heavy tail is what set the thresholds under multipath
#: (benchmarks/fm_cochannel.py: the 99.9th percentile of one station over 2.5 dB ~0.30 pooled, ~0.17 so).
#: Not the lowest: one chunk where two carriers' phase difference happens to stall does not hide them.
LOW_CHUNK = 1 / 7


@dataclass(frozen=True)
class CoChannel:
    """The residual AM of one channel. ``am_index``: the envelope's standard deviation over its mean
    that neither the equaliser nor the instantaneous frequency explains, noise removed (clipped at
    0); a second FM carrier r = A2/A1 under the wanted one gives ≈ r/√2. Where ``near_equal``, it
    is NEAR_EQUAL_INDEX whatever was measured (two carriers within ~2.5 dB)."""

    am_index: float | None  # None: multipath too deep to tell (see multipath_db)
    multipath_db: float  # range of the envelope's conditional mean over the frequencies swept
    null_share: float  # the largest share of fades (power under FADE_LEVEL of its mean) in one frequency bin
    noise_ratio: float  # channel noise over total channel power (what was removed)
    n_samples: int
    fade_share: float  # behind the equaliser: share of time the envelope's power is under FADE_LEVEL of its mean
    near_equal: bool  # two carriers of about equal strength (am_index is then NEAR_EQUAL_INDEX)


def du_from_index(am_index: float) -> float:
    """The D/U ratio (dB) of a second FM carrier that would beat to ``am_index``: inverts
    m = r/(√2·(1 + r²)) (the power's relative std over two); 0 dB at and above the maximum 1/(2√2)."""
    q = 2.0 * float(am_index)
    if q <= 0:
        return float("inf")
    if q >= 1 / np.sqrt(2):
        return 0.0
    r = (np.sqrt(2) - np.sqrt(2 - 4 * q * q)) / (2 * q)
    return float(-20 * np.log10(r))


def channel_noise_gain(taps: np.ndarray, sample_rate: float, passband_hz: float,
                       stopband_hz: float) -> float:
    """∫|W(f)|²·|H(f)|² df over the channel: the output noise per unit input noise density of the
    equaliser ``taps`` behind the channeliser's raised-cosine filter H (dsp.fm.channelize)."""
    f, h2 = _filter_power(float(sample_rate), float(passband_hz), float(stopband_hz))
    w = np.exp(-2j * np.pi * np.outer(f / sample_rate, np.arange(len(taps)))) @ taps
    return float(np.sum(np.abs(w) ** 2 * h2) * (sample_rate / len(f)))


@lru_cache(maxsize=32)
def _filter_power(fs: float, passband_hz: float, stopband_hz: float) -> tuple[np.ndarray, np.ndarray]:
    f = np.linspace(-fs / 2, fs / 2, 512, endpoint=False)
    x = np.clip((np.abs(f) - passband_hz) / (stopband_hz - passband_hz), 0.0, 1.0)
    return f, (0.5 * (1 + np.cos(np.pi * x))) ** 2


@lru_cache(maxsize=8)
def _mpx_lowpass(fs: float) -> np.ndarray:
    return signal.firwin(_MPX_TAPS, _MPX_HZ, fs=fs).astype(np.float32)


class CoChannelMeter:
    """Keeps ``CHUNKS_PER_BLOCK`` chunks of each block (spread over it) up to ``MAX_CHUNKS``, then
    measures them together in :meth:`result`."""

    def __init__(self, sample_rate: float, passband_hz: float, stopband_hz: float):
        if not 0 < passband_hz < stopband_hz <= sample_rate / 2 + 1e-6:
            raise DspError(f"CoChannelMeter: need 0 < passband {passband_hz} < stopband {stopband_hz} "
                           f"≤ sample_rate/2 {sample_rate / 2}")
        self.sample_rate = float(sample_rate)
        self.passband_hz = float(passband_hz)
        self.stopband_hz = float(stopband_hz)
        self._chunks: list[np.ndarray] = []

    def add(self, z: np.ndarray) -> None:
        room = MAX_CHUNKS - len(self._chunks)
        if room <= 0 or len(z) < CHUNK:
            return
        starts = np.linspace(0, len(z) - CHUNK, min(CHUNKS_PER_BLOCK, room)).astype(np.int64)
        self._chunks += [np.array(z[s:s + CHUNK], np.complex64) for s in starts]

    def result(self, noise_density: float) -> CoChannel | None:
        """``noise_density``: the capture's noise floor, power per Hz (dsp.fm.spectrum.Psd)."""
        if not self._chunks:
            return None
        return measure(np.stack(self._chunks), self.sample_rate, noise_density, self.passband_hz,
                       self.stopband_hz)


def residual_am(z: np.ndarray, sample_rate: float, noise_density: float, passband_hz: float,
                stopband_hz: float) -> CoChannel | None:
    """The residual AM of one channel's complex baseband ``z`` (at least one chunk of 2048 samples;
    used whole, in chunks), behind a raised-cosine channel filter flat to ``passband_hz`` and zero
    from ``stopband_hz``, with white noise of ``noise_density`` (power per Hz) before it."""
    z = complex_1d(z, "z")
    if len(z) < CHUNK:
        raise DspError(f"z: {len(z)} samples, expected at least {CHUNK}")
    if not np.isfinite(noise_density) or noise_density < 0:
        raise DspError(f"noise_density {noise_density}: expected a finite power per Hz ≥ 0")
    n = len(z) // CHUNK
    return measure(z[:n * CHUNK].astype(np.complex64).reshape(n, CHUNK), sample_rate, noise_density,
                   passband_hz, stopband_hz)


def measure(chunks: np.ndarray, fs: float, noise_density: float, passband_hz: float,
            stopband_hz: float) -> CoChannel | None:
    """The kernel: ``chunks`` (k × n complex64), each a contiguous piece of the channel."""
    power = np.mean(chunks.real ** 2 + chunks.imag ** 2, axis=1)
    if not np.all(power > 0):
        return None
    norm = float(np.mean(power))
    noise = noise_density * channel_noise_gain(np.ones(1), fs, passband_hz, stopband_hz)
    signal_power = norm - noise
    if not signal_power > noise_density * SNR_BW_HZ * 10 ** (MIN_SNR_DB / 10):
        return None
    # Each chunk at unit power: a slow change of level between chunks is not the beat.
    z = chunks / np.sqrt(power)[:, None].astype(np.float32)
    fit = np.lib.stride_tricks.sliding_window_view(z, EQUALISER_TAPS, axis=1)[:, ::FIT_STEP, ::-1]
    taps = _lscma(fit.reshape(-1, EQUALISER_TAPS))
    y = signal.fftconvolve(z, taps[None, :], mode="valid", axes=1)
    raw, depth, nulls, _, _ = _unexplained(z, fs, noise / norm)
    equalised, _, _, fades, floor = _unexplained(
        y, fs, noise_density * channel_noise_gain(taps, fs, passband_hz, stopband_hz) / norm)
    if raw is None or equalised is None:
        return None
    near_equal = fades > NEAR_EQUAL_FADE_SHARE and floor > 0
    index = NEAR_EQUAL_INDEX if near_equal else \
        None if nulls > MAX_NULL_SHARE or depth > MAX_MULTIPATH_DB else min(raw, equalised)
    return CoChannel(am_index=index, multipath_db=depth, null_share=nulls, noise_ratio=1.0 - signal_power / norm,
                     n_samples=z.shape[0] * (z.shape[1] - _MPX_TAPS + 1), fade_share=fades, near_equal=near_equal)


def _unexplained(y: np.ndarray, fs: float, noise: float) -> tuple[float | None, float, float, float, float]:
    """The AM index of ``y`` (chunks) left over by its conditional mean in instantaneous-frequency
    bins, less the share of white noise of power ``noise``, in the chunk LOW_CHUNK of the way up
    (see there); the conditional mean's range (dB); the
    largest and the smallest share of fades (power under FADE_LEVEL of its mean) in one bin; and the
    share of fades over all."""
    f = signal.fftconvolve(np.stack([discriminate(c, fs) for c in y]), _mpx_lowpass(float(fs))[None, :], mode="valid",
                           axes=1)
    half = _MPX_TAPS // 2
    p = (y.real ** 2 + y.imag ** 2)[:, half:y.shape[1] - half].astype(np.float64).ravel()
    b = np.floor(f.ravel() / _BIN_HZ).astype(np.int64)
    b -= b.min()
    n = np.bincount(b)
    s1 = np.bincount(b, p)
    occupied = n > 0
    dof = len(p) - int(occupied.sum())
    cum = np.cumsum(n) / len(b)
    lo, hi = np.searchsorted(cum, np.array(DEPTH_PERCENTILES) / 100)
    well = (n >= MIN_BIN_SAMPLES) & (np.arange(len(n)) >= lo) & (np.arange(len(n)) <= hi)
    g = s1[well] / n[well]
    depth = float(10 * np.log10(g.max() / max(g.min(), 1e-12))) if len(g) else 0.0
    counted = n >= MIN_BIN_SAMPLES
    faded = p < FADE_LEVEL * p.mean()
    per_bin = np.bincount(b, faded, minlength=len(n))[counted] / n[counted]
    nulls, floor = (float(per_bin.max()), float(per_bin.min())) if counted.any() else (1.0, 0.0)
    fades = float(faded.mean())
    s = p.reshape(y.shape[0], -1).mean(axis=1) - noise
    if dof <= 0 or not np.all(s > 0):
        return None, depth, nulls, fades, floor
    resid = p - s1[b] / n[b]
    # Per chunk, each chunk's share of the degrees of freedom; then the chunk LOW_CHUNK of the way up.
    var = np.sum(resid.reshape(y.shape[0], -1) ** 2, axis=1) / (dof / y.shape[0])
    v = np.sort((var - noise * (2 * s + noise)) / s ** 2)[int((len(s) - 1) * LOW_CHUNK + 1e-9)]
    return float(np.sqrt(max(v, 0.0)) / 2), depth, nulls, fades, floor


def _lscma(x: np.ndarray) -> np.ndarray:
    """Least-squares constant-modulus taps for rows ``x`` (newest sample first): start from a pass-
    through centre tap, then repeatedly fit the taps to the output projected onto the unit circle."""
    k = x.shape[1]
    r = (x.conj().T @ x).astype(np.complex128)
    r += _RIDGE * np.trace(r).real / k * np.eye(k)
    ri = np.linalg.inv(r)
    xh = x.conj().T
    w = np.zeros(k, np.complex128)
    w[k // 2] = 1.0
    for _ in range(_CMA_ITERATIONS):
        y = x @ w.astype(np.complex64)
        mag = np.abs(y)
        mag[mag == 0] = 1.0
        w = ri @ (xh @ (y / mag))
    return w.astype(np.complex64)
