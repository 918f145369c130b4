"""Occupied bandwidth methods (ITU-R SM.328) on spectra whose answer is known in closed form."""

import numpy as np
import pytest

from dsp.fm.bandwidth import occupied_bandwidth, xdb_bandwidth
from dsp.fm.spectrum import welch_psd

FS = 1.2e6


def flat_band(width_hz: float, n: int = 1 << 20, noise: float = 1e-6) -> np.ndarray:
    rng = np.random.default_rng(2)
    spec = np.zeros(n, complex)
    f = np.fft.fftfreq(n, 1 / FS)
    inside = np.abs(f) < width_hz / 2
    spec[inside] = rng.standard_normal(inside.sum()) + 1j * rng.standard_normal(inside.sum())
    x = np.fft.ifft(spec)
    x /= np.sqrt(np.mean(np.abs(x) ** 2))
    return (x + np.sqrt(noise / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)


def test_flat_band_99_percent_and_26_db():
    psd = welch_psd(flat_band(150e3), FS, 8192)
    floor = psd.noise_floor()
    assert occupied_bandwidth(psd, floor, -250e3, 250e3) == pytest.approx(0.99 * 150e3, rel=0.01)
    assert xdb_bandwidth(psd, floor, -250e3, 250e3) == pytest.approx(150e3, rel=0.01)


def test_26_db_not_measurable_below_the_noise():
    psd = welch_psd(flat_band(150e3, noise=0.05), FS, 8192)  # the −26 dB level is under the floor
    assert xdb_bandwidth(psd, psd.noise_floor(), -250e3, 250e3) is None


def test_empty_span_has_no_bandwidth():
    psd = welch_psd(flat_band(100e3), FS, 8192)
    assert occupied_bandwidth(psd, psd.noise_floor(), 300e3, 400e3) is None
