"""Synthetic wideband captures for the FM tests: stations from the reference transmitter, placed at
offsets and powers, plus complex white noise and optional SDR impairments."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from dsp.fm.tx import FmStationConfig, render_fm_station


def capture(stations: list[tuple[FmStationConfig, float, float]], sample_rate: float, n: int,
            noise_dbfs_per_200k: float = -80.0, seed: int = 0, start_s: float = 0.0) -> np.ndarray:
    """Sum of stations ``(config, offset_hz, power_dbfs)`` and white noise of the given power in 200 kHz."""
    x = np.zeros(n, np.complex64)
    for cfg, offset, power in stations:
        y = render_fm_station(replace(cfg, freq_offset_hz=offset), sample_rate, start_s, n)
        x += (10 ** (power / 20) * y).astype(np.complex64)
    sigma2 = 10 ** (noise_dbfs_per_200k / 10) * sample_rate / 200e3
    rng = np.random.default_rng(seed)
    x += (np.sqrt(sigma2 / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)
    return x


def rtl_impairments(x: np.ndarray, gain_imbalance: float = 0.05, phase_deg: float = 2.0,
                    dc: complex = 0.01 + 0.005j) -> np.ndarray:
    """IQ gain/phase imbalance (an image mirrored about DC) and a DC offset, then 8-bit quantisation."""
    phi = np.deg2rad(phase_deg)
    i = x.real * (1 + gain_imbalance)
    q = (x.imag * np.cos(phi) + x.real * np.sin(phi)) * (1 - gain_imbalance)
    y = i + 1j * q + dc
    return ((np.round(y.real * 127.5) + 1j * np.round(y.imag * 127.5)) / 127.5).astype(np.complex64)
