"""Layer 3: SI/paging parse and build (44.018), channel-list formats, real and reference blocks, garbage."""

import collections
import json
import random

import pytest

from dsp.errors import DspError
from dsp.gsm import arfcn_lists as al
from dsp.gsm import multiframe as mf
from dsp.gsm.sysinfo import L3Message, Malformed, OtherMessage, parse_block
from dsp.gsm.sysinfo_encode import CellConfig, paging_block, system_information_blocks

VODAFONE = CellConfig(
    mcc="262", mnc="02", lac=318, cell_id=11225, ncc=6, bcc=0, arfcn=725, neighbours=(730, 733, 734, 741, 746),
    si2ter_neighbours=(4, 6, 8, 10, 12, 53, 61, 63, 65, 67, 69, 75), multiband_reporting=3, si2quater=True,
    si2quater_position=1, nch_position=0, cro=40, penalty_time=31, cbq=1, crh=3, rxlev_access_min=9,
    ms_txpwr_max_cch=0, neci=False, t3212=10, bs_pa_mfrms=9, max_retrans=2, tx_integer=14, ncc_permitted=0x78,
    dtx=1, radio_link_timeout=5, early_classmark_sending=True, gprs=True, ra_colour=6, rac=1, bcch_change_mark=4,
)


def test_real_cell_messages(vf_bursts):
    msgs = [parse_block(b) for _, b in vf_bursts.expected_bcch]
    counts = collections.Counter(m.name for m in msgs)
    # tshark's counts of the same 399 gr-gsm lines (realdata README); OTHER = the 33 NCH notifications.
    assert counts == {"PAGING1": 318, "OTHER": 33, "SI4": 10, "SI3": 9, "SI13": 6, "SI2ter": 5, "SI2quater": 5,
                      "SI2": 5, "SI1": 4, "PAGING2": 2, "IMM_ASS": 2}
    first = {}
    for m in msgs:
        first.setdefault(m.name, m)
    si3 = first["SI3"]
    assert (si3.cell_id, si3.lai.mcc, si3.lai.mnc, si3.lai.lac) == (11225, "262", "02", 318)
    c = si3.control
    assert (c.att, c.bs_ag_blks_res, c.ccch_conf, c.t3212) == (True, 1, 0, 10)
    assert c.bs_pa_mfrms == 9  # octet 11 is 0x07 in the blocks (the README's "field value 1" is not what they hold)
    assert (si3.selection.crh, si3.selection.ms_txpwr_max_cch, si3.selection.rxlev_access_min) == (3, 0, 9)
    assert not si3.rach.cell_barred and si3.rach.max_retrans == 2 and si3.rach.tx_integer == 14
    sp = si3.selection_parameters
    assert (sp.cbq, sp.cro, sp.cro_db, sp.temporary_offset_db) == (1, 40, 80, 0)
    assert (sp.penalty_time, sp.penalty_time_s) == (31, None)
    assert si3.si2ter_indicator and si3.early_classmark_sending and si3.where is None
    assert (si3.gprs.ra_colour, si3.gprs.si13_position, si3.si2quater_position) == (6, 0, 1)
    assert first["SI4"].lai == si3.lai and first["SI4"].gprs.ra_colour == 6
    assert first["SI1"].cell_channels.arfcns == (725,) and first["SI1"].cell_channels.format == "variable_bitmap"
    assert first["SI2"].neighbours.arfcns == (730, 733, 734, 741, 746) and first["SI2"].ncc_permitted == 0x78
    assert first["SI2ter"].neighbours.arfcns == (4, 6, 8, 10, 12, 53, 61, 63, 65, 67, 69, 75)
    assert first["SI2ter"].multiband_reporting == 3
    assert (first["SI13"].bcch_change_mark, first["SI13"].rac, first["SI13"].nmo) == (4, 1, 1)
    assert (first["SI2quater"].index, first["SI2quater"].count, first["SI2quater"].mp_change_mark) == (0, 0, 1)
    pages = [m for m in msgs if m.name.startswith("PAGING")]
    assert sum(len(p.identities) for p in pages) > 0
    assert {k for p in pages for k in p.identities} <= {"IMSI", "TMSI"}


