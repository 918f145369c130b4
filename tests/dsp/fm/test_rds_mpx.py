"""RDS waveform ↔ decode_mpx round trips, noise robustness, and no false PI."""

import datetime as dt

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.fm.rds import decode_mpx, encode_station, rds_waveform

CT = dt.datetime(2026, 11, 28, 19, 40, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.mark.parametrize("fs", [192_000.0, 200_000.0, 228_000.0, 240_000.0, 250_000.0])
def test_round_trip_at_any_rate(fs):
    groups = encode_station(0xC204, "BBC R4", pty=3, rt="TED Radio Hour", af=(94.1e6, 95.2e6),
                            ct=CT, ecc=0xE1)
    x = rds_waveform(groups, fs, int(3.0 * fs), pilot_phase=0.4)
    noisy = x + np.random.default_rng(int(fs)).normal(0, 1.0, x.size).astype(np.float32)
    r = decode_mpx(noisy, fs)
    assert r is not None
    assert (r.pi, r.ps, r.rt, r.pty) == ("C204", "BBC R4  ", "TED Radio Hour", 3)
    assert r.af == (94_100_000, 95_200_000)
    assert r.ct == CT and r.ecc == 0xE1
    assert r.block_error_rate < 0.05


def test_waveform_blocks_join_and_peak_is_unit():
    groups = encode_station(0x1234, "TEST")
    fs = 240_000.0
    whole = rds_waveform(groups, fs, 48_000)
    parts = np.concatenate([rds_waveform(groups, fs, 20_000),
                            rds_waveform(groups, fs, 28_000, start_s=20_000 / fs)])
    assert np.max(np.abs(whole - parts)) < 1e-5
    assert 0.8 < np.max(np.abs(whole)) <= 1.0


def test_no_false_pi_on_noise_silence_and_pilot():
    fs = 240_000.0
    n = int(2.0 * fs)
    t = np.arange(n) / fs
    for seed in range(6):
        rng = np.random.default_rng(seed)
        assert decode_mpx(rng.normal(0, 1, n).astype(np.float32), fs) is None
        pilot = 0.1 * np.cos(2 * np.pi * 19_000 * t + seed)
        assert decode_mpx((pilot + rng.normal(0, 0.01, n)).astype(np.float32), fs) is None
    assert decode_mpx(np.zeros(n, np.float32), fs) is None


def test_bad_input_is_named():
    with pytest.raises(DspError, match="sample_rate"):
        decode_mpx(np.zeros(1000, np.float32), 48_000.0)
    with pytest.raises(DspError, match="mpx"):
        decode_mpx(np.zeros((2, 1000), np.float32), 240_000.0)
    with pytest.raises(DspError, match="groups"):
        rds_waveform([], 240_000.0, 10)
