"""The locator's output record: where a transmitter is, how sure, and the region it is in.

Spec: the ``locate --json`` target object of INTERFACES.md (its keys first, in its order), then extras.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely

from locator.geodesy import LocalFrame


@dataclass(frozen=True)
class Mode:
    """One separate piece of the region: its most likely point and its share of the likelihood."""

    lat: float
    lon: float
    weight: float


@dataclass(frozen=True, eq=False)
class Fix:
    """A located transmitter. ``region`` is a shapely Polygon or MultiPolygon in (lon, lat) degrees."""

    target: str
    lat: float
    lon: float
    tx_power_dbm: float           # EIRP implied by the fitted power at 1 m (free-space conversion)
    radius_95_m: float            # farthest point of the 95 % region from (lat, lon)
    region: shapely.Geometry
    n_readings: int
    path_loss_exponent: float
    crlb_m: float                 # √trace of the position Cramér–Rao bound at the estimate
    area_95_m2: float
    modes: tuple[Mode, ...]       # best first; more than one means the geometry is ambiguous
    region_bounded: bool          # False: the region runs off the searched area (target may be farther)
    moving: bool
    n_sites: int                  # distinct places after aggregation on the correlation grid
    n_censored: int               # readings at a receiver's floor
    n_downweighted: int           # sites the robust fit rejected as outliers
    shadowing_db: float           # the fitted shadowing standard deviation

    def widened(self, margin_m: float) -> "Fix":
        """The fix with its 95 % region grown by ``margin_m`` metres all round (on a local metric
        frame at the estimate), its radius and area to match: e.g. how far a moving target may have
        gone since the readings it was located on."""
        frame = LocalFrame.around(np.array([self.lat]), np.array([self.lon]))

        def to_xy(c):
            return np.column_stack(frame.to_xy(c[:, 1], c[:, 0]))

        def to_lonlat(c):
            return np.column_stack(frame.to_latlon(c[:, 0], c[:, 1])[::-1])

        grown = shapely.transform(self.region, to_xy).buffer(margin_m)
        return replace(self, region=shapely.transform(grown, to_lonlat), radius_95_m=self.radius_95_m + margin_m,
                       area_95_m2=float(grown.area))

    def region_geojson(self) -> dict:
        """The region as a GeoJSON geometry (Polygon, or MultiPolygon when there are several modes)."""
        return shapely.geometry.mapping(shapely.transform(self.region, lambda c: c.round(7)))

    def to_json(self) -> dict:
        """INTERFACES.md keys first, then the extras; plain JSON types."""
        return {
            "target": self.target,
            "lat": round(self.lat, 7),
            "lon": round(self.lon, 7),
            "tx_power_dbm": round(self.tx_power_dbm, 2),
            "radius_95_m": round(self.radius_95_m, 1),
            "region": _plain(self.region_geojson()),
            "n_readings": self.n_readings,
            "path_loss_exponent": round(self.path_loss_exponent, 3),
            "crlb_m": round(self.crlb_m, 1) if self.crlb_m < 1e9 else None,
            "area_95_m2": round(self.area_95_m2, 0),
            "modes": [{"lat": round(m.lat, 7), "lon": round(m.lon, 7), "weight": round(m.weight, 4)}
                      for m in self.modes],
            "region_bounded": self.region_bounded,
            "moving": self.moving,
            "n_sites": self.n_sites,
            "n_censored": self.n_censored,
            "n_downweighted": self.n_downweighted,
            "shadowing_db": round(self.shadowing_db, 2),
        }

    def to_geojson(self) -> dict:
        """A GeoJSON Feature: the region with the estimate's figures as properties."""
        props = {k: v for k, v in self.to_json().items() if k != "region"}
        return {"type": "Feature", "geometry": _plain(self.region_geojson()), "properties": props}


def _plain(obj):
    """Tuples → lists so the geometry serialises identically everywhere."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj
