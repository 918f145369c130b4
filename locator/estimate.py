"""Maximum-likelihood transmitter position from power readings, with a global start.

Spec: ML/MAP of (x, y, P0, n) for the log-distance model (locator.pathloss) under the likelihood of
locator.likelihood: a grid search over the plane with (P0, n) profiled out in closed form, then
Levenberg–Marquardt refinement from every promising basin (the position held within the searched
area), then rejection of outlying sites and refit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage
from scipy.optimize import least_squares

from locator.crlb import fisher_information, position_bound
from locator.errors import LocatorError
from locator.fix import Fix, Mode
from locator.geodesy import LocalFrame
from locator.likelihood import Likelihood, NoiseModel, aggregate, scale_estimate, site_covariance
from locator.pathloss import ExponentPrior, PowerPrior, eirp_dbm, power_prior_for, prior_for
from locator.readings import Readings
from locator.region import Box, RegionXY, contour, threshold

#: Coarse search grid (per side) and how many basins are refined.
COARSE = 48
BASINS = 4
ZOOM = 16
ROBUST_ROUNDS = 3
RESCALE_ROUNDS = 4
MIN_DOF_RESCALE = 8
#: Places needed before the outlier test's scale is the robust (median) one.
ROBUST_MIN_SITES = 20
#: The searched margin grows by this factor, up to this limit (m), while the region reaches its edge:
#: beyond ~20 km a few-km network hears every direction alike (the region is then reported open).
SEARCH_GROWTH = 2.0
MAX_SEARCH_MARGIN_M = 16_000.0
#: Levenberg–Marquardt step scales of (x, y, P0, n).
X_SCALE = (10.0, 10.0, 5.0, 0.3)


@dataclass(frozen=True, eq=False)
class Solution:
    """Everything the estimate rests on, in the local frame (for tests, tracking and guidance)."""

    frame: LocalFrame
    theta: np.ndarray            # x, y (m), P0 (dBm at 1 m), n
    q_min: float
    scale2: float                # residual noise power relative to the likelihood's (≈ 1 once rescaled)
    dof: float
    likelihood: Likelihood
    region: RegionXY
    search: Box
    bound_cov: np.ndarray        # position CRLB (2×2, m²) at the estimate, with the fitted shadowing
    fix: Fix


def locate(readings: Readings, **options) -> Fix:
    """Locate one transmitter; the options and the details kept beside the Fix are :func:`solve`'s."""
    return solve(readings, **options).fix


def solve(readings: Readings, *, noise: NoiseModel = NoiseModel(), prior: ExponentPrior | None = None,
          power_prior: PowerPrior | None = None, node_gain_db: dict[str, float] | None = None,
          search_margin_m: float = 2000.0, level: float = 0.95, frame: LocalFrame | None = None) -> Solution:
    """ML position, 95 % region and bound from the readings of one transmitter.

    ``node_gain_db`` (from :func:`locator.pathloss.calibrate`) is subtracted from each node's powers;
    ``prior`` and ``power_prior`` default to the band's exponent and EIRP priors; the search covers the readings' extent plus
    ``search_margin_m`` on every side, widened (×SEARCH_GROWTH, up to MAX_SEARCH_MARGIN_M) while the 95 % region
    reaches the edge of the searched area.
    """
    if not isinstance(readings, Readings):
        raise LocatorError(f"readings: expected locator.readings.Readings, got {type(readings).__name__}")
    if len(readings) < 2:
        raise LocatorError(f"readings: {len(readings)} reading{'s' * (len(readings) != 1)}; "
                           "at least 3 from distinct positions are needed")
    if not 0.5 <= level < 1.0:
        raise LocatorError(f"level: expected 0.5..1, got {level}")
    if not 0 < search_margin_m <= MAX_SEARCH_MARGIN_M:
        raise LocatorError(f"search_margin_m: expected a positive distance up to {MAX_SEARCH_MARGIN_M:g} m, "
                           f"got {search_margin_m}")
    freq = float(np.median(readings.freq_hz))
    prior = prior or prior_for(freq)
    p0_prior = (power_prior or power_prior_for(freq)).p0_at(freq)
    frame = frame or LocalFrame.around(readings.lat, readings.lon)
    x, y = frame.to_xy(readings.lat, readings.lon)
    power = readings.power_dbm
    if node_gain_db:
        for node, gain in node_gain_db.items():
            if not np.isfinite(gain):
                raise LocatorError(f"node_gain_db[{node!r}]: expected a finite gain (dB), got {gain}")
        power = power - np.array([node_gain_db.get(str(n), 0.0) for n in readings.node_id])
    # A strong emitter far outside the sensors (a licensed FM tower beyond a ring of stations) leaves
    # the likelihood high at the edge of the searched area: search again, wider, so the region is not
    # cut by the grid; past MAX_SEARCH_MARGIN_M the region is reported open (region_bounded False).
    margin = search_margin_m
    while True:
        sol = _solve_within(readings, frame, x, y, power, noise, prior, p0_prior, margin, level)
        if sol.region.bounded or margin >= MAX_SEARCH_MARGIN_M:
            return sol
        margin = min(SEARCH_GROWTH * margin, MAX_SEARCH_MARGIN_M)


