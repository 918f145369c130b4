"""SigMF and raw recordings: round trips per datatype, streaming, atomic writes, every bad-input case."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import numpy as np
import pytest

from sensors.errors import RecordingError
from sensors.recording import (
    DATATYPES,
    Geolocation,
    RecordingWriter,
    open_recording,
    sigmf_paths,
    write_recording,
)

#: Worst-case rounding error of one component per datatype, at full scale 1.0.
QUANTUM = {"cf32_le": 1e-7, "ci16_le": 0.5 / 32768, "ci8": 0.5 / 128, "cu8": 0.5 / 127.5}


def _signal(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.95, 0.95, n) + 1j * rng.uniform(-0.95, 0.95, n)
    return x.astype(np.complex64)


@pytest.mark.parametrize("datatype", DATATYPES)
def test_round_trip_within_quantisation(tmp_path, datatype):
    x = _signal(10_001)
    info = write_recording(tmp_path / "r", x, datatype=datatype, sample_rate=2.4e6, center_freq=947e6)
    assert info.n_samples == x.size and info.datatype == datatype
    y = open_recording(tmp_path / "r").read()
    assert y.dtype == np.complex64
    err = max(np.abs(y.real - x.real).max(), np.abs(y.imag - x.imag).max())
    assert err <= QUANTUM[datatype] * 1.0001
    # And no better than the type allows: an 8-bit type really quantises.
    if datatype in ("ci8", "cu8"):
        assert err > QUANTUM[datatype] / 4


def test_cu8_is_rtlsdr_native(tmp_path):
    """cu8 stores 127.5 + 127.5·x rounded: 0 → 127/128, −1 → 0, +1 → 255."""
    x = np.array([0.0, -1.0, 1.0 + 1.0j], np.complex64)
    write_recording(tmp_path / "r", x, datatype="cu8", sample_rate=1e6, center_freq=1e8)
    raw = np.fromfile(sigmf_paths(tmp_path / "r")[1], np.uint8)
    assert raw.tolist() == [128, 128, 0, 128, 255, 255]


def test_clipping_not_wrapping(tmp_path):
    x = np.array([2.0 - 3.0j], np.complex64)
    write_recording(tmp_path / "r", x, datatype="ci8", sample_rate=1e6, center_freq=1e8)
    y = open_recording(tmp_path / "r").read()
    assert y[0].real == pytest.approx(127 / 128) and y[0].imag == pytest.approx(-1.0)


@pytest.mark.parametrize("datatype", DATATYPES)
def test_blocks_stream_across_boundaries(tmp_path, datatype):
    x = _signal(10_000, seed=2)
    write_recording(tmp_path / "r", x, datatype=datatype, sample_rate=1e6, center_freq=1e8)
    rec = open_recording(tmp_path / "r")
    whole = rec.read()
    for block in (1, 7, 4096, 10_000, 20_000):
        parts = list(rec.blocks(block))
        assert all(len(p) <= block for p in parts)
        np.testing.assert_array_equal(np.concatenate(parts), whole)
    np.testing.assert_array_equal(np.concatenate(list(rec.blocks(333, start=1234, count=5000))),
                                  whole[1234:6234])


def test_streamed_write_equals_one_shot(tmp_path):
    x = _signal(5000, seed=3)
    write_recording(tmp_path / "a", x, datatype="ci16_le", sample_rate=1e6, center_freq=1e8)
    write_recording(tmp_path / "b", (x[i:i + 777] for i in range(0, x.size, 777)),
                    datatype="ci16_le", sample_rate=1e6, center_freq=1e8)
    a, b = (sigmf_paths(tmp_path / n)[1].read_bytes() for n in "ab")
    assert a == b


def test_large_recording_is_not_loaded_whole(tmp_path):
    """A sparse 10-minute 2.4 MS/s cu8 file (2.9 GB) opens and streams without reading it all."""
    n = int(600 * 2.4e6)
    meta, data = sigmf_paths(tmp_path / "big")
    with open(data, "wb") as f:
        f.truncate(2 * n)
    meta.write_text(json.dumps({"global": {"core:datatype": "cu8", "core:sample_rate": 2.4e6,
                                           "core:version": "1.2.0"},
                                "captures": [{"core:sample_start": 0, "core:frequency": 947e6}]}))
    rec = open_recording(meta)
    assert rec.info.n_samples == n and rec.info.duration_s == pytest.approx(600.0)
    last = rec.read(n - 10)
    assert last.size == 10 and np.allclose(last, -1 - 1j)
    first = next(rec.blocks(1 << 16))
    assert first.size == 1 << 16


def test_metadata_round_trip(tmp_path):
    when = datetime(2026, 11, 28, 8, 30, 15, 250000, tzinfo=timezone.utc)
    geo = Geolocation(lat=31.2304, lon=121.4737, alt_m=15.5)
    write_recording(tmp_path / "r", _signal(100), datatype="cf32_le", sample_rate=2.048e6,
                    center_freq=98.7e6, datetime=when, hw="RTL-SDR Blog V3", geolocation=geo,
                    description="test")
    for name in ("r", "r.sigmf-meta", "r.sigmf-data"):
        info = open_recording(tmp_path / name).info
        assert info.sample_rate == 2.048e6 and info.center_freq == 98.7e6
        assert info.datetime == when and info.hw == "RTL-SDR Blog V3" and info.geolocation == geo
    meta = json.loads(sigmf_paths(tmp_path / "r")[0].read_text())
    assert meta["global"]["core:geolocation"] == {"type": "Point", "coordinates": [121.4737, 31.2304, 15.5]}


def test_write_is_atomic(tmp_path):
    """An exception mid-write leaves neither the final names nor temporary files behind."""
    def blocks():
        yield _signal(100)
        raise RuntimeError("source died")

    with pytest.raises(RuntimeError):
        write_recording(tmp_path / "r", blocks(), datatype="cu8", sample_rate=1e6, center_freq=1e8)
    assert os.listdir(tmp_path) == []


def test_write_keeps_previous_recording_until_commit(tmp_path):
    write_recording(tmp_path / "r", _signal(100), datatype="cu8", sample_rate=1e6, center_freq=1e8)
    w = RecordingWriter(tmp_path / "r", datatype="cu8", sample_rate=1e6, center_freq=2e8)
    w.write(_signal(50))
    assert open_recording(tmp_path / "r").info.n_samples == 100
    w.close()
    info = open_recording(tmp_path / "r").info
    assert info.n_samples == 50 and info.center_freq == 2e8


def test_written_files_are_readable_by_others(tmp_path):
    write_recording(tmp_path / "r", _signal(10), datatype="cu8", sample_rate=1e6, center_freq=1e8)
    for p in sigmf_paths(tmp_path / "r"):
        assert p.stat().st_mode & 0o044 == 0o044


def test_written_metadata_passes_sigmf_validation(tmp_path):
    import sigmf

    write_recording(tmp_path / "r", _signal(10), datatype="ci16_le", sample_rate=1e6, center_freq=1e8,
                    geolocation=Geolocation(1.0, 2.0))
    handle = sigmf.sigmffile.fromfile(str(tmp_path / "r"))
    handle.validate()
    assert handle.read_samples().size == 10


@pytest.mark.parametrize("fmt", ["cu8", "ci8", "ci16", "ci16_le", "cf32", "cf32_le"])
def test_raw_files(tmp_path, fmt):
    x = _signal(1000, seed=4)
    write_recording(tmp_path / "r", x, datatype=fmt, sample_rate=1e6, center_freq=1e8)
    raw = tmp_path / "capture.bin"
    raw.write_bytes(sigmf_paths(tmp_path / "r")[1].read_bytes())
    rec = open_recording(raw, rate=1e6, freq=941e6, fmt=fmt)
    assert rec.info.meta_path is None and rec.info.center_freq == 941e6
    np.testing.assert_array_equal(rec.read(), open_recording(tmp_path / "r").read())


# ------------------------------------------------------------------------------------- bad input


def _meta(tmp_path, glob=None, capture=None, data: bytes | None = b"\x80" * 20):
    meta, dpath = sigmf_paths(tmp_path / "bad")
    g = {"core:datatype": "cu8", "core:sample_rate": 1e6, "core:version": "1.2.0"}
    g.update(glob or {})
    c = {"core:sample_start": 0, "core:frequency": 1e8}
    c.update(capture or {})
    meta.write_text(json.dumps({"global": g, "captures": [c]}))
    if data is not None:
        dpath.write_bytes(data)
    return meta


@pytest.mark.parametrize("setup, message", [
    (lambda p: _meta(p, data=None), "data file missing"),
    (lambda p: _meta(p, data=b""), "zero-length"),
    (lambda p: _meta(p, data=b"\x80" * 21), "not a whole number of cu8 samples"),
    (lambda p: _meta(p, {"core:datatype": "ri16_le"}), "ri16_le' is not supported"),
    (lambda p: _meta(p, {"core:datatype": None}), "core:datatype missing"),
    (lambda p: _meta(p, {"core:sample_rate": 0}), "core:sample_rate must be a positive"),
    (lambda p: _meta(p, {"core:sample_rate": -2.4e6}), "core:sample_rate must be a positive"),
    (lambda p: _meta(p, {"core:sample_rate": "fast"}), "core:sample_rate must be a positive"),
    (lambda p: _meta(p, capture={"core:frequency": None}), "core:frequency must be a number"),
    (lambda p: _meta(p, {"core:num_channels": 2}), "only 1 channel"),
    (lambda p: _meta(p, capture={"core:datetime": "yesterday"}), "not ISO 8601"),
    (lambda p: _meta(p, {"core:geolocation": {"type": "Point", "coordinates": [0, 95]}}), "out of range"),
], ids=["no-data", "empty", "partial-sample", "unknown-type", "no-type", "rate-0", "rate-neg",
        "rate-str", "no-freq", "two-channels", "bad-time", "bad-position"])
def test_bad_sigmf(tmp_path, setup, message):
    meta = setup(tmp_path)
    with pytest.raises(RecordingError, match=message) as exc:
        open_recording(meta)
    assert "\n" not in str(exc.value) and str(meta.parent) in str(exc.value)


def test_meta_not_json(tmp_path):
    meta, data = sigmf_paths(tmp_path / "bad")
    meta.write_text("{not json")
    data.write_bytes(b"\0" * 8)
    with pytest.raises(RecordingError, match="not valid JSON"):
        open_recording(meta)


def test_meta_missing(tmp_path):
    sigmf_paths(tmp_path / "bad")[1].write_bytes(b"\0" * 8)
    with pytest.raises(RecordingError, match="metadata file missing"):
        open_recording(tmp_path / "bad.sigmf-data")


def test_raw_file_needs_description(tmp_path):
    (tmp_path / "x.cfile").write_bytes(b"\0" * 64)
    with pytest.raises(RecordingError, match="needs --rate, --freq, --format"):
        open_recording(tmp_path / "x.cfile")
    with pytest.raises(RecordingError, match="sample rate must be a positive"):
        open_recording(tmp_path / "x.cfile", rate=0, freq=1e8, fmt="cf32")
    with pytest.raises(RecordingError, match="no such file"):
        open_recording(tmp_path / "y.cfile", rate=1e6, freq=1e8, fmt="cf32")


def test_non_finite_samples_are_reported(tmp_path):
    x = _signal(1000)
    x[617] = np.nan
    raw = tmp_path / "x.cfile"
    x.tofile(raw)
    rec = open_recording(raw, rate=1e6, freq=1e8, fmt="cf32")
    with pytest.raises(RecordingError, match="sample 617 is NaN or Inf"):
        rec.read()
    np.testing.assert_array_equal(rec.read(0, 617), x[:617])
    stats = rec.scan(block_size=100)
    assert stats.non_finite == 1 and stats.first_non_finite == 617


def test_refuses_to_write_non_finite(tmp_path):
    with pytest.raises(RecordingError, match="NaN or Inf"):
        write_recording(tmp_path / "r", np.array([np.inf], np.complex64), datatype="cf32_le",
                        sample_rate=1e6, center_freq=1e8)
    assert os.listdir(tmp_path) == []


def test_scan_levels(tmp_path):
    n = 48_000
    x = (0.1 * np.exp(2j * np.pi * 0.01 * np.arange(n))).astype(np.complex64)
    x[:10] = 2.0  # clipped on write
    write_recording(tmp_path / "r", x, datatype="cu8", sample_rate=1e6, center_freq=1e8)
    s = open_recording(tmp_path / "r").scan(block_size=1000)
    assert s.rms_dbfs == pytest.approx(-20.0, abs=0.1)
    assert s.clipped_fraction == pytest.approx(10 / (2 * n), rel=1e-6)  # I clipped, Q not
    assert s.non_finite == 0
