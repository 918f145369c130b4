"""The cell record and fingerprint accumulator; GSMTAP packets."""

import json
import struct

import numpy as np
import pytest

from dsp.errors import DspError
from dsp.gsm.cell import CONTRACT_KEYS, GsmCell, fingerprint
from dsp.gsm.gsmtap import BCCH, CCCH, gsmtap_packet
from dsp.gsm.sysinfo_encode import CellConfig, paging_block, system_information_blocks
from dsp.gsm.xcch import XcchResult, decode_xcch_many, encode_xcch

GOOD = lambda data: XcchResult(data, True, 0, 1.0)  # noqa: E731
BAD = XcchResult(None, False, 60, 0.3)


def test_real_cell_fingerprint(vf_bursts):
    blocks = vf_bursts.ts0_blocks()
    results = decode_xcch_many(np.stack([s for _, s in blocks]))
    cell = fingerprint(725, 1847.8e6, (6, 0), [(fn, r) for (fn, _), r in zip(blocks, results)],
                       power_dbfs=-20.0, snr_db=25.0, freq_offset_hz=0.0, first_seen_s=0.0, last_seen_s=7.3)
    assert (cell.mcc, cell.mnc, cell.lac, cell.cell_id) == ("262", "02", 318, 11225)
    assert cell.bsic.value == 48 and (cell.ncc, cell.bcc) == (6, 0)
    assert cell.neighbours == (4, 6, 8, 10, 12, 53, 61, 63, 65, 67, 69, 75, 730, 733, 734, 741, 746)
    assert cell.cell_channels == (725,) and cell.si2ter_neighbour_count == 12 and cell.si2quater_count == 1
    assert (cell.cro_db, cell.temporary_offset_db, cell.penalty_time_s) == (80, 0, None)
    assert (cell.t3212_decihours, cell.rxlev_access_min, cell.cell_barred, cell.crh_db) == (10, 9, False, 6)
    assert cell.si_types == ("SI1", "SI2", "SI2ter", "SI2quater", "SI3", "SI4", "SI13")
    assert cell.gprs is True and cell.si_conflicts == ()
    assert cell.blocks_ok == 293 and cell.blocks_bad == len(blocks) - 293
    assert cell.paging_count > 100 and cell.paging_identities > 0 and cell.immediate_assignments == 2


def _cfg(**kw):
    base = dict(mcc="460", mnc="00", lac=4361, cell_id=20821, ncc=3, bcc=5, arfcn=62, neighbours=(1, 5, 60), cro=5,
                penalty_time=0, t3212=10, rxlev_access_min=5)
    return CellConfig(**{**base, **kw})


def test_to_json_is_the_contract_shape():
    si = system_information_blocks(_cfg())
    blocks = [(51 * k + 2, GOOD(si[n])) for k, n in enumerate(("SI1", "SI2", "SI3", "SI4"))] + [(300, BAD)] * 2
    cell = fingerprint(62, 947.4e6, (3, 5), blocks, -23.1, 18.2, 350.0, 0.1, 1.9)
    assert fingerprint(62, 947.4e6, 29, blocks, -23.1, 18.2, 350.0, 0.1, 1.9) == cell  # BSIC 29 = NCC 3, BCC 5
    j = cell.to_json()
    assert tuple(j)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert j["bsic"] == {"ncc": 3, "bcc": 5} and j["mcc"] == "460" and j["mnc"] == "00"
    assert j["neighbours"] == [1, 5, 60] and j["cro_db"] == 10 and j["penalty_time_s"] == 20
    assert j["temporary_offset_db"] == 0 and j["t3212_decihours"] == 10 and j["cell_barred"] is False
    assert j["si_types"] == ["SI1", "SI2", "SI3", "SI4"] and (j["blocks_ok"], j["blocks_bad"]) == (4, 2)
    assert j["gprs"] is False and j["first_seen_s"] == 0.1
    json.dumps(j)  # serialisable as is


def test_carrier_without_decoded_si_has_null_identity():
    cell = fingerprint(62, 947.4e6, None, [(0, BAD)], -50.0, 2.0, 10.0, 0.0, 1.0)
    j = cell.to_json()
    assert all(j[k] is None for k in ("bsic", "mcc", "mnc", "lac", "cell_id", "cro_db", "t3212_decihours",
                                      "cell_barred", "rxlev_access_min", "gprs"))
    assert j["neighbours"] == [] and j["si_types"] == [] and j["blocks_bad"] == 1


