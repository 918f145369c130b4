"""Scenario generator: fixed stations and vehicle drives hearing a transmitter through correlated shadowing.

Spec: log-distance path loss (locator.pathloss) with log-normal shadowing whose spatial correlation
is Gudmundson's exponential model ρ(Δ) = exp(−Δ/d_c) (Electronics Letters 27(23), 1991), drawn as a
2-D Gaussian field by random Fourier features (the spectrum of exp(−r/d_c) in 2-D is a bivariate
Cauchy law), plus independent per-reading fading and optional gross outliers. Pure: numpy in, records out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from locator.geodesy import LocalFrame
from locator.pathloss import mean_power
from locator.readings import Readings

#: Where simulated scenarios sit on the globe (any origin works; this one is a city street grid).
ORIGIN = (31.2304, 121.4737)


@dataclass(frozen=True)
class Transmitter:
    """A simulated emitter in the local frame: position (m), power at 1 m (dBm), path-loss exponent."""

    x: float
    y: float
    p0_dbm: float
    exponent: float


@dataclass(frozen=True)
class Channel:
    """Propagation impairments: shadowing sd (dB), its decorrelation distance (m), per-reading fading sd (dB),
    the receivers' floor (dBm; readings below it are censored at it), gross-outlier fraction and size (±dB)."""

    shadowing_db: float = 6.0
    decorrelation_m: float = 50.0
    fading_db: float = 2.0
    floor_dbm: float = -110.0
    outlier_fraction: float = 0.0
    outlier_db: float = 20.0


@dataclass(frozen=True)
class Scenario:
    """A transmitter and what the receivers heard, with the frame used to place them."""

    frame: LocalFrame
    tx: Transmitter
    channel: Channel
    x: np.ndarray          # receiver positions (m) per reading
    y: np.ndarray
    readings: Readings
    outlier: np.ndarray    # bool per reading: a planted gross error

    @property
    def truth_latlon(self) -> tuple[float, float]:
        lat, lon = self.frame.to_latlon(self.tx.x, self.tx.y)
        return float(lat), float(lon)


def shadowing_field(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, sd_db: float,
                    decorrelation_m: float, n_features: int = 2000) -> np.ndarray:
    """One draw of a zero-mean Gaussian field with covariance sd²·exp(−Δ/d_c), sampled at (x, y)."""
    # Frequencies from the bivariate Cauchy law: k = z / (d_c·|w|), z ~ N(0, I2), w ~ N(0, 1).
    k = rng.standard_normal((n_features, 2)) / (decorrelation_m * np.abs(rng.standard_normal((n_features, 1))))
    phase = rng.uniform(0.0, 2.0 * np.pi, n_features)
    arg = np.outer(x, k[:, 0]) + np.outer(y, k[:, 1]) + phase
    return sd_db * np.sqrt(2.0 / n_features) * np.cos(arg).sum(axis=1)


def fixed_stations(rng: np.random.Generator, n: int, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """n station sites scattered uniformly over a disc of the given radius around the origin."""
    r = radius_m * np.sqrt(rng.uniform(0.0, 1.0, n))
    a = rng.uniform(0.0, 2.0 * np.pi, n)
    return r * np.cos(a), r * np.sin(a)


def drive(rng: np.random.Generator, start: tuple[float, float], length_m: float, *, block_m: float = 300.0,
          step_m: float = 10.0, turn_probability: float = 0.5, heading_deg: float | None = None,
          toward: tuple[float, float] | None = None, hunt_probability: float = 0.6
          ) -> tuple[np.ndarray, np.ndarray]:
    """Positions every ``step_m`` along a drive on a Manhattan street grid of ``block_m`` blocks.

    At each block corner the car turns left or right with ``turn_probability`` (0 → a straight road);
    with ``toward`` set it is hunting: with ``hunt_probability`` it takes the street that heads
    closest to that point instead.
    """
    heading = np.deg2rad(rng.choice([0.0, 90.0, 180.0, 270.0]) if heading_deg is None else heading_deg)
    n = max(2, int(length_m / step_m) + 1)
    xs = np.empty(n)
    ys = np.empty(n)
    x, y = start
    since_corner = 0.0
    for i in range(n):
        xs[i], ys[i] = x, y
        x += step_m * np.sin(heading)
        y += step_m * np.cos(heading)
        since_corner += step_m
        if since_corner >= block_m:
            since_corner = 0.0
            if toward is not None and rng.uniform() < hunt_probability:
                options = heading + np.array([-0.5, 0.0, 0.5]) * np.pi
                gain = np.sin(options) * (toward[0] - x) + np.cos(options) * (toward[1] - y)
                heading = options[int(np.argmax(gain))]
            elif rng.uniform() < turn_probability:
                heading += rng.choice([-0.5, 0.5]) * np.pi
    return xs, ys


def observe(rng: np.random.Generator, tx: Transmitter, x: np.ndarray, y: np.ndarray, *,
            channel: Channel = Channel(), node_id=None, timestamp=None, freq_hz: float = 955.2e6,
            frame: LocalFrame | None = None, target: str = "sim") -> Scenario:
    """What receivers at (x, y) measure of ``tx`` through ``channel`` (one reading per position)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    frame = frame or LocalFrame(*ORIGIN)
    n = x.size
    power = mean_power(tx.p0_dbm, tx.exponent, x - tx.x, y - tx.y)
    if channel.shadowing_db > 0:
        power = power + shadowing_field(rng, x, y, channel.shadowing_db, channel.decorrelation_m)
    if channel.fading_db > 0:
        power = power + channel.fading_db * rng.standard_normal(n)
    outlier = rng.uniform(size=n) < channel.outlier_fraction
    power = power + outlier * channel.outlier_db * rng.choice([-1.0, 1.0], n)
    censored = power < channel.floor_dbm
    power = np.where(censored, channel.floor_dbm, power)
    lat, lon = frame.to_latlon(x, y)
    ts = np.arange(n, dtype=float) + 1.7e9 if timestamp is None else np.asarray(timestamp, float)
    nodes = np.full(n, "sim", object) if node_id is None else np.asarray(node_id, object)
    readings = Readings.of(ts, nodes, lat, lon, freq_hz, power, censored, target)
    return Scenario(frame, tx, channel, x, y, readings, outlier)
