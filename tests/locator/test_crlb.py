"""The analytic Fisher information against a brute-force one: E[score·scoreᵀ] with the score taken by
finite differences of the log-likelihood, averaged over Monte-Carlo draws of the same noise model."""

import numpy as np

from locator.crlb import fisher_information, mean_jacobian, position_bound
from locator.pathloss import mean_power


def _loglik(theta, xs, ys, y, cov_inv):
    r = y - mean_power(theta[2], theta[3], xs - theta[0], ys - theta[1])
    return -0.5 * r @ cov_inv @ r


def test_fisher_information_matches_monte_carlo_score_outer_product():
    rng = np.random.default_rng(7)
    xs = rng.uniform(-1500, 1500, 10)
    ys = rng.uniform(-1500, 1500, 10)
    d = np.hypot(xs[:, None] - xs, ys[:, None] - ys)
    cov = 36.0 * np.exp(-d / 400.0) + 4.0 * np.eye(xs.size)       # correlated shadowing + fading
    theta = np.array([120.0, -80.0, 10.0, 3.2])
    j = fisher_information(theta, xs, ys, cov, exponent_sd=None)
    j[3, 3] -= 1e12                                                # the analytic part only
    cov_inv = np.linalg.inv(cov)
    chol = np.linalg.cholesky(cov)
    mu = mean_power(theta[2], theta[3], xs - theta[0], ys - theta[1])
    steps = np.array([0.5, 0.5, 0.01, 0.001])
    scores = []
    for _ in range(4000):
        y = mu + chol @ rng.standard_normal(xs.size)
        s = [(_loglik(theta + e, xs, ys, y, cov_inv) - _loglik(theta - e, xs, ys, y, cov_inv)) / (2 * e[k])
             for k, e in enumerate(np.diag(steps))]
        scores.append(s)
    scores = np.array(scores)
    j_mc = scores.T @ scores / len(scores)
    # Monte-Carlo error of 4000 draws: a few per cent of each diagonal element
    np.testing.assert_allclose(np.diag(j_mc), np.diag(j), rtol=0.08)
    corr = j / np.sqrt(np.outer(np.diag(j), np.diag(j)))
    corr_mc = j_mc / np.sqrt(np.outer(np.diag(j_mc), np.diag(j_mc)))
    np.testing.assert_allclose(corr_mc, corr, atol=0.05)


def test_mean_jacobian_matches_finite_differences():
    xs = np.array([0.0, 500.0, -300.0])
    ys = np.array([100.0, -200.0, 900.0])
    theta = np.array([50.0, 60.0, 5.0, 3.0])
    h = mean_jacobian(theta, xs, ys)
    for k in range(4):
        e = np.zeros(4)
        e[k] = 1e-4
        num = (mean_power(*(theta + e)[2:], xs - (theta + e)[0], ys - (theta + e)[1])
               - mean_power(*(theta - e)[2:], xs - (theta - e)[0], ys - (theta - e)[1])) / 2e-4
        np.testing.assert_allclose(h[:, k], num, rtol=1e-6, atol=1e-9)


def test_position_bound_grows_with_noise_and_is_infinite_for_a_degenerate_geometry():
    xs = np.array([-1000.0, 1000.0, 0.0, 0.0, 700.0])
    ys = np.array([0.0, 0.0, -1000.0, 1000.0, 700.0])
    theta = np.array([0.0, 0.0, 10.0, 3.0])
    b4 = position_bound(fisher_information(theta, xs, ys, 16.0 * np.eye(5), 0.5)).rms_m
    b8 = position_bound(fisher_information(theta, xs, ys, 64.0 * np.eye(5), 0.5)).rms_m
    assert b8 > 1.5 * b4 > 0
    one_place = position_bound(fisher_information(theta, np.zeros(3) + 200.0, np.zeros(3), np.eye(3), 0.5))
    assert one_place.rms_m > 1e6 or one_place.rms_m == float("inf")
