"""IEC 62106-1 §4 receiver side: coherent demodulation of the 57 kHz RDS subcarrier to soft data bits.

Stages (all block-wise, no per-sample loops): a complex band-pass FIR at 57 kHz evaluated only
at the kept samples (~19–38 kHz), then mixed to baseband at that low rate;
filter with the matched biphase symbol; symbol timing from the square-law spectral line at the
bit rate (estimated per block and unwrapped, so clock drift is followed); carrier frequency from
the line of the squared symbols at twice the offset, carrier phase per block from the averaged
squared symbols (BPSK phase, the 180° ambiguity is removed by the differential code); soft
differential decoding.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from dsp.fm.rds_modem import BIT_S, SUBCARRIER_HZ, pulse_table

#: Decimated rate is at least this (16 samples per bit).
_MIN_DECIMATED_HZ = 19_000.0
#: Largest subcarrier offset searched (receiver clock error; a 100 ppm clock is 5.7 Hz).
MAX_CARRIER_OFFSET_HZ = 40.0
_TIMING_BLOCK_BITS = 256
_PHASE_BLOCK_BITS = 16
_PHASE_SMOOTH_BLOCKS = 9


def _to_baseband(mpx: np.ndarray, fs: float, carrier_hz: float) -> tuple[np.ndarray, float]:
    """Subcarrier at baseband, decimated, without a full-rate oscillator.

    With u[n] = x[n]·e^(−jωn), the decimated low-pass output Σ_k g[k]·u[mD−k] equals
    e^(−jωmD) · Σ_k (g[k]·e^(jωk))·x[mD−k]: a complex band-pass FIR on the real MPX, evaluated
    only at the kept samples (two real polyphase filters), then mixed at the low rate. This is
    about 10x cheaper than mixing at the full rate.
    """
    decim = max(1, int(fs // _MIN_DECIMATED_HZ))
    fs_d = fs / decim
    # Anti-alias only: the matched filter below does the sharp selection at the low rate.
    stop = fs_d - 2.0 / BIT_S
    taps = int(np.ceil(3.5 * fs / (stop - 2.0 / BIT_S))) | 1
    g = signal.firwin(taps, 0.5 * (stop + 2.0 / BIT_S), fs=fs)
    w = 2 * np.pi * carrier_hz / fs
    h = g * np.exp(1j * w * np.arange(taps))
    x = mpx.astype(np.float32, copy=False)
    y_re = signal.upfirdn(h.real.astype(np.float32), x, down=decim)
    y_im = signal.upfirdn(h.imag.astype(np.float32), x, down=decim)
    skip = (taps - 1) // (2 * decim)
    m = np.arange(skip, y_re.size, dtype=np.float64)
    # Phase from the fractional cycle count keeps precision hours into a recording.
    lo = np.exp(-2j * np.pi * np.mod(m * (carrier_hz * decim / fs), 1.0))
    return ((y_re[skip:] + 1j * y_im[skip:]) * lo).astype(np.complex64), fs_d


def _matched_filter(z: np.ndarray, fs_d: float) -> np.ndarray:
    tab_t, tab_p = pulse_table()
    t = np.arange(np.ceil(tab_t[0] * fs_d), np.floor(tab_t[-1] * fs_d) + 1) / fs_d
    h = np.interp(t, tab_t, tab_p)[::-1].astype(np.float32)
    h /= np.sqrt(np.sum(h * h))
    # Output index n holds the correlation with a symbol starting at sample n + t[0]*fs_d.
    y = signal.oaconvolve(z, h, mode="full")[h.size - 1:]
    return y.astype(np.complex64), float(t[0] * fs_d)


def _symbol_times(y: np.ndarray, fs_d: float, bit_rate: float) -> np.ndarray:
    """Sample positions (fractional, in y) of the symbol centres, following timing drift."""
    per_block = int(_TIMING_BLOCK_BITS * fs_d / bit_rate)
    n_blocks = max(1, y.size // per_block)
    power = (y.real ** 2 + y.imag ** 2)[:n_blocks * per_block].reshape(n_blocks, per_block)
    arg = 2 * np.pi * np.arange(per_block) * bit_rate / fs_d
    # Two real float32 products: a float32 x complex128 product would upcast the whole block.
    line = (power @ np.cos(arg).astype(np.float32) - 1j * (power @ np.sin(arg).astype(np.float32)))
    line = line * np.exp(-2j * np.pi * np.arange(n_blocks) * per_block * bit_rate / fs_d)
    # Smooth over 3 blocks so a weak block does not break the unwrap.
    line = np.convolve(line, np.ones(3), mode="same")
    phase = np.unwrap(np.angle(line))  # radians of the bit-rate line at each block centre
    centres = (np.arange(n_blocks) + 0.5) * per_block
    first = -phase[0] / (2 * np.pi) * fs_d / bit_rate
    spb = fs_d / bit_rate
    k = np.arange(int((y.size - first) / spb) + 1)
    t = first + k * spb
    for _ in range(2):
        t = first + k * spb - (np.interp(t, centres, phase) - phase[0]) / (2 * np.pi) * spb
    return t[(t >= 0) & (t <= y.size - 1)]


def _derotate(s: np.ndarray, bit_rate: float) -> np.ndarray:
    """Real BPSK symbols from complex ones: remove carrier frequency offset and phase."""
    sq = s * s
    nfft = 1 << int(np.ceil(np.log2(max(sq.size, 64) * 8)))
    spec = np.abs(np.fft.fft(sq, nfft))
    freqs = np.fft.fftfreq(nfft, 1.0 / bit_rate)
    band = np.abs(freqs) <= 2 * MAX_CARRIER_OFFSET_HZ
    two_df = freqs[band][np.argmax(spec[band])]
    k = np.arange(s.size)
    sq = sq * np.exp(-2j * np.pi * two_df * k / bit_rate)
    nb = max(1, s.size // _PHASE_BLOCK_BITS)
    blocks = np.add.reduceat(sq, np.arange(nb) * _PHASE_BLOCK_BITS)
    smooth = np.convolve(blocks, np.ones(_PHASE_SMOOTH_BLOCKS), mode="same")
    phase2 = np.unwrap(np.angle(smooth))
    centres = (np.arange(nb) + 0.5) * _PHASE_BLOCK_BITS
    theta = 0.5 * (np.interp(k, centres, phase2) + 2 * np.pi * two_df * k / bit_rate)
    return (s * np.exp(-1j * theta)).real.astype(np.float32)


def coherent_symbols(mpx: np.ndarray, fs: float, carrier_hz: float = SUBCARRIER_HZ) -> np.ndarray:
    """Matched-filter outputs at the symbol centres after carrier removal (float32, sign ambiguous)."""
    bit_rate = carrier_hz / 48.0
    z, fs_d = _to_baseband(mpx, fs, carrier_hz)
    if z.size < 8 * fs_d / bit_rate:
        return np.zeros(0, dtype=np.float32)
    y, _ = _matched_filter(z, fs_d)
    t = _symbol_times(y, fs_d, bit_rate)
    idx = np.arange(y.size)
    s = np.interp(t, idx, y.real) + 1j * np.interp(t, idx, y.imag)
    return _derotate(s, bit_rate)


def soft_bits(symbols: np.ndarray) -> np.ndarray:
    """Soft differentially-decoded data bits (float32; > 0 means 1, magnitude = reliability)."""
    r = symbols
    # d_k = e_k XOR e_(k-1): equal neighbours mean 0; the weaker symbol bounds the reliability.
    return (-np.sign(r[1:] * r[:-1]) * np.minimum(np.abs(r[1:]), np.abs(r[:-1]))).astype(np.float32)
