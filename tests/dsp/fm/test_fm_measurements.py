"""Per-station measurements against ground truth the transmitter knows: deviation distribution
(peak, 99.9th percentile) and 99 % occupied bandwidth within 2 %, pilot frequency error within
0.5 Hz, audio level and tone. The bandwidth truth is computed here, independently of the
analyser, from a noiseless render at high resolution — not from Carson's rule."""

import numpy as np
import pytest

from dsp.fm.analyse import AnalysisOptions, analyse_array
from dsp.fm.tx import MPX_RATE, FmStationConfig, Programme, render_fm_station, render_mpx
from fm_synth import capture

FS = 2.4e6
N = 2_400_000  # 1 s
OPT = AnalysisOptions(decode_rds=False)


def true_obw99(cfg: FmStationConfig) -> float:
    rate = 1.92e6
    y = render_fm_station(cfg, rate, 0.0, int(rate))
    nfft = 1 << 16
    segs = y[: (len(y) // nfft) * nfft].reshape(-1, nfft) * np.hanning(nfft)
    p = np.fft.fftshift((np.abs(np.fft.fft(segs, axis=1)) ** 2).mean(axis=0))
    f = np.fft.fftshift(np.fft.fftfreq(nfft, 1 / rate))
    c = np.cumsum(p) / p.sum()
    return float(f[np.searchsorted(c, 0.995)] - f[np.searchsorted(c, 0.005)])


CASES = {
    "noise 50k stereo": FmStationConfig(programme=Programme("noise", level=0.3), deviation_hz=50e3),
    "speech 75k stereo": FmStationConfig(programme=Programme("speech", seed=7), deviation_hz=75e3),
    "noise 120k mono": FmStationConfig(programme=Programme("noise", level=0.4), deviation_hz=120e3, stereo=False),
}


@pytest.fixture(scope="module")
def measured():
    out = {}
    for name, cfg in CASES.items():
        x = capture([(cfg, 300e3, -10.0)], FS, N, noise_dbfs_per_200k=-60, seed=3)
        res = analyse_array(x, FS, 98.0e6, OPT)
        assert len(res.stations) == 1, name
        out[name] = res.stations[0]
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_deviation_within_2_percent(name, measured):
    mpx = np.abs(render_mpx(CASES[name], 0.0, MPX_RATE))
    st = measured[name]
    assert st.peak_deviation_hz == pytest.approx(mpx.max(), rel=0.02)
    assert st.deviation_p999_hz == pytest.approx(np.percentile(mpx, 99.9), rel=0.02)
    over = float(np.mean(mpx > 75e3))
    assert st.over_75k_fraction == pytest.approx(over, abs=0.002 + 0.05 * over)


@pytest.mark.parametrize("name", list(CASES))
def test_occupied_bandwidth_within_2_percent(name, measured):
    assert measured[name].occupied_bw_hz == pytest.approx(true_obw99(CASES[name]), rel=0.02)


def test_mpx_power_relative_to_19k_sine_reference():
    # A 19 kHz-deviation sine tone is the 0 dBr reference of ITU-R BS.412; a 1 kHz tone at ±19 kHz
    # deviation (no pre-emphasis, mono) must read 0 dBr.
    cfg = FmStationConfig(programme=Programme("tone", tones_hz=(1000.0,), level=19e3 / 75e3 / np.sqrt(2)),
                          deviation_hz=75e3, stereo=False, preemphasis_us=0.0)
    mpx = render_mpx(cfg, 0.0, MPX_RATE)
    x = capture([(cfg, -200e3, -10.0)], FS, N, noise_dbfs_per_200k=-60)
    st = analyse_array(x, FS, 98e6, OPT).stations[0]
    expected = 10 * np.log10(np.mean(mpx ** 2) / (19e3 ** 2 / 2))
    assert abs(expected) < 0.3  # the transmitter did what the test meant
    assert st.mpx_power_dbr == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("err", [0.0, 1.3, -3.7])
def test_pilot_frequency_error_within_half_a_hertz(err):
    cfg = FmStationConfig(programme=Programme("speech", seed=1), pilot_error_hz=err, pilot_dev_hz=7000)
    x = capture([(cfg, 150e3, -10.0)], FS, N, noise_dbfs_per_200k=-50)
    st = analyse_array(x, FS, 98e6, OPT).stations[0]
    assert st.stereo
    assert abs(st.pilot_freq_error_hz - err) < 0.5
    assert st.pilot_level_hz == pytest.approx(7000, rel=0.03)
    assert ("pilot_off_frequency" in st.flags) == (abs(err) > 2)


def test_mono_station_has_no_pilot():
    cfg = FmStationConfig(programme=Programme("speech", seed=1), stereo=False)
    x = capture([(cfg, 150e3, -10.0)], FS, N, noise_dbfs_per_200k=-50)
    st = analyse_array(x, FS, 98e6, OPT).stations[0]
    assert not st.stereo and st.pilot_freq_error_hz is None


def test_deemphasised_audio_restores_the_tone():
    cfg = FmStationConfig(programme=Programme("tone", tones_hz=(1000.0,), level=0.3), deviation_hz=75e3)
    x = capture([(cfg, 150e3, -10.0)], FS, N, noise_dbfs_per_200k=-60)
    res = analyse_array(x, FS, 98e6, OPT)
    clip = res.audio[0]
    assert clip.sample_rate == 48_000 and clip.samples.dtype == np.int16
    a = clip.samples[4800:].astype(float)
    spec = np.abs(np.fft.rfft(a * np.hanning(len(a))))
    assert np.fft.rfftfreq(len(a), 1 / 48_000)[np.argmax(spec)] == pytest.approx(1000, abs=5)
    # Pre-emphasis then de-emphasis: the tone comes back at its programme level (deviation of the
    # audio ÷ 75 kHz full scale), sine peak = RMS·√2.
    peak = np.sqrt(2) * a.std()
    expected = 0.3 * np.sqrt(2) * cfg.audio_dev_hz / 75e3 * 32767
    assert peak == pytest.approx(expected, rel=0.05)