def test_encoder_reproduces_the_real_cell(vf_bursts):
    real = {}
    for _, b in vf_bursts.expected_bcch:
        m = parse_block(b)
        if m.name.startswith("SI"):
            real.setdefault(m.name, b)
    ours = system_information_blocks(VODAFONE)
    for name in ("SI1", "SI2", "SI3", "SI4"):
        assert ours[name] == real[name], name
    # The cell sends SI2ter with L2 pseudo length 0; 44.018 §9.1.34 gives 18, which we send.
    assert ours["SI2ter"][1:] == real["SI2ter"][1:]
    for name in ("SI13", "SI2quater"):  # rest octets we fill differently, same meaning where parsed
        assert parse_block(ours[name]).name == name


def _truth_cells(shared_vector):
    base = shared_vector("gsm_3cells_2400k")
    return json.loads(base.with_name(base.name + ".truth.json").read_text())["cells"]


def _config_from_truth(c):
    return CellConfig(
        mcc=c["mcc"], mnc=c["mnc"], lac=c["lac"], cell_id=c["cell_id"], ncc=c["ncc"], bcc=c["bcc"], arfcn=c["arfcn"],
        cell_arfcns=tuple(c["cell_arfcns"]), neighbours=tuple(c["neighbours"]),
        cro=c["cro"] if c["sel_params"] else None, temporary_offset=c["temporary_offset"],
        penalty_time=c["penalty_time"], cbq=c["cbq"], crh=c["cell_reselect_hysteresis"],
        rxlev_access_min=c["rxlev_access_min"], ms_txpwr_max_cch=c["ms_txpwr_max_cch"], t3212=c["t3212"],
        bs_ag_blks_res=c["bs_ag_blks_res"], ccch_conf=c["ccch_conf"], bs_pa_mfrms=c["bs_pa_mfrms"],
        cell_barred=bool(c["cell_bar_access"]),
    )


def test_reference_generator_blocks(shared_vector):
    cells = _truth_cells(shared_vector)
    assert len(cells) == 3
    for c in cells:
        m = {name: parse_block(bytes.fromhex(h)) for name, h in c["si_hex"].items()}
        si3, si4 = m["SI3"], m["SI4"]
        assert (si3.lai.mcc, si3.lai.mnc, si3.lai.lac, si3.cell_id) == (c["mcc"], c["mnc"], c["lac"], c["cell_id"])
        assert si4.lai == si3.lai
        assert list(m["SI2"].neighbours.arfcns) == sorted(c["neighbours"])
        assert list(m["SI1"].cell_channels.arfcns) == sorted(c["cell_arfcns"])
        assert si3.selection_parameters.cro == c["cro"] and si3.control.t3212 == c["t3212"]
        assert si3.selection_parameters.temporary_offset == c["temporary_offset"]
        assert si3.selection_parameters.penalty_time == c["penalty_time"]
        assert (si3.selection.rxlev_access_min, si3.selection.ms_txpwr_max_cch, si3.selection.crh) == (
            c["rxlev_access_min"], c["ms_txpwr_max_cch"], c["cell_reselect_hysteresis"])
        assert (si3.control.bs_ag_blks_res, si3.control.bs_pa_mfrms, si3.control.ccch_conf) == (
            c["bs_ag_blks_res"], c["bs_pa_mfrms"], c["ccch_conf"])
        assert si3.rach.cell_barred == bool(c["cell_bar_access"])
        # Our encoder's defaults coincide with the generator's choices: every block is byte-identical.
        ours = system_information_blocks(_config_from_truth(c))
        for name, h in c["si_hex"].items():
            assert ours[name].hex() == h, name


LIST_CASES = {
    "bitmap0": (1, 5, 60, 124),
    "range1024": (0, 17, 31, 45, 58, 79, 81, 97, 113, 127, 213, 277, 287, 311, 331, 1023),
    "range512": tuple(range(600, 1024, 26))[:18],
    "range256": (975, 980, 1000, 1023, 0, 3, 77, 120, 200),
    "range128": tuple(range(512, 640, 5))[:26],
    "variable_bitmap": (730, 733, 734, 741, 746, 840),
}


