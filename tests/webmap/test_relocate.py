"""Relocator.calibration: the licensed cells a GSM target is are found by its stored identity
(``targets.identity``), whatever its key looks like; node gains and the exponent come out of them."""

from __future__ import annotations

import json
import math
import uuid

import numpy as np
import pytest
from sqlalchemy import insert, select

from webmap import registers
from webmap.nodes import add_node
from webmap.registers import cell_identity
from webmap.schema import nodes, observations, targets
from webmap.store import now

CELLS = (("460", "00", 4361, 20821, 31.200, 121.440), ("460", "01", 41017, 3301, 31.185, 121.455))
NODES = {"n1": (31.190, 121.430, 3.0), "n2": (31.205, 121.460, -1.0), "n3": (31.178, 121.445, -2.0)}
EXPONENT = 3.2


@pytest.mark.parametrize("identity, expected", [
    ({"mcc": "460", "mnc": "00", "lac": 4361, "cell_id": 20821, "arfcn": 62}, ("460", 0, 4361, 20821)),
    ({"mcc": "460", "mnc": "01", "lac": 41017.0, "cell_id": 3301, "bsic": None}, ("460", 1, 41017, 3301)),
    ({"mcc": "460", "mnc": "00", "lac": 4361, "cell_id": None}, None),
    ({"pi": "13A1", "ps": "CNR 1"}, None),
    (None, None)])
def test_cell_identity_reads_the_stored_json(identity, expected):
    assert cell_identity(None if identity is None else json.dumps(identity)) == expected


def _seed(station, key_of) -> dict[int, tuple]:
    """Two licensed cells heard by three nodes (a path-loss exponent and node gains planted), stored
    under the keys ``key_of(cell)`` gives; a register listing both. {target id: cell}."""
    registers.load(station.store, "cells", "operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon\n" + "".join(
        f"op,{mcc},{mnc},{lac},{ci},,,{lat},{lon}\n" for mcc, mnc, lac, ci, lat, lon in CELLS), "reg.csv")
    for name in NODES:
        add_node(station.store, name)
    rng = np.random.default_rng(7)
    t0 = now() - 300.0
    ids = {}
    with station.store.write() as conn:
        node_ids = {r.name: r.id for r in conn.execute(select(nodes.c.name, nodes.c.id))}
        for cell in CELLS:
            mcc, mnc, lac, ci, lat, lon = cell
            ident = {"mcc": mcc, "mnc": mnc, "lac": lac, "cell_id": ci, "arfcn": None, "bsic": None}
            tid = conn.execute(insert(targets).values(
                key=key_of(cell), kind="gsm", channel="gsm-947.4", freq_hz=947.4e6, identity=json.dumps(ident),
                first_seen_at=t0, last_seen_at=t0 + 200, n_observations=0, status="new")).inserted_primary_key[0]
            ids[tid] = cell
            for name, (nlat, nlon, gain) in NODES.items():
                for k in range(20):
                    # a walk around the node, so the distances to each cell vary
                    plat, plon = nlat + 0.002 * math.cos(k), nlon + 0.002 * math.sin(k)
                    d = math.hypot((plat - lat) * 111_320, (plon - lon) * 111_320 * math.cos(math.radians(lat)))
                    p = 40.0 - 10 * EXPONENT * math.log10(d) + gain + rng.normal(0, 1.0)
                    conn.execute(insert(observations).values(
                        id=str(uuid.uuid4()), node_id=node_ids[name], kind="power", time=t0 + k, received_at=t0 + k,
                        lat=plat, lon=plon, freq_hz=947.4e6, power_dbm=p, floor=False, channel="gsm-947.4",
                        target_id=tid, raw="{}"))
    return ids


def _calibration(station) -> dict:
    station.relocator._calibrated_at = -math.inf
    return station.relocator.calibration()


def test_calibration_finds_the_licensed_cells_by_their_identity(station):
    _seed(station, lambda c: f"gsm:62:36:{c[0]}-{c[1]}-{c[2]}-{c[3]}")
    cal = _calibration(station)
    assert abs(cal["prior"].mean - EXPONENT) < 0.3
    gains = cal["node_gain_db"]
    assert set(gains) == set(NODES)
    assert gains["n1"] > gains["n2"] > gains["n3"] - 1.0 and gains["n1"] > 1.5     # the planted +3 / −1 / −2 dB


def test_calibration_does_not_depend_on_the_key_format(station):
    """Keys in no format the station writes (an operator's import, a later key scheme): same calibration."""
    _seed(station, lambda c: f"imported cell #{c[3]}")
    cal = _calibration(station)
    assert abs(cal["prior"].mean - EXPONENT) < 0.3 and set(cal["node_gain_db"]) == set(NODES)


def test_a_key_that_looks_identified_is_not_an_identity(station):
    """The identity column, not the key, says which cell a target is: without one, no calibration."""
    ids = _seed(station, lambda c: f"gsm:62:36:{c[0]}-{c[1]}-{c[2]}-{c[3]}")
    with station.store.write() as conn:
        for tid in ids:
            conn.execute(targets.update().where(targets.c.id == tid).values(identity=json.dumps({"arfcn": 62})))
    assert _calibration(station) == {}