def _solve_within(readings: Readings, frame: LocalFrame, x: np.ndarray, y: np.ndarray, power: np.ndarray,
                  noise: NoiseModel, prior: ExponentPrior, p0_prior: tuple[float, float], margin: float,
                  level: float) -> Solution:
    """:func:`solve` over the readings' extent plus ``margin`` on every side."""
    sites = aggregate(x, y, power, readings.censored, noise)
    search = Box(sites.x.min() - margin, sites.x.max() + margin,
                 sites.y.min() - margin, sites.y.max() + margin)
    theta, q_min = global_fit(Likelihood.build(sites, noise, prior, p0_prior), search)
    # Second pass: finer sites near the first estimate (and the global search again, on them).
    sites = aggregate(x, y, power, readings.censored, noise, focus=(theta[0], theta[1]))
    lik = Likelihood.build(sites, noise, prior, p0_prior)
    theta, q_min = global_fit(lik, search)
    for _ in range(ROBUST_ROUNDS if noise.outlier_z is not None else 0):
        kept = lik.n_sites - lik.n_rejected
        # With enough places the scale for the test is a robust one (MAD), else the shrunk sum.
        scale2 = lik.robust_scale2(theta) if kept >= ROBUST_MIN_SITES else scale_estimate(q_min, kept)[0]
        lik2 = lik.reweighted(theta, scale2)
        if np.array_equal(lik2.inflation, lik.inflation):
            break
        lik = lik2
        theta, q_min = global_fit(lik, search)
    # Weigh the data against the exponent prior at the noise level they show, not the assumed one
    # (the joint MAP over the scale); with too few places the assumed level is kept.
    for _ in range(RESCALE_ROUNDS):
        dof_raw = lik.n_sites - lik.n_rejected - 4
        if dof_raw < MIN_DOF_RESCALE:
            break
        lik = lik.rescaled(float(np.clip(lik.scale2 * lik.data_misfit(theta) / dof_raw, 1e-10, 100.0)))
        theta, q_min = _refine(lik, theta, search)
    scale2, dof = scale_estimate(q_min, lik.n_sites - lik.n_rejected)
    delta = threshold(scale2, dof, level)

    # Start the contour on the coarse cells inside the region (plus the estimate), one cell wider.
    xx, yy, h = search.grid(COARSE * COARSE)
    q = lik.profile(xx, yy)[0]
    inside = q <= q_min + delta
    cx = np.r_[xx.ravel()[inside], theta[0]]
    cy = np.r_[yy.ravel()[inside], theta[1]]
    start = Box(cx.min(), cx.max(), cy.min(), cy.max()).grow(1.5 * h, search)
    region = contour(lik, start, search, q_min, delta, scale2, (theta[0], theta[1]))
    best = region.modes[0]
    if best.q < q_min - 1e-6:
        # The fine grid found a deeper point than the refinement: start again from there.
        _, p0, n = lik.profile(np.array([best.x]), np.array([best.y]))
        theta1, q1 = _refine(lik, np.array([best.x, best.y, p0[0], n[0]]), search, x_scale=1.0)
        if q1 < q_min:
            theta, q_min = theta1, q1
            region = contour(lik, start, search, q_min, delta, scale2, (theta[0], theta[1]))

    u = ~sites.censored
    cov = site_covariance(sites, noise) * (lik.scale2 * scale2)
    cov[np.diag_indices_from(cov)] *= lik.inflation            # rejected sites carry no information
    bound = position_bound(fisher_information(theta, sites.x[u], sites.y[u], cov, prior.sd, p0_prior[1]))
    fix = _make_fix(readings, frame, theta, region, bound.rms_m, lik, scale2)
    return Solution(frame, theta, q_min, scale2, dof, lik, region, search, bound.cov_xy, fix)


