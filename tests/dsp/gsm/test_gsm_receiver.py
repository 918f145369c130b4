"""Capture → cells: the reference recording, synthetic RTL-SDR captures, real GSMSP captures, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.gsm.gmsk import SYMBOL_RATE
from dsp.gsm.receiver import receive, stream
from dsp.gsm.tx import render_bcch
from sensors.recording import open_recording

GSMSP = "gsm_gsmsp2007/GSMSP_20070204_robert_dbsrx_{}.cfile"


def _si(ci: int) -> dict[str, bytes]:
    """SI3/SI4 of a cell with cell identity ``ci`` (MCC 460, MNC 01, LAC 0x508D)."""
    si3 = bytes.fromhex("49061b") + ci.to_bytes(2, "big") + bytes.fromhex("64f010508dc800052f4548e50000bf002b2b")
    si4 = bytes.fromhex("31061c64f010508d4548e50000bf002b2b2b2b2b2b2b2b")
    return {"SI3": si3, "SI4": si4}


def _ok_blocks(carrier) -> set[bytes]:
    return {r.data for _, r in carrier.blocks if r.ok}


def test_reference_recording_every_cell_and_block(shared_vector):
    base = shared_vector("gsm_3cells_2400k")
    truth = json.loads(base.with_name(base.name + ".truth.json").read_text())
    rec = open_recording(base)
    got = receive(lambda: rec.blocks(1 << 20), rec.info.sample_rate, rec.info.center_freq)
    assert [c.arfcn for c in got] == sorted(c["arfcn"] for c in truth["cells"])
    for c, t in zip(got, sorted(truth["cells"], key=lambda c: c["arfcn"])):
        assert (c.sch.ncc, c.sch.bcc, c.freq_hz) == (t["ncc"], t["bcc"], t["freq_hz"])
        assert c.freq_offset_hz == pytest.approx(t["freq_offset_hz"], abs=150)
        assert {bytes.fromhex(h) for h in t["si_hex"].values()} <= _ok_blocks(c)
        assert sum(r.ok for _, r in c.blocks) >= 0.95 * len(c.blocks)


def test_five_carriers_cu8_20ppm_snr10(tmp_path):
    rate, centre = 2.4e6, 947.0e6
    n = int(0.55 * rate)
    rng = np.random.default_rng(11)
    channels = [-800e3, -400e3, 0.0, 400e3, 800e3]
    x = np.zeros(n, np.complex128)
    for k, ch in enumerate(channels):
        ppm = (-20, 20, 13, -17, 20)[k]
        off = ch + ppm * 1e-6 * (centre + ch)
        # fn0 puts the TC=2 multiframe (SI3) inside the capture.
        sig = render_bcch(8 * k + 3, _si(1000 + k), rate, 0.0, n, fn0=51 * 2 - 7 * k - 3)
        x += 10 ** (-2 * k / 20) * sig * np.exp(2j * np.pi * (off * np.arange(n) / rate + rng.uniform()))
    # SNR 10 dB for the weakest carrier (−8 dB) in 270.833 kHz.
    p_noise = 10 ** (-0.8) * 10 ** (-1.0) * rate / SYMBOL_RATE
    x += np.sqrt(p_noise / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    # RTL-SDR front end: IQ gain/phase imbalance, DC, 8-bit quantisation.
    x = x / np.abs(x).max() * 0.9
    i = x.real * 1.04 + 0.02
    q = 0.96 * (x.imag * np.cos(0.03) + x.real * np.sin(0.03)) - 0.015
    cu8 = np.clip(np.round(np.stack([i, q], axis=1).reshape(-1) * 127.5 + 127.5), 0, 255).astype(np.uint8)
    path = tmp_path / "five.cu8"
    cu8.tofile(path)
    rec = open_recording(path, rate=rate, freq=centre, fmt="cu8")
    got = receive(lambda: rec.blocks(1 << 19), rate, centre)
    assert [c.freq_hz - centre for c in got] == pytest.approx(channels)
    assert [c.sch.bsic for c in got] == [8 * k + 3 for k in range(5)]
    for k, c in enumerate(got):
        assert _si(1000 + k)["SI3"] in _ok_blocks(c)


@pytest.mark.parametrize("name,freq,arfcn,ncc,bcc", [("941.0MHz_128", 941.0e6, 30, 4, 0),
                                                    ("953.6MHz_128", 953.6e6, 93, 7, 0)])
def test_gsmsp_real_capture_matches_gr_gsm(realdata, name, freq, arfcn, ncc, bcc):
    """Same cell, BSIC as libosmocoding decodes it, and every block gr-gsm decoded, byte for byte."""
    x = np.fromfile(realdata(GSMSP.format(name)), np.complex64) / 32768
    (cell,) = receive(stream(x), 500e3, freq)
    assert (cell.arfcn, cell.sch.ncc, cell.sch.bcc) == (arfcn, ncc, bcc)
    sch = (realdata("gsm_gsmsp2007/expected") / f"GSMSP_20070204_robert_dbsrx_{name}.SCH_libosmocoding_decode.txt")
    for line in sch.read_text().splitlines():
        if not line.startswith("#") and " SCH " in line:
            fields = dict(kv.split("=") for kv in line.split()[2:])
            assert (int(fields["ncc"]), int(fields["bcc"]), int(fields["t1"])) == (ncc, bcc, cell.sch.t1)
    blocks = {fn: r.data for fn, r in cell.blocks if r.ok}
    expected = realdata("gsm_gsmsp2007/expected") / f"GSMSP_20070204_robert_dbsrx_{name}.grgsm_messages_ts0.txt"
    lines = expected.read_text().splitlines()
    assert lines
    for line in lines:
        head, _, hexes = line.partition(":")
        assert blocks[int(head.split()[0])] == bytes.fromhex(hexes)


@pytest.mark.parametrize("name,rate,freq", [("937MHz_16", 4e6, 937e6), ("941MHz_16", 4e6, 941e6)])
def test_gsmsp_20ms_files_are_negative_controls(realdata, name, rate, freq):
    x = np.fromfile(realdata(GSMSP.format(name)), np.complex64) / 32768
    assert receive(stream(x), rate, freq) == []


def test_noise_tones_and_truncated_bursts_give_no_cell():
    rate = 2.4e6
    rng = np.random.default_rng(5)
    n = int(0.3 * rate)
    noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64) * 0.1
    assert receive(stream(noise), rate, 947e6) == []
    tones = noise + 0.5 * np.exp(2j * np.pi * 123e3 * np.arange(n) / rate).astype(np.complex64)
    assert receive(stream(tones), rate, 947e6) == []
    short = render_bcch(5, _si(1), rate, 0.0, int(0.002 * rate))
    assert receive(stream(short), rate, 947e6) == []
    assert receive(stream(np.zeros(0, np.complex64)), rate, 947e6) == []


def test_rate_too_low_is_one_clear_error():
    with pytest.raises(DspError, match="too low"):
        receive(stream(np.zeros(1000, np.complex64)), 200e3, 947e6)


def test_carrier_that_stops_and_restarts_is_reacquired():
    """A BTS (or a catcher) off for half a second, back with another frame number."""
    rate = 2.4e6
    si = _si(77)
    on1 = render_bcch(9, si, rate, 0.0, int(1.0 * rate), fn0=1000)
    on2 = render_bcch(9, si, rate, 0.3, int(1.0 * rate), fn0=200_000)
    x = np.concatenate([on1, np.zeros(int(0.5 * rate), np.complex64), on2])
    rng = np.random.default_rng(9)
    x = (x + 0.05 * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size))).astype(np.complex64)
    (cell,) = receive(stream(x), rate, 947e6)
    fns = [fn for fn, r in cell.blocks if r.ok]
    assert sum(fn < 100_000 for fn in fns) >= 35 and sum(fn > 200_000 for fn in fns) >= 35
    assert cell.last_seen_s > 2.3


def test_weak_cell_beside_a_15_db_stronger_one():
    """A catcher 200 kHz from a strong licensed cell: the strong one's skirt must not hide its FCCH."""
    rate = 2.4e6
    n = int(0.6 * rate)
    t = np.arange(n) / rate
    weak = render_bcch(9, _si(5), rate, 0.0, n, fn0=51 * 2 - 3) * np.exp(2j * np.pi * 1000.0 * t)
    strong = render_bcch(20, _si(6), rate, 0.0017, n, fn0=50_000) * np.exp(2j * np.pi * (200e3 - 700.0) * t)
    rng = np.random.default_rng(12)
    x = weak + 10 ** (15 / 20) * strong
    x += np.sqrt(rate / SYMBOL_RATE * 10 ** -1.5 / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))
    got = receive(stream(x.astype(np.complex64)), rate, 947e6)
    assert [c.sch.bsic for c in got] == [9, 20]
    assert _si(5)["SI3"] in _ok_blocks(got[0])


def test_decode_cells_names_carriers_and_sets_aside_off_band_ones():
    """The samples → cells entry the CLI and the node share: on a GSM centre frequency the carrier
    becomes a cell; tuned where no GSM ARFCN exists it is set aside, never a crash."""
    from dsp.gsm.receiver import decode_cells

    rate = 1e6
    x = render_bcch(9, _si(77), rate, 0.0, int(0.6 * rate), fn0=1000)
    cells, off_band = decode_cells(stream(x), rate, 947.4e6)
    assert [(c.arfcn, c.cell_id) for c in cells] == [(62, 77)] and off_band == []
    cells, off_band = decode_cells(stream(x), rate, 100e6)
    assert cells == [] and len(off_band) == 1 and off_band[0].arfcn is None
