"""Locator test helpers: simulated scenarios (seeded, so every run sees the same readings)."""

from __future__ import annotations

import os

# Small matrices: BLAS threads only fight each other (and other suites) on a shared 2-core machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from locator.simulate import Channel, Transmitter, drive, fixed_stations, observe  # noqa: E402


@pytest.fixture
def fixed_scenario():
    """``fixed_scenario(seed, channel=..., stations=12, per_station=10)``: stations around a transmitter."""
    def make(seed: int = 0, channel: Channel = Channel(), stations: int = 12, per_station: int = 10, tx=None):
        rng = np.random.default_rng(seed)
        tx = tx or Transmitter(rng.uniform(-500, 500), rng.uniform(-500, 500), 10.0, rng.uniform(2.7, 3.6))
        x, y = fixed_stations(rng, stations, 2000.0)
        nodes = np.array([f"n{i}" for i in range(stations) for _ in range(per_station)], object)
        return observe(rng, tx, np.repeat(x, per_station), np.repeat(y, per_station), channel=channel, node_id=nodes)
    return make


@pytest.fixture
def drive_scenario():
    """``drive_scenario(seed, channel=...)``: a hunting drive on a street grid toward the transmitter."""
    def make(seed: int = 0, channel: Channel = Channel(), length_m: float = 4000.0):
        rng = np.random.default_rng(seed)
        tx = Transmitter(rng.uniform(-300, 300), rng.uniform(-300, 300), 10.0, rng.uniform(2.7, 3.6))
        x, y = drive(rng, (-1200.0, -1200.0), length_m, toward=(tx.x, tx.y))
        return observe(rng, tx, x, y, channel=channel)
    return make
