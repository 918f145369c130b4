import numpy as np
import pytest

from locator.errors import LocatorError
from locator.pathloss import ExponentPrior, calibrate, eirp_dbm, mean_power, prior_for


def test_calibration_recovers_exponent_and_node_gains_from_known_sites():
    rng = np.random.default_rng(3)
    gains = {"a": 2.0, "b": -1.5, "c": -0.5}          # mean zero, as the calibration defines them
    rows = []
    for tx, p0 in (("cell1", 12.0), ("cell2", 5.0), ("fm1", 20.0)):
        for node, g in gains.items():
            for _ in range(5):
                dx, dy = rng.uniform(-3000, 3000, 2)
                rows.append((tx, node, dx, dy, mean_power(p0, 3.3, dx, dy) + g + rng.normal(0, 0.5)))
    tx, node, dx, dy, p = map(np.array, zip(*rows))
    cal = calibrate(tx, node, dx.astype(float), dy.astype(float), p.astype(float))
    assert cal.exponent.mean == pytest.approx(3.3, abs=0.05)
    for k, g in gains.items():
        assert cal.node_gain_db[k] == pytest.approx(g, abs=0.3)
    assert cal.residual_sd_db == pytest.approx(0.5, rel=0.3)


def test_calibration_needs_more_readings_than_parameters():
    with pytest.raises(LocatorError, match="calibration"):
        calibrate(["t"], ["n"], [1.0], [1.0], [-50.0])


def test_eirp_is_the_free_space_loss_at_one_metre_above_p0():
    # FSPL(1 m, 955 MHz) = 20·log10(4π·955e6 / c) ≈ 32.05 dB
    assert eirp_dbm(0.0, 955e6) == pytest.approx(32.05, abs=0.02)


def test_band_priors_and_validation():
    assert prior_for(98e6).mean < prior_for(955e6).mean < prior_for(1800e6).mean
    with pytest.raises(LocatorError):
        ExponentPrior(0.5, 0.1)
