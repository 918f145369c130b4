import numpy as np
import pytest

from locator.errors import LocatorError
from locator.geodesy import LocalFrame, destination, distance_bearing


@pytest.mark.parametrize("lat0,lon0", [(31.23, 121.47), (-33.9, 18.4), (64.1, -21.9), (0.0, 179.99)])
def test_local_frame_round_trip_within_a_millimetre(lat0, lon0):
    frame = LocalFrame(lat0, lon0)
    rng = np.random.default_rng(1)
    x = rng.uniform(-30_000, 30_000, 200)
    y = rng.uniform(-30_000, 30_000, 200)
    lat, lon = frame.to_latlon(x, y)
    x2, y2 = frame.to_xy(lat, lon)
    assert np.max(np.hypot(x2 - x, y2 - y)) < 1e-3


def test_frame_is_metric_near_its_origin():
    frame = LocalFrame(31.23, 121.47)
    lat, lon = frame.to_latlon(np.array([0.0, 3000.0]), np.array([0.0, 4000.0]))
    dist, bearing = distance_bearing(lat[0], lon[0], lat[1], lon[1])
    assert dist == pytest.approx(5000.0, abs=0.5)                  # azimuthal-equidistant from the origin
    assert bearing == pytest.approx(np.degrees(np.arctan2(3, 4)), abs=0.05)


def test_geodesic_distance_and_destination_round_trip():
    lat, lon = destination(31.23, 121.47, 123.4, 15_000.0)
    dist, bearing = distance_bearing(31.23, 121.47, lat, lon)
    assert dist == pytest.approx(15_000.0, abs=1e-6)
    assert bearing == pytest.approx(123.4, abs=1e-9)
    # one degree of latitude at the equator on WGS84 is 110 574 m
    assert distance_bearing(0.0, 0.0, 1.0, 0.0)[0] == pytest.approx(110_574.4, abs=1.0)


def test_frame_around_points_centres_on_them_and_handles_the_antimeridian():
    frame = LocalFrame.around([10.0, 10.2], [179.9, -179.9])
    assert frame.lat0 == pytest.approx(10.1)
    assert abs(abs(frame.lon0) - 180.0) < 1e-9


def test_bad_latitude_is_rejected_with_the_field_named():
    with pytest.raises(LocatorError, match="latitude"):
        LocalFrame.around([91.0], [0.0])
