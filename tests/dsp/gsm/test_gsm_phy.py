"""Physical layer stages: GMSK, channeliser, FCCH, equaliser, sync, transmitter (each on its own)."""

from __future__ import annotations

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.gsm.bursts import FCCH_BURST, TRAINING_SEQUENCES, dummy_burst, normal_burst, sch_burst, split_sch
from dsp.gsm.channelize import Channelizer, channelize, correct_front_end
from dsp.gsm.equalizer import equalise
from dsp.gsm.fcch import FCCH_TONE_HZ, fcch_hits, group_carriers, n_frames
from dsp.gsm.gmsk import SYMBOL_RATE, differential_encode, laurent_c0, modulate
from dsp.gsm.sch import decode_sch, encode_sch
from dsp.gsm.sync import fcch_fix, sch_fix
from dsp.gsm.tx import render_bcch

RNG = np.random.default_rng(7)
SI = {"SI3": bytes.fromhex("49061b1b5d64f010508dc800052f4548e50000bf002b2b"),
      "SI4": bytes.fromhex("31061c64f010508d4548e50000bf002b2b2b2b2b2b2b2b")}


def noise(n: int, power: float, rng=RNG) -> np.ndarray:
    return (np.sqrt(power / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)


# ------------------------------------------------------------------------------------------ GMSK

def test_differential_encoding_follows_45004():
    assert differential_encode(np.array([0, 0, 1, 1, 0]), previous=1).tolist() == [-1, 1, -1, 1, -1]


def test_gmsk_is_constant_envelope_and_fcch_is_the_quarter_rate_tone():
    x = modulate(FCCH_BURST, 4)
    assert np.allclose(np.abs(x), 1, atol=1e-5)
    f = np.angle(np.sum(x[41:-40] * np.conj(x[40:-41]))) * 4 * SYMBOL_RATE / (2 * np.pi)
    assert f == pytest.approx(FCCH_TONE_HZ, abs=1.0)


def test_laurent_c0_approximates_gmsk():
    bits = RNG.integers(0, 2, 300).astype(np.uint8)
    x = modulate(bits, 4)
    c0 = laurent_c0(4)
    lin = np.zeros(x.size + c0.size, complex)
    for i, b in enumerate(bits):
        lin[4 * i: 4 * i + c0.size] += 1j ** i * (1 - 2.0 * b) * c0
    seg = lin[8: 8 + x.size][40:-40]
    rho = abs(np.vdot(seg, x[40:-40])) / np.linalg.norm(seg) / np.linalg.norm(x[40:-40])
    assert rho > 0.99


def test_modulate_rejects_non_bits():
    with pytest.raises(DspError):
        modulate(np.array([0, 2, 1]), 4)


# ----------------------------------------------------------------------------------- channeliser

@pytest.mark.parametrize("rate", [500e3, 100e6 / 174, 1e6, 1083333.3333333333, 2.048e6, 2.4e6, 3.2e6, 4e6])
def test_channeliser_keeps_a_tone_and_its_phase_across_blocks(rate):
    n = int(0.05 * rate)
    t = np.arange(n) / rate
    off = 0.0 if rate < 1e6 else 200e3
    x = np.exp(2j * np.pi * (off + 1234.5) * t).astype(np.complex64)
    whole = channelize(x, rate, [off])[0]
    ch = Channelizer(rate, [off])
    parts = np.concatenate([ch.process(x[:n // 3]), ch.process(x[n // 3:]),
                            ch.process(np.zeros(0, np.complex64), final=True)], axis=1)[0][:whole.size]
    # The streaming channeliser leaves the carrier at its residual; channelize() removes it.
    assert abs(ch.residual_hz[0]) <= rate / ch.n_fft / 2
    parts *= np.exp(-2j * np.pi * ch.residual_hz[0] * np.arange(whole.size) / (4 * SYMBOL_RATE))
    assert np.allclose(parts, whole, atol=1e-4)
    ty = np.arange(whole.size) / (4 * SYMBOL_RATE)
    z = whole[200:-400] * np.exp(-2j * np.pi * 1234.5 * ty[200:-400])
    assert np.allclose(np.abs(z), 1, atol=2e-3)
    assert np.ptp(np.unwrap(np.angle(z))) < 1e-2


@pytest.mark.parametrize("rate", [2_399_990.0, np.pi * 1e6])
def test_odd_rate_gets_a_ratio_within_20_ppm(rate):
    ch = Channelizer(rate, [0.0])
    assert ch.n_fft <= 1 << 17
    assert abs(ch.m_fft / ch.n_fft * rate / ch.out_rate - 1) < 2e-5


def test_channeliser_rejects_offsets_outside_the_capture():
    with pytest.raises(DspError):
        Channelizer(1e6, [700e3])


def test_front_end_correction_removes_dc_and_iq_image():
    n = 200_000
    s = np.exp(2j * np.pi * 0.1 * np.arange(n)) + noise(n, 0.01)
    i, q = s.real * 1.05, 0.95 * (s.imag * np.cos(0.035) + s.real * np.sin(0.035))
    x = (i + 1j * q + 0.05 + 0.03j).astype(np.complex64)

    def image_db(v):
        p = np.abs(np.fft.fft(v)) ** 2
        k = int(round(0.1 * n))
        return 10 * np.log10(p[-k] / p[k])

    assert image_db(x) > -35
    y = correct_front_end(x)
    assert image_db(y) < -50
    assert abs(y.mean()) < 1e-3


# ------------------------------------------------------------------------------------------ FCCH

def _carrier(offset_hz: float, rate: float, seconds: float, bsic: int = 21, fn0: int = 1000, snr_db=20.0):
    n = int(seconds * rate)
    x = render_bcch(bsic, SI, rate, 0.0, n, fn0=fn0)
    x = x * np.exp(2j * np.pi * offset_hz * np.arange(n) / rate)
    return (x + noise(n, rate / SYMBOL_RATE * 10 ** (-snr_db / 10))).astype(np.complex64)


def test_fcch_found_30_ppm_off_its_channel():
    rate = 2.4e6
    x = _carrier(200e3 + 28.4e3, rate, 0.2, snr_db=5)
    carriers = group_carriers(fcch_hits(x, rate), n_frames(x.size, rate))
    assert len(carriers) == 1
    assert carriers[0].carrier_hz == pytest.approx(228.4e3, abs=300)
    assert len(carriers[0].hits) >= 4


def test_fcch_search_ignores_noise_and_a_steady_tone():
    rate = 2.4e6
    n = int(0.3 * rate)
    x = noise(n, 1.0) + 3 * np.exp(2j * np.pi * 300e3 * np.arange(n) / rate).astype(np.complex64)
    assert group_carriers(fcch_hits(x, rate), n_frames(n, rate)) == []


def test_fcch_fix_measures_the_residual_frequency():
    bits = np.concatenate([dummy_burst(), FCCH_BURST, dummy_burst()])
    x = modulate(bits, 4)
    y = (x * np.exp(2j * np.pi * 850.0 * np.arange(x.size) / (4 * SYMBOL_RATE))
         + noise(x.size, 0.1)).astype(np.complex64)
    fix = fcch_fix(y, 4)
    assert fix.freq_offset_hz == pytest.approx(850.0, abs=40)
    assert abs(fix.start - 148 * 4) <= 12


# ------------------------------------------------------------------------------ equaliser, SCH

def _burst_through_channel(burst, snr_db, rng):
    bits = np.concatenate([np.ones(12, np.uint8), burst, np.ones(12, np.uint8)])
    x = modulate(bits, 4)
    h = np.zeros(9, complex)
    h[0], h[7] = 1.0, 0.5 * np.exp(2j)  # an echo 1.75 symbols late, −6 dB
    x = np.convolve(x, h)[:x.size] * np.exp(1j * rng.uniform(0, 2 * np.pi))
    return (x + noise(x.size, 1.25 * 10 ** (-snr_db / 10), rng)).astype(np.complex64)


def test_equaliser_recovers_a_burst_through_multipath():
    rng = np.random.default_rng(3)
    errors = 0
    for _ in range(20):
        burst = normal_burst(rng.integers(0, 2, 114), 5)
        y = _burst_through_channel(burst, 12.0, rng)
        eq = equalise(y, 4, TRAINING_SEQUENCES[5], 61, 12 * 4 + int(rng.integers(-4, 5)), 3)
        errors += int(np.sum((eq.soft > 0) != (burst == 1)))
        assert eq.soft.dtype == np.float32 and eq.snr_db > 5
    assert errors <= 2


def test_sch_fix_decodes_bsic_and_frame_number():
    rng = np.random.default_rng(4)
    fn = 51 * 700 + 21
    y = _burst_through_channel(sch_burst(encode_sch(45, fn)), 8.0, rng)
    got = sch_fix(y, 4, 12 * 4 + 6, 4)
    assert got is not None and (got.info.bsic, got.info.fn) == (45, fn)
    assert decode_sch(split_sch(-got.burst.soft)) is None  # polarity matters: positive = 1


# -------------------------------------------------------------------------------------------- tx

def test_tx_blocks_join_seamlessly_and_have_unit_power():
    rate = 2.4e6
    whole = render_bcch(7, SI, rate, 0.0, 120_000, fn0=5)
    parts = np.concatenate([render_bcch(7, SI, rate, k * 30_000 / rate, 30_000, fn0=5) for k in range(4)])
    assert np.allclose(whole, parts, atol=1e-5)
    assert np.mean(np.abs(whole) ** 2) == pytest.approx(1.0, abs=1e-3)


def test_tx_rejects_bad_blocks():
    with pytest.raises(DspError):
        render_bcch(7, {"SI3": b"\x00" * 22}, 2.4e6, 0.0, 100)


def test_tx_spectrum_has_no_splatter_floor():
    """Slots join without phase steps: 600 kHz out the carrier is > 60 dB below its centre."""
    from scipy.signal import welch

    x = render_bcch(7, SI, 2.4e6, 0.0, 600_000, fn0=5)
    f, p = welch(x, 2.4e6, nperseg=4096, return_onesided=False)
    centre = p[np.abs(f) < 50e3].mean()
    assert 10 * np.log10(p[np.abs(np.abs(f) - 600e3) < 20e3].mean() / centre) < -60
    assert np.abs(np.diff(np.unwrap(np.angle(x)))).max() < 0.3  # no step bigger than GMSK's own
