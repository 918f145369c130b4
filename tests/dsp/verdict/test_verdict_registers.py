"""Registers: our licensed-cell CSV, OpenCellID's CSV, the FM licence CSV and the allocation table."""

from __future__ import annotations

import pytest

from dsp.errors import DspError
from dsp.verdict import parse_allocations, parse_cell_register, parse_fm_register, parse_opencellid
from dsp.verdict.registers import AUTHORITY_CROWD, AUTHORITY_REGULATOR, default_service_radius_m
from verdict_worlds import CELL_REGISTER, FM_REGISTER, REPO, allocations

HEADER = "operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon\n"


def test_licensed_cells_parse_with_optional_columns():
    reg = parse_cell_register(CELL_REGISTER, "cells.csv")
    assert reg.authority == AUTHORITY_REGULATOR and reg.has_arfcn and reg.has_bsic and reg.has_power
    (cell,) = reg.lookup("460", "00", 4361, 20824)
    assert (cell.operator, cell.arfcn, cell.bsic, cell.power_dbm, cell.line) == ("China Mobile", 90, 12, 43.0, 5)
    assert len(reg.of_plmn("460", "01")) == 3
    # MNC compared as a number: "0" from a crowd source finds "00"
    assert reg.lookup("460", 0, 4361, 20824) == reg.lookup("460", "00", 4361, 20824)


def test_unknown_arfcn_and_bsic_may_be_empty():
    reg = parse_cell_register(HEADER + "Vodafone,262,02,318,11225,,,52.5,13.4\n")
    assert reg.cells[0].arfcn is None and reg.cells[0].bsic is None and not reg.has_arfcn


@pytest.mark.parametrize("row, field", [
    ("Vodafone,262,02,318,11225,725,64,52.5,13.4", "bsic"),
    ("Vodafone,26,02,318,11225,725,48,52.5,13.4", "mcc"),
    ("Vodafone,262,2,318,11225,725,48,52.5,13.4", "mnc"),
    ("Vodafone,262,02,70000,11225,725,48,52.5,13.4", "lac"),
    ("Vodafone,262,02,318,11225,725,48,95,13.4", "lat"),
    ("Vodafone,262,02,318,11225,725,48,52.5,east", "lon"),
    ("Vodafone,262,02,318,11225,1.5,48,52.5,13.4", "arfcn"),
    (",262,02,318,11225,725,48,52.5,13.4", "operator"),
])
def test_bad_cell_rows_name_source_line_and_field(row, field):
    with pytest.raises(DspError, match=rf"^cells\.csv:3: field '{field}': expected"):
        parse_cell_register(HEADER + "Vodafone,262,02,318,11224,725,48,52.5,13.4\n" + row + "\n", "cells.csv")


def test_missing_columns_and_empty_register_are_refused():
    with pytest.raises(DspError, match="header lacks column.*bsic"):
        parse_cell_register("operator,mcc,mnc,lac,cell_id,arfcn,lat,lon\n", "x.csv")
    with pytest.raises(DspError, match="empty register"):
        parse_cell_register("", "x.csv")
    with pytest.raises(DspError, match="x.csv:2: 10 fields"):
        parse_cell_register(HEADER + "a,262,02,1,1,1,1,1,1,9\n", "x.csv")


def test_opencellid_keeps_gsm_rows_and_says_what_it_lacks():
    text = ("radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal\n"
            "GSM,262,2,317,11911,0,13.4524,52.5075,1454,122,1,1288894949,1724275323,0\n"
            "LTE,262,2,317,11912,0,13.4524,52.5075,1454,122,1,1288894949,1724275323,0\n"
            "GSM,310,26,317,1,0,-70,40,1454,122,1,1288894949,1724275323,0\n")
    reg = parse_cell_register(text, "ocid.csv")
    assert reg.authority == AUTHORITY_CROWD and not (reg.has_arfcn or reg.has_bsic or reg.has_power)
    assert [c.mnc for c in reg.cells] == ["02", "026"]
    assert reg.cells[0].range_m == 1454 and reg.cells[0].arfcn is None
    assert any("no ARFCN" in n for n in reg.notes) and any("1 LTE" in n for n in reg.notes)


def test_opencellid_real_sample(realdata):
    reg = parse_opencellid(realdata("cell_data/opencellid_test-cells.csv").read_text(), "opencellid_test-cells.csv")
    assert len(reg.cells) == 99
    assert len(reg.of_plmn("262", "02")) == 74 and len(reg.of_plmn("262", "01")) == 19
    assert not reg.lookup("262", "02", 318, 11225)  # the vf_call6 cell is not in the sample ...
    assert sum(c.lac == 318 for c in reg.of_plmn("262", "02")) == 19  # ... but its LAC is


def test_fm_register_parses_and_defaults_the_service_radius():
    reg = parse_fm_register(FM_REGISTER.replace(",60000\n", ",\n", 1), "fm.csv")
    lic = reg.licences[0]
    assert (lic.pi, lic.ps, lic.erp_w, lic.licence_id) == ("13A1", "CNR 1", 10000.0, "GD-001")
    assert lic.service_radius_m == pytest.approx(default_service_radius_m(10000)) and 30e3 < lic.service_radius_m < 40e3
    assert [x.licence_id for x in reg.on_channel(98.71e6)] == ["GD-001"]


def test_fm_register_without_rds_and_errors():
    head = "freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n"
    lic = parse_fm_register(head + "90000000,,,Quiet FM,31,121,100,L1\n").licences[0]
    assert lic.pi is None and lic.ps is None
    with pytest.raises(DspError, match=r"fm.csv:2: field 'pi': expected 4 hex digits"):
        parse_fm_register(head + "90000000,13G1,,Bad,31,121,100,L1\n", "fm.csv")
    with pytest.raises(DspError, match=r"fm.csv:2: field 'freq_hz'"):
        parse_fm_register(head + "90.0,13A1,,Bad,31,121,100,L1\n", "fm.csv")
    with pytest.raises(DspError, match=r"fm.csv:2: field 'ps': expected at most 8"):
        parse_fm_register(head + "90000000,13A1,TOO LONG PS,Bad,31,121,100,L1\n", "fm.csv")


def test_shipped_allocation_table():
    alloc = allocations()
    assert {b.operator for b in alloc.holders("460", 110)} == {"China Unicom"}
    assert {b.operator for b in alloc.holders("460", 60)} == {"China Mobile"}
    assert alloc.of_plmn("262", "02") and alloc.countries() >= {"460", "262"}
    assert all(b.precision == "band" for b in alloc.of_plmn("262", 2))
    with pytest.raises(DspError, match="a.csv:2: field 'precision'"):
        parse_allocations("mcc,mnc,operator,band,first_arfcn,last_arfcn,precision\n460,00,X,B,1,2,guess\n", "a.csv")
    with pytest.raises(DspError, match="a.csv:2: field 'last_arfcn'"):
        parse_allocations("mcc,mnc,operator,band,first_arfcn,last_arfcn,precision\n460,00,X,B,9,2,exact\n", "a.csv")
    assert (REPO / "recordings" / "allocations_gsm.csv").read_text().count("# Sources") == 1
