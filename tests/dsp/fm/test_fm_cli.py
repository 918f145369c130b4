"""``foxhunt decode fm``: the contract's JSON, the human table, WAV clips, and bad input."""

import json
import wave

import pytest

from dsp.fm.tx import FmStationConfig, Programme
from fm_synth import capture, rtl_impairments
from foxhunt.cli import main
from sensors.recording import write_recording

CONTRACT_KEYS = ["freq_hz", "power_dbfs", "snr_db", "occupied_bw_hz", "peak_deviation_hz", "stereo", "rds"]


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    cfg = FmStationConfig(programme=Programme("speech", seed=5))
    x = capture([(cfg, -300e3, -8.0), (FmStationConfig(programme=Programme("noise"), stereo=False), 420e3, -12.0)],
                2.4e6, 2_400_000, noise_dbfs_per_200k=-55)
    base = tmp_path_factory.mktemp("rec") / "two"
    write_recording(base, rtl_impairments(x), datatype="cu8", sample_rate=2.4e6, center_freq=98.0e6)
    return base


def test_json_follows_the_contract(recording, capsys, tmp_path):
    assert main(["decode", "fm", str(recording), "--json", "--audio", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["recording", "stations", "spurious"]
    assert out["recording"] == {"sample_rate": 2.4e6, "center_freq": 98.0e6, "duration_s": 1.0}
    st = out["stations"]
    assert [round(s["freq_hz"] / 1e3) for s in st] == [97700, 98420]
    for s in st:
        assert list(s)[:7] == CONTRACT_KEYS
        assert s["rds"] is None
    assert [s["stereo"] for s in st] == [True, False]
    assert out["spurious"] == []
    wavs = sorted(tmp_path.glob("*.wav"))
    assert [w.name for w in wavs] == ["97.7000MHz.wav", "98.4200MHz.wav"]
    with wave.open(str(wavs[0])) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (48000, 2, 1)
        assert w.getnframes() == pytest.approx(48000, abs=100)


def test_table(recording, capsys):
    assert main(["decode", "fm", str(recording)]) == 0
    out = capsys.readouterr().out
    assert "2 FM station(s)" in out and "97.7000" in out and "98.4200" in out


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["decode", "fm", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("foxhunt: error:") and err.count("\n") == 1
    raw = tmp_path / "x.cu8"
    raw.write_bytes(bytes(1000))
    assert main(["decode", "fm", str(raw), "--rate", "2.4e6", "--freq", "98e6", "--format", "cu8"]) == 2
    assert "shorter" in capsys.readouterr().err
