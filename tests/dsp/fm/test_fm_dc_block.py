"""The receiver's 0 Hz line removed before analysis (dsp.fm.dc_block): the line goes, a carrier off
0 Hz stays within the physics bound 1/(π f T), and a weak station near the tuner's centre is read
on its frequency despite an RTL-SDR's LO leakage."""

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.fm.analyse import analyse_array
from dsp.fm.dc_block import dc_blocked
from dsp.fm.tx import FmStationConfig
from fm_synth import capture

FS = 240e3
T = 0.5
BLOCK = int(FS * T)
LEAK = 10 ** (-45 / 20) * np.exp(0.7j)        # the LO leakage line, -45 dBFS
CARRIER = 10 ** (-60 / 20)                    # a carrier 15 dB under it


def _streamed(x: np.ndarray) -> np.ndarray:
    """``x`` read block by block through the DC blocker, as dsp.fm.analyse streams it."""
    read = dc_blocked(lambda s, c: x[s:s + c], len(x), BLOCK)
    return np.concatenate([read(s, BLOCK) for s in range(0, len(x), BLOCK)])


def _tone(f_hz: float, n: int) -> np.ndarray:
    return CARRIER * np.exp(2j * np.pi * f_hz * np.arange(n) / FS + 0.3j)


@pytest.mark.parametrize("f_hz", [50.5, 200.5, 1000.5])   # half a cycle over T: the worst case
def test_a_carrier_off_zero_keeps_its_amplitude_and_the_line_goes(f_hz):
    n = 4 * BLOCK
    tone = _tone(f_hz, n)
    y = _streamed((tone + LEAK).astype(np.complex64))
    amplitude = abs(np.vdot(tone, y)) / np.vdot(tone, tone).real
    assert abs(20 * np.log10(amplitude)) < 0.01
    left = np.abs(y - tone).max() / CARRIER                  # the leakage left, and the carrier's own mean
    assert left <= 1 / (np.pi * f_hz * T) * 1.05 + 1e-4
    assert left > 1 / (np.pi * f_hz * T) * 0.5               # a half-cycle tone's mean is taken out too


def test_a_carrier_exactly_on_zero_goes_with_the_line():
    y = _streamed((_tone(0.0, 2 * BLOCK) + LEAK).astype(np.complex64))
    assert np.abs(y).max() < 1e-3 * CARRIER


def test_a_read_takes_its_own_mean_and_a_short_tail_that_of_a_whole_block_around_it():
    n = 2 * BLOCK + 100
    x = (_tone(50.5, n) + LEAK).astype(np.complex64)
    reads = []
    read = dc_blocked(lambda s, c: reads.append((s, c)) or x[s:s + c], n, BLOCK)
    assert np.allclose(read(10, BLOCK + 50), x[10:BLOCK + 60] - x[10:BLOCK + 60].mean(), atol=1e-7)
    assert reads == [(10, BLOCK + 50)]                                              # no extra read
    assert np.allclose(read(n - 100, 100), x[-100:] - x[-BLOCK:].mean(), atol=1e-7)  # the tail
    assert np.allclose(read(1000, 64), x[1000:1064] - x[1000:1000 + BLOCK].mean(), atol=1e-7)


def test_bad_arguments():
    with pytest.raises(DspError, match="min_count 0"):
        dc_blocked(lambda s, c: np.zeros(c, np.complex64), 8, 0)


@pytest.mark.parametrize("offset_hz", [0.0, 5e3, 15e3, 50e3])
def test_a_weak_station_near_the_centre_is_read_on_its_frequency(offset_hz):
    """An RTL-SDR capture (LO leakage -45 dBFS, 8-bit ADC dithered by a strong station 600 kHz away)
    of a station at 14 dB SNR (-43 dBFS): the leakage sits inside its channel filter; without the DC
    block the analysis read it 0.4 / 1.5 / 4.8 kHz towards the centre at 5 / 15 / 50 kHz from it."""
    fs = 2.4e6
    n = int(fs)
    x = capture([(FmStationConfig(), offset_hz, -43.0), (FmStationConfig(), 600e3, -12.0)], fs, n,
                noise_dbfs_per_200k=-60.0, seed=3)
    x = x + 10 ** (-45 / 20)
    x = ((np.round(x.real * 127.5) + 1j * np.round(x.imag * 127.5)) / 127.5).astype(np.complex64)
    res = analyse_array(x, fs, 97.7e6 - offset_hz)
    (st,) = [s for s in res.stations if abs(s.freq_hz - 97.7e6) < 100e3]
    assert abs(st.freq_hz - 97.7e6) < 200
