"""``foxhunt locate``: JSON shape per INTERFACES.md, GeoJSON output, and one clear line for bad CSV."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from foxhunt.cli import main
from foxhunt.commands.locate import WINDOW_S
from foxhunt.readings_csv import read_readings
from locator.geodesy import LocalFrame
from locator.pathloss import mean_power
from locator.readings import group_by_target
from locator.simulate import ORIGIN, fixed_stations
from locator.tracking import track

VEC = Path(__file__).resolve().parent / "vectors" / "locator"
HEADER = "timestamp,node_id,lat,lon,freq_hz,power_dbm\n"
ROW = "1700000000,n1,31.23,121.47,955200000,-70.5\n"


def test_json_shape_and_truth_inside_the_regions(capsys, tmp_path):
    out_geo = tmp_path / "regions.geojson"
    assert main(["locate", str(VEC / "two_targets.csv"), "--json", "--geojson", str(out_geo)]) == 0
    doc = json.loads(capsys.readouterr().out)
    truth = json.loads((VEC / "two_targets.truth.json").read_text())
    assert list(doc) == ["targets"]
    assert sorted(t["target"] for t in doc["targets"]) == sorted(truth)
    for t in doc["targets"]:
        assert list(t)[:8] == ["target", "lat", "lon", "tx_power_dbm", "radius_95_m", "region", "n_readings",
                               "path_loss_exponent"]
        assert isinstance(t["lat"], float) and isinstance(t["n_readings"], int) and t["radius_95_m"] > 0
        lat, lon = truth[t["target"]]
        assert shapely.geometry.shape(t["region"]).covers(shapely.Point(lon, lat))
    geo = json.loads(out_geo.read_text())
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2


def test_a_moving_target_is_flagged_and_tracked(tmp_path, capsys):
    rng = np.random.default_rng(5)
    fx, fy = fixed_stations(rng, 12, 2000.0)
    frame = LocalFrame(*ORIGIN)
    lat, lon = frame.to_latlon(fx, fy)
    rows = [HEADER.strip()]
    for k in range(40):                                   # a car driving east at 5 m/s, heard every 15 s
        t = 15.0 * k
        p = mean_power(10.0, 3.2, fx - (-900.0 + 5.0 * t), fy - 100.0) + rng.normal(0, 2.0, 12)
        rows += [f"{1.7e9 + t},n{i},{lat[i]:.7f},{lon[i]:.7f},955200000,{p[i]:.1f}" for i in range(12)]
    f = tmp_path / "car.csv"
    f.write_text("\n".join(rows) + "\n")
    assert main(["locate", str(f), "--json"]) == 0
    t = json.loads(capsys.readouterr().out)["targets"][0]
    assert t["moving"] is True and len(t["track"]) >= 5
    x_end, _ = frame.to_xy(t["lat"], t["lon"])
    assert abs(float(x_end) - (-900.0 + 5.0 * 540.0)) < 400.0      # where the car is at the end
    # The track is the record of the whole drive: smoothed, each point also using the later windows.
    (readings,) = group_by_target(read_readings(f)).values()
    smoothed = track(readings, window_s=WINDOW_S, step_s=WINDOW_S / 2, history=True)
    assert [p["lat"] for p in t["track"]] == [round(p.lat, 7) for p in smoothed]


def test_table_output(capsys):
    assert main(["locate", str(VEC / "two_targets.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("target") and len(out) == 3 and "gsm-955.2" in out[1] + out[2]


@pytest.mark.parametrize("content,message", [
    ("", "empty file"),
    ("timestamp,node_id,lat,lon,freq_hz\n" + "1,n,1,1,1\n", "missing column power_dbm"),
    (HEADER + "1700000000,n1,31.23,121.47,955200000,strong\n", ":2: field power_dbm: expected power in dBm"),
    (HEADER + ROW + "1700000001,n1,95.0,121.47,955200000,-70\n", ":3: field lat: expected latitude"),
    (HEADER + "yesterday,n1,31.23,121.47,955200000,-70\n", ":2: field timestamp"),
    (HEADER + "1700000000,,31.23,121.47,955200000,-70\n", ":2: field node_id: empty"),
    (HEADER + "1700000000,n1,31.23,121.47,955200000\n", ":2: 5 fields, expected 6"),
    ("timestamp,node_id,lat,lon,freq_hz,power_dbm,powr\n", "unknown column 'powr'"),
    (HEADER, "no readings"),
    (HEADER + ROW, "target 955.2000MHz: readings: 1 reading;"),
    (HEADER + ROW * 3 + ROW.replace("121.47", "121.48") * 3, "target 955.2000MHz: readings: 2 distinct positions"),
])
def test_bad_csv_is_one_clear_line_and_exit_2(tmp_path, capsys, content, message):
    f = tmp_path / "r.csv"
    f.write_text(content)
    assert main(["locate", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("foxhunt: error: ") and str(f) in err
    assert message in err


def test_missing_file_is_exit_2(tmp_path, capsys):
    assert main(["locate", str(tmp_path / "absent.csv")]) == 2
    assert "absent.csv" in capsys.readouterr().err
