"""``foxhunt decode gsm``: the contract's JSON, the table, raw input, GSMTAP, bad input."""

from __future__ import annotations

import json
import socket

import pytest

from foxhunt.cli import main

GSMSP_941 = "gsm_gsmsp2007/GSMSP_20070204_robert_dbsrx_941.0MHz_128.cfile"
CELL_KEYS = ["arfcn", "freq_hz", "bsic", "mcc", "mnc", "lac", "cell_id", "neighbours", "cro_db",
             "temporary_offset_db", "penalty_time_s", "t3212_decihours", "cell_barred",
             "rxlev_access_min", "si_types", "power_dbfs", "snr_db", "freq_offset_hz",
             "blocks_ok", "blocks_bad"]


def test_json_on_the_reference_recording_every_truth_field(shared_vector, capsys):
    base = shared_vector("gsm_3cells_2400k")
    truth = json.loads(base.with_name(base.name + ".truth.json").read_text())
    assert main(["decode", "gsm", str(base), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recording"] == {"sample_rate": 2400000.0, "center_freq": 954400000.0, "duration_s": 2.2}
    assert [c["arfcn"] for c in doc["cells"]] == [93, 96, 99]
    for c, t in zip(doc["cells"], sorted(truth["cells"], key=lambda c: c["arfcn"])):
        assert list(c)[:len(CELL_KEYS)] == CELL_KEYS
        assert c["bsic"] == {"ncc": t["ncc"], "bcc": t["bcc"]}
        assert (c["freq_hz"], c["mcc"], c["mnc"], c["lac"], c["cell_id"]) == (
            t["freq_hz"], t["mcc"], t["mnc"], t["lac"], t["cell_id"])
        assert c["neighbours"] == t["neighbours"]
        assert (c["t3212_decihours"], c["rxlev_access_min"], c["cell_barred"]) == (
            t["t3212"], t["rxlev_access_min"], bool(t["cell_bar_access"]))
        assert c["cro_db"] == 2 * t["cro"] and c["temporary_offset_db"] == 10 * t["temporary_offset"]
        assert c["si_types"] == sorted(set(t["si_schedule"]))
        assert c["freq_offset_hz"] == pytest.approx(t["freq_offset_hz"], abs=150)
        assert c["blocks_ok"] >= 88 and c["blocks_bad"] <= 4


def test_raw_real_capture_table(realdata, capsys):
    path = realdata(GSMSP_941)
    assert main(["decode", "gsm", str(path), "--rate", "500k", "--freq", "941M", "--format", "cf32"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["ARFCN", "MHz", "BSIC"]
    assert out[1].split()[:3] == ["30", "941.0", "40"]


def test_gsmtap_sends_each_good_block_to_localhost(realdata, capsys):
    path = realdata(GSMSP_941)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(2.0)
    port = rx.getsockname()[1]
    assert main(["decode", "gsm", str(path), "--rate", "500k", "--freq", "941M", "--format", "cf32",
                 "--json", "--gsmtap", f"127.0.0.1:{port}"]) == 0
    doc = json.loads(capsys.readouterr().out)
    packets = []
    for _ in range(doc["cells"][0]["blocks_ok"]):
        packets.append(rx.recv(2048))
    rx.close()
    expected = realdata("gsm_gsmsp2007/expected") / "GSMSP_20070204_robert_dbsrx_941.0MHz_128.grgsm_messages_ts0.txt"
    sent = {(int.from_bytes(p[8:12], "big"), p[16:]) for p in packets}
    assert all(p[:3] == bytes([2, 4, 1]) and int.from_bytes(p[4:6], "big") == 30 for p in packets)
    for line in expected.read_text().splitlines():
        head, _, hexes = line.partition(":")
        assert (int(head.split()[0]), bytes.fromhex(hexes)) in sent


def test_rate_too_low_is_one_line_exit_2(realdata, capsys):
    path = realdata(GSMSP_941)
    assert main(["decode", "gsm", str(path), "--rate", "200k", "--freq", "941M", "--format", "cf32"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("foxhunt: error:") and "too low" in err[0]


def test_bad_gsmtap_address_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        main(["decode", "gsm", "x.cfile", "--gsmtap", "nohost:notaport"])
    assert exc.value.code == 2
