"""The 95 % region is a clean geometry (valid, one piece per mode, no hairline slivers between rows) and is
not cut short by the searched area."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from locator.errors import LocatorError
from locator.estimate import locate, solve
from locator.geodesy import destination
from locator.pathloss import eirp_dbm
from locator.readings import Readings
from locator.simulate import Channel, Transmitter, observe


@pytest.mark.parametrize("seed", range(12))
def test_region_is_valid_and_one_piece_per_mode(seed):
    rng = np.random.default_rng(seed)
    k = 10
    ang, dist = rng.uniform(0, 360, k), rng.uniform(200, 3000, k)
    pts = [destination(31.2, 121.45, a, d) for a, d in zip(ang, dist)]
    lat, lon = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    power = 40 - 32 * np.log10(dist) + rng.normal(0, 6, k)
    r = Readings.of(np.arange(k, dtype=float) + 1.7e9, [f"n{i}" for i in range(k)], lat, lon,
                    np.full(k, 947e6), power)
    fix = locate(r)
    assert fix.region.is_valid, shapely.is_valid_reason(fix.region)
    pieces = shapely.get_parts(fix.region)
    assert len(pieces) == len(fix.modes)
    # No slivers: every piece is a substantial area, not a row-thin strip.
    assert min(p.area for p in pieces) > 1e-3 * fix.region.area
    assert fix.to_json()["region"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize("seed", range(3))
def test_strong_emitter_far_outside_a_ring_is_not_cut_off_by_the_search_area(seed):
    # A 1 kW FM tower 8 km outside a ring of 4 stations (1.5 km radius): the likelihood is still
    # high 2 km beyond the stations, so a fixed search margin cut the region off short of the tower.
    rng = np.random.default_rng(seed)
    a = np.deg2rad([45.0, 135.0, 225.0, 315.0])
    freq = 98.1e6
    tx = Transmitter(1500.0 + 8000.0, 300.0, 60.0 - eirp_dbm(0.0, freq), 3.0)
    sc = observe(rng, tx, np.repeat(1500 * np.cos(a), 20), np.repeat(1500 * np.sin(a), 20),
                 channel=Channel(shadowing_db=6.0), node_id=np.repeat([f"s{i}" for i in range(4)], 20),
                 freq_hz=freq)
    sol = solve(sc.readings, frame=sc.frame)
    assert sol.region.geometry.covers(shapely.Point(tx.x, tx.y))
    assert sol.search.x1 > tx.x


def test_a_bounded_region_keeps_the_given_search_margin(fixed_scenario):
    sc = fixed_scenario(1, channel=Channel(shadowing_db=4.0), stations=16)
    sol = solve(sc.readings, frame=sc.frame, search_margin_m=1500.0)
    assert sol.region.bounded
    assert sol.search.x1 - sol.likelihood.sites.x.max() == pytest.approx(1500.0)


def test_search_margin_must_be_positive(fixed_scenario):
    with pytest.raises(LocatorError, match="search_margin_m"):
        solve(fixed_scenario(0).readings, search_margin_m=0.0)
