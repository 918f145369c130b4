"""The 95 % region is a clean geometry: valid, one piece per mode, no hairline slivers between rows."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from locator.estimate import locate
from locator.geodesy import destination
from locator.readings import Readings


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
