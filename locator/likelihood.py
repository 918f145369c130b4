"""The likelihood of power readings: sites on a correlation grid, correlated Gaussian shadowing,
Tobit censoring at the receiver floor, and Student-t reweighting against gross outliers.

Spec: Gudmundson exponential shadowing correlation between sites (Electron. Lett. 27(23), 1991),
whitened by the Cholesky factor of the site covariance (generalised least squares); censored
readings enter through log Φ (Tobin, Econometrica 26, 1958); gross outliers are rejected on their
leave-one-out GLS residual, and on their residual left out together with their nearest site (two
adjacent errors mask each other: Cook & Weisberg, *Residuals and Influence in Regression*, 1982, on
deleting several cases at once), a skipped (hard-redescending) M-estimator (Hampel et al., *Robust
Statistics*, 1986, §1.4), applied as a variance inflation so the correlations stay consistent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import log_ndtr

from locator.crlb import mean_jacobian
from locator.errors import LocatorError
from locator.pathloss import ExponentPrior, log_distance

#: Sites kept for the likelihood: above this the aggregation grid is coarsened (speed; the
#: information of sites closer than the decorrelation distance is largely shared anyway).
MAX_SITES = 300
#: Variance multiplier of a rejected site (it then weighs about 1/10 000 of a normal one).
OUTLIER_INFLATION = 1e4
#: Per-reading fading sd (dB) assumed when no place was measured repeatedly to estimate it.
FADING_DB = 2.0
#: Newton steps for (P0, n) when censored sites make the profile non-quadratic.
NEWTON_STEPS = 6
#: A reading further than this from its site's median (dB, and at least TRIM_FADINGS fading sds) is a
#: gross error (a wrong cell, a blocked antenna: 15–20 dB) and is left out of the site's mean.
TRIM_DB = 10.0
TRIM_FADINGS = 4.0


@dataclass(frozen=True)
class NoiseModel:
    """Shadowing sd (dB, the shape guess; the scale is re-estimated), its decorrelation distance (m),
    the aggregation cells (m) for heard and censored readings, and the |z| beyond which a site is an
    outlier (None: plain Gaussian). Heard cells are a drive's reading step (10 m), so a gross error
    stays a site of its own that the leave-one-out test can reject instead of half of a mixed one."""

    shadowing_db: float = 6.0
    decorrelation_m: float = 50.0
    site_m: float = 10.0
    far_site_m: float = 64.0
    censored_site_m: float = 100.0
    outlier_z: float | None = 3.5

    def __post_init__(self) -> None:
        sizes = (self.shadowing_db, self.decorrelation_m, self.site_m, self.far_site_m, self.censored_site_m)
        if not all(0 < v < np.inf for v in sizes):
            raise LocatorError("noise model: shadowing_db, decorrelation_m, site_m, far_site_m and censored_site_m "
                               "must be positive and finite")
        if self.outlier_z is not None and not self.outlier_z > 0:
            raise LocatorError(f"noise model: outlier_z must be positive or None, got {self.outlier_z}")


@dataclass(frozen=True, eq=False)
class Sites:
    """Readings aggregated per grid cell: mean position, trimmed mean power, the number of readings in
    that mean, censored flag."""

    x: np.ndarray
    y: np.ndarray
    power: np.ndarray
    count: np.ndarray
    censored: np.ndarray
    fading_db: float            # sd of single readings about their place's shadowed mean
    of_reading: np.ndarray      # site index of every reading (−1: dropped, in the minority of its censored cell)


def aggregate(x: np.ndarray, y: np.ndarray, power: np.ndarray, censored: np.ndarray, noise: "NoiseModel",
              focus: tuple[float, float] | None = None) -> Sites:
    """Group readings into square cells: ``noise.site_m`` for heard readings, ``noise.censored_site_m``
    for readings at the floor (a run of them along a street says one thing: far from here); a
    censored cell keeps only its majority: its heard readings or its floor readings.

    With ``focus`` (a first estimate), heard readings are grouped on a multi-resolution grid instead:
    cells of d/10 (powers of two from 2 m to ``far_site_m``) at distance d from the focus, since near
    the transmitter the power changes faster than the shadowing and a coarse cell would blur it, while
    far from it a cell of several readings loses little and lets the trimmed mean drop a gross error
    (in a cell of two readings an error cannot be told from its neighbour).
    """
    fading = _fading_at_repeated_places(x, y, power, censored)
    # A censored cell's level is its median reading. Where most readings are heard, the floor ones
    # only say the level fluctuates near the floor; the heard ones say more, so the floor ones are
    # dropped. Where most are at the floor, the few heard ones are fading peaks or gross errors (a
    # +20 dB error at a station below the floor would otherwise be all that is kept of it): dropped.
    cc = group_index(np.floor(x / noise.censored_site_m), np.floor(y / noise.censored_site_m))
    below = np.bincount(cc, censored) > 0.5 * np.bincount(cc)
    heard = np.zeros(cc.max() + 1 if cc.size else 0, bool)
    heard[cc[~censored]] = True
    use = np.where(censored, ~(heard & ~below)[cc], ~below[cc])
    of_reading = np.full(x.shape, -1)
    x, y, power, censored = x[use], y[use], power[use], censored[use]
    cell = np.full(x.shape, noise.site_m)
    if focus is not None:
        d = np.hypot(x - focus[0], y - focus[1])
        cell = np.minimum(2.0 ** np.floor(np.log2(np.maximum(d / 10.0, 2.0))), noise.far_site_m)
    cell = np.where(censored, noise.censored_site_m, cell)
    scale = 1.0
    while True:
        c = cell * scale
        inv = group_index(np.floor(x / c), np.floor(y / c), c, censored)
        if inv.max() + 1 <= MAX_SITES:
            break
        scale *= 1.4
    m = inv.max() + 1
    count = np.bincount(inv, minlength=m).astype(float)
    sx = np.bincount(inv, x, m) / count
    sy = np.bincount(inv, y, m) / count
    cens = np.bincount(inv, censored, m) > 0
    # The mean, not the median, of a site's readings: the median wastes a third of the information
    # of repeated readings (its variance is π/2 × the mean's); gross errors are trimmed first.
    med = _group_median(power, inv, count)
    keep = np.abs(power - med[inv]) <= (np.inf if noise.outlier_z is None
                                        else max(TRIM_DB, TRIM_FADINGS * fading))
    kept = np.bincount(inv, keep, m)
    mean = np.where(kept > 0, np.bincount(inv, power * keep, m) / np.maximum(kept, 1.0), med)
    # A censored site's floor: the highest floor reported there.
    floor = np.full(m, -np.inf)
    np.maximum.at(floor, inv, np.where(censored, power, -np.inf))
    of_reading[use] = inv
    return Sites(sx, sy, np.where(cens, floor, mean), np.where(cens | (kept == 0), count, kept), cens, fading,
                 of_reading)


def group_index(*columns: np.ndarray) -> np.ndarray:
    """0..k−1 labels of the distinct rows of equal-length columns (a 1-D unique: much faster than axis=0)."""
    key = np.zeros(len(columns[0]), np.int64)
    if key.size == 0:
        return key
    for col in columns:
        _, code = np.unique(np.asarray(col), return_inverse=True)
        key = key * (int(code.max()) + 1) + code.ravel()
    return np.unique(key, return_inverse=True)[1].ravel()


def _group_median(values: np.ndarray, group: np.ndarray, count: np.ndarray) -> np.ndarray:
    order = np.lexsort((values, group))
    starts = np.searchsorted(group[order], np.arange(count.size))
    k = count.astype(int)
    return 0.5 * (values[order[starts + (k - 1) // 2]] + values[order[starts + k // 2]])


def _fading_at_repeated_places(x, y, power, censored) -> float:
    """Pooled robust sd of readings repeated at one place (within 1 m); FADING_DB when too few."""
    u = ~censored
    inv = group_index(np.round(x[u]), np.round(y[u]))
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
    p0_prior: tuple[float, float]   # mean, sd of P0 (dBm at 1 m); sd = inf for none
    inflation: np.ndarray       # per uncensored site variance multiplier, ≥ 1 (OUTLIER_INFLATION: rejected)
    white: np.ndarray           # L⁻¹ for the lower Cholesky factor L of the uncensored sites' covariance
    yw: np.ndarray              # whitened powers
    onew: np.ndarray            # whitened ones (the P0 regressor)
    scale2: float = 1.0         # the whole covariance is scaled by this (fitted / assumed noise power)

    @classmethod
    def build(cls, sites: Sites, noise: NoiseModel, prior: ExponentPrior,
              p0_prior: tuple[float, float] = (0.0, np.inf), inflation: np.ndarray | None = None,
              scale2: float = 1.0) -> "Likelihood":
        u = ~sites.censored
        if u.sum() < 3:
            raise LocatorError(f"readings: {int(u.sum())} distinct positions above the floor; "
                               "at least 3 are needed to locate")
        cov = site_covariance(sites, noise) * scale2
        infl = np.ones(int(u.sum())) if inflation is None else inflation
        cov[np.diag_indices_from(cov)] *= infl
        white = solve_triangular(np.linalg.cholesky(cov), np.eye(cov.shape[0]), lower=True)
        return cls(sites, noise, prior, p0_prior, infl, white, white @ sites.power[u], white.sum(axis=1), scale2)

    def rescaled(self, scale2: float) -> "Likelihood":
        """The same likelihood with the noise power set to ``scale2`` × the assumed one."""
        return Likelihood.build(self.sites, self.noise, self.prior, self.p0_prior, self.inflation, scale2)

    def data_misfit(self, theta: np.ndarray) -> float:
        """The whitened data term of Q at θ (without the prior and the censored sites)."""
        r = self.residuals(theta)[:self.n_sites]
        return float(r @ r)

    @property
    def n_sites(self) -> int:
        return int((~self.sites.censored).sum())

    @property
    def censored_sd(self) -> float:
        return float(np.hypot(self.noise.shadowing_db, self.sites.fading_db) * np.sqrt(self.scale2))

    def profile(self, gx: np.ndarray, gy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Q, P0 and n at candidate positions, P0 and n profiled out in closed form (under their priors).

        Censored sites enter Q at the (P0, n) profiled from the uncensored ones.
        """
        s = self.sites
        u = ~s.censored
        gx = np.asarray(gx, float).ravel()
        gy = np.asarray(gy, float).ravel()
        a = log_distance(s.x[u][:, None] - gx, s.y[u][:, None] - gy)          # sites × G
        v = self.white @ a
        lam = 1.0 / self.prior.sd ** 2
        mp, sp = self.p0_prior
        lam_p = 1.0 / sp ** 2
        uu = self.onew @ self.onew + lam_p
        uv = self.onew @ v
        vv = np.einsum("ij,ij->j", v, v) + lam
        uy = self.onew @ self.yw + lam_p * mp
        vy = self.yw @ v + lam * self.prior.mean
        det = uu * vv - uv * uv
        p0 = (vv * uy - uv * vy) / det
        n = (uu * vy - uv * uy) / det
        yy = self.yw @ self.yw + lam * self.prior.mean ** 2 + lam_p * mp ** 2
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
        """Residual vector r(θ) with Q = r·r: whitened misfit, exponent and power priors, censored terms."""
        x, y, p0, n = theta
        s = self.sites
        u = ~s.censored
        mu = p0 + n * log_distance(s.x[u] - x, s.y[u] - y)
        r = [self.yw - self.white @ mu,
             [(n - self.prior.mean) / self.prior.sd, (p0 - self.p0_prior[0]) / self.p0_prior[1]]]
        if s.censored.any():
            mc = p0 + n * log_distance(s.x[s.censored] - x, s.y[s.censored] - y)
            r.append(np.sqrt(np.maximum(-2.0 * log_ndtr((s.power[s.censored] - mc) / self.censored_sd), 0.0)))
        return np.concatenate(r)

    def conditional_z(self, theta: np.ndarray, scale2: float) -> np.ndarray:
        """Each uncensored site's residual given all the others, standardised (leave-one-out under GLS)."""
        e, a = self._precision_residual(theta)
        return e / np.sqrt(a * scale2)

    def _precision_residual(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """e = Σ⁻¹·r(θ) over the uncensored sites (r: power less the model's mean) and diag(Σ⁻¹)."""
        x, y, p0, n = theta
        s = self.sites
        u = ~s.censored
        e = self.white.T @ (self.white @ (s.power[u] - (p0 + n * log_distance(s.x[u] - x, s.y[u] - y))))
        return e, np.einsum("ij,ij->j", self.white, self.white)

    def pair_conditional_z(self, theta: np.ndarray, scale2: float) -> np.ndarray:
        """Each uncensored site's |z| left out with its pair (a site and its nearest site): the smaller
        of the pair's two standardised residuals given all other sites, the largest over its pairs.

        Two adjacent gross errors (a wrong cell read at two neighbouring places) explain each other
        under the strong correlation of neighbouring sites and hide from the leave-one-out test; left
        out as a pair they stand out. For the pair B = {i, j}, with e = Σ⁻¹r and P = Σ⁻¹, the residual
        of B given the rest is P_BB⁻¹ e_B with covariance P_BB⁻¹ (the partitioned-precision identity).
        """
        return self._pair_z(*self._precision_residual(theta), scale2)

    def _pair_z(self, e: np.ndarray, a: np.ndarray, scale2: float) -> np.ndarray:
        """:meth:`pair_conditional_z` from e = Σ⁻¹r and a = diag(Σ⁻¹)."""
        u = ~self.sites.censored
        if u.sum() < 2:
            return np.zeros(int(u.sum()))
        xs, ys = self.sites.x[u], self.sites.y[u]
        d = np.hypot(xs[:, None] - xs, ys[:, None] - ys)
        np.fill_diagonal(d, np.inf)
        j = np.argmin(d, axis=1)
        b = np.einsum("ij,ij->j", self.white, self.white[:, j])
        c = a[j]
        det = a * c - b * b
        # A pair stands out only when each of its sites does given the rest: one gross error beside a
        # good site is the leave-one-out test's, and its good neighbour must not be rejected with it.
        z = np.minimum(np.abs(c * e - b * e[j]) / np.sqrt(c * det * scale2),
                       np.abs(a * e[j] - b * e) / np.sqrt(a * det * scale2))
        out = z.copy()
        np.maximum.at(out, j, z)
        return out

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """∂r/∂θ of :meth:`residuals` (analytic, for the LM refinement)."""
        s = self.sites
        u = ~s.censored
        rows = [-self.white @ mean_jacobian(theta, s.x[u], s.y[u]),
                [[0.0, 0.0, 0.0, 1.0 / self.prior.sd], [0.0, 0.0, 1.0 / self.p0_prior[1], 0.0]]]
        if s.censored.any():
            hc = mean_jacobian(theta, s.x[s.censored], s.y[s.censored])
            mc = theta[2] + theta[3] * hc[:, 3]
            z = (s.power[s.censored] - mc) / self.censored_sd
            r = np.sqrt(np.maximum(-2.0 * log_ndtr(z), 0.0))
            mills = np.exp(_log_phi(z) - log_ndtr(z))
            k = np.where(r > 1e-12, mills / (np.maximum(r, 1e-12) * self.censored_sd), 0.0)
            rows.append(k[:, None] * hc)
        return np.vstack(rows)

    def robust_scale2(self, theta: np.ndarray) -> float:
        """Noise power relative to the assumed one from the median |leave-one-out residual| of the sites
        still kept: gross errors inflate the residual sum, and so hide themselves, but not the median."""
        z = self.conditional_z(theta, 1.0)[self.inflation < OUTLIER_INFLATION]
        return float((1.4826 * np.median(np.abs(z))) ** 2)

    @property
    def n_rejected(self) -> int:
        return int((self.inflation >= OUTLIER_INFLATION).sum())

    def reweighted(self, theta: np.ndarray, scale2: float) -> "Likelihood":
        """The same likelihood with the sites whose leave-one-out or leave-pair-out residual at θ
        exceeds ``outlier_z`` rejected (their variance inflated so they no longer pull the fit)."""
        if self.noise.outlier_z is None:
            return self
        e, a = self._precision_residual(theta)
        z = np.maximum(np.abs(e) / np.sqrt(a * scale2), self._pair_z(e, a, scale2))
        infl = np.where(z > self.noise.outlier_z, OUTLIER_INFLATION, self.inflation)
        return Likelihood.build(self.sites, self.noise, self.prior, self.p0_prior, infl, self.scale2)


def _log_phi(z: np.ndarray) -> np.ndarray:
    return -0.5 * z * z - 0.5 * np.log(2.0 * np.pi)


def shadowing_correlation(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray,
                          decorrelation_m: float) -> np.ndarray:
    """Gudmundson's ρ(Δ) = exp(−Δ/d_c) between the points a (rows) and b (columns)."""
    return np.exp(-np.hypot(ax[:, None] - bx, ay[:, None] - by) / decorrelation_m)


def site_covariance(sites: Sites, noise: NoiseModel) -> np.ndarray:
    """Covariance (dB²) of the uncensored sites' powers: σ²·exp(−Δ/d_c) between site centres (a site
    is taken as one place: a little conservative for a site spread over its cell), plus its readings'
    fading averaged by the site's mean."""
    u = ~sites.censored
    x, y = sites.x[u], sites.y[u]
    cov = noise.shadowing_db ** 2 * shadowing_correlation(x, y, x, y, noise.decorrelation_m)
    cov[np.diag_indices_from(cov)] += sites.fading_db ** 2 / sites.count[u]
    return cov


def scale_estimate(q_min: float, n_sites: int, n_params: int = 4, prior_dof: float = 4.0) -> tuple[float, float]:
    """Noise scale² (1 = the assumed shadowing) and its degrees of freedom, shrunk toward 1 for few sites."""
    dof = max(n_sites - n_params, 0)
    return (prior_dof + q_min) / (prior_dof + dof), prior_dof + dof

