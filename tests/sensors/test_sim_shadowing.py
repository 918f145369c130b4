"""Shadowing in the simulated city: a fixed emitter's field is over the receiver's place (as
locator.simulate draws it); a moving emitter's is over both ends of the link, so a fixed node sees
it decorrelate as the emitter drives (Gudmundson's exp(−Δ/d_c) at each end)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from locator.geodesy import LocalFrame
from locator.simulate import shadowing_field
from sensors.scenario import Path2D, load_scenario
from sensors.sim import Channel, emissions, link_shadowing

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo_city.toml"
STEP_M = 10.0


@pytest.fixture(scope="module")
def city():
    return load_scenario(DEMO)


def _driving(scen, seed=None):
    """The demo with its blaster driving 30 km due east at 10 m/s from near the first node."""
    blaster = next(c for c in scen.cells if c.path is not None)
    node = scen.nodes[0]
    frame = LocalFrame(node.lat, node.lon)
    start, end = frame.to_latlon(-15_000.0, 2_000.0), frame.to_latlon(15_000.0, 2_000.0)
    blaster = replace(blaster, path=Path2D(((float(start[0]), float(start[1])), (float(end[0]), float(end[1]))),
                                           STEP_M))
    return replace(scen, cells=(blaster,), fm=(), seed=scen.seed if seed is None else seed)


def _shadow(scen, node, times, emitter_key):
    """Received power with shadowing minus without it: the shadowing alone (dB)."""
    flat = replace(scen, propagation=replace(scen.propagation, shadowing_db=0.0))
    out = []
    for s in (scen, flat):
        ch, e = Channel(s), next(x for x in emissions(s) if x.key == emitter_key)
        out.append(np.array([ch.rx_dbm(e, node, *node.position(t)[:2], t) for t in times]))
    return out[0] - out[1]


def _lag_corr(x, lag):
    x = x - x.mean()
    return float(np.dot(x[:-lag], x[lag:]) / np.dot(x, x))


def test_a_moving_emitters_shadowing_at_a_fixed_node_decorrelates_along_its_drive(city):
    scen = _driving(city)
    times = np.arange(0.0, 3000.0)  # 10 m apart, 30 km of road
    s = _shadow(scen, scen.nodes[0], times, scen.cells[0].id)
    sd = scen.propagation.shadowing_db
    assert 0.8 * sd < s.std() < 1.2 * sd
    assert abs(s.mean()) < 1.5  # no lasting offset at the node (≈ 300 independent stretches)
    assert _lag_corr(s, 1) > 0.7  # exp(−10/50) = 0.82
    assert _lag_corr(s, 10) < 0.35  # 100 m: exp(−100/50) = 0.14


def test_a_moving_emitters_shadowing_is_repeatable_for_a_seed(city):
    scen = _driving(city)
    times = np.arange(0.0, 300.0, 7.0)
    node, key = scen.nodes[0], scen.cells[0].id
    a, b = _shadow(scen, node, times, key), _shadow(scen, node, times, key)
    assert np.array_equal(a, b)
    other = _shadow(_driving(city, seed=city.seed + 1), node, times, key)
    assert abs(np.corrcoef(a, other)[0, 1]) < 0.5


def test_fixed_emitters_keep_their_field_over_the_receivers_place(city):
    cell = next(c for c in city.cells if c.path is None)
    node = city.nodes[0]
    frame = LocalFrame(node.lat, node.lon)
    xs = np.arange(0.0, 20_000.0, 25.0)
    places = [frame.to_latlon(x, 0.0) for x in xs]
    walkers = [replace(node, lat=float(la), lon=float(lo)) for la, lo in places]
    s = np.array([_shadow(city, w, [0.0], cell.id)[0] for w in walkers])
    # The same draw as before moving emitters got their own field: the one-end field at the node.
    ch = Channel(city)
    rng = np.random.default_rng([city.seed, cell.seed])
    x, y = ch.frame.to_xy(np.array([p[0] for p in places]), np.array([p[1] for p in places]))
    expected = shadowing_field(rng, np.asarray(x), np.asarray(y), city.propagation.shadowing_db,
                               city.propagation.decorrelation_m)
    assert np.allclose(s, expected, atol=1e-9)
    sd = city.propagation.shadowing_db
    assert 0.75 * sd < s.std() < 1.25 * sd
    assert _lag_corr(s, 2) == pytest.approx(math.exp(-1), abs=0.15)  # 50 m


def test_link_shadowing_decorrelates_with_either_end():
    d = 50.0
    links = {"same": ((0, 0), (900, 0)), "tx moved": ((d, 0), (900, 0)), "rx moved": ((0, 0), (900, d)),
             "both moved": ((0, d), (900 - d, 0))}
    draws = {k: np.empty(1500) for k in links}
    for i in range(1500):
        for k, (tx, rx) in links.items():
            draws[k][i] = link_shadowing(np.random.default_rng([7, i]), tx, rx, 6.0, d)
    assert draws["same"].std() == pytest.approx(6.0, rel=0.08)
    for k, rho in (("tx moved", math.exp(-1)), ("rx moved", math.exp(-1)), ("both moved", math.exp(-2))):
        assert np.corrcoef(draws["same"], draws[k])[0, 1] == pytest.approx(rho, abs=0.08), k
