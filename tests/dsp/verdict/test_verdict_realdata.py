"""Verdicts on real third-party data (../shared/realdata, read in place):

- the OpenCellID sample as register, and the real Vodafone DCS-1800 cell of SRLabs' vf_call6
  capture, its record built by our SI parser (:func:`dsp.gsm.cell.fingerprint`) from the L2 blocks
  gr-gsm decoded on its timeslot 0;
- real RDS Spy logs of licensed stations and pirates, decoded by :func:`dsp.fm.rds.decode_groups`,
  against a small FM register written here for the licensed ones. The PIs and PS names are the
  stations' own; frequencies are the logged ones where a log has one (YLE 94.0, RTL 104.6, BBC R4
  94.1 MHz) or the one in the station's name (RTL 102.5, Mix 98.9, KFOX 98.5); the rest, and all
  positions, are invented for the test and say nothing about the real stations.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from dsp.fm.rds import decode_groups
from dsp.fm.station import FmStation
from dsp.gsm.cell import fingerprint
from dsp.gsm.xcch import XcchResult
from dsp.verdict import (FM_RULES, GSM_RULES, LICENSED, ROGUE, HeardAs, TargetHistory, VerdictContext, history_key_fm,
                         judge, parse_cell_register, parse_fm_register, parse_opencellid)
from sensors.rdslog import read_rds_log
from verdict_worlds import allocations

VF = "gsm_vf_call6_bursts/expected/BCCH_ts0.grgsm_messages.txt"
BERLIN = (52.52, 13.405)  # assumed node position: SRLabs' capture place is not published
NAN = math.nan


def vf_call6_cell(realdata):
    """The real cell from gr-gsm's ts0 blocks: ARFCN 725, BSIC 48 (SCH), 7.3 s of blocks; level unknown."""
    blocks = []
    for line in realdata(VF).read_text().splitlines():
        head, _, hexes = line.partition(":")
        blocks.append((int(head.split()[0]), XcchResult(bytes.fromhex(hexes), True, 0, 1.0)))
    fns = [fn for fn, _ in blocks]
    return fingerprint(725, 1847.8e6, (6, 0), blocks, NAN, NAN, NAN, 0.0, (max(fns) - min(fns)) * 120 / 26e3)


@pytest.fixture
def vf_ctx(realdata):
    cell = vf_call6_cell(realdata)
    ocid = parse_opencellid(realdata("cell_data/opencellid_test-cells.csv").read_text(), "opencellid_test-cells.csv")
    return cell, VerdictContext(cell_register=ocid, allocations=allocations(), country_mcc="262", node=BERLIN,
                                cells=(cell,), observed_s=cell.last_seen_s)


def test_vf_call6_cell_decodes_to_the_readme_identity(vf_ctx):
    cell, _ = vf_ctx
    assert (cell.mcc, cell.mnc, cell.lac, cell.cell_id, cell.bsic.value) == ("262", "02", 318, 11225, 48)
    assert len(cell.neighbours) == 17 and cell.t3212_decihours == 10 and cell.gprs


def test_vf_call6_against_opencellid_is_noted_but_not_alarmed(vf_ctx):
    cell, ctx = vf_ctx
    v = judge(cell, ctx, GSM_RULES)
    assert v.klass == LICENSED and 0 < v.score < 25
    (reason,) = v.reasons
    assert reason.rule == "gsm.identity_unregistered" and "crowd-sourced" in reason.text
    assert "cell 262-02 LAC 318 CI 11225 on ARFCN 725" in reason.text
    abstained = dict(v.abstained)
    # OpenCellID has no ARFCN/BSIC/power, and one cell alone gives no operator baseline
    assert {"gsm.power_above_site", "gsm.freq_offset", "gsm.neighbours_not_reciprocal"} <= set(abstained)
    assert cell.paging_identities > 0 and "gsm.no_paging" not in abstained  # it pages: a live location area
    # LAC 318 is held by 19 other Vodafone cells of the sample near the assumed node: no LAC alarm
    assert "gsm.lac_unknown" not in abstained and "gsm.lac_unknown" not in {r.rule for r in v.reasons}


def test_vf_call6_against_a_regulator_register(vf_ctx):
    """A regulator's register: the sample's Vodafone cells (ARFCN unknown) plus this cell's own row."""
    cell, ctx = vf_ctx
    head = "operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon\n" + "".join(
        f"Vodafone,262,02,{c.lac},{c.cell_id},,,{c.lat},{c.lon}\n" for c in ctx.cell_register.of_plmn("262", "02"))
    licensed = parse_cell_register(head + "Vodafone,262,02,318,11225,725,48,52.53,13.42\n", "bnetza.csv")
    assert judge(cell, dataclasses.replace(ctx, cell_register=licensed), GSM_RULES).reasons == ()
    moved = parse_cell_register(head + "Vodafone,262,02,318,11225,730,48,52.53,13.42\n", "bnetza.csv")
    v = judge(cell, dataclasses.replace(ctx, cell_register=moved), GSM_RULES)
    assert v.klass == ROGUE and v.reasons[0].rule == "gsm.identity_clone"
    assert "has it on ARFCN 730" in v.reasons[0].text and "this one sends ARFCN 725" in v.reasons[0].text


# ------------------------------------------------------------------------------------------- FM

