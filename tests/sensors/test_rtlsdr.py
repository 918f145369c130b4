"""RtlSdrSource against a fake librtlsdr: no dongle needed."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from sensors.errors import SourceError
from tests.sensors.fake_librtlsdr import R820T_GAINS, FakeLib, freq_marker, loader


def _install(monkeypatch, lib: FakeLib) -> None:
    for name in [m for m in sys.modules if m == "rtlsdr" or m.startswith("rtlsdr.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyrtlsdrlib", loader(lib))


@pytest.fixture
def fake(monkeypatch):
    lib = FakeLib()
    _install(monkeypatch, lib)
    return lib


def _markers(x: np.ndarray) -> np.ndarray:
    return np.round(x.real * 127.5 + 127.5).astype(int)


def test_no_librtlsdr_is_one_clear_line(monkeypatch):
    for name in [m for m in sys.modules if m == "rtlsdr" or m.startswith("rtlsdr.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyrtlsdrlib", None)  # pyrtlsdr then looks for the real library
    monkeypatch.setenv("LD_LIBRARY_PATH", "/nonexistent")
    monkeypatch.setattr("ctypes.util.find_library", lambda name: None)
    import ctypes
    real_cdll = ctypes.CDLL

    def no_rtlsdr(name, *a, **kw):
        if name and "rtlsdr" in str(name):
            raise OSError(f"{name}: cannot open shared object file")
        return real_cdll(name, *a, **kw)

    monkeypatch.setattr(ctypes, "CDLL", no_rtlsdr)
    from sensors.rtlsdr import RtlSdrSource
    with pytest.raises(SourceError, match="librtlsdr") as err:
        RtlSdrSource(0)
    assert "\n" not in str(err.value)


def test_no_dongle_is_one_clear_line(monkeypatch):
    _install(monkeypatch, FakeLib(devices=0))
    from sensors.rtlsdr import RtlSdrSource
    with pytest.raises(SourceError, match="no RTL-SDR dongle at index 0"):
        RtlSdrSource(0)


def test_gain_table_agc_ppm_and_rate(fake):
    from sensors.rtlsdr import RtlSdrSource
    with RtlSdrSource(0, sample_rate=2.4e6, ppm=-31) as sdr:
        assert sdr.sample_rate == 2.4e6 and fake.ppm == -31
        assert sdr.gains_db == tuple(g / 10 for g in R820T_GAINS)
        assert sdr.gain_db is None and fake.manual == 0          # AGC by default
        sdr.set_gain(40.0)                                         # nearest table entry: 40.2 dB
        assert sdr.gain_db == 40.2 and fake.gain == 402 and fake.manual == 1
        sdr.set_gain(None)
        assert sdr.gain_db is None and fake.manual == 0


def test_r820t_ceiling_named_for_dcs1800(fake):
    from sensors.rtlsdr import RtlSdrSource
    with RtlSdrSource(0) as sdr:
        with pytest.raises(SourceError, match="R820T.*1766 MHz ceiling.*DCS1800"):
            sdr.tune(1842.6e6)
        sdr.tune(947e6)
        assert fake.freq == 947_000_000


def test_retune_discards_stale_buffers_and_stream_has_no_gaps(fake):
    from sensors.rtlsdr import RtlSdrSource
    with RtlSdrSource(0, sample_rate=2.4e6, buffer_bytes=1 << 14) as sdr:
        x, t0 = sdr.read(50_000)
        assert set(_markers(x)) == {freq_marker(sdr.center_freq)}
        sdr.tune(947e6)
        y, t1 = sdr.read(200_000)
        assert set(_markers(y)) == {freq_marker(947e6)}, "samples from before the retune leaked through"
        assert t1 > t0
        seq = np.round(y.imag * 127.5 + 127.5).astype(int)[::8192]
        assert np.all(np.diff(seq) % 256 == 1), "a buffer went missing inside one read"
        assert sdr.dropped_buffers == 0


def test_slow_reader_counts_dropped_buffers(monkeypatch):
    lib = FakeLib(paced=False)
    _install(monkeypatch, lib)
    from sensors.rtlsdr import RtlSdrSource
    import time
    with RtlSdrSource(0, buffer_bytes=1 << 12, queue_buffers=4) as sdr:
        sdr.read(1000)
        time.sleep(0.2)
        sdr.read(1000)
        assert sdr.dropped_buffers > 0
