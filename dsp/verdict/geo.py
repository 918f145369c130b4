"""Distances and a log-distance path-loss prediction (ITU-R P.525 free space to 1 km, then
exponent ``n``), enough to say "far stronger than the licensed site predicts" — not a planning tool."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
C_M_S = 299_792_458.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance; within 0.5 % of the ellipsoid, ample for these rules."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def path_loss_db(distance: float, freq_hz: float, exponent: float = 3.0, d0_m: float = 1000.0) -> float:
    """Free-space loss at ``d0_m`` (P.525), then ``10·n·log10(d/d0)``; distances under 10 m clamp."""
    d = max(distance, 10.0)
    fspl_d0 = 20 * math.log10(4 * math.pi * d0_m * freq_hz / C_M_S)
    return fspl_d0 + 10 * exponent * math.log10(d / d0_m)
