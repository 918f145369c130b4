"""Band plans at their edges (3GPP TS 45.005 §2; FM and aeronautical VHF)."""

from __future__ import annotations

import pytest

from dsp import bands
from dsp.errors import DspError


@pytest.mark.parametrize("band, arfcn, ul_mhz, dl_mhz", [
    (bands.P_GSM, 1, 890.2, 935.2),
    (bands.P_GSM, 124, 914.8, 959.8),
    (bands.E_GSM, 0, 890.0, 935.0),
    (bands.E_GSM, 975, 880.2, 925.2),
    (bands.E_GSM, 1023, 889.8, 934.8),
    (bands.R_GSM, 955, 876.2, 921.2),
    (bands.GSM_850, 128, 824.2, 869.2),
    (bands.GSM_850, 251, 848.8, 893.8),
    (bands.DCS_1800, 512, 1710.2, 1805.2),
    (bands.DCS_1800, 885, 1784.8, 1879.8),
    (bands.PCS_1900, 512, 1850.2, 1930.2),
    (bands.PCS_1900, 810, 1909.8, 1989.8),
])
def test_arfcn_frequencies(band, arfcn, ul_mhz, dl_mhz):
    assert band.uplink_hz(arfcn) == pytest.approx(ul_mhz * 1e6)
    assert band.downlink_hz(arfcn) == pytest.approx(dl_mhz * 1e6)
    assert bands.downlink_hz_to_arfcn(dl_mhz * 1e6, (band,)) == (arfcn, band)


@pytest.mark.parametrize("band, arfcn", [
    (bands.P_GSM, 0), (bands.P_GSM, 125), (bands.P_GSM, 975),
    (bands.E_GSM, 125), (bands.E_GSM, 974), (bands.E_GSM, 1024),
    (bands.GSM_850, 127), (bands.GSM_850, 252),
    (bands.DCS_1800, 511), (bands.DCS_1800, 886),
    (bands.PCS_1900, 811),
])
def test_arfcn_outside_band(band, arfcn):
    assert not band.contains(arfcn)
    with pytest.raises(DspError, match=f"ARFCN {arfcn} is not in {band.name}"):
        band.downlink_hz(arfcn)


def test_p_gsm_edges():
    assert bands.P_GSM.contains(124) and not bands.P_GSM.contains(125)
    assert bands.E_GSM.contains(975) and bands.E_GSM.contains(0)
    assert len(bands.E_GSM.arfcns) == 125 + 49
    assert bands.E_GSM.downlink_edges_hz() == (pytest.approx(925.2e6), pytest.approx(959.8e6))


def test_default_band_resolution():
    assert bands.arfcn_to_downlink_hz(62) == pytest.approx(947.4e6)
    assert bands.arfcn_to_downlink_hz(1000) == pytest.approx(930.2e6)
    assert bands.arfcn_to_downlink_hz(200) == pytest.approx(883.6e6)
    assert bands.arfcn_to_downlink_hz(600, "DCS1800") == pytest.approx(1822.8e6)
    assert bands.arfcn_to_downlink_hz(600, "pcs") == pytest.approx(1947.8e6)
    with pytest.raises(DspError, match="both DCS1800 and PCS1900"):
        bands.arfcn_to_downlink_hz(600)
    with pytest.raises(DspError, match="in no GSM band"):
        bands.arfcn_to_downlink_hz(900)
    with pytest.raises(DspError, match="unknown GSM band"):
        bands.gsm_band("LTE")


def test_frequency_to_arfcn_tolerance():
    assert bands.downlink_hz_to_arfcn(947.4e6 + 30e3) == (62, bands.E_GSM)
    assert bands.downlink_hz_to_arfcn(947.5e6) is None
    assert bands.downlink_hz_to_arfcn(947.5e6, tolerance_hz=100e3)[0] in (62, 63)
    assert bands.downlink_hz_to_arfcn(1847.8e6) == (725, bands.DCS_1800)
    assert bands.downlink_hz_to_arfcn(100e6) is None


def test_channels_in_span():
    chans = bands.gsm_downlink_channels(953.3e6, 955.5e6)
    assert [n for n, _ in chans] == list(range(92, 103))  # 953.4 … 955.4 MHz
    assert bands.gsm_downlink_channels(100e6, 101e6) == []


def test_fm_bands():
    cn = bands.FM_CHINA.channels()
    assert cn[0] == pytest.approx(87.0e6) and cn[-1] == pytest.approx(108.0e6) and len(cn) == 211
    itu = bands.FM_ITU.channels()
    assert itu[0] == pytest.approx(87.5e6) and len(itu) == 206
    assert bands.FM_ITU.raster_offset_hz(91.195e6) == pytest.approx(-5e3)
    assert bands.FM_ITU.nearest_channel(98.656e6) == pytest.approx(98.7e6)
    assert not bands.FM_ITU.contains(87.2e6) and bands.FM_CHINA.contains(87.2e6)
    assert bands.AIR.contains(121.5e6) and not bands.AIR.contains(107.9e6)
    assert bands.AIR_COM.channels()[-1] == pytest.approx(137.0e6)


@pytest.mark.parametrize("lo, hi, fs, frac", [
    (925e6, 960e6, 2.4e6, 0.8), (87e6, 108e6, 2.048e6, 0.75), (108e6, 137e6, 3.2e6, 0.9),
    (947e6, 947e6, 2.4e6, 0.8),
])
def test_hop_plan_covers_band(lo, hi, fs, frac):
    hops = bands.plan_hops(lo, hi, fs, frac, guard_hz=100e3)
    assert hops[0].lo_hz <= lo - 100e3 and hops[-1].hi_hz >= hi + 100e3
    for a, b in zip(hops, hops[1:]):
        assert a.hi_hz >= b.lo_hz - 1e-3
    for h in hops:
        assert h.hi_hz - h.lo_hz <= fs * frac + 1e-3
        assert h.lo_hz < h.center_hz < h.hi_hz
    # No more hops than needed.
    assert len(hops) == max(1, -(-int(round(hi - lo + 200e3)) // int(fs * frac)))


def test_hop_plan_rejects_nonsense():
    with pytest.raises(DspError):
        bands.plan_hops(960e6, 925e6, 2.4e6)
    with pytest.raises(DspError):
        bands.plan_hops(925e6, 960e6, 0)
