"""Residual AM (dsp.fm.cochannel): one station — clean, through 2-ray and 3-ray rooftop multipath
(echo delays 0.5–5 µs, amplitudes 0.3–0.7), at 22–40 dB SNR — stays under the fm.co_channel rule's
thresholds (the 99.9th percentiles measured by benchmarks/fm_cochannel.py, not chosen here); a
second station on the channel (another programme, 0–2 kHz off) lifts it clearly, monotone in D/U,
and above the threshold on a flat channel, and 10 dB under on a channel of 3–5 dB multipath where one
carrier stays under; two carriers of equal strength — too deep a beat to measure
an index — are reported near-equal, while one carrier through deep multipath never is; the analyser
reports it per station."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.fm import rds
from dsp.fm.analyse import AnalysisOptions, analyse_array
from dsp.fm.cochannel import (CHUNK, MIN_SNR_DB, NEAR_EQUAL_FADE_SHARE, NEAR_EQUAL_INDEX, CoChannelMeter,
                              du_from_index, residual_am)
from dsp.fm.tx import FmStationConfig, Programme, render_fm_station
from dsp.verdict import ALL_RULES
from fm_synth import capture
from sensors.recording import open_recording

FS = 480e3
PASS, STOP = 160e3, 200e3
TH = ALL_RULES["fm.co_channel"].thresholds
WANTED = FmStationConfig(programme=Programme("speech", seed=11), rds_groups=tuple(rds.encode_station(0x13A1, "CNR 1")))
PIRATE = FmStationConfig(programme=Programme("speech", seed=23, level=0.4), stereo=False, seed=3)


@pytest.fixture(scope="module")
def rendered():
    n = int(0.25 * FS)
    return render_fm_station(WANTED, FS, 0.0, n), render_fm_station(PIRATE, FS, 0.0, n)


def _channel(x, paths, snr_db, seed, interferer=None):
    """x through multipath ``paths`` [(amplitude, delay_s, phase)], plus an interferer (already scaled),
    white noise at ``snr_db`` per 200 kHz, and the channeliser's raised-cosine filter. Returns the
    channel and the noise density (the wanted station's received power is 1)."""
    f = np.fft.fftfreq(len(x), 1 / FS)
    h = np.ones(len(x), complex)
    for a, tau, ph in paths:
        h += a * np.exp(-2j * np.pi * f * tau + 1j * ph)
    spec = np.fft.fft(x)
    spec *= h * np.sqrt(np.sum(np.abs(spec) ** 2) / np.sum(np.abs(spec * h) ** 2))  # received power 1
    if interferer is not None:
        spec += np.fft.fft(interferer)
    n0 = 10 ** (-snr_db / 10) / 200e3
    rng = np.random.default_rng(seed)
    spec += np.fft.fft(np.sqrt(n0 * FS / 2) * (rng.standard_normal(len(x)) + 1j * rng.standard_normal(len(x))))
    filt = 0.5 * (1 + np.cos(np.pi * np.clip((np.abs(f) - PASS) / (STOP - PASS), 0, 1)))
    return np.fft.ifft(spec * filt).astype(np.complex64)[CHUNK:-CHUNK], n0


def _limit(result):
    """The rule's threshold for the result's class of channel."""
    if result.multipath_db <= TH["flat_db"]:
        return TH["flat_index"]
    return TH["mild_index"] if result.multipath_db <= TH["mild_db"] else TH["multipath_index"]


MULTIPATH = {
    "clean": [],
    "2-ray 0.5/0.8us": [(0.5, 0.8e-6, 1.0)],
    "2-ray 0.3/4.5us": [(0.3, 4.5e-6, 2.5)],
    "2-ray 0.7/2.0us": [(0.7, 2.0e-6, 4.0)],
    "3-ray 0.4/1.2us 0.3/3.5us": [(0.4, 1.2e-6, 0.5), (0.3, 3.5e-6, 3.0)],
    "3-ray 0.6/0.6us 0.35/5.0us": [(0.6, 0.6e-6, 5.0), (0.35, 5.0e-6, 1.5)],
}


@pytest.mark.parametrize("snr_db", [22.0, 30.0, 40.0])
@pytest.mark.parametrize("name", list(MULTIPATH))
def test_one_station_through_multipath_and_noise_stays_under_the_threshold(rendered, name, snr_db):
    z, n0 = _channel(rendered[0], MULTIPATH[name], snr_db, seed=int(snr_db))
    r = residual_am(z, FS, n0, PASS, STOP)
    assert r is not None and not r.near_equal, r
    if r.am_index is None:  # multipath too deep to tell: not measured, never a detection
        assert name != "clean"
        return
    assert r.am_index < _limit(r), (r, _limit(r))
    if name == "clean":
        assert r.multipath_db <= TH["flat_db"] and r.am_index < 0.02


@pytest.mark.parametrize("paths", [[], [(0.4, 1.5e-6, 2.0)]], ids=["clean", "2-ray"])
def test_a_second_station_lifts_it_clearly_monotone_in_du(rendered, paths):
    """Above the same channel's one-station residual at every D/U; above the rule's threshold on a
    flat channel. (Under multipath a strong beat also lifts multipath_db into a class whose threshold
    is higher: how often it is still detected is benchmarks/fm_cochannel.py's table.)"""
    z, n0 = _channel(rendered[0], paths, 35.0, seed=5)
    alone = residual_am(z, FS, n0, PASS, STOP).am_index
    t = np.arange(len(rendered[1])) / FS
    pirate = rendered[1] * np.exp(2j * np.pi * 700.0 * t)
    got = []
    for du in (6, 10, 15, 20):
        z, n0 = _channel(rendered[0], paths, 35.0, seed=du, interferer=pirate * 10 ** (-du / 20))
        r = residual_am(z, FS, n0, PASS, STOP)
        assert r is not None and r.am_index is not None, du
        got.append(r.am_index)
        assert r.am_index > 2 * alone + 0.02, (du, r, alone)
        if not paths:
            assert r.am_index > _limit(r), (du, r)
            # A strong beat reads a few dB weak: the frequency bins take part of it (the discriminator
            # swings with the beat), more so in the low chunk the meter counts (9 dB at 6).
            assert du_from_index(r.am_index) == pytest.approx(du, abs=3.5)
        # The beat's index r/(√2·(1 + r²)) (r = 10^(−D/U/20)) within a third.
        ratio = 10 ** (-du / 20)
        assert r.am_index == pytest.approx(ratio / (np.sqrt(2) * (1 + ratio ** 2)), rel=0.35), du
    assert got == sorted(got, reverse=True)


#: Two 3-ray rooftop channels of 4–4.5 dB multipath on which one looped programme (the loud passages
#: of a 5 s advert loop) left a heavy-tailed residual in benchmarks/fm_cochannel.py's draws (the
#: first as received over the threshold the rule now has, pooled over the chunks; the second under
#: it, but under the old threshold a second carrier 10 dB down was not told apart).
STRONG_MULTIPATH = {
    "3-ray 0.48/3.8us 0.53/3.1us": [(0.48, 3.8e-6, 2.6), (0.53, 3.1e-6, 3.8)],
    "3-ray 0.66/3.1us 0.46/3.4us": [(0.66, 3.1e-6, 3.7), (0.46, 3.4e-6, 1.9)],
}


@pytest.fixture(scope="module")
def looped():
    """One second of a looped programme, stereo (the analyser's meter keeps 8 chunks over 2 blocks)."""
    n = int(FS) + 2 * CHUNK
    return render_fm_station(FmStationConfig(programme=Programme("loop", seed=4, period_s=5.0)), FS, 0.0, n)


def _metered(z, n0):
    """What the analyser's meter measures on z streamed in two blocks."""
    meter = CoChannelMeter(FS, PASS, STOP)
    meter.add(z[:len(z) // 2])
    meter.add(z[len(z) // 2:])
    return meter.result(n0)


@pytest.mark.parametrize("name", list(STRONG_MULTIPATH))
def test_strong_multipath_one_carrier_stays_under_while_ten_db_under_is_seen(looped, rendered, name):
    """Under 3–5 dB of multipath one carrier's residual comes with the programme's loud passages and
    two carriers' beat comes in every chunk: one carrier stays under the strong-multipath class's
    threshold, and a second carrier 10 dB under on the same channel is over its class's."""
    paths = STRONG_MULTIPATH[name]
    z, n0 = _channel(looped, paths, 35.0, seed=1)
    one = _metered(z, n0)
    assert one is not None and one.am_index is not None and 3.0 <= one.multipath_db <= 5.0, one
    assert one.am_index < TH["multipath_index"] and one.am_index < _limit(one), one
    t = np.arange(len(looped)) / FS
    pirate = render_fm_station(PIRATE, FS, 0.0, len(looped)) * np.exp(2j * np.pi * 700.0 * t) * 10 ** (-10 / 20)
    z, n0 = _channel(looped, paths, 35.0, seed=1, interferer=pirate)
    two = _metered(z, n0)
    assert two is not None and two.am_index is not None and not two.near_equal, two
    assert two.am_index > _limit(two) and two.am_index > TH["multipath_index"], two


def _pirate_700hz_off(rendered):
    return rendered[1] * np.exp(2j * np.pi * 700.0 * np.arange(len(rendered[1])) / FS)


@pytest.mark.parametrize("paths", [[], [(0.4, 1.5e-6, 2.0)]], ids=["clean", "2-ray"])
def test_two_carriers_of_equal_strength_are_reported_near_equal(rendered, paths):
    """The beat fades the sum ~6 % of the time at every frequency, beyond what the equaliser undoes:
    near_equal, with the beat's maximum index (D/U 0 dB), where the index itself would be too deep
    to tell."""
    z, n0 = _channel(rendered[0], paths, 35.0, seed=7, interferer=_pirate_700hz_off(rendered))
    r = residual_am(z, FS, n0, PASS, STOP)
    assert r is not None and r.near_equal, r
    assert r.fade_share > NEAR_EQUAL_FADE_SHARE and r.am_index == NEAR_EQUAL_INDEX
    assert du_from_index(r.am_index) == 0.0 and r.am_index > TH["multipath_index"]


@pytest.mark.parametrize("snr_db", [25.0, 40.0])
@pytest.mark.parametrize("paths", [[(0.8, 4.0e-6, 2.0)], [(0.9, 2.0e-6, 1.0)],
                                   [(0.7, 0.6e-6, 5.0), (0.6, 3.0e-6, 1.5)]],
                         ids=["2-ray 0.8/4us", "2-ray 0.9/2us", "3-ray 0.7/0.6us 0.6/3us"])
def test_one_carrier_through_deep_multipath_is_never_near_equal(rendered, paths, snr_db):
    """Deep echoes fade one carrier near the channel's nulls, but a linear channel's fades the
    equaliser undoes: no near-equal report; too deep to tell stays None, never a detection."""
    z, n0 = _channel(rendered[0], paths, snr_db, seed=int(snr_db))
    r = residual_am(z, FS, n0, PASS, STOP)
    assert r is not None and not r.near_equal and r.fade_share < NEAR_EQUAL_FADE_SHARE / 4, r
    assert r.am_index is None or r.am_index < _limit(r), r


def test_three_db_apart_is_measured_not_near_equal(rendered):
    """Beyond ~2.5 dB the sum no longer fades to a twentieth of its power: the index is measured."""
    z, n0 = _channel(rendered[0], [], 35.0, seed=9, interferer=_pirate_700hz_off(rendered) * 10 ** (-3.0 / 20))
    r = residual_am(z, FS, n0, PASS, STOP)
    assert r is not None and not r.near_equal and r.am_index is not None, r
    ratio = 10 ** (-3.0 / 20)  # the beat's index r/(√2·(1 + r²)), not yet its small-r limit r/√2
    assert r.am_index == pytest.approx(ratio / (np.sqrt(2) * (1 + ratio ** 2)), rel=0.2) and r.am_index > _limit(r)


def test_du_from_index_inverts_the_beat():
    for du in (0.5, 6.0, 20.0, 35.0):
        r = 10 ** (-du / 20)
        assert du_from_index(r / (np.sqrt(2) * (1 + r * r))) == pytest.approx(du, abs=1e-6)
    assert du_from_index(0.0) == float("inf") and du_from_index(0.5) == 0.0


def test_under_the_minimum_snr_nothing_is_measured(rendered):
    z, n0 = _channel(rendered[0], [], MIN_SNR_DB - 3, seed=1)
    assert residual_am(z, FS, n0, PASS, STOP) is None


def test_bad_input_is_named():
    with pytest.raises(DspError, match="z"):
        residual_am(np.ones(CHUNK - 1, np.complex64), FS, 1e-9, PASS, STOP)
    with pytest.raises(DspError, match="z"):
        residual_am(np.ones(4 * CHUNK), FS, 1e-9, PASS, STOP)
    with pytest.raises(DspError, match="noise_density"):
        residual_am(np.ones(4 * CHUNK, np.complex64), FS, float("nan"), PASS, STOP)


def test_the_analyser_reports_it_per_station():
    fs, n = 2.4e6, 1_200_000
    pirate = replace(PIRATE, freq_offset_hz=0.0)
    clean = capture([(WANTED, -300e3, -20.0), (WANTED, 300e3, -20.0)], fs, n, noise_dbfs_per_200k=-58.0, seed=2)
    # The same two stations, the one at +300 kHz with a second one 12 dB under, then as strong, 1.2 kHz off.
    shared = clean + capture([(pirate, 301.2e3, -32.0)], fs, n, noise_dbfs_per_200k=-200.0, seed=3)
    equal = clean + capture([(pirate, 301.2e3, -20.0)], fs, n, noise_dbfs_per_200k=-200.0, seed=3)
    opt = AnalysisOptions(decode_rds=False)
    for x, expect_shared in ((clean, False), (shared, True), (equal, True)):
        stations = analyse_array(x, fs, 98.0e6, opt).stations
        assert len(stations) == 2
        lone, other = sorted(stations, key=lambda s: s.freq_hz)
        assert lone.residual_am is not None and lone.residual_am < TH["flat_index"]
        assert other.residual_am is not None and (other.residual_am > TH["flat_index"]) == expect_shared
        assert (other.residual_am == pytest.approx(NEAR_EQUAL_INDEX)) == (x is equal), other.residual_am
        assert other.to_json()["residual_am"] == pytest.approx(other.residual_am, abs=1e-4)
        assert "multipath_db" in other.to_json()


def test_one_carrier_per_channel_in_the_independent_reference_recording(shared_vector):
    """fm_4stations_2400k (an independent generator, RTL-SDR impairments, one station over-deviating,
    one off the raster): every channel holds one carrier, and none reads as shared."""
    rec = open_recording(shared_vector("fm_4stations_2400k"))
    stations = analyse_array(rec.read(), rec.info.sample_rate, rec.info.center_freq,
                             AnalysisOptions(decode_rds=False)).stations
    assert len(stations) == 4
    for s in stations:
        assert s.residual_am is not None and s.multipath_db <= TH["flat_db"], s
        assert s.residual_am < TH["flat_index"] / 2, s
