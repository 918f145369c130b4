"""Log-distance path loss with unknown transmit power, exponent priors, and calibration on known sites.

Spec: the log-distance model P(d) = P0 − 10·n·log10(d / 1 m) (Rappaport, *Wireless Communications*
§4.9), with d the slant distance; n priors follow the urban ranges of ITU-R P.1238/P.1411 summaries
(free space 2, urban macro 2.7–3.5, obstructed up to ~4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from locator.errors import LocatorError

#: Height difference between transmitter and receiver antennas (m); it also keeps d > 0.
HEIGHT_M = 10.0
_C = 299_792_458.0


@dataclass(frozen=True)
class ExponentPrior:
    """A Gaussian prior on the path-loss exponent n (mean, standard deviation)."""

    mean: float = 3.1
    sd: float = 0.5

    def __post_init__(self) -> None:
        if not (1.0 <= self.mean <= 6.0 and 0.0 < self.sd <= 5.0):
            raise LocatorError(f"exponent prior: mean must be 1..6 and sd 0..5, got {self.mean}, {self.sd}")


#: Per-band urban priors: VHF broadcast from rooftops propagates a little better than UHF street level.
BAND_PRIORS: tuple[tuple[float, float, ExponentPrior], ...] = (
    (87.5e6, 137e6, ExponentPrior(2.9, 0.5)),
    (800e6, 1000e6, ExponentPrior(3.1, 0.5)),
    (1700e6, 1900e6, ExponentPrior(3.3, 0.5)),
)


@dataclass(frozen=True)
class PowerPrior:
    """A weak Gaussian prior on the transmitter's EIRP (dBm): it keeps a fit from explaining a few
    readings by an impossibly strong transmitter far away."""

    eirp_dbm: float = 42.0
    sd_db: float = 12.0

    def __post_init__(self) -> None:
        if not (-30.0 <= self.eirp_dbm <= 100.0 and 0.0 < self.sd_db <= 50.0):
            raise LocatorError(f"power prior: EIRP must be -30..100 dBm and sd 0..50 dB, got {self.eirp_dbm}, {self.sd_db}")

    def p0_at(self, freq_hz: float) -> tuple[float, float]:
        """Mean and sd of the power at 1 m (the model's P0) this EIRP prior implies at ``freq_hz``."""
        return self.eirp_dbm - float(eirp_dbm(0.0, freq_hz)), self.sd_db


#: Per-band EIRP priors: pseudo base stations of 1–20 W with small antennas (USERS.md: 500–2 000 m
#: reach) and FM broadcasters of 50 W–1 kW on rooftops; wide enough to cover both ends.
POWER_PRIORS: tuple[tuple[float, float, PowerPrior], ...] = (
    (87.5e6, 108e6, PowerPrior(52.0, 10.0)),
    (800e6, 1000e6, PowerPrior(40.0, 8.0)),
    (1700e6, 1900e6, PowerPrior(38.0, 8.0)),
)


def power_prior_for(freq_hz: float) -> PowerPrior:
    """The EIRP prior of the band containing ``freq_hz`` (a wide generic one outside them)."""
    for lo, hi, prior in POWER_PRIORS:
        if lo <= freq_hz <= hi:
            return prior
    return PowerPrior()


def prior_for(freq_hz: float) -> ExponentPrior:
    """The exponent prior of the band containing ``freq_hz`` (a generic urban prior outside them)."""
    for lo, hi, prior in BAND_PRIORS:
        if lo <= freq_hz <= hi:
            return prior
    return ExponentPrior()


def log_distance(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """−10·log10(d / 1 m) for horizontal offsets dx, dy: the regressor multiplying n."""
    return -5.0 * np.log10(dx * dx + dy * dy + HEIGHT_M * HEIGHT_M)


def mean_power(p0_dbm: float, n: float, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Expected received power (dBm) at horizontal offsets dx, dy from the transmitter."""
    return p0_dbm + n * log_distance(dx, dy)


def eirp_dbm(p0_dbm: float, freq_hz: float) -> float:
    """The EIRP that gives ``p0_dbm`` at 1 m in free space (P0 + 20·log10(4π·1 m/λ))."""
    return p0_dbm + 20.0 * np.log10(4.0 * np.pi * freq_hz / _C)


@dataclass(frozen=True)
class Calibration:
    """Exponent and per-node gain offsets (dB, added by the node's chain; mean zero) fitted on known sites."""

    exponent: ExponentPrior
    node_gain_db: dict[str, float]
    residual_sd_db: float
    n_readings: int


def calibrate(tx_id, node_id, dx, dy, power_dbm) -> Calibration:
    """Fit n and node gains from readings of transmitters at KNOWN positions (unknown powers).

    Model: power = P0[tx] + n·(−10·log10 d) + g[node] + e, with Σ g = 0 (gains are relative: a common
    offset is indistinguishable from the transmitters' powers). Linear least squares.
    """
    tx_id = np.asarray(tx_id, dtype=object)
    node_id = np.asarray(node_id, dtype=object)
    y = np.asarray(power_dbm, dtype=float)
    ld = log_distance(np.asarray(dx, float), np.asarray(dy, float))
    txs, ti = np.unique(tx_id, return_inverse=True)
    nodes, ni = np.unique(node_id, return_inverse=True)
    n_par = len(txs) + 1 + len(nodes)
    if y.size < n_par + 1:
        raise LocatorError(f"calibration: {y.size} readings cannot fit {n_par} parameters")
    a = np.zeros((y.size + 1, n_par))
    a[np.arange(y.size), ti] = 1.0
    a[:y.size, len(txs)] = ld
    a[np.arange(y.size), len(txs) + 1 + ni] = 1.0
    a[y.size, len(txs) + 1:] = 1.0       # the Σ g = 0 constraint as a heavily weighted row
    a[y.size] *= 1e3
    sol, *_ = np.linalg.lstsq(a, np.r_[y, 0.0], rcond=None)
    resid = y - a[:y.size] @ sol
    dof = max(1, y.size - n_par + 1)
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.pinv(a[:y.size].T @ a[:y.size] + np.outer(a[y.size], a[y.size]))
    n_sd = float(np.sqrt(max(cov[len(txs), len(txs)], 1e-6)))
    if not np.isfinite(sol[len(txs)]):
        raise LocatorError("calibration: the known sites do not determine the exponent")
    n_mean = float(np.clip(sol[len(txs)], 1.0, 6.0))
    gains = {str(k): float(g) for k, g in zip(nodes, sol[len(txs) + 1:])}
    # The exponent varies between sites and targets: never trust it tighter than ±0.15.
    return Calibration(ExponentPrior(n_mean, max(n_sd, 0.15)), gains, float(np.sqrt(s2)), int(y.size))
