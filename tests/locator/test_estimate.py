import numpy as np
import pytest
import shapely
from dataclasses import replace

from locator.errors import LocatorError
from locator.estimate import solve
from locator.likelihood import NoiseModel
from locator.readings import Readings
from locator.simulate import Channel, Transmitter, observe

NOISELESS = Channel(shadowing_db=0.0, fading_db=0.0, floor_dbm=-300.0)


def _err(sol, sc):
    return float(np.hypot(sol.theta[0] - sc.tx.x, sol.theta[1] - sc.tx.y))


def test_noiseless_fixed_stations_recover_the_truth_exactly(fixed_scenario):
    sc = fixed_scenario(3, channel=NOISELESS)
    sol = solve(sc.readings, frame=sc.frame)
    assert _err(sol, sc) < 0.01
    assert sol.theta[2] == pytest.approx(sc.tx.p0_dbm, abs=1e-3)
    assert sol.theta[3] == pytest.approx(sc.tx.exponent, abs=1e-4)


def test_noiseless_drive_recovers_the_truth_exactly_when_every_reading_is_its_own_site(drive_scenario):
    sc = drive_scenario(4, channel=NOISELESS)
    sol = solve(sc.readings, frame=sc.frame, noise=NoiseModel(site_m=0.5, far_site_m=0.5))
    assert _err(sol, sc) < 0.01
    assert sol.theta[3] == pytest.approx(sc.tx.exponent, abs=1e-4)


def test_fix_reports_latlon_of_the_estimate_and_a_region_containing_it(fixed_scenario):
    sc = fixed_scenario(5)
    sol = solve(sc.readings, frame=sc.frame)
    lat, lon = sc.frame.to_latlon(sol.theta[0], sol.theta[1])
    assert (sol.fix.lat, sol.fix.lon) == pytest.approx((float(lat), float(lon)), abs=1e-9)
    assert sol.fix.region.covers(shapely.Point(sol.fix.lon, sol.fix.lat))
    assert sol.fix.radius_95_m > 0 and sol.fix.area_95_m2 > 0 and np.isfinite(sol.fix.crlb_m)
    assert sol.fix.n_readings == len(sc.readings)


def test_planted_outliers_are_rejected_and_barely_move_the_estimate(drive_scenario):
    sc = drive_scenario(6, channel=Channel(shadowing_db=5.0))
    clean = solve(sc.readings, frame=sc.frame)
    r = sc.readings
    bad = np.zeros(len(r), bool)
    bad[np.random.default_rng(0).choice(len(r), len(r) // 10, replace=False)] = True
    power = r.power_dbm + np.where(bad, 25.0, 0.0)                # 10 % of readings 25 dB too strong
    dirty = replace(r, power_dbm=power)
    robust = solve(dirty, frame=sc.frame)
    gaussian = solve(dirty, frame=sc.frame, noise=NoiseModel(outlier_z=None))
    # The errors are left out: trimmed from their site's mean, or their whole site rejected ...
    assert robust.likelihood.n_rejected + _trimmed(robust, dirty) >= len(r) // 20
    assert _err(robust, sc) < max(2.0 * _err(clean, sc), 3.0 * clean.fix.crlb_m)
    # ... and only by the robust fit: without outlier_z the fit is plain Gaussian, every reading counts.
    assert gaussian.likelihood.n_rejected + _trimmed(gaussian, dirty) == 0


def _trimmed(sol, readings) -> int:
    """Heard readings placed in a site but left out of its mean."""
    s = sol.likelihood.sites
    return int(np.sum(s.of_reading[~readings.censored] >= 0) - s.count[~s.censored].sum())


def test_coverage_sanity_on_a_small_battery(fixed_scenario):
    inside = 0
    for seed in range(12):
        sc = fixed_scenario(100 + seed, stations=20, channel=Channel(shadowing_db=5.0))
        sol = solve(sc.readings, frame=sc.frame)
        inside += sol.region.geometry.covers(shapely.Point(sc.tx.x, sc.tx.y))
    assert inside >= 10          # 95 % regions: P(≤ 9 of 12 | p = 0.95) ≈ 2 %


def test_straight_drive_keeps_both_mirror_images():
    rng = np.random.default_rng(11)
    tx = Transmitter(0.0, 350.0, 8.0, 3.2)
    x = np.arange(-2500.0, 2500.0, 10.0)
    sc = observe(rng, tx, x, np.zeros_like(x), channel=Channel(shadowing_db=6.0))
    sol = solve(sc.readings, frame=sc.frame)
    g = sol.region.geometry
    assert g.covers(shapely.Point(0.0, 350.0)) and g.covers(shapely.Point(0.0, -350.0))
    assert len(sol.fix.modes) == 2 and min(m.weight for m in sol.fix.modes) > 0.2


def test_censored_readings_push_the_estimate_away_from_nodes_that_heard_nothing(fixed_scenario):
    # A node right beside a candidate area that hears nothing: without it the area is plausible.
    sc = fixed_scenario(8, channel=Channel(shadowing_db=6.0, floor_dbm=-200.0))
    sol = solve(sc.readings, frame=sc.frame)
    lik = sol.likelihood
    far = np.array([sol.theta[0] + 600.0]), np.array([sol.theta[1]])
    lat, lon = sc.frame.to_latlon(far[0], far[1])
    quiet = Readings.of(np.full(5, 1.7e9), "quiet", np.repeat(lat, 5), np.repeat(lon, 5), 955.2e6,
                        np.full(5, -95.0), np.ones(5, bool), sc.readings.target)
    both = Readings.of(*(np.r_[getattr(sc.readings, k), getattr(quiet, k)] for k in
                         ("timestamp", "node_id", "lat", "lon", "freq_hz", "power_dbm", "censored")),
                       target=sc.readings.target)
    sol2 = solve(both, frame=sc.frame)
    q_at_far = lik.profile(*far)[0][0] - sol.q_min
    q2_at_far = sol2.likelihood.profile(*far)[0][0] - sol2.q_min
    assert q2_at_far > q_at_far + 5.0
    assert sol2.fix.n_censored == 5


def test_too_few_places_is_a_clear_error(fixed_scenario):
    sc = fixed_scenario(9, stations=2)
    with pytest.raises(LocatorError, match="distinct positions"):
        solve(sc.readings, frame=sc.frame)
    with pytest.raises(LocatorError, match="reading"):
        solve(sc.readings.subset(np.arange(1)), frame=sc.frame)


def test_noiseless_near_pass_is_exact_with_the_default_sites():
    # A drive passing 6 m from the target (about HEIGHT_M/√3, where the power gradient and so the
    # bound are steepest): the simulator's and the estimator's mean-power models must be the same
    # (antenna height offset included), and the default sites must keep the readings near the target apart.
    rng = np.random.default_rng(0)
    x = np.arange(-1500.0, 1500.0, 10.0)
    tx = Transmitter(3.0, 6.0, 10.0, 3.2)
    sc = observe(rng, tx, np.r_[x, np.full(x.size, 700.0)], np.r_[np.zeros(x.size), x], channel=NOISELESS)
    sol = solve(sc.readings, frame=sc.frame)
    assert _err(sol, sc) < 0.01
