"""The likelihood of power readings: sites on a correlation grid, correlated Gaussian shadowing,
Tobit censoring at the receiver floor, and Student-t reweighting against gross outliers.

Spec: Gudmundson exponential shadowing correlation between sites (Electron. Lett. 27(23), 1991),
whitened by the Cholesky factor of the site covariance (generalised least squares); censored
readings enter through log Φ (Tobin, Econometrica 26, 1958); outliers through the IRLS weights of a
Student-t scale mixture (Lange, Little & Taylor, JASA 84, 1989).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_solve, solve_triangular
from scipy.special import log_ndtr

from locator.errors import LocatorError
from locator.pathloss import ExponentPrior, log_distance

#: Sites kept for the likelihood: above this the aggregation grid is coarsened (speed; the
#: information of sites closer than the decorrelation distance is largely shared anyway).
MAX_SITES = 300
#: Per-reading fading sd (dB) assumed when no place was measured repeatedly to estimate it.
FADING_DB = 2.0
#: Newton steps for (P0, n) when censored sites make the profile non-quadratic.
NEWTON_STEPS = 6


@dataclass(frozen=True)
class NoiseModel:
    """Shadowing sd (dB, the shape guess; the scale is re-estimated), its decorrelation distance (m),
    the aggregation cell (m), and the Student-t degrees of freedom for outliers (None: plain Gaussian)."""

    shadowing_db: float = 6.0
    decorrelation_m: float = 50.0
    site_m: float = 20.0
    censored_site_m: float = 100.0
    t_dof: float | None = 4.0

    def __post_init__(self) -> None:
        if not (self.shadowing_db > 0 and self.decorrelation_m > 0 and self.site_m > 0):
            raise LocatorError("noise model: shadowing_db, decorrelation_m and site_m must be positive")


@dataclass(frozen=True, eq=False)
class Sites:
    """Readings aggregated per grid cell: mean position, median power, count, censored flag."""

    x: np.ndarray
    y: np.ndarray
    power: np.ndarray
    count: np.ndarray
    spread: np.ndarray          # rms distance (m) of the site's readings from its mean position
    censored: np.ndarray
    fading_db: float            # sd of single readings about their place's shadowed mean
    of_reading: np.ndarray      # site index of every reading


def aggregate(x: np.ndarray, y: np.ndarray, power: np.ndarray, censored: np.ndarray, cell_m: float,
              censored_cell_m: float) -> Sites:
    """Group readings into square cells: ``cell_m`` for heard readings, ``censored_cell_m`` for readings
    at the floor (a run of them along a street says one thing: far from here)."""
    fading = _fading_at_repeated_places(x, y, power, censored)
    cell = np.where(censored, censored_cell_m, cell_m)
    scale = 1.0
    while True:
        c = cell * scale
        key = np.stack([np.floor(x / c), np.floor(y / c), censored.astype(float)], axis=1)
        _, inv = np.unique(key, axis=0, return_inverse=True)
        inv = inv.ravel()
        if inv.max() + 1 <= MAX_SITES:
            break
        scale *= 1.4
    m = inv.max() + 1
    count = np.bincount(inv, minlength=m).astype(float)
    sx = np.bincount(inv, x, m) / count
    sy = np.bincount(inv, y, m) / count
    spread = np.sqrt(np.maximum(np.bincount(inv, (x - sx[inv]) ** 2 + (y - sy[inv]) ** 2, m) / count, 0.0))
    cens = np.bincount(inv, censored, m) > 0
    med = _group_median(power, inv, count)
    # A censored site's floor: the highest floor reported there.
    floor = np.full(m, -np.inf)
    np.maximum.at(floor, inv, np.where(censored, power, -np.inf))
    return Sites(sx, sy, np.where(cens, floor, med), count, spread, cens, fading, inv)


def _group_median(values: np.ndarray, group: np.ndarray, count: np.ndarray) -> np.ndarray:
    order = np.lexsort((values, group))
    starts = np.searchsorted(group[order], np.arange(count.size))
    k = count.astype(int)
    return 0.5 * (values[order[starts + (k - 1) // 2]] + values[order[starts + k // 2]])


def _fading_at_repeated_places(x, y, power, censored) -> float:
    """Pooled robust sd of readings repeated at one place (within 1 m); FADING_DB when too few."""
    u = ~censored
    key = np.stack([np.round(x[u]), np.round(y[u])], axis=1)
    _, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    count = np.bincount(inv).astype(float)
    rep = count[inv] > 1
    if rep.sum() < 20:
        return FADING_DB
    dev = power[u] - _group_median(power[u], inv, count)[inv]
    k = np.median(count[inv][rep])
    return max(1.4826 * float(np.median(np.abs(dev[rep]))) * np.sqrt(k / (k - 1)), 0.3)


@dataclass(frozen=True, eq=False)
class Likelihood:
    """−2·log-likelihood (up to a constant) of (x, y, P0, n) for a set of sites, in whitening form."""

    sites: Sites
    noise: NoiseModel
    prior: ExponentPrior
    inflation: np.ndarray       # per uncensored site variance multiplier (Student-t weights), ≥ 1
    chol: np.ndarray            # lower Cholesky factor of the uncensored sites' covariance
    yw: np.ndarray              # whitened powers
    onew: np.ndarray            # whitened ones (the P0 regressor)

    @classmethod
    def build(cls, sites: Sites, noise: NoiseModel, prior: ExponentPrior,
              inflation: np.ndarray | None = None) -> "Likelihood":
        u = ~sites.censored
        if u.sum() < 3:
            raise LocatorError(f"readings: {int(u.sum())} distinct positions above the floor; "
                               "at least 3 are needed to locate")
        cov = site_covariance(sites, noise)
        infl = np.ones(int(u.sum())) if inflation is None else inflation
        cov[np.diag_indices_from(cov)] *= infl
        chol = np.linalg.cholesky(cov)
        yw = solve_triangular(chol, sites.power[u], lower=True)
        onew = solve_triangular(chol, np.ones(int(u.sum())), lower=True)
        return cls(sites, noise, prior, infl, chol, yw, onew)

    @property
    def n_sites(self) -> int:
        return int((~self.sites.censored).sum())

    @property
    def censored_sd(self) -> float:
        return float(np.hypot(self.noise.shadowing_db, self.sites.fading_db))

    def profile(self, gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Q, P0 and n at candidate positions, P0 and n profiled out in closed form (n under its prior).

        Censored sites enter Q at the (P0, n) profiled from the uncensored ones.
        """
        s = self.sites
        u = ~s.censored
        gx = np.asarray(gx, float).ravel()
        gy = np.asarray(gy, float).ravel()
        a = log_distance(s.x[u][:, None] - gx, s.y[u][:, None] - gy)          # sites × G
        v = solve_triangular(self.chol, a, lower=True, check_finite=False)
        lam = 1.0 / self.prior.sd ** 2
        uu = self.onew @ self.onew
        uv = self.onew @ v
        vv = np.einsum("ij,ij->j", v, v) + lam
        uy = self.onew @ self.yw
        vy = self.yw @ v + lam * self.prior.mean
        det = uu * vv - uv * uv
        p0 = (vv * uy - uv * vy) / det
        n = (uu * vy - uv * uy) / det
        yy = self.yw @ self.yw + lam * self.prior.mean ** 2
        if not s.censored.any():
            return yy - (p0 * uy + n * vy), p0, n
        # Censored terms are convex in (P0, n) (log Φ is concave): a few vectorised Newton steps.
        ac = log_distance(s.x[s.censored][:, None] - gx, s.y[s.censored][:, None] - gy)
        c = s.power[s.censored][:, None]
        sd = self.censored_sd
        for _ in range(NEWTON_STEPS):
            z = (c - (p0 + n * ac)) / sd
            mills = np.exp(_log_phi(z) - log_ndtr(z))
            g1 = 2.0 * mills / sd                       # −∂f/∂μ for f = −2 log Φ(z)
            h1 = 2.0 * mills * (z + mills) / sd ** 2    # ∂²f/∂μ²
            grad_p = 2.0 * (uu * p0 + uv * n - uy) + g1.sum(axis=0)
            grad_n = 2.0 * (uv * p0 + vv * n - vy) + (g1 * ac).sum(axis=0)
            hpp = 2.0 * uu + h1.sum(axis=0)
            hpn = 2.0 * uv + (h1 * ac).sum(axis=0)
            hnn = 2.0 * vv + (h1 * ac * ac).sum(axis=0)
            dh = hpp * hnn - hpn * hpn
            p0 = p0 - (hnn * grad_p - hpn * grad_n) / dh
            n = n - (hpp * grad_n - hpn * grad_p) / dh
        z = (c - (p0 + n * ac)) / sd
        q = (yy - 2.0 * (p0 * uy + n * vy) + uu * p0 * p0 + 2.0 * uv * p0 * n + vv * n * n
             - 2.0 * log_ndtr(z).sum(axis=0))
        return q, p0, n

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """Residual vector r(θ) with Q = r·r: whitened misfit, exponent prior, censored terms."""
        x, y, p0, n = theta
        s = self.sites
        u = ~s.censored
        mu = p0 + n * log_distance(s.x[u] - x, s.y[u] - y)
        r = [self.yw - solve_triangular(self.chol, mu, lower=True, check_finite=False),
             [(n - self.prior.mean) / self.prior.sd]]
        if s.censored.any():
            mc = p0 + n * log_distance(s.x[s.censored] - x, s.y[s.censored] - y)
            r.append(np.sqrt(np.maximum(-2.0 * log_ndtr((s.power[s.censored] - mc) / self.censored_sd), 0.0)))
        return np.concatenate(r)

    def conditional_z(self, theta: np.ndarray, scale2: float) -> np.ndarray:
        """Each uncensored site's residual given all the others, standardised (leave-one-out under GLS)."""
        x, y, p0, n = theta
        s = self.sites
        u = ~s.censored
        r = s.power[u] - (p0 + n * log_distance(s.x[u] - x, s.y[u] - y))
        e = cho_solve((self.chol, True), r)
        w = solve_triangular(self.chol, np.eye(len(r)), lower=True)
        pinv_diag = np.einsum("ij,ij->j", w, w)
        return e / np.sqrt(pinv_diag * scale2)

    def reweighted(self, theta: np.ndarray, scale2: float) -> "Likelihood":
        """The same likelihood with Student-t variance inflation for the sites that misfit at θ."""
        if self.noise.t_dof is None:
            return self
        z = self.conditional_z(theta, scale2)
        nu = self.noise.t_dof
        infl = self.inflation * np.maximum((nu + z * z) / (nu + 1.0), 1.0)
        return Likelihood.build(self.sites, self.noise, self.prior, infl)


