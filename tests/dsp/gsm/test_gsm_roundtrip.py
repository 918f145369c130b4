"""tx → GMSK → multipath, frequency error, noise → rx → cell record: every SI type, every list format."""

from __future__ import annotations

import numpy as np
import pytest

from dsp.gsm.arfcn_lists import FORMATS
from dsp.gsm.cell import fingerprint
from dsp.gsm.gmsk import SYMBOL_RATE
from dsp.gsm.receiver import receive, stream
from dsp.gsm.sysinfo_encode import CellConfig, paging_block, system_information_blocks
from dsp.gsm.tx import render_bcch_carrier

RATE = 4 * SYMBOL_RATE
#: SI1 cell channels, SI2 (and SI2bis) neighbours and SI2ter between them use all six list formats.
CONFIGS = (
    CellConfig(mcc="460", mnc="01", lac=0x508D, cell_id=7005, ncc=6, bcc=5, arfcn=62,
               cell_arfcns=(10, 20, 30, 62), cell_channel_format="bitmap0",
               neighbours=(1, 5, 60, 975, 1000), neighbour_format="range1024",
               si2bis_neighbours=(70, 80), si2ter_neighbours=(520, 600, 700), si2ter_format="range512",
               cro=5, temporary_offset=2, penalty_time=3),
    CellConfig(mcc="262", mnc="002", lac=318, cell_id=11225, ncc=1, bcc=3, arfcn=60,
               cell_arfcns=(60, 62, 100, 120), cell_channel_format="range128",
               neighbours=(60, 100, 200), neighbour_format="range256",
               si2ter_neighbours=(520, 530, 540), si2ter_format="variable_bitmap",
               si2quater=True, gprs=True, cell_barred=True, ccch_conf=1, rxlev_access_min=12),
)


def test_configs_cover_every_list_format():
    used = {f for c in CONFIGS for f in (c.cell_channel_format, c.neighbour_format, c.si2ter_format)}
    assert used == set(FORMATS)


@pytest.mark.parametrize("config", CONFIGS, ids=["bitmap0-range1024-range512", "range128-range256-vbitmap"])
def test_round_trip_every_si_type(config):
    rng = np.random.default_rng(config.cell_id)
    n = int(3.8 * RATE)  # two 8-multiframe cycles: every optional SI type gets its turn
    tmsis = {fn: paging_block(tmsis=(0x1000 + fn % 997,)) for fn in range(408 * 99, 408 * 99 + 800) if fn % 7 == 0}
    x = render_bcch_carrier(config, RATE, 0.0, n, fn0=408 * 99, pages=tmsis.get).astype(np.complex128)
    x = x + 0.4 * np.exp(1j) * np.roll(x, 7)  # an echo 1.75 symbols late
    x *= np.exp(2j * np.pi * 2700.0 * np.arange(n) / RATE)
    x += np.sqrt(4 * 0.1 / 2) * (rng.standard_normal(n) + 1j * rng.standard_normal(n))  # SNR 10 dB
    (d,) = receive(stream(x.astype(np.complex64)), RATE, 935e6 + 0.2e6 * config.arfcn)
    assert d.arfcn == config.arfcn and d.sch.bsic == 8 * config.ncc + config.bcc
    assert d.freq_offset_hz == pytest.approx(2700.0, abs=50)
    got = {r.data for _, r in d.blocks if r.ok}
    for name, block in system_information_blocks(config).items():
        assert block in got, name
    assert all(r.ok for _, r in d.blocks)
    cell = fingerprint(d.arfcn, d.freq_hz, d.sch.bsic, d.blocks, d.power_dbfs, d.snr_db, d.freq_offset_hz,
                       d.first_seen_s, d.last_seen_s)
    assert (cell.mcc, cell.mnc, cell.lac, cell.cell_id) == (config.mcc, config.mnc, config.lac, config.cell_id)
    want = set(config.neighbours) | set(config.si2bis_neighbours or ()) | set(config.si2ter_neighbours or ())
    assert set(cell.neighbours) == want
    assert cell.cell_barred == config.cell_barred and cell.rxlev_access_min == config.rxlev_access_min
    assert set(cell.si_types) == set(system_information_blocks(config))
    assert cell.paging_identities > 0
