import numpy as np
import pytest
from scipy.optimize._numdiff import approx_derivative

from locator.likelihood import Likelihood, NoiseModel, aggregate, group_index, site_covariance
from locator.pathloss import ExponentPrior, log_distance


def _lik(censored_every=0, seed=2, p0_prior=(0.0, np.inf)):
    rng = np.random.default_rng(seed)
    x = np.repeat(rng.uniform(-2000, 2000, 30), 3) + rng.normal(0, 1, 90)
    y = np.repeat(rng.uniform(-2000, 2000, 30), 3) + rng.normal(0, 1, 90)
    p = 10 - 32 * np.log10(np.hypot(x - 100, y + 50) + 10) + rng.normal(0, 6, 90)
    cens = np.zeros(90, bool)
    if censored_every:
        cens[::censored_every] = True
        p = np.where(cens, -90.0, p)
    noise = NoiseModel()
    return Likelihood.build(aggregate(x, y, p, cens, noise), noise, ExponentPrior(3.1, 0.5), p0_prior)


@pytest.mark.parametrize("censored_every,p0_prior", [(0, (0.0, np.inf)), (4, (0.0, np.inf)), (4, (5.0, 3.0))])
def test_profile_equals_the_full_objective_at_the_profiled_powers(censored_every, p0_prior):
    lik = _lik(censored_every, p0_prior=p0_prior)
    gx, gy = np.array([0.0, 300.0, -900.0]), np.array([0.0, -400.0, 700.0])
    q, p0, n = lik.profile(gx, gy)
    for k in range(3):
        r = lik.residuals(np.array([gx[k], gy[k], p0[k], n[k]]))
        assert q[k] == pytest.approx(r @ r, rel=1e-9)
        # and (P0, n) really minimise it: nudging them only increases Q
        for d in ([0.3, 0], [-0.3, 0], [0, 0.02], [0, -0.02]):
            r2 = lik.residuals(np.array([gx[k], gy[k], p0[k] + d[0], n[k] + d[1]]))
            assert r2 @ r2 > q[k]


def test_jacobian_matches_finite_differences_with_censored_sites():
    lik = _lik(4, p0_prior=(5.0, 3.0))
    theta = np.array([150.0, -20.0, 12.0, 3.3])
    np.testing.assert_allclose(lik.jacobian(theta), approx_derivative(lik.residuals, theta), atol=1e-6, rtol=1e-5)


def test_aggregate_groups_repeats_at_one_place_and_estimates_their_fading():
    rng = np.random.default_rng(0)
    x = np.repeat(np.array([0.0, 500.0, 1000.0, 0.0]), 50)
    y = np.repeat(np.array([0.0, 0.0, 0.0, 800.0]), 50)
    p = np.repeat(np.array([-50.0, -60.0, -70.0, -65.0]), 50) + rng.normal(0, 3.0, 200)
    sites = aggregate(x, y, p, np.zeros(200, bool), NoiseModel())
    assert len(sites.x) == 4 and np.all(sites.count == 50)
    assert sites.fading_db == pytest.approx(3.0, rel=0.15)
    np.testing.assert_allclose(np.sort(sites.power), [-70, -65, -60, -50], atol=1.5)


def test_a_site_is_the_mean_of_its_readings_less_gross_errors():
    # Mean, not median: the median of repeated readings has π/2 × the mean's variance.
    rng = np.random.default_rng(1)
    p = -60.0 + rng.normal(0, 2.0, 40)
    hit = p.copy()
    hit[:3] += 20.0                        # three readings from a wrong cell
    sites = aggregate(np.zeros(40), np.zeros(40), hit, np.zeros(40, bool), NoiseModel())
    assert sites.power[0] == pytest.approx(p[3:].mean(), abs=1e-9) and sites.count[0] == 37
    cov = site_covariance(sites, NoiseModel(shadowing_db=6.0))
    assert cov[0, 0] == pytest.approx(36 + sites.fading_db ** 2 / 37)


def test_censored_readings_are_grouped_on_the_coarser_grid():
    x = np.arange(0.0, 200.0, 10.0)
    cens = np.ones(20, bool)
    sites = aggregate(x, np.zeros(20), np.full(20, -100.0), cens, NoiseModel(censored_site_m=100.0))
    assert sites.censored.all() and len(sites.x) == 2


def test_floor_readings_beside_heard_ones_are_dropped():
    x = np.array([0.0, 5.0, 10.0, 1000.0, 1010.0])
    cens = np.array([False, True, False, True, True])
    sites = aggregate(x, np.zeros(5), np.array([-90.0, -105.0, -92.0, -105.0, -105.0]), cens, NoiseModel(site_m=20.0))
    assert sites.of_reading[1] == -1 and np.all(sites.of_reading[[0, 2, 3, 4]] >= 0)
    assert sites.censored.sum() == 1 and (~sites.censored).sum() == 1


def test_heard_readings_among_mostly_floor_ones_are_dropped():
    # A station below the floor with two +20 dB errors: it stays a censored site, not a heard one.
    x = np.r_[np.zeros(20), np.full(20, 1000.0)]
    cens = np.r_[np.arange(20) >= 2, np.zeros(20, bool)]
    p = np.where(cens, -110.0, -92.0)
    sites = aggregate(x, np.zeros(40), p, cens, NoiseModel())
    assert np.all(sites.of_reading[:2] == -1) and np.all(sites.of_reading[2:] >= 0)
    assert sites.censored[sites.of_reading[2]] and not sites.censored[sites.of_reading[20]]


