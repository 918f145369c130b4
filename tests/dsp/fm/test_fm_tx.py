"""The reference transmitter: deterministic, seamless across blocks, unit carrier power, and the
composite it promises (deviation ceiling, pilot, L−R)."""

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.fm.tx import MPX_RATE, FmStationConfig, Programme, render_fm_station, render_mpx


def test_blocks_join_seamlessly_and_repeat_exactly():
    cfg = FmStationConfig(programme=Programme("speech", seed=4), deviation_hz=75e3)
    fs = 2.4e6
    whole = render_fm_station(cfg, fs, 0.5, 720_000)  # crosses the 1 s chunk boundary
    parts = np.concatenate([render_fm_station(cfg, fs, 0.5 + k * 0.1, 240_000) for k in range(3)])
    assert np.max(np.abs(whole - parts)) < 1e-5
    assert np.allclose(render_fm_station(cfg, fs, 0.5, 1000), whole[:1000])


def test_constant_envelope_unit_power():
    y = render_fm_station(FmStationConfig(programme=Programme("noise")), 960e3, 0.0, 200_000)
    assert np.allclose(np.abs(y), 1.0, atol=5e-3)  # the interpolator trims the far sidebands a little
    assert np.mean(np.abs(y) ** 2) == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("dev", [50e3, 75e3, 120e3])
def test_composite_peak_follows_configured_deviation(dev):
    cfg = FmStationConfig(programme=Programme("noise", level=0.5), deviation_hz=dev, stereo=False)
    mpx = render_mpx(cfg, 0.0, MPX_RATE)
    # The clipper holds the audio at the ceiling; the 15 kHz interpolator overshoots it a little.
    assert dev * 0.97 < np.max(np.abs(mpx)) < dev * 1.15


def test_stereo_composite_has_pilot_and_lr_and_mono_has_neither():
    def line(mpx, f):
        spec = np.abs(np.fft.rfft(mpx * np.hanning(len(mpx)))) / (np.hanning(len(mpx)).sum() / 2)
        k = int(round(f * len(mpx) / MPX_RATE))
        return spec[k - 2:k + 3].max()

    st = FmStationConfig(programme=Programme("speech", seed=2), stereo=True, pilot_dev_hz=6750)
    mono = FmStationConfig(programme=Programme("speech", seed=2), stereo=False)
    a, b = render_mpx(st, 0, MPX_RATE), render_mpx(mono, 0, MPX_RATE)
    assert line(a, 19e3) == pytest.approx(6750, rel=0.02)
    assert line(b, 19e3) < 10


def test_bad_config_and_rate_are_refused():
    with pytest.raises(DspError, match="deviation_hz"):
        FmStationConfig(deviation_hz=0)
    with pytest.raises(DspError, match="kind"):
        Programme("jazz")
    with pytest.raises(DspError, match="sample_rate"):
        render_fm_station(FmStationConfig(), 100e3, 0.0, 10)


def test_spurious_alone_is_the_difference_and_blocks_agree():
    from dsp.fm.tx import SpuriousEmission, render_spurious

    spur = SpuriousEmission(offset_hz=300e3, level_db=-20.0, modulation="am")
    with_spur = FmStationConfig(programme=Programme("speech", seed=3), spurious=spur)
    plain = FmStationConfig(programme=Programme("speech", seed=3))
    fs, n = 2.4e6, 240_000
    diff = render_fm_station(with_spur, fs, 0.2, n) - render_fm_station(plain, fs, 0.2, n)
    t = (round(0.2 * fs) + np.arange(n)) / fs
    alone = render_spurious(with_spur, fs, 0.2, n) * 0.1 * np.exp(2j * np.pi * 300e3 * t)
    assert np.max(np.abs(diff - alone)) < 1e-5
    halves = np.concatenate([render_spurious(with_spur, fs, 0.2, n // 2),
                             render_spurious(with_spur, fs, 0.2 + n / 2 / fs, n // 2)])
    assert np.allclose(halves, render_spurious(with_spur, fs, 0.2, n), atol=1e-6)
    assert np.ptp(np.abs(alone)) > 0.2 * np.mean(np.abs(alone))  # it is AM-modulated
