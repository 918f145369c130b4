"""Scans of the simulated demo city: every cell and station above the node's floor is found and
decoded; the pseudo base station comes and goes; a recorded sweep replays to the same result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foxhunt.cli import main
from sensors.plan import plan_band
from sensors.scan import analyse, capture, merge
from sensors.scenario import FmEmitter, GsmEmitter
from sensors.sim import SimSource

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "recordings" / "demo_city.toml"
#: "Above the floor": what a careful operator would expect any receiver to pick up.
MIN_SNR_DB = 12.0


def _scan_hops_with_emitters(src: SimSource, band: str):
    """Scan the plan's hops that have something on air (the empty ones cannot fail the test)."""
    results, expected = [], {}
    for hop in plan_band(band, src.sample_rate).hops:
        src.tune(hop.center_hz)
        truth = [h for h in src.heard() if hop.lo_hz <= h.freq_hz < hop.hi_hz and not h.key.endswith("/spur")]
        if not truth:
            continue
        expected.update({h.key: h for h in truth if h.snr_db >= MIN_SNR_DB})
        results.append(analyse(capture(src, hop), hop))
    return merge(results), expected


def test_demo_gsm_scan_decodes_every_cell_above_the_floor():
    src = SimSource.from_file(DEMO, "xh-xujiahui")
    doc, expected = _scan_hops_with_emitters(src, "gsm900")
    assert len(expected) >= 8
    got = {(c["mcc"], c["mnc"], c["lac"], c["cell_id"], c["arfcn"]) for c in doc["cells"]}
    for h in expected.values():
        cell: GsmEmitter = h.emitter
        assert (cell.mcc, cell.mnc, cell.lac, cell.cell_id, cell.arfcn) in got, h.key
    by_arfcn = {h.emitter.arfcn: h.emitter for h in expected.values()}
    ghosts = [(c["arfcn"], c["bsic"]) for c in doc["cells"] if c["arfcn"] not in by_arfcn]
    assert not ghosts, f"cells decoded where none is on air: {ghosts}"
    for c in doc["cells"]:
        truth = by_arfcn[c["arfcn"]]
        assert c["bsic"] == {"ncc": truth.ncc, "bcc": truth.bcc}
        assert c["neighbours"] == sorted(truth.neighbours)


def test_demo_fm_scan_finds_every_station_and_its_rds():
    src = SimSource.from_file(DEMO, "xh-longhua")
    doc, expected = _scan_hops_with_emitters(src, "fm")
    assert len(expected) == 7
    for h in expected.values():
        st: FmEmitter = h.emitter
        found = [s for s in doc["stations"] if abs(s["freq_hz"] - st.freq_hz) < 5e3]
        assert found, h.key
        if st.pi:
            assert found[0]["rds"]["pi"] == st.pi and found[0]["rds"]["ps"].strip() == st.ps
        else:
            assert found[0]["rds"] is None


@pytest.mark.parametrize("t0, on_air", [(100.0, True), (1600.0, False)])
def test_pseudo_base_station_appears_and_vanishes(t0, on_air):
    src = SimSource.from_file(DEMO, "xh-xujiahui")
    src = SimSource(src.scenario, "xh-xujiahui", t0_s=t0)
    hop = next(h for h in plan_band("gsm900", src.sample_rate).hops if h.lo_hz <= 947.0e6 < h.hi_hz)
    cells = analyse(capture(src, hop), hop).cells
    blaster = [c for c in cells if c["arfcn"] == 60]
    assert bool(blaster) == on_air
    if on_air:
        c = blaster[0]
        assert (c["mcc"], c["mnc"], c["lac"], c["cell_id"], c["neighbours"], c["cro_db"]) == \
            ("460", "00", 41234, 5501, [], 62)


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_scan_cli_records_hops_that_replay_to_the_same_result(tmp_path, capsys):
    rec = tmp_path / "hops"
    code, out, err = _cli(capsys, "scan", "air", "--json", "--source", f"sim:{DEMO}:xh-xujiahui",
                          "--record", str(rec))
    assert code == 0, err
    doc = json.loads(out)
    assert len(doc["hops"]) == len(plan_band("air").hops) == len(list(rec.glob("*.sigmf-meta")))
    assert any(abs(s["freq_hz"] - 113.15e6) < 2e3 for s in doc["spurious"])
    meta = json.loads(next(rec.glob("*.sigmf-meta")).read_text())
    assert meta["global"]["core:geolocation"]["coordinates"][:2] == [121.4392, 31.1949]
    code, out, err = _cli(capsys, "scan", "air", "--json", "--source", f"sigmf:{rec}")
    assert code == 0, err
    replay = json.loads(out)
    assert [p["freq_hz"] for p in replay["peaks"]] == [p["freq_hz"] for p in doc["peaks"]]
    assert replay["hops"][0]["start"] == doc["hops"][0]["start"]


def test_scan_cli_bad_source_is_one_line(capsys):
    code, _, err = _cli(capsys, "scan", "gsm", "--source", "hackrf")
    assert code == 2
    assert err.strip().splitlines() == [
        "foxhunt: error: --source 'hackrf': expected rtlsdr[:N], sigmf:PATH or sim:SCENARIO[:NODE][@SECONDS]"]
