"""``foxhunt check fm`` on aviation-band emissions: who is held responsible follows
dsp.verdict.culprit (a product of licensed carriers alone blames nobody), and a capture that does
not reach 108 MHz did not search the band (fm.aviation_spurious abstains)."""

import json

import pytest

from dsp.fm.tx import FmStationConfig, Programme, SpuriousEmission
from fm_synth import capture
from foxhunt.cli import main
from sensors.recording import write_recording

F1, F2, F3 = 107.5e6, 106.9e6, 106.6e6          # 2·F1 − F2 = 108.1 MHz, inside the aviation band
NODE = "31.2200,121.4700"
RULE = "fm.aviation_spurious"


def _register(tmp_path, freqs) -> str:
    rows = "".join(f"{f:.0f},,,Station {k},31.2300,121.4800,3000,L{k},40000\n" for k, f in enumerate(freqs))
    path = tmp_path / "fm.csv"
    path.write_text("freq_hz,pi,ps,name,lat,lon,erp_w,licence_id,service_radius_m\n" + rows)
    return str(path)


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    """Three carriers and a CW tone (no audio to trace it by) at 2·F1 − F2, captured up to 108.8 MHz."""
    fc = 107.6e6
    spur = SpuriousEmission(offset_hz=(2 * F1 - F2) - F1, level_db=-35.0, modulation="cw")
    stations = [(FmStationConfig(programme=Programme("speech", seed=k), spurious=spur if k == 1 else None, seed=k),
                 f - fc, -12.0) for k, f in ((1, F1), (2, F2), (3, F3))]
    base = tmp_path_factory.mktemp("air") / "product"
    write_recording(base, capture(stations, 2.4e6, 1_440_000, noise_dbfs_per_200k=-75), datatype="cf32",
                    sample_rate=2.4e6, center_freq=fc)
    return base


def _check(capsys, rec, register, *more):
    code = main(["check", "fm", str(rec), "--register", register, "--at", NODE, *more])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def _verdicts(out: str) -> dict:
    doc = json.loads(out)
    return {round(s["freq_hz"] / 1e5) / 10: s["verdict"] for s in doc["stations"]}


def _aviation(verdict: dict) -> str | None:
    return next((r["text"] for r in verdict["reasons"] if r["rule"] == RULE), None)


def test_a_product_of_licensed_carriers_alone_blames_nobody(product, tmp_path, capsys):
    out = _check(capsys, product, _register(tmp_path, (F1, F2, F3)), "--json")
    doc = json.loads(out)
    (spur,) = doc["spurious"]
    assert spur["freq_hz"] == pytest.approx(2 * F1 - F2, abs=3e3) and spur["mechanism"] == "2f1-f2"
    verdicts = _verdicts(out)
    assert sorted(verdicts) == [106.6, 106.9, 107.5]
    for v in verdicts.values():
        assert _aviation(v) is None and RULE not in {a["rule"] for a in v["abstained"]}, v


def test_the_same_product_is_held_against_its_unlicensed_source(product, tmp_path, capsys):
    verdicts = _verdicts(_check(capsys, product, _register(tmp_path, (F2, F3)), "--json"))
    assert _aviation(verdicts[107.5]) == ("station 107.50 MHz puts spurious emissions into the aviation band at "
                                          "108.100 MHz = 2 × 107.500 − 106.900 MHz (third-order intermodulation, "
                                          "ITU-R SM.1009 type A1)")
    assert _aviation(verdicts[106.9]) is None
    table = _check(capsys, product, _register(tmp_path, (F2, F3)))
    assert "aviation band (108–137 MHz): 108.000–108.800 MHz of it searched for spurious emissions" in table


def test_a_capture_below_108_mhz_abstains_on_the_aviation_band(tmp_path, capsys):
    fc = 106.0e6
    cfg = FmStationConfig(programme=Programme("speech", seed=4), seed=4)
    base = tmp_path / "fm_only"
    write_recording(base, capture([(cfg, F3 - fc, -12.0)], 2.4e6, 480_000, noise_dbfs_per_200k=-75),
                    datatype="cf32", sample_rate=2.4e6, center_freq=fc)
    register = _register(tmp_path, (F3,))
    (verdict,) = _verdicts(_check(capsys, base, register, "--json")).values()
    assert {"rule": RULE, "why": "the aviation band (108–137 MHz) was not searched"} in verdict["abstained"]
    table = _check(capsys, base, register)
    assert "aviation band (108–137 MHz): not in this capture (104.800–107.200 MHz)" in table
