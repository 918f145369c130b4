"""Looped-advert detection and aviation-band spurious attribution."""

import numpy as np
import pytest

from dsp.fm.analyse import AnalysisOptions, analyse_array
from dsp.fm.audio import AudioChain
from dsp.fm.aviation import frequency_relations
from dsp.fm.loop import LoopDetector
from dsp.fm.tx import MPX_RATE, FmStationConfig, Programme, SpuriousEmission, render_mpx
from fm_synth import capture


def loop_of(programme: Programme, seconds: float = 20.0):
    """Composite → de-emphasised audio → loop detector, a few seconds at a time."""
    cfg = FmStationConfig(programme=programme)
    chain = AudioChain(MPX_RATE / 2)
    det = LoopDetector(chain.audio_rate)
    rng = np.random.default_rng(0)
    for k in range(int(seconds / 4)):
        mpx = render_mpx(cfg, 4.0 * k, 4 * MPX_RATE)[::2]
        mpx = mpx + 300 * rng.standard_normal(len(mpx))  # receiver noise
        det.add(chain.process(mpx))
    return det.result()


def test_planted_loop_found_with_its_period():
    r = loop_of(Programme("loop", seed=21, period_s=7.3))
    assert r.period_s == pytest.approx(7.3, abs=0.1)
    assert r.confidence > 0.8


@pytest.mark.parametrize("kind", ["speech", "noise"])
def test_quiet_on_programme_that_does_not_repeat(kind):
    r = loop_of(Programme(kind, seed=21))
    assert r.period_s is None and r.confidence < 0.5


def test_quiet_on_a_steady_tone_and_on_silence():
    t = np.arange(48_000 * 30) / 48_000
    for audio in (8000 * np.sin(2 * np.pi * 1000 * t), np.zeros(len(t))):
        det = LoopDetector(48_000)
        det.add(audio + np.random.default_rng(1).standard_normal(len(t)))
        r = det.result()
        assert r.period_s is None and r.confidence < 0.5


def test_intermodulation_formulas():
    rel = frequency_relations(108.1e6, [107.5e6, 106.9e6, 100.0e6])
    assert rel[0].mechanism == "2f1-f2" and rel[0].sources_hz == (107.5e6, 106.9e6)
    rel = frequency_relations(118.3e6, [99.1e6, 104.4e6, 85.2e6])
    assert rel[0].mechanism == "f1+f2-f3" and set(rel[0].sources_hz) == {99.1e6, 104.4e6, 85.2e6}
    assert frequency_relations(121.5e6, [99.1e6, 104.4e6]) == []
    assert frequency_relations(108.0e6, [54.0e6])[0].mechanism == "harmonic2"


def test_aviation_product_attributed_to_the_right_pair():
    fc = 107.6e6
    f1, f2, f3 = 107.5e6, 106.9e6, 106.6e6
    spur = SpuriousEmission(offset_hz=(2 * f1 - f2) - f1, level_db=-35.0, modulation="am")
    s1 = FmStationConfig(programme=Programme("speech", seed=1), spurious=spur, seed=1)
    s2 = FmStationConfig(programme=Programme("speech", seed=2), seed=2)
    s3 = FmStationConfig(programme=Programme("speech", seed=3), seed=3)
    x = capture([(s1, f1 - fc, -12.0), (s2, f2 - fc, -12.0), (s3, f3 - fc, -14.0)], 2.4e6, 1_440_000,
                noise_dbfs_per_200k=-75)
    res = analyse_array(x, 2.4e6, fc, AnalysisOptions(decode_rds=False))
    assert len(res.stations) == 3
    (sp,) = res.spurious
    assert sp.freq_hz == pytest.approx(2 * f1 - f2, abs=3e3)
    assert sp.mechanism == "2f1-f2"
    assert sp.sources_hz == pytest.approx((f1, f2), abs=3e3)
    assert sp.related_to_hz == pytest.approx(f1, abs=3e3)
    assert sp.correlation > 0.7