def test_site_covariance_is_exponential_in_distance():
    x = np.array([0.0, 50.0, 500.0, 2000.0])
    y = np.zeros(4)
    sites = aggregate(x, y, np.zeros(4), np.zeros(4, bool), NoiseModel())
    cov = site_covariance(sites, NoiseModel(shadowing_db=6.0, decorrelation_m=50.0))
    order = np.argsort(sites.x)
    cov = cov[np.ix_(order, order)]
    assert cov[0, 1] == pytest.approx(36 * np.exp(-1.0))
    assert cov[0, 3] < 1e-10 * 36 and cov[0, 0] > 36


def test_a_site_far_off_the_model_is_rejected_by_its_leave_one_out_residual():
    lik = _lik()
    theta = np.array([100.0, -50.0, 10.0, 3.2])
    power = lik.sites.power.copy()
    power[5] += 40.0
    sites = type(lik.sites)(lik.sites.x, lik.sites.y, power, lik.sites.count, lik.sites.censored,
                            lik.sites.fading_db, lik.sites.of_reading)
    bad = Likelihood.build(sites, lik.noise, lik.prior).reweighted(theta, 1.0)
    assert bad.n_rejected >= 1 and bad.inflation[5] > 1


def test_group_index_labels_distinct_rows():
    g = group_index(np.array([1, 1, 2, 2, 1]), np.array([5, 6, 5, 5, 5]))
    assert g[0] == g[4] and g[2] == g[3] and len(set(g)) == 3


def test_robust_scale_ignores_a_few_gross_errors_that_inflate_the_residual_sum():
    lik = _lik(seed=3)
    theta = np.array([100.0, -50.0, 10.0, 3.2])
    power = lik.sites.power.copy()
    power[:3] += 40.0
    sites = type(lik.sites)(lik.sites.x, lik.sites.y, power, lik.sites.count, lik.sites.censored,
                            lik.sites.fading_db, lik.sites.of_reading)
    bad = Likelihood.build(sites, lik.noise, lik.prior)
    assert bad.robust_scale2(theta) < 1.5 * lik.robust_scale2(theta)
    assert bad.data_misfit(theta) > 2.0 * lik.data_misfit(theta)


def test_cells_grow_with_distance_from_the_focus():
    x = np.r_[np.arange(0.0, 100.0, 10.0), np.arange(2000.0, 2400.0, 10.0)]
    sites = aggregate(x, np.zeros(x.size), np.zeros(x.size), np.zeros(x.size, bool), NoiseModel(), focus=(0.0, 0.0))
    near = sites.x < 500
    assert np.all(sites.count[near] == 1) and np.median(sites.count[~near]) >= 6     # 64 m cells of 10 m steps



def test_two_adjacent_gross_errors_are_rejected_together():
    # A wrong cell read at two neighbouring places along a drive: each reading is explained by the
    # other under the 10 m correlation (leave-one-out |z| often < 3.5); left out as a pair they stand
    # out. Over 10 drives both are rejected nearly always, and good sites stay kept.
    from locator.likelihood import OUTLIER_INFLATION
    from locator.simulate import Channel, Transmitter, observe
    both = wrong = sites_total = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        tx = Transmitter(0.0, 0.0, 10.0, 3.0)
        x = np.arange(-1500.0, 1500.0, 10.0)
        y = np.full(x.size, 80.0)
        sc = observe(rng, tx, x, y, channel=Channel(shadowing_db=6.0, fading_db=2.0))
        p = sc.readings.power_dbm.copy()
        k = int(np.searchsorted(x, 120.0))
        p[[k, k + 1]] += 20.0
        sites = aggregate(x, y, p, sc.readings.censored, NoiseModel())
        lik = Likelihood.build(sites, NoiseModel(), ExponentPrior(3.1, 0.5))
        rejected = lik.reweighted(np.array([tx.x, tx.y, tx.p0_dbm, tx.exponent]), 1.0).inflation >= OUTLIER_INFLATION
        planted = np.isin(np.flatnonzero(~sites.censored), sites.of_reading[[k, k + 1]])
        both += rejected[planted].all()
        wrong += rejected[~planted].sum()
        sites_total += (~planted).sum()
    assert both >= 8
    assert wrong <= 0.01 * sites_total


def test_pair_residual_is_the_pair_conditioned_on_all_other_sites():
    # Brute force: condition the pair's residuals on the rest through the covariance itself.
    lik = _lik()
    theta = np.array([100.0, -50.0, 10.0, 3.2])
    s = lik.sites
    cov = site_covariance(s, lik.noise)
    r = s.power - (theta[2] + theta[3] * log_distance(s.x - theta[0], s.y - theta[1]))
    d = np.hypot(s.x[:, None] - s.x, s.y[:, None] - s.y)
    np.fill_diagonal(d, np.inf)
    expected = np.zeros(s.x.size)
    for i, j in enumerate(np.argmin(d, axis=1)):
        pair, rest = [i, j], np.setdiff1d(np.arange(s.x.size), [i, j])
        k = cov[np.ix_(pair, rest)] @ np.linalg.inv(cov[np.ix_(rest, rest)])
        res = r[pair] - k @ r[rest]
        var = np.diag(cov[np.ix_(pair, pair)] - k @ cov[np.ix_(rest, pair)])
        z = np.min(np.abs(res) / np.sqrt(var))
        expected[i] = max(expected[i], z)
        expected[j] = max(expected[j], z)
    np.testing.assert_allclose(lik.pair_conditional_z(theta, 1.0), expected, rtol=1e-8)
