"""Copies of a strong carrier are not cells: a blaster clipping an 8-bit RTL-SDR leaves ghosts with its
BSIC on other ARFCNs (dropped), while a real second cell beside it — even a synchronised clone — stays."""

from __future__ import annotations

import numpy as np
import pytest

from dsp.gsm import receiver
from dsp.gsm.gmsk import SYMBOL_RATE
from dsp.gsm.images import FRAME_S, drop_images, is_image, timing_difference_s
from dsp.gsm.receiver import CarrierDecode, receive, stream
from dsp.gsm.sch import SchInfo
from dsp.gsm.sysinfo_encode import CellConfig, system_information_blocks
from dsp.gsm.tx import render_bcch_carrier

RATE = 2.4e6
CENTRE = 947.0e6  # ARFCN 60
#: fn0 puts the TC = 2 multiframe (SI3) inside a 0.6 s capture.
FN0 = 51 * 2 - 3


def _cell(arfcn: int, ncc: int, bcc: int, cell_id: int) -> CellConfig:
    return CellConfig(mcc="460", mnc="00", lac=41234, cell_id=cell_id, ncc=ncc, bcc=bcc, arfcn=arfcn)


def _rtl_sdr(x: np.ndarray, snr_db: float, peak: float, seed: int) -> np.ndarray:
    """``x`` (strongest carrier at unit power) plus noise ``snr_db`` under it in 270.833 kHz, scaled
    so its mean envelope sits at ``peak`` × full scale (> 1: driven into clipping), IQ imbalance,
    an 8-bit ADC."""
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(10 ** (-snr_db / 10) * RATE / SYMBOL_RATE / 2)
    x = (x + sigma * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size))) * peak
    i = x.real * 1.03 + 0.004
    q = (x.imag * np.cos(0.03) + x.real * np.sin(0.03)) / 1.03
    adc = lambda v: (np.clip(np.round(v * 127.5 + 127.5), 0, 255) - 127.5) / 127.5  # noqa: E731
    return (adc(i) + 1j * adc(q)).astype(np.complex64)


def _si3(cfg: CellConfig) -> bytes:
    return system_information_blocks(cfg)["SI3"]


@pytest.mark.parametrize("peak", [0.9, 3.0])
def test_strong_blaster_leaves_no_ghost_on_other_arfcns(monkeypatch, peak):
    """A blaster on ARFCN 60 tuned at the centre, 60 dB over the noise, within the ADC's range or
    driven 3× past full scale. Clipped, its products e^{-j3φ}, e^{j5φ} carry the same bits onto
    ARFCN 59 and 61 (~16 dB down, 70.8 kHz off the raster), where they decode — SCHs and SI blocks."""
    blaster = _cell(60, 2, 4, 5501)
    n = int(0.6 * RATE)
    x = _rtl_sdr(render_bcch_carrier(blaster, RATE, 0.0, n, fn0=FN0), 60.0, peak, seed=3)

    got = receive(stream(x), RATE, CENTRE)
    assert [(c.arfcn, c.sch.bsic) for c in got] == [(60, 20)]
    assert _si3(blaster) in {r.data for _, r in got[0].blocks if r.ok}
    if peak <= 1:
        return
    # The ghosts are there to drop: without the check, the same capture names cells beside it.
    monkeypatch.setattr(receiver, "drop_images", list)
    raw = receive(stream(x), RATE, CENTRE)
    ghosts = [c for c in raw if c.arfcn != 60]
    assert {59, 61} <= {c.arfcn for c in ghosts} and all(c.sch.bsic == 20 for c in ghosts)
    assert all(is_image(g, got[0]) for g in ghosts)


