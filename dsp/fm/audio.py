"""De-emphasised mono audio from the composite (ITU-R BS.450 §1: 50 µs or 75 µs de-emphasis,
the L+R signal below 15 kHz), as 16-bit samples for an evidence clip.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from dsp.errors import DspError
from dsp.fm.checks import real_1d
from dsp.fm.demod import StreamingDecimator

AUDIO_TARGET_HZ = 48_000
#: Deviation that maps to int16 full scale (the BS.450 maximum).
FULL_SCALE_DEV_HZ = 75e3


def audio_decimation(mpx_rate: float) -> int:
    """Integer decimation from the composite rate to the audio rate nearest 48 kHz (never below
    32 kHz, so 15 kHz audio fits)."""
    factor = max(1, int(round(mpx_rate / AUDIO_TARGET_HZ)))
    while factor > 1 and mpx_rate / factor < 32e3:
        factor -= 1
    return factor


class AudioChain:
    """Composite (Hz of deviation) → de-emphasis → 15 kHz low-pass → int16 at ``audio_rate``."""

    def __init__(self, mpx_rate: float, deemphasis_us: float = 50.0):
        if deemphasis_us not in (0.0, 50.0, 75.0):
            raise DspError(f"deemphasis_us {deemphasis_us}: expected 0, 50 or 75")
        if mpx_rate < 40e3:
            raise DspError(f"mpx_rate {mpx_rate}: too low for 15 kHz audio")
        factor = audio_decimation(mpx_rate)
        self.audio_rate = mpx_rate / factor
        if deemphasis_us:
            # 1/(1 + sτ) by the bilinear transform: DC gain exactly 1, the corner 3.2 kHz (50 µs)
            # or 2.1 kHz (75 µs) is far enough below fs/2 that warping is negligible.
            self._b, self._a = signal.bilinear([1.0], [deemphasis_us * 1e-6, 1.0], fs=mpx_rate)
        else:
            self._b, self._a = np.array([1.0]), np.array([1.0])
        self._zi = np.zeros(max(len(self._a), len(self._b)) - 1)
        self._lp = StreamingDecimator(signal.firwin(63, 16e3, fs=mpx_rate), factor)

    def process(self, mpx: np.ndarray) -> np.ndarray:
        x = real_1d(mpx, "mpx").astype(np.float64)
        if self._zi.size:
            x, self._zi = signal.lfilter(self._b, self._a, x, zi=self._zi)
        y = self._lp.process(x)
        return np.clip(np.round(y * (32767 / FULL_SCALE_DEV_HZ)), -32768, 32767).astype(np.int16)

