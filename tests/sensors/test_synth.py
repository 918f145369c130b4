"""The simulator's shared upsampler: emissions rendered at a low rate come out at their frequency
and amplitude at the capture rate, with phase from absolute time, and reads join exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sensors.errors import SourceError
from sensors.synth import Part, Upsampler


def _tone(low_rate: float, hz: float = 0.0):
    """A unit tone at ``hz`` rendered at the low rate from absolute index m0."""
    return lambda m0, n: np.exp(2j * np.pi * hz * (m0 + np.arange(n)) / low_rate).astype(np.complex64)


def _expected(parts, fs, n0, n):
    t = (n0 + np.arange(n)) / fs
    return sum(a * np.exp(2j * np.pi * f * t) for f, a in parts)


@pytest.mark.parametrize("fs", [2.4e6, 2.048e6])
def test_tones_land_on_their_frequency_amplitude_and_absolute_phase(fs):
    up = Upsampler(fs, 480e3)
    # Frequencies off the bin grid, both signs, one near the band edge; a tone inside a part too.
    parts = [Part(345_678.9, 0.5, _tone(480e3)), Part(-1_000_003.3, 0.25, _tone(480e3)),
             Part(100e3, 1.0, _tone(480e3, 60_123.4))]
    n0, n = 3_000_017, 50_000
    got = up.render(n0, n, parts)
    want = _expected([(345_678.9, 0.5), (-1_000_003.3, 0.25), (160_123.4, 1.0)], fs, n0, n)
    assert got.dtype == np.complex64
    assert np.max(np.abs(got - want)) < 1e-4


def test_reads_split_anywhere_join_exactly():
    up = Upsampler(2.4e6, 480e3)
    parts = [Part(212_345.6, 1.0, _tone(480e3, 30e3)), Part(-777_777.7, 0.1, _tone(480e3, -11e3))]
    whole = up.render(1_234_567, 300_000, parts)
    pieces = np.concatenate([up.render(1_234_567 + a, b - a, parts)
                             for a, b in ((0, 1), (1, 77_777), (77_777, 262_144), (262_144, 300_000))])
    assert np.max(np.abs(pieces - whole)) < 1e-6


def test_nothing_before_time_zero_and_nothing_on_air():
    up = Upsampler(2.4e6, 480e3)
    x = np.abs(up.render(0, 30_000, [Part(0.0, 1.0, _tone(480e3))]))
    # The emission starts at t = 0 (the renderers know no earlier time): a step, band-limited.
    assert x[0] == pytest.approx(1.0, abs=1e-3) and x.max() < 1.2
    assert np.allclose(x[5000:], 1.0, atol=1e-3)
    assert not np.any(up.render(5, 100, []))


def test_a_rate_that_is_no_multiple_is_refused():
    with pytest.raises(SourceError, match="simple multiple"):
        Upsampler(2.4e6 + 1, 480e3)
    with pytest.raises(SourceError, match="simple multiple"):
        Upsampler(250e3, 480e3)