@pytest.mark.parametrize("kind", ["neighbour", "clone on its own clock", "synchronised clone"])
def test_real_cell_beside_a_strong_one_is_kept(kind):
    """ARFCN 61 at −10 dB beside a strong ARFCN 60 (50 dB over the noise, 8-bit, not clipped): a
    neighbour with its own BSIC, a clone of its BSIC with its own frame clock, and a clone keeping
    its frame numbers and timing (2 µs later, ~600 m) on the same raster are all decoded."""
    strong = _cell(60, 2, 4, 5501)
    second = _cell(61, 5, 1, 7001) if kind == "neighbour" else _cell(61, 2, 4, 7001)
    n = int(0.6 * RATE)
    t = np.arange(n) / RATE
    fn0, start = (FN0, -2e-6) if kind == "synchronised clone" else (FN0 + 17, 0.0013)
    x = (render_bcch_carrier(strong, RATE, 0.0, n, fn0=FN0)
         + 10 ** (-10 / 20) * render_bcch_carrier(second, RATE, start, n, fn0=fn0) * np.exp(2j * np.pi * 200e3 * t))
    x = _rtl_sdr(x, 50.0, 0.7, seed=4)

    got = receive(stream(x), RATE, CENTRE)
    assert [(c.arfcn, c.sch.bsic) for c in got] == [(60, 20), (61, 8 * second.ncc + second.bcc)]
    assert _si3(second) in {r.data for _, r in got[1].blocks if r.ok}
    same_clock = timing_difference_s(got[1], got[0]) < 10e-6
    assert same_clock == (kind == "synchronised clone")


def _decode(arfcn: int, bsic: int, power_dbfs: float, offset_hz: float, clock: list) -> CarrierDecode:
    sch = SchInfo(ncc=bsic >> 3, bcc=bsic & 7, bsic=bsic, t1=0, t2=0, t3p=0, fn=clock[0][0])
    return CarrierDecode(arfcn=arfcn, freq_hz=935e6 + 200e3 * arfcn, freq_offset_hz=offset_hz, sch=sch,
                         n_sch=len(clock), blocks=(), power_dbfs=power_dbfs, snr_db=20.0, first_seen_s=0.0,
                         last_seen_s=1.0, frame_clock=tuple(clock))


def _clock(fn0: int, t0: float, n: int = 5) -> list:
    """An SCH every 10 frames from frame ``fn0`` at time ``t0``."""
    return [(fn0 + 10 * k, t0 + 10 * k * FRAME_S) for k in range(n)]


def test_image_rule_needs_bsic_clock_and_weakness_and_raster_or_30_db():
    strong = _decode(60, 20, -3.0, 1200.0, _clock(1000, 0.01))
    # A product: same BSIC and clock, 16 dB down, 70 kHz off the raster; its SCHs seen at other times.
    assert is_image(_decode(59, 20, -19.0, -69_600.0, _clock(1020, 0.01 + 20 * FRAME_S + 3e-6)), strong)
    # On the raster but 30 dB down: a leak.
    assert is_image(_decode(61, 20, -33.0, 1250.0, _clock(1000, 0.01)), strong)
    # On the raster and 10 dB down: a synchronised clone.
    assert not is_image(_decode(61, 20, -13.0, 1250.0, _clock(1000, 0.01)), strong)
    # Off the raster but another BSIC, another frame number, or another timing: a transmitter.
    assert not is_image(_decode(59, 21, -19.0, -69_600.0, _clock(1000, 0.01)), strong)
    assert not is_image(_decode(59, 20, -19.0, -69_600.0, _clock(1001, 0.01)), strong)
    assert not is_image(_decode(59, 20, -19.0, -69_600.0, _clock(1000, 0.01 + 1e-3)), strong)
    # Never the stronger of the two, nor one without power.
    assert not is_image(strong, _decode(59, 20, -19.0, -69_600.0, _clock(1000, 0.01)))
    assert not is_image(_decode(59, 20, float("nan"), -69_600.0, _clock(1000, 0.01)), strong)


def test_frame_clock_compares_across_the_hyperframe_wrap():
    strong = _decode(60, 20, -3.0, 0.0, [(2715648 - 10, 0.5), (0, 0.5 + 10 * FRAME_S)])
    weak = _decode(64, 20, -25.0, 90e3, [(10, 0.5 + 20 * FRAME_S + 2e-6)])
    assert timing_difference_s(weak, strong) == pytest.approx(2e-6, abs=1e-9)
    assert drop_images([weak, strong]) == [strong]
