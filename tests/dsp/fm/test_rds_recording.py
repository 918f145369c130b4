"""RDS from the shared reference recording (independent generator, cu8, 2.4 MS/s, 4 FM stations):
every RDS station's PI/PS/PTY/RT to the truth, and None for the station without RDS."""

import json

import numpy as np
import pytest
from scipy import signal

from dsp.fm.rds import decode_mpx
from sensors.recording import open_recording

MPX_RATE = 240_000.0


def station_mpx(iq: np.ndarray, fs: float, offset_hz: float) -> np.ndarray:
    """Plain receiver for the test: shift the station to 0 Hz, decimate to 240 kHz, discriminate."""
    n = np.arange(iq.size)
    z = iq * np.exp(-2j * np.pi * np.mod(n * (offset_hz / fs), 1.0)).astype(np.complex64)
    z = signal.resample_poly(z, 1, int(fs // MPX_RATE))
    return np.angle(z[1:] * np.conj(z[:-1])).astype(np.float32)


@pytest.fixture
def recording(shared_vector):
    base = shared_vector("fm_4stations_2400k")
    rec = open_recording(base.with_name(base.name + ".sigmf-meta"))
    truth = json.loads(base.with_name(base.name + ".truth.json").read_text())
    return rec.read(), rec.info.sample_rate, truth["stations"]


def test_every_station_decodes_to_the_truth(recording):
    iq, fs, stations = recording
    assert len(stations) == 4
    for st in stations:
        r = decode_mpx(station_mpx(iq, fs, st["offset_from_center_hz"]), MPX_RATE)
        want = st.get("rds")
        if not want:
            assert r is None, f"{st['freq_hz']}: false RDS {r}"
            continue
        assert r is not None, f"{st['freq_hz']}: no RDS"
        assert (r.pi, r.ps, r.pty, r.rt, r.tp, r.ta, r.ms) == (
            want["pi"], want["ps"], want["pty"], want["rt"], want["tp"], want["ta"], want["ms"])
        assert r.block_error_rate < 0.05
        assert r.to_json()["pi"] == want["pi"]