def global_fit(lik: Likelihood, search: Box) -> tuple[np.ndarray, float]:
    """Grid search over ``search``, a finer grid around the best few local minima (the peak near a
    transmitter can be narrower than a coarse cell), then LM refinement from each, within ``search``."""
    xx, yy, h = search.grid(COARSE * COARSE)
    q = lik.profile(xx, yy)[0].reshape(xx.shape)
    is_min = q == ndimage.minimum_filter(q, size=3, mode="nearest")
    cand = np.flatnonzero(is_min.ravel())
    best = None
    for c in cand[np.argsort(q.ravel()[cand])][:BASINS]:
        zoom = Box(xx.flat[c] - 1.5 * h, xx.flat[c] + 1.5 * h, yy.flat[c] - 1.5 * h, yy.flat[c] + 1.5 * h)
        zx, zy, _ = zoom.grid(ZOOM * ZOOM)
        zq, zp0, zn = lik.profile(zx, zy)
        k = int(np.argmin(zq))
        theta, qv = _refine(lik, np.array([zx.flat[k], zy.flat[k], zp0[k], zn[k]]), search)
        if best is None or qv < best[1]:
            best = (theta, qv)
    return best


def _refine(lik: Likelihood, theta0: np.ndarray, search: Box, x_scale=X_SCALE) -> tuple[np.ndarray, float]:
    """Levenberg–Marquardt from ``theta0``, the position held within ``search``.

    Where Q keeps falling beyond the searched area (readings that a transmitter far outside the
    sensors explains best: all alike, or too weak or too strong for any place near them) the
    unconstrained fit runs off, to thousands of km; the bounded fit (trust-region reflective) then
    puts the estimate on the area's edge, where the region is reported open.
    """
    res = least_squares(lik.residuals, theta0, lik.jacobian, method="lm", x_scale=x_scale)
    if not search.contains(res.x[0], res.x[1]):
        lo, hi = [search.x0, search.y0, -np.inf, -np.inf], [search.x1, search.y1, np.inf, np.inf]
        res = least_squares(lik.residuals, np.clip(theta0, lo, hi), lik.jacobian, method="trf", bounds=(lo, hi),
                            x_scale=x_scale)
    return res.x, float(res.fun @ res.fun)


def _make_fix(readings: Readings, frame: LocalFrame, theta: np.ndarray, region: RegionXY, crlb_m: float,
              lik: Likelihood, scale2: float) -> Fix:
    lat, lon = (float(v) for v in frame.to_latlon(theta[0], theta[1]))
    geom_ll = shapely.transform(region.geometry, lambda c: np.column_stack(frame.to_latlon(c[:, 0], c[:, 1])[::-1]))
    coords = shapely.get_coordinates(region.geometry)
    radius = float(np.max(np.hypot(coords[:, 0] - theta[0], coords[:, 1] - theta[1]))) if len(coords) else 0.0
    modes = []
    for m in region.modes:
        mlat, mlon = frame.to_latlon(m.x, m.y)
        modes.append(Mode(float(mlat), float(mlon), m.weight))
    return Fix(
        target=readings.target, lat=lat, lon=lon,
        tx_power_dbm=float(eirp_dbm(theta[2], float(np.median(readings.freq_hz)))),
        radius_95_m=radius, region=geom_ll, n_readings=len(readings),
        path_loss_exponent=float(theta[3]), crlb_m=crlb_m, area_95_m2=float(region.geometry.area),
        modes=tuple(modes), region_bounded=region.bounded, moving=False,
        n_sites=lik.n_sites, n_censored=int(readings.censored.sum()),
        n_downweighted=lik.n_rejected,
        shadowing_db=float(lik.noise.shadowing_db * np.sqrt(lik.scale2 * scale2)))
