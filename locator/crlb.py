"""Cramér–Rao bound of the transmitter position for a geometry, under correlated Gaussian shadowing.

Spec: Fisher information of a Gaussian with parameter-free covariance, J = Hᵀ Σ⁻¹ H with
H = ∂μ/∂θ (Kay, *Fundamentals of Statistical Signal Processing I*, eq. 3.31), θ = (x, y, P0, n),
plus the priors' information (1/σn² on n, 1/σP² on P0) when the estimator uses them (the hybrid bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from locator.errors import LocatorError
from locator.pathloss import HEIGHT_M, log_distance


@dataclass(frozen=True)
class Bound:
    """Position covariance bound (2×2, m², east/north) and its root trace (m)."""

    cov_xy: np.ndarray
    rms_m: float


def mean_jacobian(theta, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """∂μ/∂(x, y, P0, n) at each receiver position (rows) for μ = P0 + n·(−10·log10 d)."""
    x, y, _, n = theta
    dx = xs - x
    dy = ys - y
    k = 10.0 / np.log(10.0) / (dx * dx + dy * dy + HEIGHT_M * HEIGHT_M)
    return np.column_stack([n * k * dx, n * k * dy, np.ones_like(dx), log_distance(dx, dy)])


def fisher_information(theta, xs, ys, cov: np.ndarray, exponent_sd: float | None = None,
                       p0_sd: float = np.inf) -> np.ndarray:
    """J (4×4) for θ = (x, y, P0, n); ``exponent_sd`` adds a Gaussian prior's information on n,
    None means n is known (its row and column then carry only a nominal 1e12 to stay invertible);
    ``p0_sd`` likewise adds a prior's information on P0."""
    xs = np.asarray(xs, float)
    ys = np.asarray(ys, float)
    cov = np.asarray(cov, float)
    if cov.shape != (xs.size, xs.size):
        raise LocatorError(f"cov: shape {cov.shape}, expected ({xs.size}, {xs.size})")
    h = mean_jacobian(theta, xs, ys)
    c = np.linalg.cholesky(cov)
    hw = np.linalg.solve(c, h)
    j = hw.T @ hw
    j[3, 3] += 1e12 if exponent_sd is None else 1.0 / exponent_sd ** 2
    j[2, 2] += 1.0 / p0_sd ** 2
    return j


def position_bound(j: np.ndarray) -> Bound:
    """The (x, y) block of J⁻¹ and √trace of it; infinite when the geometry does not determine the position."""
    try:
        inv = np.linalg.inv(j)
    except np.linalg.LinAlgError:
        return Bound(np.full((2, 2), np.inf), float("inf"))
    cxy = inv[:2, :2]
    tr = float(np.trace(cxy))
    return Bound(cxy, float(np.sqrt(tr)) if tr > 0 and np.isfinite(tr) else float("inf"))