def _log_phi(z: np.ndarray) -> np.ndarray:
    return -0.5 * z * z - 0.5 * np.log(2.0 * np.pi)


def site_covariance(sites: Sites, noise: NoiseModel) -> np.ndarray:
    """Covariance (dB²) of the uncensored sites' powers: σ²·exp(−Δ/d_c) between site centres; on the
    diagonal the shadowing shared within a site's spread plus its readings' fading, averaged."""
    u = ~sites.censored
    x, y = sites.x[u], sites.y[u]
    d = np.hypot(x[:, None] - x, y[:, None] - y)
    cov = noise.shadowing_db ** 2 * np.exp(-d / noise.decorrelation_m)
    # Mean pairwise distance in a site ≈ 1.25 × its rms spread (for a uniform spread in a cell).
    within = np.exp(-1.25 * sites.spread[u] / noise.decorrelation_m)
    cov[np.diag_indices_from(cov)] = (noise.shadowing_db ** 2 * (within + (1 - within) / sites.count[u])
                                      + sites.fading_db ** 2 * (np.pi / 2) / sites.count[u])
    return cov


def scale_estimate(q_min: float, n_sites: int, n_params: int = 4, prior_dof: float = 4.0) -> tuple[float, float]:
    """Noise scale² (1 = the assumed shadowing) and its degrees of freedom, shrunk toward 1 for few sites."""
    dof = max(n_sites - n_params, 0)
    return (prior_dof + q_min) / (prior_dof + dof), prior_dof + dof