RDS = "rds_spy_logs/"
LICENSED_LOGS = {  # log → (MHz, registered PS)
    "Canada/B203_2019-05-05_09-33-12.spy": (88.1, "RADIO 2"),
    "Finland/6403_2018-09-05_15-15-59_FI_HE_YLESUOMI.rds": (94.0, "YLE HKI"),
    "Germany/D3A3_2019-05-04_20-15-21.spy": (96.9, "SWR3"),
    "Germany/D42A_2018-11-01_14-17-16_DE_BER_RTL104_6.rds": (104.6, "104.6RTL"),
    "Italy/5218_2019-05-04_22-24-42.spy": (102.5, "RTL102.5"),
    "Netherlands/83D2_2019-05-04_23-00-53.spy": (100.1, "RADIO 10"),
    "Sweden/E203_2019-05-04_18-02-28.spy": (99.3, "SR P3"),
    "Sweden/E220_2019-05-04_02-42-16.spy": (105.1, "NRJ"),
    "UK/C204_2015-09-27_23-35-46_UK_NRW_BBC4.rds": (94.1, "BBC R4"),
    "USA/16C6_2019-05-04_21-43-25.spy": (98.9, "Mix 989"),
    "USA/4569_2020-08-19_20-45-06.spy": (98.5, "KFOX"),
}
PIRATE_LOGS = {  # log → MHz: free channels here, except 3ABC on RTL 104.6's licensed channel
    "Netherlands/94FF_2019-05-05_10-08-29.spy": 106.1,
    "Netherlands/1000_2019-05-05_10-06-44.spy": 107.3,
    "Netherlands/CAD5_2019-05-05_10-02-15.spy": 107.7,
    "Netherlands/8052_2019-05-05_10-28-32.spy": 90.3,
    "Poland/3ABC_2019-05-04_22-36-23.spy": 104.6,
}


def _station(realdata, log: str, mhz: float) -> FmStation:
    rds = decode_groups(g.blocks for g in read_rds_log(realdata(RDS + log)).groups)
    freq = mhz * 1e6
    return FmStation(freq_hz=freq, power_dbfs=NAN, snr_db=NAN, occupied_bw_hz=None, peak_deviation_hz=None,
                     stereo=True, rds=rds, channel_hz=freq, freq_offset_hz=0.0, occupied_bw_xdb_hz=None,
                     deviation_p999_hz=None, over_75k_fraction=None, mpx_power_dbr=None, pilot_level_hz=None,
                     pilot_freq_error_hz=None, loop_period_s=None, loop_confidence=None)


@pytest.fixture
def rds_scene(realdata):
    register = "freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n" + "".join(
        f"{mhz * 1e6:.0f},{log.split('/')[1][:4]},{ps},{ps} licensee,50.0{i},8.0{i},20000,TEST-{i}\n"
        for i, (log, (mhz, ps)) in enumerate(LICENSED_LOGS.items()))
    stations = {log: _station(realdata, log, mhz) for log, (mhz, _) in LICENSED_LOGS.items()}
    stations |= {log: _station(realdata, log, mhz) for log, mhz in PIRATE_LOGS.items()}
    ctx = VerdictContext(fm_register=parse_fm_register(register, "test-fm-register.csv"), node=(50.0, 8.0),
                         stations=tuple(stations.values()))
    return stations, ctx


def test_licensed_rds_logs_are_licensed(rds_scene):
    stations, ctx = rds_scene
    for log in LICENSED_LOGS:
        v = judge(stations[log], ctx, FM_RULES)
        assert v.klass == LICENSED and v.reasons == (), (log, v.sentence())


def test_pirate_rds_logs_on_free_channels_are_rogue(rds_scene):
    stations, ctx = rds_scene
    for log, mhz in PIRATE_LOGS.items():
        if mhz == 104.6:
            continue
        v = judge(stations[log], ctx, FM_RULES)
        assert v.klass == ROGUE and v.reasons[0].rule == "fm.unlicensed_carrier", (log, v.sentence())
        assert f"{mhz:.2f} MHz" in v.reasons[0].text


def test_pirate_on_a_licensed_channel_with_only_its_own_pi_is_a_weak_cue(rds_scene):
    stations, ctx = rds_scene
    v = judge(stations["Poland/3ABC_2019-05-04_22-36-23.spy"], ctx, FM_RULES)
    (reason,) = v.reasons
    assert reason.rule == "fm.rds_identity_mismatch" and "PI '3ABC'" in reason.text and "'D42A'" in reason.text
    assert v.klass == LICENSED  # a wrong PI alone: noted, never an alarm; level, pilot or loop must add to it


def test_pirate_on_a_licensed_channel_heard_as_the_licensee_elsewhere_is_rogue(rds_scene):
    """The same 3ABC log, with the channel's history holding the real 104.6 RTL decode (as another
    node out of the pirate's reach would hear it). The logs carry no levels: both SNRs are assumed
    30 dB, enough for RDS to be reliable."""
    stations, ctx = rds_scene
    rtl = stations["Germany/D42A_2018-11-01_14-17-16_DE_BER_RTL104_6.rds"]
    pirate = dataclasses.replace(stations["Poland/3ABC_2019-05-04_22-36-23.spy"], snr_db=30.0)
    history = {history_key_fm(pirate.freq_hz): TargetHistory(heard_as=(HeardAs(rtl.rds.pi, True, 30.0),))}
    v = judge(pirate, dataclasses.replace(ctx, history=history), FM_RULES)
    assert v.klass == ROGUE and [r.rule for r in v.reasons] == ["fm.fingerprint_changes", "fm.rds_identity_mismatch"]
    assert "PI 3ABC" in v.reasons[0].text and "heard PI D42A" in v.reasons[0].text
