"""ReplaySource: per-hop folders, timestamps, geolocation, pacing."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import numpy as np
import pytest

from sensors.errors import SourceError
from sensors.recording import Geolocation, write_recording
from sensors.replay import ReplaySource

T0 = datetime(2026, 11, 28, 12, 0, 0, tzinfo=timezone.utc)


def _hop(folder, freq, value, n=48_000, rate=2.4e6, **meta):
    x = np.full(n, value, np.complex64)
    write_recording(folder / f"hop-{freq / 1e6:.1f}", x, datatype="cf32_le", sample_rate=rate,
                    center_freq=freq, **meta)


def test_folder_of_hops_tunes_and_resumes(tmp_path):
    _hop(tmp_path, 935.2e6, 0.1, datetime=T0, geolocation=Geolocation(31.2, 121.4, 12.0))
    _hop(tmp_path, 937.2e6, 0.2, datetime=T0)
    with ReplaySource(tmp_path) as src:
        assert src.fixed_freqs == (935.2e6, 937.2e6)
        src.tune(937.2e6 + 300)
        x, t = src.read(1000)
        assert np.allclose(x, 0.2) and t == T0.timestamp()
        src.tune(935.2e6)
        src.read(2400)
        x, t = src.read(10)
        assert np.allclose(x, 0.1) and t == pytest.approx(T0.timestamp() + 1e-3)
        pos = src.position(t)
        assert (pos.lat, pos.lon, pos.alt_m, pos.fix) == (31.2, 121.4, 12.0, "3d")
        with pytest.raises(SourceError, match="no recording at 940.000 MHz"):
            src.tune(940e6)
        with pytest.raises(SourceError, match="recording ends"):
            src.read(50_000)


def test_paced_replay_runs_at_the_sample_rate(tmp_path):
    _hop(tmp_path, 100e6, 0.0, n=24_000, rate=240e3)
    with ReplaySource(tmp_path / "hop-100.0", paced=True) as src:
        t = time.monotonic()
        for _ in range(4):
            src.read(6000)                      # 4 × 25 ms
        assert time.monotonic() - t >= 0.099


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="no SigMF recordings"):
        ReplaySource(tmp_path)