def test_conflicting_si_keeps_the_most_frequent_and_notes_it():
    a, b = system_information_blocks(_cfg())["SI3"], system_information_blocks(_cfg(cell_id=999))["SI3"]
    cell = fingerprint(62, 947.4e6, (3, 5), [(0, GOOD(a)), (51, GOOD(b)), (102, GOOD(a))], 0.0, 0.0, 0.0, 0.0, 1.0)
    assert cell.cell_id == 20821 and cell.si_conflicts == ("SI3",)


def test_sent_config_comes_back_through_coding_and_fingerprint():
    cfg = _cfg(si2bis_neighbours=(600, 601), si2ter_neighbours=(512, 513, 514), gprs=True, cbq=1, crh=4,
               temporary_offset=7, penalty_time=31, cell_barred=True, ccch_conf=1, bs_ag_blks_res=2,
               bs_pa_mfrms=4)
    sent = list(system_information_blocks(cfg).values()) + [paging_block((1, 2)), paging_block((3, 4, 5))]
    rng = np.random.default_rng(0)
    soft = np.stack([encode_xcch(b) for b in sent]).astype(np.float32) * 2 - 1
    soft += rng.normal(0, 0.5, soft.shape).astype(np.float32)
    results = decode_xcch_many(soft)
    cell = fingerprint(62, 947.4e6, (3, 5), list(enumerate(results)), 0.0, 0.0, 0.0, 0.0, 1.0)
    assert cell.blocks_ok == len(sent)
    assert cell.neighbours == (1, 5, 60, 512, 513, 514, 600, 601)
    assert (cell.cro_db, cell.temporary_offset_db, cell.penalty_time_s, cell.cbq, cell.crh_db) == (10, None, None, 1, 8)
    assert (cell.cell_barred, cell.ccch_conf, cell.bs_ag_blks_res, cell.bs_pa_mfrms, cell.gprs) == (True, 1, 2, 4, True)
    assert (cell.paging_count, cell.paging_identities) == (2, 5)
    assert cell.si_types == ("SI1", "SI2", "SI2bis", "SI2ter", "SI3", "SI4", "SI13")


@pytest.mark.parametrize(
    "kwargs",
    [{"arfcn": 1024}, {"bsic": (8, 0)}, {"bsic": 64}, {"bsic": "48"}, {"blocks": [(0, b"x" * 23)]},
     {"power_dbfs": "loud"}],
)
def test_fingerprint_bad_input(kwargs):
    args = dict(arfcn=1, freq_hz=935.2e6, bsic=None, blocks=[], power_dbfs=0.0, snr_db=0.0, freq_offset_hz=0.0,
                first_seen_s=0.0, last_seen_s=0.0)
    with pytest.raises(DspError):
        fingerprint(**{**args, **kwargs})


def _pcap_packets(path):
    d = path.read_bytes()
    pos, out = 24, []
    while pos + 16 <= len(d):
        incl = struct.unpack("<I", d[pos + 8: pos + 12])[0]
        out.append(d[pos + 16: pos + 16 + incl][-(16 + 23):])
        pos += 16 + incl
    return out


def test_gsmtap_matches_the_pcap_wireshark_dissected(realdata):
    packets = _pcap_packets(realdata("gsm_vf_call6_bursts/expected/BCCH_ts0.gsmtap.pcap"))
    assert len(packets) > 250
    for p in packets:
        arfcn, fn, sub = struct.unpack(">H", p[4:6])[0], struct.unpack(">I", p[8:12])[0], p[12]
        assert sub in (BCCH, CCCH)
        dbm, snr = struct.unpack(">bb", p[6:8])
        assert gsmtap_packet(arfcn, fn, p[3], sub, p[16:], signal_dbm=dbm, snr_db=snr, sub_slot=p[14]) == p


def test_gsmtap_header_fields_and_bad_input():
    p = gsmtap_packet(62, 123456, 0, CCCH, bytes(23), signal_dbm=-200, snr_db=12.4, uplink=True)
    assert len(p) == 39 and p[:4] == bytes([2, 4, 1, 0])
    assert struct.unpack(">H", p[4:6])[0] == 0x4000 | 62 and struct.unpack(">bb", p[6:8]) == (-128, 12)
    assert struct.unpack(">I", p[8:12])[0] == 123456 and p[12] == CCCH
    for kwargs in ({"arfcn": -1}, {"timeslot": 8}, {"payload": "x"}, {"fn": 1 << 32}):
        args = {**dict(arfcn=1, fn=0, timeslot=0, sub_type=BCCH, payload=bytes(23)), **kwargs}
        with pytest.raises(DspError):
            gsmtap_packet(**args)


def test_gsmcell_is_frozen():
    cell = fingerprint(1, 935.2e6, None, [], 0.0, 0.0, 0.0, 0.0, 0.0)
    assert isinstance(cell, GsmCell)
    with pytest.raises(AttributeError):
        cell.arfcn = 2