@pytest.mark.parametrize("fmt", al.FORMATS)
def test_every_si_type_roundtrips_in_every_list_format(fmt):
    arfcns = LIST_CASES[fmt]
    cfg = CellConfig(
        mcc="001", mnc="001", lac=1, cell_id=65535, ncc=1, bcc=2, arfcn=arfcns[0], cell_arfcns=arfcns,
        neighbours=arfcns, neighbour_format=fmt, cell_channel_format=fmt, si2bis_neighbours=arfcns[:3],
        si2ter_neighbours=arfcns[-4:], si2ter_format=fmt, si2quater=True, cro=10, temporary_offset=7,
        penalty_time=3, cbq=1, cell_barred=True, gprs=True, ra_colour=5, rac=77, t3212=0, bs_pa_mfrms=5,
        ccch_conf=1, bs_ag_blks_res=2, nch_position=3,
    )
    blocks = system_information_blocks(cfg)
    assert set(blocks) == {"SI1", "SI2", "SI2bis", "SI2ter", "SI2quater", "SI3", "SI4", "SI13"}
    assert all(len(b) == 23 for b in blocks.values())
    m = {k: parse_block(b) for k, b in blocks.items()}
    assert {k: v.name for k, v in m.items()} == {k: k for k in blocks}
    for name, want in (("SI1", arfcns), ("SI2", arfcns), ("SI2bis", arfcns[:3]), ("SI2ter", arfcns[-4:])):
        lst = m[name].cell_channels if name == "SI1" else m[name].neighbours
        assert lst.arfcns == tuple(sorted(want)) and lst.format == fmt, name
    assert m["SI2"].ext_ind and m["SI1"].nch_position == 3
    si3 = m["SI3"]
    assert (si3.lai.mcc, si3.lai.mnc, si3.cell_id) == ("001", "001", 65535)
    assert si3.selection_parameters.temporary_offset_db is None and si3.selection_parameters.penalty_time_s == 80
    assert si3.rach.cell_barred and si3.gprs.ra_colour == 5 and si3.si2ter_indicator and si3.si2quater_position == 0
    assert (si3.control.t3212, si3.control.bs_pa_mfrms, si3.control.ccch_conf, si3.control.bs_ag_blks_res) == (0, 5, 1, 2)
    assert m["SI4"].selection_parameters == si3.selection_parameters and m["SI4"].gprs == si3.gprs
    assert m["SI13"].rac == 77


def test_list_formats_random_roundtrip():
    rng = random.Random(5)
    spans = {"range512": 511, "range256": 255, "range128": 127, "variable_bitmap": 111}
    for fmt in al.FORMATS:
        for _ in range(150):
            n = rng.randint(1, 30)
            if fmt == "bitmap0":
                a = rng.sample(range(1, 125), n)
            elif fmt == "range1024":
                a = rng.sample(range(1024), min(n, 16))
            else:
                o = rng.randrange(1024)
                a = [(o + x) % 1024 for x in rng.sample(range(spans[fmt] + 1), min(n, spans[fmt] + 1))]
            if not al.fits(a, fmt):
                with pytest.raises(al.MalformedList):
                    al.encode_channel_list(a, fmt)
                continue
            flags = rng.randrange(4)
            enc = al.encode_channel_list(a, fmt, flags)
            assert len(enc) == 16 and (enc[0] >> 4) & 3 == flags
            assert al.decode_channel_list(enc) == al.ChannelList(fmt, tuple(sorted(set(a))))


def test_list_capacities_and_auto_choice():
    assert al.fits(range(1, 17), "range1024") and not al.fits(range(1, 18), "range1024")
    assert al.fits([0] + list(range(1, 17)), "range1024")  # ARFCN 0 rides on the F0 bit
    assert al.fits(range(100, 118), "range512") and not al.fits(range(100, 119), "range512")
    assert al.fits(range(100, 122), "range256") and al.fits(range(100, 129), "range128")
    assert not al.fits([0, 128], "range128") and al.fits([0, 127], "range128")
    assert al.choose_format([1, 124]) == "bitmap0"
    assert al.choose_format([512, 600]) == "variable_bitmap"
    assert al.choose_format([512, 630]) == "range128"
    assert al.choose_format([0, 600]) == "range512"  # circularly 600..1023, 0 spans 424
    assert al.choose_format([0, 300, 600]) == "range1024"
    with pytest.raises(al.MalformedList):
        al.choose_format(range(0, 1024, 50))


