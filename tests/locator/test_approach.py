import numpy as np
import pytest

from locator.approach import guide
from locator.estimate import solve
from locator.geodesy import distance_bearing
from locator.simulate import Channel, Transmitter, observe


@pytest.fixture(scope="module")
def straight_drive():
    rng = np.random.default_rng(11)
    tx = Transmitter(0.0, 350.0, 8.0, 3.2)
    x = np.arange(-2500.0, 2500.0, 10.0)
    sc = observe(rng, tx, x, np.zeros_like(x), channel=Channel(shadowing_db=6.0))
    return sc, solve(sc.readings, frame=sc.frame)


def test_bearing_and_distance_point_at_the_estimate(straight_drive):
    sc, sol = straight_drive
    vlat, vlon = sc.frame.to_latlon(-1000.0, 0.0)
    g = guide(sol, float(vlat), float(vlon))
    d, b = distance_bearing(vlat, vlon, sol.fix.lat, sol.fix.lon)
    assert g.distance_m == pytest.approx(float(d)) and g.bearing_deg == pytest.approx(float(b))
    assert len(g.candidates) == 17 and g.next_waypoint.gain_bits == max(c.gain_bits for c in g.candidates)


def test_next_waypoint_leaves_the_road_to_resolve_the_mirror_ambiguity(straight_drive):
    sc, sol = straight_drive
    assert len(sol.fix.modes) == 2
    vlat, vlon = sc.frame.to_latlon(0.0, 0.0)
    on_road = [tuple(float(v) for v in sc.frame.to_latlon(dx, 0.0)) for dx in (-300.0, 300.0)]
    off_road = [tuple(float(v) for v in sc.frame.to_latlon(0.0, dy)) for dy in (-300.0, 300.0)]
    g = guide(sol, float(vlat), float(vlon), candidates=on_road + off_road)
    gains = [c.gain_bits for c in g.candidates]
    assert min(gains[2:]) > 2.0 * max(gains[:2])
    assert (g.next_waypoint.lat, g.next_waypoint.lon) in off_road
