"""Degenerate readings get an honest answer (an open region, the estimate within the searched area)
or one LocatorError line: never a ValueError from the grid, a NaN, or an estimate thousands of km away.

The fixed-station cases are those of benchmarks/ingest_load.py: 16 stations about 10 km apart, powers
that do not depend on the distance at all. There the likelihood keeps falling away from the
stations, the unconstrained refinement left the searched area, and the region's start box came out
inverted ("arange: cannot compute length", "zero-size array to reduction operation minimum").
"""

from __future__ import annotations

import numpy as np
import pytest

from locator.errors import LocatorError
from locator.estimate import MAX_SEARCH_MARGIN_M, solve
from locator.geodesy import LocalFrame
from locator.likelihood import NoiseModel
from locator.readings import Readings

FRAME = LocalFrame(31.2, 121.45)


def _stations(seed: int, power_db: float | np.ndarray, sd_db: float, places: int = 16, per_place: int = 3,
              half_width_m: float = 5000.0) -> Readings:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-half_width_m, half_width_m, (2, places))
    k = np.repeat(np.arange(places), per_place)
    lat, lon = FRAME.to_latlon(x[k], y[k])
    power = power_db + rng.normal(0.0, sd_db, k.size) if sd_db else np.broadcast_to(power_db, k.shape)
    return Readings.of(np.arange(k.size, dtype=float), [f"n{i}" for i in k], lat, lon, 935e6, power)


def _assert_honest_and_open(sol) -> None:
    assert sol.search.contains(sol.theta[0], sol.theta[1])
    assert np.all(np.isfinite(sol.theta)) and np.isfinite(sol.q_min) and np.isfinite(sol.scale2)
    assert not sol.region.bounded and not sol.fix.region_bounded
    assert sol.fix.region.is_valid and not sol.fix.region.is_empty
    f = sol.fix.to_json()
    for key in ("lat", "lon", "tx_power_dbm", "radius_95_m", "area_95_m2", "shadowing_db"):
        assert np.isfinite(f[key]), key
    # The region's farthest point is about a diagonal of the searched area away at most (its cells
    # overhang the area by half a cell).
    span = np.hypot(sol.search.x1 - sol.search.x0, sol.search.y1 - sol.search.y0)
    assert 0 < sol.fix.radius_95_m < 1.1 * span


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_powers_unrelated_to_distance_give_an_open_region_not_a_grid_error(seed):
    # Ten readings a place, as a station's sweeps give. The unconstrained fit left the searched area
    # on these seeds: the region's start box was inverted in both axes (1), in one (4), or not at all
    # (0: the estimate was reported outside the area searched).
    _assert_honest_and_open(solve(_stations(seed, -80.0, 8.0, per_place=10)))


def test_equal_powers_everywhere_give_an_open_region():
    # A transmitter infinitely far away explains equal powers exactly: the fit ran off ~4000 km.
    _assert_honest_and_open(solve(_stations(0, -80.0, 0.0, places=30, half_width_m=1000.0)))


@pytest.mark.parametrize("power_dbm", [-250.0, 50.0])
def test_powers_no_place_near_the_stations_explains_give_an_open_region(power_dbm):
    # Far too weak (or too strong) for the EIRP prior anywhere near the stations.
    _assert_honest_and_open(solve(_stations(1, power_dbm, 8.0, places=10, half_width_m=500.0)))


@pytest.mark.parametrize("gain", [float("nan"), float("inf")])
def test_a_non_finite_node_gain_is_one_clear_error(gain):
    with pytest.raises(LocatorError, match=r"node_gain_db\['n1'\]: expected a finite gain"):
        solve(_stations(1, -80.0, 8.0, places=10), node_gain_db={"n1": gain})


@pytest.mark.parametrize("margin", [float("inf"), float("nan"), 2 * MAX_SEARCH_MARGIN_M])
def test_a_search_margin_beyond_the_widest_search_is_one_clear_error(margin):
    with pytest.raises(LocatorError, match="search_margin_m: expected a positive distance up to"):
        solve(_stations(1, -80.0, 8.0, places=10), search_margin_m=margin)


@pytest.mark.parametrize("field, value, message", [
    ("freq_hz", 0.0, "readings.freq_hz: every value must be a positive frequency"),
    ("freq_hz", -935e6, "readings.freq_hz: every value must be a positive frequency"),
    ("power_dbm", 1e300, "readings.power_dbm: every value must be within"),
    ("power_dbm", -1e6, "readings.power_dbm: every value must be within"),
])
def test_readings_out_of_physical_range_are_one_clear_error(field, value, message):
    cols = {"timestamp": [0.0, 1.0, 2.0], "node_id": ["a", "b", "c"], "lat": [31.2, 31.21, 31.2],
            "lon": [121.45, 121.45, 121.46], "freq_hz": 935e6, "power_dbm": [-70.0, -75.0, -80.0]}
    cols[field] = value if field == "freq_hz" else [value, -75.0, -80.0]
    with pytest.raises(LocatorError, match=message):
        Readings.of(**cols)


@pytest.mark.parametrize("field, value", [("censored_site_m", 0.0), ("site_m", float("inf")),
                                          ("decorrelation_m", float("nan")), ("outlier_z", -1.0)])
def test_a_noise_model_that_cannot_group_or_test_readings_is_one_clear_error(field, value):
    with pytest.raises(LocatorError, match=f"noise model: .*{field}"):
        NoiseModel(**{field: value})


@pytest.mark.parametrize("case", ["one place", "two places", "all at the floor"])
def test_too_few_places_above_the_floor_is_one_clear_error(case):
    r = _stations(3, -80.0, 8.0, places={"one place": 1, "two places": 2, "all at the floor": 12}[case])
    if case == "all at the floor":
        r = Readings(r.timestamp, r.node_id, r.lat, r.lon, r.freq_hz, np.full(len(r), -110.0),
                     np.ones(len(r), bool))
    with pytest.raises(LocatorError, match="distinct positions above the floor"):
        solve(r)
