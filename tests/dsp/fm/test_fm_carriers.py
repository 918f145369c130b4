"""Welch PSD calibration, noise floor, and emission detection: off raster, DC spike, IQ image."""

import numpy as np
import pytest

from dsp.fm.carriers import detect_emissions
from dsp.fm.spectrum import welch_psd
from dsp.fm.tx import FmStationConfig, Programme
from fm_synth import capture, rtl_impairments

FS = 2.4e6


def test_psd_is_calibrated_in_dbfs_and_floor_unbiased():
    rng = np.random.default_rng(1)
    n = 1 << 20
    sigma2 = 1e-4
    t = np.arange(n)
    x = (0.1 * np.exp(2j * np.pi * 0.1 * t)
         + np.sqrt(sigma2 / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)
    psd = welch_psd(x, FS, 4096)
    assert psd.power.sum() * psd.bin_hz == pytest.approx(0.01 + sigma2, rel=0.02)
    assert psd.noise_floor() == pytest.approx(sigma2 / FS, rel=0.03)


def test_off_raster_station_found_at_its_frequency():
    cfg = FmStationConfig(programme=Programme("speech", seed=3))
    x = capture([(cfg, 195e3 - 100e3, -10.0), (cfg, -400e3, -15.0)], FS, 1_200_000, noise_dbfs_per_200k=-55)
    em = detect_emissions(welch_psd(x, FS))
    assert len(em) == 2
    # The spectral centroid is coarse (programme asymmetry); the analysis refines by the mean
    # instantaneous frequency. Here: within 3 kHz, and no merging or splitting.
    assert sorted(e.offset_hz for e in em) == pytest.approx([-400e3, 95e3], abs=3e3)


def test_dc_spike_and_iq_image_are_not_emissions():
    cfg = FmStationConfig(programme=Programme("noise"))
    x = capture([(cfg, 500e3, -6.0)], FS, 1_200_000, noise_dbfs_per_200k=-55)
    x = rtl_impairments(x, gain_imbalance=0.05, phase_deg=2.0, dc=0.02)
    psd = welch_psd(x, FS)
    # The image is there (≈ −30 dB at −500 kHz, well above the floor) ...
    f = psd.freqs_hz
    img = psd.power[np.abs(f + 500e3) < 50e3].mean()
    assert img > 30 * psd.noise_floor()
    # ... but neither it nor the DC line is reported.
    em = detect_emissions(psd)
    assert [round(e.offset_hz / 1e3) for e in em] == [500]


def test_silence_and_noise_give_no_emission():
    assert detect_emissions(welch_psd(np.zeros(1 << 16, np.complex64), FS)) == []
    rng = np.random.default_rng(5)
    noise = (rng.standard_normal(1 << 18) + 1j * rng.standard_normal(1 << 18)).astype(np.complex64) * 0.01
    assert detect_emissions(welch_psd(noise, FS)) == []


def test_floor_holds_when_stations_fill_most_of_the_band():
    rng = np.random.default_rng(4)
    n = 1 << 20
    spec = np.zeros(n, complex)
    f = np.fft.fftfreq(n, 1 / FS)
    busy = np.abs(f) < 0.5 * FS / 2  # 62 % of the analysed middle 80 % occupied, 30 dB up
    spec[busy] = rng.standard_normal(busy.sum()) + 1j * rng.standard_normal(busy.sum())
    sig = np.fft.ifft(spec)
    sig *= np.sqrt(1e-3 / np.mean(np.abs(sig) ** 2))
    sigma2 = 1e-6
    x = (sig + np.sqrt(sigma2 / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)
    psd = welch_psd(x, FS, 1024)
    assert np.median(psd.power) > 100 * sigma2 / FS  # a median floor would be off by 20 dB
    assert psd.noise_floor() == pytest.approx(sigma2 / FS, rel=0.05)
