"""RDS Spy log reader: formats, lost blocks, frequencies, and bad lines named."""

import pytest

from sensors.errors import RecordingError
from sensors.rdslog import read_rds_log


def test_both_formats(tmp_path):
    spy = tmp_path / "a.spy"
    spy.write_text('<recorder="RDS Spy" date="2019-05-04">\nE220 0540 ---- 2020 @2019/05/04 02:42:04.15\n')
    log = read_rds_log(spy)
    assert log.groups[0].blocks == (0xE220, 0x0540, None, 0x2020)
    rds = tmp_path / "b.rds"
    rds.write_text("% RDS hexgroups\n% Freq 94000, date=2018/09/05\n6403 ---- ---- CD46 @0540\n")
    log = read_rds_log(rds)
    assert log.freqs_khz == (94000,) and log.groups[0].blocks == (0x6403, None, None, 0xCD46)


def test_bad_line_and_empty_file_are_named(tmp_path):
    bad = tmp_path / "bad.spy"
    bad.write_text("E220 0540 2385\n")
    with pytest.raises(RecordingError, match="bad.spy:1"):
        read_rds_log(bad)
    empty = tmp_path / "empty.rds"
    empty.write_text("% RDS hexgroups\n")
    with pytest.raises(RecordingError, match="no RDS groups"):
        read_rds_log(empty)
    with pytest.raises(RecordingError, match="cannot read"):
        read_rds_log(tmp_path / "missing.spy")
