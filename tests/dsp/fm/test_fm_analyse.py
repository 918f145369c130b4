"""The whole analysis: the independent reference recording, and bad input."""

import json

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.fm.analyse import AnalysisOptions, analyse, analyse_array
from dsp.fm.tx import MPX_RATE, FmStationConfig, Programme, render_mpx
from fm_synth import capture, rtl_impairments
from sensors.recording import open_recording

FS = 2.4e6


_analysed: dict = {}


@pytest.fixture
def reference(shared_vector):
    """(truth, analysis) of the reference recording, analysed once per session."""
    base = shared_vector("fm_4stations_2400k")
    if base not in _analysed:
        truth = json.loads(base.with_name(base.name + ".truth.json").read_text())
        rec = open_recording(base)
        _analysed[base] = truth, analyse(rec.read, rec.info.n_samples, rec.info.sample_rate,
                                         rec.info.center_freq)
    return _analysed[base]


def _match(truth_station, stations):
    f = truth_station["freq_hz"] + truth_station["freq_offset_hz"]
    near = [s for s in stations if abs(s.freq_hz - f) < 2e3]
    assert len(near) == 1, f"{f}: found {[s.freq_hz for s in stations]}"
    return near[0]


def test_reference_every_station_and_nothing_else(reference):
    truth, res = reference
    assert len(res.stations) == len(truth["stations"])
    assert res.spurious == ()
    for t in truth["stations"]:
        s = _match(t, res.stations)
        assert s.stereo == t["stereo"]
        assert s.peak_deviation_hz == pytest.approx(t["measured_peak_deviation_hz"], rel=0.03)
        assert s.deviation_p999_hz == pytest.approx(t["measured_p999_deviation_hz"], rel=0.03)
        if t["stereo"]:
            assert s.pilot_level_hz == pytest.approx(t["pilot_dev_hz"], rel=0.03)
            assert abs(s.pilot_freq_error_hz) < 0.5
        assert ("over_deviation" in s.flags) == (t["measured_p999_deviation_hz"] > 75e3)


def test_reference_off_raster_station(reference):
    truth, res = reference
    t = next(t for t in truth["stations"] if t["freq_offset_hz"])
    s = _match(t, res.stations)
    assert "off_raster" in s.flags
    assert s.freq_hz == pytest.approx(t["freq_hz"] + t["freq_offset_hz"], abs=1e3)


def test_reference_rds_as_in_truth(reference):
    truth, res = reference
    for t in truth["stations"]:
        s = _match(t, res.stations)
        if t["rds"] is None:
            assert s.rds is None
        else:
            assert s.rds is not None and s.rds.pi == t["rds"]["pi"] and s.rds.ps == t["rds"]["ps"]


OPT = AnalysisOptions()


def test_silence_gives_nothing():
    res = analyse_array(np.zeros(240_000, np.complex64), FS, 98e6, OPT)
    assert res.stations == () and res.spurious == ()


def test_noise_only_gives_nothing():
    rng = np.random.default_rng(0)
    x = (0.01 * (rng.standard_normal(480_000) + 1j * rng.standard_normal(480_000))).astype(np.complex64)
    res = analyse_array(rtl_impairments(x), FS, 98e6, OPT)
    assert res.stations == ()


def test_single_tone_is_no_station():
    t = np.arange(480_000)
    x = (0.3 * np.exp(2j * np.pi * 250e3 * t / FS)).astype(np.complex64)
    x = rtl_impairments(x + capture([], FS, len(x), noise_dbfs_per_200k=-60))
    res = analyse_array(x, FS, 98e6, OPT)
    assert res.stations == ()


def test_station_at_capture_edge_is_flagged():
    cfg = FmStationConfig(programme=Programme("speech", seed=9))
    x = capture([(cfg, 1.15e6, -10.0), (cfg, 0.3e6, -10.0)], FS, 480_000, noise_dbfs_per_200k=-60)
    res = analyse_array(x, FS, 98e6, OPT)
    edge = [s for s in res.stations if "at_capture_edge" in s.flags]
    assert len(edge) == 1 and edge[0].freq_hz > 99e6
    inner = [s for s in res.stations if "at_capture_edge" not in s.flags]
    assert [round(s.freq_hz / 1e3) for s in inner] == [98300]


def test_rds_never_invented_from_a_station_without_it():
    cfg = FmStationConfig(programme=Programme("noise"))
    x = capture([(cfg, -300e3, -10.0)], FS, 2_400_000, noise_dbfs_per_200k=-50)
    (st,) = analyse_array(x, FS, 98e6, OPT).stations
    assert st.rds is None


def test_too_short_or_bad_input_is_a_dsp_error():
    with pytest.raises(DspError, match="shorter"):
        analyse_array(np.zeros(100, np.complex64), FS, 98e6, OPT)
    with pytest.raises(DspError, match="complex"):
        analyse_array(np.zeros(100_000), FS, 98e6, OPT)
    with pytest.raises(DspError, match="sample_rate"):
        analyse_array(np.zeros(100_000, np.complex64), 200e3, 98e6, OPT)


def test_neighbours_200_khz_apart_measured_apart():
    a = FmStationConfig(programme=Programme("speech", seed=1), deviation_hz=50e3, seed=1)
    b = FmStationConfig(programme=Programme("noise", level=0.3), deviation_hz=50e3, seed=2, stereo=False)
    x = capture([(a, -100e3, -10.0), (b, 100e3, -10.0)], FS, 1_200_000, noise_dbfs_per_200k=-50)
    res = analyse_array(x, FS, 98e6, AnalysisOptions(decode_rds=False))
    assert [round(s.freq_hz / 1e3) for s in res.stations] == [97900, 98100]
    truth = [np.percentile(np.abs(render_mpx(c, 0.0, MPX_RATE // 2)), 99.9) for c in (a, b)]
    assert [s.deviation_p999_hz for s in res.stations] == pytest.approx(truth, rel=0.05)
    assert [s.stereo for s in res.stations] == [True, False]


def test_station_on_the_dc_spike_is_kept():
    cfg = FmStationConfig(programme=Programme("speech", seed=4))
    x = rtl_impairments(capture([(cfg, 0.0, -8.0)], FS, 480_000, noise_dbfs_per_200k=-50), dc=0.03)
    (st,) = analyse_array(x, FS, 98e6, OPT).stations
    assert abs(st.freq_hz - 98e6) < 1e3


def test_wide_emissions_outside_the_fm_bands_are_not_stations():
    cfg = FmStationConfig(programme=Programme("speech", seed=4))
    x = capture([(cfg, 200e3, -8.0)], FS, 480_000, noise_dbfs_per_200k=-50)
    assert analyse_array(x, FS, 954.4e6, OPT).stations == ()  # e.g. a GSM downlink capture
    assert len(analyse_array(x, FS, 954.4e6, AnalysisOptions(fm_range_hz=None)).stations) == 1


def test_transmitted_rds_comes_back_through_the_analysis():
    from dsp.fm import rds

    groups = tuple(rds.encode_station(0xC3A1, "FOXHUNT ", pty=10, rt="test"))
    cfg = FmStationConfig(programme=Programme("speech", seed=6), rds_groups=groups, rds_dev_hz=2500)
    x = capture([(cfg, 250e3, -10.0)], FS, 3_000_000, noise_dbfs_per_200k=-45)
    (st,) = analyse_array(x, FS, 98e6, OPT).stations
    assert st.rds is not None and (st.rds.pi, st.rds.ps, st.rds.pty) == ("C3A1", "FOXHUNT ", 10)