def test_paging_blocks_roundtrip():
    cases = [((), (), ()), ((7,), (), ("TMSI",)), ((7, 8), (), ("TMSI", "TMSI")), ((1, 2, 3), (), ("TMSI",) * 3),
             ((1, 2, 3, 4), (), ("TMSI",) * 4), ((9,), ("001010123456789",), ("IMSI", "TMSI")),
             ((), ("00101012345678",), ("IMSI",))]
    for tmsis, imsis, kinds in cases:
        b = paging_block(tmsis, imsis)
        m = parse_block(b)
        assert len(b) == 23 and m.identities == kinds and m.type == {0: 1, 1: 1, 2: 1, 3: 2, 4: 3}[len(kinds)]
    with pytest.raises(DspError):
        paging_block((1, 2, 3, 4, 5))
    with pytest.raises(DspError):
        paging_block((1, 2), ("001010123456789",))
    with pytest.raises(DspError):
        paging_block(imsis=("12ab56",))


def test_garbage_never_raises():
    rng = random.Random(9)
    types = [0x19, 0x1A, 0x02, 0x03, 0x07, 0x1B, 0x1C, 0x00, 0x21, 0x22, 0x24, 0x3F, 0x39, 0x3A]
    names = collections.Counter()
    for i in range(20000):
        b = bytearray(rng.randbytes(23))
        if i % 2:  # well framed, so the parsers behind each message type see the garbage
            b[0] = (b[0] & 0xFC) | 1
            b[1] = 0x06
            b[2] = types[(i // 2) % len(types)]
        m = parse_block(bytes(b))
        assert isinstance(m, L3Message)
        names[m.name] += 1
    assert names["MALFORMED"] > 0 and names["SI3"] > 0 and names["PAGING1"] > 0
    for n in (0, 1, 3, 22, 24, 100):
        assert isinstance(parse_block(bytes([0x49, 0x06, 0x1B] + [0xFF] * 20)[:n].ljust(n, b"\x00")), Malformed)
    assert isinstance(parse_block(bytes([0x15, 0x06, 0x21, 0, 40, 0xF4] + [0] * 17)), Malformed)  # MI overruns
    assert isinstance(parse_block(bytes([0x01, 0x05, 0x41] + [0x2B] * 20)), OtherMessage)
    with pytest.raises(DspError):
        parse_block("not bytes")


@pytest.mark.parametrize(
    "kwargs",
    [{"mcc": "26"}, {"mnc": "2"}, {"mcc": 262}, {"cro": 64}, {"bs_pa_mfrms": 1}, {"neighbours": (1024,)},
     {"neighbour_format": "range64"}, {"lac": -1}],
)
def test_bad_cell_config(kwargs):
    base = dict(mcc="001", mnc="01", lac=1, cell_id=1, ncc=0, bcc=0, arfcn=1)
    with pytest.raises(DspError):
        CellConfig(**{**base, **kwargs})


def test_list_that_fits_no_format_is_a_config_error():
    cfg = CellConfig(mcc="001", mnc="01", lac=1, cell_id=1, ncc=0, bcc=0, arfcn=1, neighbours=tuple(range(0, 1024, 40)))
    with pytest.raises(DspError, match="neighbours"):
        system_information_blocks(cfg)


def test_real_cell_follows_the_si_schedule(vf_bursts):
    sent = {"SI1", "SI2", "SI2ter", "SI3", "SI4", "SI13"}
    norm = ext = 0
    for fn, block in vf_bursts.expected_bcch:
        name = parse_block(block).name
        if fn % 51 == mf.BCCH_NORM_FIRST:
            assert name == mf.bcch_norm_type(fn, sent), fn
            norm += 1
        elif name == "SI2quater":
            assert fn % 51 == mf.CCCH_FIRST_NONCOMBINED[0] and mf.bcch_ext_type(fn, {"SI2quater"}) == name
            ext += 1
    assert norm == 39 and ext == 5  # every SI block of the capture (SI1 4, SI2 5, SI2ter 5, SI3 9, SI4 10, SI13 6)


def test_si4_with_cbch_description():
    plain = system_information_blocks(VODAFONE)["SI4"]
    body = plain[3:13]
    with_cbch = bytes([0x45, 0x06, 0x1C]) + body + bytes([0x64, 0x28, 0x03, 0x2D]) + plain[13:19]
    m = parse_block(with_cbch)
    assert m.name == "SI4" and m.cbch and m.selection_parameters.cro == 40 and m.gprs.ra_colour == 6
    overrun = bytes([0x45, 0x06, 0x1C]) + body + bytes([0x64, 0x28, 0x03, 0x2D, 0x72, 0x30]) + bytes(4)
    assert isinstance(parse_block(overrun), Malformed)
