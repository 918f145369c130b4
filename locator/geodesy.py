"""WGS84 ↔ a local azimuthal-equidistant frame (metres) around the readings; geodesic distance and bearing.

Spec: WGS84 ellipsoid (EPSG:4326) through PROJ's ``aeqd`` projection and Karney's geodesic solver.
Within a few tens of kilometres of the origin the frame is metric to well under a metre, which is
what the estimator needs; what users see (distance, bearing) is computed on the ellipsoid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod, Transformer

from locator.errors import LocatorError

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class LocalFrame:
    """A local east/north metric frame whose origin (lat0, lon0) is near the readings."""

    lat0: float
    lon0: float
    _fwd: Transformer = field(init=False, repr=False, compare=False)
    _inv: Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_latlon(np.asarray(self.lat0), np.asarray(self.lon0), "origin")
        crs = f"+proj=aeqd +lat_0={self.lat0!r} +lon_0={self.lon0!r} +ellps=WGS84 +units=m +no_defs"
        object.__setattr__(self, "_fwd", Transformer.from_crs("EPSG:4326", crs, always_xy=True))
        object.__setattr__(self, "_inv", Transformer.from_crs(crs, "EPSG:4326", always_xy=True))

    @classmethod
    def around(cls, lat, lon) -> "LocalFrame":
        """A frame centred on the middle of the given points (the mean of their bounding box)."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        if lat.size == 0:
            raise LocatorError("positions: at least one point is needed to centre a local frame")
        check_latlon(lat, lon, "positions")
        # Longitudes near the antimeridian are unwrapped around the first point.
        lon_u = lon.ravel()[0] + (lon - lon.ravel()[0] + 180.0) % 360.0 - 180.0
        lat0 = 0.5 * (float(lat.min()) + float(lat.max()))
        lon0 = 0.5 * (float(lon_u.min()) + float(lon_u.max()))
        return cls(lat0, (lon0 + 180.0) % 360.0 - 180.0)

    def to_xy(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """WGS84 degrees → east, north metres in this frame."""
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """East, north metres in this frame → WGS84 (lat, lon) degrees."""
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


def check_latlon(lat: np.ndarray, lon: np.ndarray, what: str) -> None:
    """Raise LocatorError unless every latitude is in [-90, 90] and every longitude in [-180, 360]."""
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise LocatorError(f"{what}: latitude/longitude must be finite numbers")
    if np.any(np.abs(lat) > 90.0):
        raise LocatorError(f"{what}: latitude must be within ±90 degrees, got {float(np.max(np.abs(lat)))!r}")
    if np.any(lon < -180.0) or np.any(lon > 360.0):
        raise LocatorError(f"{what}: longitude must be within -180..360 degrees")


def distance_bearing(lat1, lon1, lat2, lon2) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distance (m) and initial bearing (degrees clockwise from true north, 0..360) 1 → 2."""
    az, _, dist = _GEOD.inv(np.asarray(lon1, dtype=float), np.asarray(lat1, dtype=float),
                            np.asarray(lon2, dtype=float), np.asarray(lat2, dtype=float))
    return np.asarray(dist, dtype=float), np.asarray(az, dtype=float) % 360.0


def destination(lat, lon, bearing_deg, distance_m) -> tuple[np.ndarray, np.ndarray]:
    """The point reached from (lat, lon) along the geodesic with the given initial bearing and length."""
    lon2, lat2, _ = _GEOD.fwd(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float),
                              np.asarray(bearing_deg, dtype=float), np.asarray(distance_m, dtype=float))
    return np.asarray(lat2, dtype=float), np.asarray(lon2, dtype=float)
