"""The simulated source: noise floor on the right dBFS scale, received power, LO error, front end,
spatially consistent shadowing, and the demo city heard on its FM and air hops."""

from __future__ import annotations

import math
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sensors.errors import SourceError
from sensors.scenario import load_scenario
from sensors.sim import SimSource

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo_city.toml"

TINY = textwrap.dedent("""
    [scenario]
    name = "one carrier"
    start = "2026-11-28T12:00:00Z"
    seed = 3
    [propagation]
    shadowing_db = {shadowing}
    [[fm_station]]
    id = "cw"
    freq_hz = 98.0e6
    lat = 31.2000
    lon = 121.4400
    eirp_dbm = {eirp}
    stereo = false
    programme = "silence"
    [[node]]
    id = "n"
    lat = 31.2000
    lon = 121.4500
    ppm = {ppm}
    noise_figure_db = 6.0
    dc_spike_dbfs = -200.0
    iq_gain_db = 0.0
    iq_phase_deg = 0.0
    adc_bits = {bits}
    full_scale_dbm = -10.0
""")


def _tiny(tmp_path, ppm=0.0, bits=0, shadowing=0.0, eirp=30.0):
    p = tmp_path / "tiny.toml"
    p.write_text(TINY.format(ppm=ppm, bits=bits, shadowing=shadowing, eirp=eirp))
    return load_scenario(p)


def _dbfs(x) -> float:
    return 10 * math.log10(float(np.mean(np.abs(x) ** 2)))


def test_thermal_noise_sits_at_ktb_plus_nf_for_the_gain(tmp_path):
    src = SimSource(_tiny(tmp_path), sample_rate=2.4e6)
    src.tune(120e6)                 # nothing on air here
    src.set_gain(40.0)
    x, _ = src.read(200_000)
    expected = -174 + 10 * math.log10(2.4e6) + 6.0 - (-10.0 - 40.2)
    assert _dbfs(x) == pytest.approx(expected, abs=0.2)


def test_carrier_power_and_lo_error(tmp_path):
    scen = _tiny(tmp_path, ppm=10.0)
    src = SimSource(scen, sample_rate=2.4e6)
    src.tune(98.3e6)
    src.set_gain(20.0)
    heard = src.heard()
    assert [h.key for h in heard] == ["cw"]
    x, _ = src.read(240_000)
    spec = np.abs(np.fft.fftshift(np.fft.fft(x))) ** 2
    f = np.fft.fftshift(np.fft.fftfreq(x.size, 1 / 2.4e6))
    peak = f[np.argmax(spec)]
    assert peak == pytest.approx(98.0e6 - 98.3e6 * (1 + 10e-6), abs=20)    # LO sits 983 Hz high
    k = int(np.argmax(spec))
    tone_dbfs = 10 * math.log10(spec[k - 20:k + 21].sum() / x.size ** 2)  # the tone falls between bins
    assert src.gain_db == 19.7                 # the nearest R820T gain to 20 dB
    assert tone_dbfs == pytest.approx(heard[0].rx_dbm - (-10.0 - 19.7), abs=0.2)


def test_adc_output_is_on_the_cu8_grid_and_clips(tmp_path):
    src = SimSource(_tiny(tmp_path, bits=8, eirp=70.0), sample_rate=2.4e6)
    src.tune(98.3e6)
    src.set_gain(49.6)              # overload: the carrier is far above full scale
    x, _ = src.read(10_000)
    codes = x.view(np.float32) * 127.5 + 127.5
    assert np.allclose(codes, np.round(codes), atol=1e-3)
    assert codes.min() == pytest.approx(0) and codes.max() == pytest.approx(255)


def test_shadowing_is_a_function_of_place(tmp_path):
    scen = _tiny(tmp_path, shadowing=8.0)
    a, b = SimSource(scen), SimSource(scen)
    for s in (a, b):
        s.tune(98.3e6)
    assert a.heard()[0].rx_dbm == b.heard()[0].rx_dbm
    no_shadow = SimSource(_tiny(tmp_path / ".." / tmp_path.name, shadowing=0.0))
    no_shadow.tune(98.3e6)
    assert a.heard()[0].rx_dbm != pytest.approx(no_shadow.heard()[0].rx_dbm, abs=1e-6)


