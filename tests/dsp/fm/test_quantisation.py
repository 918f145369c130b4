"""dsp.fm.quantisation and its use: a capture a few 8-bit steps strong reports no residual AM."""

import numpy as np

from dsp.fm.analyse import analyse_array
from dsp.fm.quantisation import adc_levels
from dsp.fm.tx import FmStationConfig, Programme
from fm_synth import capture, rtl_impairments

FS = 2.4e6


def test_levels_are_counted_on_an_8_bit_grid_and_a_float_capture_has_none():
    rng = np.random.default_rng(1)
    z = (0.05 * (rng.standard_normal(50_000) + 1j * rng.standard_normal(50_000))).astype(np.complex64)
    q = rtl_impairments(z, gain_imbalance=0.0, phase_deg=0.0, dc=0j)          # cu8 as sensors.recording reads it
    assert abs(adc_levels(q) - 0.05 * np.sqrt(2) * 127.5) < 0.3
    assert adc_levels(z) == float("inf")
    assert adc_levels(np.zeros(10, np.complex64)) == float("inf")


def test_a_capture_few_steps_strong_reports_no_residual_am_and_a_well_ranged_one_does():
    # A lone station 4 steps rms (-30 dBFS at 8 bits) used to read residual AM up to 0.022 from the
    # quantisation alone, the no-multipath threshold for a second carrier being 0.023.
    cfg = FmStationConfig(programme=Programme("speech", seed=3), seed=3)
    for level_dbfs, measured in ((-30.0, False), (-12.0, True)):
        x = capture([(cfg, 90e3, level_dbfs)], FS, 600_000, noise_dbfs_per_200k=level_dbfs - 60, seed=3)
        (st,) = analyse_array(rtl_impairments(x, gain_imbalance=0.0175, phase_deg=1.5), FS, 98e6).stations
        assert (st.residual_am is not None) is measured
        assert st.multipath_db is not None
