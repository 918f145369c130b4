"""Frame numbering and the TS0 51-multiframe (45.002 §3.3.2, §6.3, §7)."""

import pytest

from dsp.errors import DspError
from dsp.gsm import multiframe as mf


@pytest.mark.parametrize(
    "fn,t1,t2,t3p", [(860911, 649, 25, 3), (860921, 649, 9, 4), (860932, 649, 20, 0), (860942, 649, 4, 1)]
)
def test_real_sch_frame_numbers(fn, t1, t2, t3p):
    # Values from libosmocoding's decode of the real SCH bursts (realdata SCH_ts0 file).
    f = mf.split_fn(fn)
    assert (f.t1, f.t2, f.t3p) == (t1, t2, t3p)
    assert mf.fn_from_sch(t1, t2, t3p) == fn


def test_fn_roundtrip_over_hyperframe_samples():
    for fn in range(0, mf.HYPERFRAME, 9973):
        f = mf.split_fn(fn)
        assert mf.fn_from_t(f.t1, f.t2, f.t3) == fn


def test_noncombined_layout():
    kinds = [mf.channel_at(fn) for fn in range(51)]
    assert [k for k, _ in kinds].count("FCCH") == 5
    assert [k for k, _ in kinds].count("SCH") == 5
    assert kinds[2:6] == [("BCCH", 0)] * 4
    assert kinds[6:10] == [("CCCH", 0)] * 4
    assert kinds[46:50] == [("CCCH", 8)] * 4
    assert kinds[50] == ("IDLE", 0)


def test_combined_layout():
    assert mf.channel_at(16, 1) == ("CCCH", 2)
    assert mf.channel_at(22, 1) == ("SDCCH", 0)
    assert mf.channel_at(39, 1) == ("SDCCH", 3)
    assert mf.channel_at(42, 1) == ("SACCH", 0)
    assert mf.channel_at(51 + 46, 1) == ("SACCH", 3)


def test_real_si_schedule():
    # Real cell (realdata BCCH_ts0): SI1 at TC 0, SI2 TC 1, SI3 TC 2/6, SI4 TC 3/7, SI13 TC 4, SI2ter TC 5.
    have = {"SI1", "SI2", "SI3", "SI4", "SI13", "SI2ter", "SI2quater"}
    got = [mf.bcch_norm_type(51 * k + 2, have) for k in range(8)]
    assert got == ["SI1", "SI2", "SI3", "SI4", "SI13", "SI2ter", "SI3", "SI4"]
    assert mf.bcch_norm_type(0, {"SI3"}) is None
    # The same cell sends SI2quater on BCCH Ext (frames 6-9) at TC 5, as its SI3 announces.
    assert [mf.bcch_ext_type(51 * k + 6, {"SI2quater"}) for k in range(8)] == [None] * 5 + ["SI2quater"] + [None] * 2
    assert mf.tc(860902) == (860902 // 51) % 8


def test_bad_frames():
    with pytest.raises(DspError):
        mf.split_fn(mf.HYPERFRAME)
    with pytest.raises(DspError):
        mf.block_start(0)
    with pytest.raises(DspError):
        mf.ccch_blocks(2)