def test_time_advances_with_samples_and_retunes(tmp_path):
    scen = _tiny(tmp_path)
    src = SimSource(scen, sample_rate=2.4e6, retune_s=0.01)
    src.tune(98.3e6)
    _, t1 = src.read(24_000)
    _, t2 = src.read(24_000)
    assert t1 == pytest.approx(scen.start_unix + 0.01) and t2 - t1 == pytest.approx(0.01)
    assert src.position(t2).source == "sim"
    src.skip_to(60.0)
    src.skip_to(30.0)                              # never backwards
    assert src.read(10)[1] == pytest.approx(scen.start_unix + 60.0)
    with pytest.raises(SourceError, match="ceiling"):
        src.tune(1842.6e6)


def test_demo_black_broadcast_and_its_air_band_spur(tmp_path):
    from dsp.fm.analyse import analyse_array
    src = SimSource.from_file(DEMO, "xh-xujiahui")
    src.tune(113.0e6)
    spur = [h for h in src.heard() if h.key == "black-9535/spur"]
    assert spur and spur[0].snr_db > 15
    x, _ = src.read(600_000)
    found = analyse_array(x, src.sample_rate, src.center_freq).spurious
    assert any(abs(s.freq_hz - 113.15e6) < 2e3 for s in found)


def test_a_station_is_its_transmitters_waveform_at_its_frequency(tmp_path):
    """The shared upsampling (sensors.synth) against the transmitter rendered at the capture rate
    and mixed: same waveform, frequency (LO error included), amplitude and absolute phase."""
    from dsp.fm.tx import render_fm_station
    from sensors.sim import _fm_config

    scen = _tiny(tmp_path, ppm=3.0, eirp=60.0)
    st = replace(scen.fm[0], programme="speech", stereo=True, pi="C201", ps="TEST", deviation_hz=75e3)
    src = SimSource(replace(scen, fm=(st,)), sample_rate=2.4e6)
    src.tune(98.45e6)
    src.set_gain(0.0)
    src.skip_to(1.3)
    rx = src.heard()[0].rx_dbm
    x, _ = src.read(300_000)
    t0, fs = src.time_s - 300_000 / 2.4e6, 2.4e6
    offset = st.freq_hz - 98.45e6 * (1 + 3e-6)
    t = t0 + np.arange(x.size) / fs
    amp = 10 ** ((rx - (-10.0 - src.gain_db)) / 20)
    want = amp * np.exp(2j * np.pi * offset * t) * render_fm_station(_fm_config(st, False), fs, t0, x.size)
    err = 10 * math.log10(np.mean(np.abs(x - want) ** 2) / np.mean(np.abs(want) ** 2))
    assert err < -45                                  # thermal noise sits ~60 dB down


@pytest.mark.parametrize("stereo, chunk", [(True, 3601), (False, 0)])
def test_the_rds_component_is_the_reference_modulators(stereo, chunk):
    """dsp.fm.tx builds RDS from a one-period table (the simulator's speed); dsp.fm.rds modulates
    sample by sample (IEC 62106): the same samples, an hour into a run too."""
    from scipy import signal

    from dsp.fm import tx
    from dsp.fm.rds import encode_station, rds_waveform

    cfg = tx.FmStationConfig(stereo=stereo, rds_groups=tuple(encode_station(0xC201, "TABLE", rt="period")))
    m, lo, n = 64, 160_000, 60_000  # the first 1/8 s of the chunk
    ref = rds_waveform(list(cfg.rds_groups), lo, n // 3 + 2 * m, start_s=chunk - m / lo,
                       pilot_phase=-np.pi / 2 if stereo else None)
    ref = signal.resample_poly(ref, 3, 1)[3 * m:3 * m + n]
    got = tx._rds_chunk(cfg, chunk, 480_000)[:n - 3 * m]  # the reference's own end is cut short
    ref = ref[:n - 3 * m]
    assert np.max(np.abs(got - ref)) < 1e-5 and np.max(np.abs(ref)) > 0.9
