import re

import numpy as np
import pytest

from locator.approach import guide, information_gain
from locator.errors import LocatorError
from locator.estimate import solve
from locator.geodesy import distance_bearing
from locator.simulate import Channel, Transmitter, fixed_stations, observe


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


@pytest.fixture(scope="module")
def drive_and_stations():
    """A drive along y = 0 passing 350 m south of the target, and fixed stations that settle its side."""
    rng = np.random.default_rng(2)
    tx = Transmitter(0.0, 350.0, 8.0, 3.2)
    fx, fy = fixed_stations(rng, 10, 2500.0)
    x = np.r_[np.arange(-2500.0, 2500.0, 10.0), np.repeat(fx, 20)]
    y = np.r_[np.zeros(500), np.repeat(fy, 20)]
    sc = observe(rng, tx, x, y, channel=Channel(shadowing_db=6.0))
    sol = solve(sc.readings, frame=sc.frame)
    assert len(sol.fix.modes) == 1 and np.hypot(sol.theta[0], sol.theta[1] - 350.0) < 100.0
    return sc, sol


def _latlon(sc, xy):
    return [tuple(float(v) for v in sc.frame.to_latlon(x, y)) for x, y in xy]


def test_a_street_already_driven_promises_almost_nothing(drive_and_stations):
    # Both streets pass 350 m from the target; the shadowing along the driven one is known already.
    _, sol = drive_and_stations
    driven, new = np.array([[-300.0, 0.0], [300.0, 0.0]]), np.array([[-300.0, 700.0], [300.0, 700.0]])
    gains = information_gain(sol, [driven, new])
    assert gains[1] > 0.3 and gains[0] < 0.05 * gains[1]


def test_a_longer_route_promises_at_least_as_much(drive_and_stations):
    _, sol = drive_and_stations
    short = np.array([[-300.0, 700.0], [0.0, 700.0]])
    longer = np.array([[-300.0, 700.0], [0.0, 700.0], [0.0, 1000.0]])
    one_place = np.array([[0.0, 700.0]])
    g = information_gain(sol, [one_place, short, longer])
    assert 0.0 < g[0] < g[1] <= g[2]


def test_guide_takes_the_best_route_and_keeps_their_order(drive_and_stations):
    sc, sol = drive_and_stations
    vlat, vlon = sc.frame.to_latlon(-300.0, 0.0)
    along_the_drive = _latlon(sc, [(-300.0, 0.0), (300.0, 0.0)])
    up_and_across = _latlon(sc, [(-300.0, 0.0), (-300.0, 700.0), (300.0, 700.0)])
    g = guide(sol, float(vlat), float(vlon), routes=[along_the_drive, up_and_across])
    assert [(c.lat, c.lon) for c in g.candidates] == [along_the_drive[-1], up_and_across[-1]]
    assert g.next_waypoint == g.candidates[1] and g.candidates[1].gain_bits > 10 * g.candidates[0].gain_bits


@pytest.mark.parametrize("kwargs, message", [
    ({"routes": []}, "routes: at least one route"),
    ({"routes": [[(31.2, 121.4, 0.0)]]}, "routes[0]: expected"),
    ({"routes": [[]]}, "routes[0]: expected"),
    ({"routes": [[(95.0, 121.4)]]}, "routes[0]: latitude"),
    ({"candidates": [], }, "candidates: expected"),
    ({"candidates": [(31.2, 121.4)], "routes": [[(31.2, 121.4)]]}, "not both"),
])
def test_bad_candidates_or_routes_raise_one_line(drive_and_stations, kwargs, message):
    sc, sol = drive_and_stations
    vlat, vlon = sc.frame.to_latlon(0.0, 0.0)
    with pytest.raises(LocatorError, match=re.escape(message)):
        guide(sol, float(vlat), float(vlon), **kwargs)
