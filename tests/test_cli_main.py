"""The command line as a user runs it: help, version, info, one-line errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import recordings
from foxhunt import __version__
from foxhunt.cli import main
from foxhunt.recording_args import hertz
from sensors.recording import sigmf_paths, write_recording


def run(*argv: str) -> subprocess.CompletedProcess:
    """The installed entry point in a fresh interpreter, exactly as a user gets it."""
    return subprocess.run([sys.executable, "-m", "foxhunt", *argv], capture_output=True, text=True,
                          timeout=120)


def test_help_and_version():
    r = run("--help")
    assert r.returncode == 0 and "info" in r.stdout and "demo" in r.stdout
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"foxhunt {__version__}"


@pytest.mark.parametrize("argv", [("--help",), ("info",), ("user", "add", "ana", "--role", "boss"),
                                  ("decode", "gsm", "--help")])
def test_help_and_argument_errors_load_no_heavy_library(argv):
    """The parser alone loads no DSP, database or web library: help and usage errors are instant."""
    heavy = ("scipy", "sqlalchemy", "flask", "numba")
    code = ("import sys\nfrom foxhunt.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print('loaded:', *[m for m in {heavy!r} if m in sys.modules], file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    assert r.stderr.splitlines()[-1] == "loaded:", r.stderr


def test_info_on_bundled_recording(capsys):
    base = recordings.path("calibration_tone_947M_cu8")
    assert main(["info", str(base), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["datatype"] == "cu8" and doc["sample_rate"] == 2.4e6 and doc["center_freq"] == 947e6
    assert doc["duration_s"] == pytest.approx(0.05)
    assert doc["geolocation"] == {"lat": 31.2304, "lon": 121.4737, "alt_m": 12.0}
    assert doc["datetime"].startswith("2026-11-28T12:00:00")
    assert doc["rms_dbfs"] == pytest.approx(-19.9, abs=0.2)


def test_info_table(capsys):
    assert main(["info", str(recordings.path("calibration_tone_947M_cu8.sigmf-meta"))]) == 0
    out = capsys.readouterr().out
    assert "947.000000 MHz" in out and "2.4 MS/s" in out and "31.230400, 121.473700" in out


def test_info_raw_file_with_suffixed_numbers(tmp_path, capsys):
    x = np.full(1000, 0.5 + 0.5j, np.complex64)
    x.tofile(tmp_path / "c.cfile")
    assert main(["info", str(tmp_path / "c.cfile"), "--rate", "500k", "--freq", "941e6",
                 "--format", "cf32", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sample_rate"] == 500e3 and doc["center_freq"] == 941e6 and doc["datatype"] == "cf32_le"


@pytest.mark.parametrize("text, hz", [("941e6", 941e6), ("941M", 941e6), ("2.4M", 2.4e6),
                                      ("2400k", 2.4e6), ("1.8G", 1.8e9), ("500000", 5e5), ("98.7MHz", 98.7e6)])
def test_hertz(text, hz):
    assert hertz(text) == pytest.approx(hz)


@pytest.mark.parametrize("make, needle", [
    (lambda p: p / "absent.sigmf-meta", "metadata file missing"),
    (lambda p: (p / "x.cfile").write_bytes(b"\0" * 8) and p / "x.cfile", "needs --rate"),
], ids=["missing", "raw-undescribed"])
def test_bad_recording_is_one_line(tmp_path, make, needle):
    r = run("info", str(make(tmp_path)))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("foxhunt: error:") and needle in r.stderr
    assert "Traceback" not in r.stderr


def test_nan_recording_fails_after_report(tmp_path):
    x = np.ones(100, np.complex64)
    x[5] = np.inf
    x.tofile(tmp_path / "c.cfile")
    r = run("info", str(tmp_path / "c.cfile"), "--rate", "1e6", "--freq", "1e8", "--format", "cf32")
    assert r.returncode == 2 and "1 samples are NaN or Inf (first at sample 5)" in r.stderr
    assert "duration" in r.stdout


def test_bad_option_value_exits_2(tmp_path):
    r = run("info", "x", "--rate", "fast")
    assert r.returncode == 2 and "not a frequency" in r.stderr


def test_bad_datatype_in_meta(tmp_path):
    write_recording(tmp_path / "r", np.zeros(4, np.complex64), datatype="cu8", sample_rate=1e6,
                    center_freq=1e8)
    meta = sigmf_paths(tmp_path / "r")[0]
    meta.write_text(meta.read_text().replace('"cu8"', '"cu12"'))
    r = run("info", str(meta))
    assert r.returncode == 2 and "'cu12' is not supported" in r.stderr


def test_closed_pipe_is_not_an_error():
    """`foxhunt ... | true`: the reader is gone before the first write; no error, exit 0."""
    rec = recordings.path("calibration_tone_947M_cu8")
    r = subprocess.run(["bash", "-o", "pipefail", "-c", f"'{sys.executable}' -m foxhunt info '{rec}' | true"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == ""


def test_hostile_metadata_cannot_drive_the_terminal(tmp_path):
    """Recording metadata (like every decoded string) is attacker-controlled: an ESC sequence or a
    bidi override in it reaches the table escaped, never raw; JSON stays valid and exact."""
    hostile = "evil\x1b[2J\x1b]0;pwned\x07\u202egnp.exe\u200d"
    write_recording(tmp_path / "r", np.zeros(8, np.complex64), datatype="cu8", sample_rate=1e6,
                    center_freq=1e8, hw=hostile)
    r = run("info", str(tmp_path / "r"))
    assert r.returncode == 0
    assert not any(c in r.stdout for c in "\x1b\x07\u202e\u200d")
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202egnp.exe\\u200d" in r.stdout
    doc = json.loads(run("info", str(tmp_path / "r"), "--json").stdout)
    assert doc["hw"] == hostile
