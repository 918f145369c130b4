import json

import numpy as np
import shapely

from locator.estimate import solve

INTERFACE_KEYS = ["target", "lat", "lon", "tx_power_dbm", "radius_95_m", "region", "n_readings", "path_loss_exponent"]


def test_to_json_has_the_interface_keys_first_and_is_plain_json(fixed_scenario):
    sc = fixed_scenario(21)
    fix = solve(sc.readings, frame=sc.frame).fix
    doc = fix.to_json()
    assert list(doc)[:len(INTERFACE_KEYS)] == INTERFACE_KEYS
    assert doc["region"]["type"] in ("Polygon", "MultiPolygon")
    assert json.loads(json.dumps(doc)) == doc
    ring = np.array(doc["region"]["coordinates"][0] if doc["region"]["type"] == "Polygon"
                    else doc["region"]["coordinates"][0][0])
    # GeoJSON order is (lon, lat), around the estimate
    assert np.all(np.abs(ring[:, 0] - doc["lon"]) < 0.5) and np.all(np.abs(ring[:, 1] - doc["lat"]) < 0.5)


def test_to_geojson_is_a_feature_with_the_region_and_figures(fixed_scenario):
    sc = fixed_scenario(22)
    fix = solve(sc.readings, frame=sc.frame).fix
    feat = fix.to_geojson()
    assert feat["type"] == "Feature" and feat["properties"]["target"] == fix.target
    assert shapely.geometry.shape(feat["geometry"]).covers(shapely.Point(fix.lon, fix.lat))


def test_widened_grows_the_region_radius_and_area_by_the_margin(fixed_scenario):
    from locator.geodesy import destination
    sc = fixed_scenario(23)
    fix = solve(sc.readings, frame=sc.frame).fix
    wide = fix.widened(500.0)
    assert wide.radius_95_m == fix.radius_95_m + 500.0
    assert wide.area_95_m2 > fix.area_95_m2 + np.pi * 500.0 ** 2 * 0.99
    assert wide.region.covers(fix.region)
    # 480 m north of the old region's northernmost point is inside the new region only
    top = shapely.get_coordinates(fix.region)[np.argmax(shapely.get_coordinates(fix.region)[:, 1])]
    lat, lon = destination(np.array([top[1]]), np.array([top[0]]), np.array([0.0]), np.array([480.0]))
    point = shapely.Point(float(lon[0]), float(lat[0]))
    assert wide.region.covers(point) and not fix.region.covers(point)
    assert (wide.lat, wide.lon, wide.n_readings) == (fix.lat, fix.lon, fix.n_readings)
