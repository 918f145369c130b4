"""POST /api/v1/observations on SQLite and PostgreSQL: results, idempotency, per-observation rejection."""

from __future__ import annotations

import json
import threading

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from tests.webmap.conftest import doc_example, fresh_ids
from webmap.nodes import add_node, authenticate
from webmap.schema import nodes, observations, targets
from webmap.wire import read_batch

URL = "/api/v1/observations"


def _count(station, table=observations) -> int:
    with station.store.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_documented_example_is_stored_once(client, station, auth):
    batch = doc_example()
    r = client.post(URL, json=batch, headers=auth)
    assert r.status_code == 201
    assert r.json["stored"] == 6 and r.json["duplicates"] == 0 and r.json["rejected"] == 0
    assert [x["id"] for x in r.json["results"]] == [o["id"] for o in batch["observations"]]
    again = client.post(URL, json=batch, headers=auth)
    assert again.status_code == 200
    assert {x["status"] for x in again.json["results"]} == {"duplicate"} and again.json["duplicates"] == 6
    assert _count(station) == 6


def test_first_copy_wins_even_when_content_differs(client, station, auth):
    batch = doc_example()
    client.post(URL, json=batch, headers=auth)
    batch["observations"][1]["payload"]["power_dbm"] = -10.0
    r = client.post(URL, json=batch, headers=auth)
    assert r.json["results"][1]["status"] == "duplicate"
    with station.store.read() as conn:
        kept = conn.execute(select(observations.c.power_dbm).where(
            observations.c.id == batch["observations"][1]["id"])).scalar_one()
    assert kept == -61.7


def test_repeated_id_inside_one_batch_is_stored_once(client, station, auth):
    batch = doc_example()
    batch["observations"].append(dict(batch["observations"][0]))
    r = client.post(URL, json=batch, headers=auth)
    assert [x["status"] for x in r.json["results"]] == ["stored"] * 6 + ["duplicate"]
    assert _count(station) == 6


def test_one_bad_observation_does_not_stop_the_others(client, station, auth):
    batch = fresh_ids(doc_example())
    batch["observations"][2]["payload"]["freq_hz"] = 5.0
    r = client.post(URL, json=batch, headers=auth)
    assert r.status_code == 201
    res = r.json["results"][2]
    assert res["status"] == "rejected" and res["id"] == batch["observations"][2]["id"]
    assert res["error"].startswith("observations[2].payload.freq_hz:") and len(res["error"]) <= 500
    assert r.json["stored"] == 5 and r.json["rejected"] == 1
    assert _count(station) == 5


def test_everything_rejected_is_200_with_results(client, station, auth):
    batch = doc_example()
    batch["observations"] = [{"id": 5}]
    r = client.post(URL, json=batch, headers=auth)
    assert r.status_code == 200
    assert r.json["results"] == [{"id": None, "status": "rejected", "error": "observations[0].kind: missing"}]


def test_grouping_and_node_state(client, station, auth):
    client.post(URL, json=doc_example(), headers=auth)
    with station.store.read() as conn:
        keys = {r.key: r for r in conn.execute(select(targets))}
        node = conn.execute(select(nodes)).one()
        power = conn.execute(select(observations).where(observations.c.kind == "power",
                                                        observations.c.channel == "gsm-947.4")).one()
    assert set(keys) == {"gsm:62:35:460-00-4361-20821", "fm:fm-98.7", "air:air-121.500"}
    # the power reading of the GSM channel belongs to the cell the node decoded in the same capture
    assert power.target_id == keys["gsm:62:35:460-00-4361-20821"].id
    assert all(t.dirty_since is not None for t in keys.values())   # for the worker, which counts
    station.relocator.run_once(settle=False)
    with station.store.read() as conn:
        counted = {r.key: r.n_observations for r in conn.execute(select(targets))}
    assert counted["gsm:62:35:460-00-4361-20821"] == 2 and counted["fm:fm-98.7"] == 1
    assert (node.last_lat, node.last_lon) == (31.2012, 121.4431)  # the newest observation's position
    assert json.loads(node.last_health)["spool_depth"] == 12


def test_observations_are_stored_verbatim(client, station, auth):
    batch = doc_example()
    client.post(URL, json=batch, headers=auth)
    with station.store.read() as conn:
        raw = {r.id: json.loads(r.raw) for r in conn.execute(select(observations.c.id, observations.c.raw))}
    assert raw == {o["id"]: o for o in batch["observations"]}


def _health_only(batch: dict) -> dict:
    b = fresh_ids(batch)
    health = next(o for o in b["observations"] if o["kind"] == "health")
    b["observations"] = [dict(health, id=o["id"], position=None) for o in b["observations"]]
    return b


def test_a_batch_with_no_value_in_a_column_is_stored(client, station, auth):
    # every row's position, frequency, power and target is null: the columns go as all-null arrays
    batch = _health_only(doc_example())
    r = client.post(URL, json=batch, headers=auth)
    assert r.status_code == 201 and r.json["stored"] == len(batch["observations"])
    with station.store.read() as conn:
        rows = conn.execute(select(observations)).all()
    assert len(rows) == len(batch["observations"])
    assert all(x.lat is None and x.freq_hz is None and x.target_id is None and x.floor is None for x in rows)


def test_whole_numbers_are_stored_as_the_numbers_sent(client, station, auth):
    batch = fresh_ids(doc_example())
    power = batch["observations"][1]
    power["position"]["lat"], power["position"]["lon"], power["payload"]["power_dbm"] = 31, 121, -62
    power["payload"]["freq_hz"] = 947400000
    assert client.post(URL, json=batch, headers=auth).status_code == 201
    with station.store.read() as conn:
        row = conn.execute(select(observations).where(observations.c.id == power["id"])).one()
    assert (row.lat, row.lon, row.power_dbm, row.freq_hz, row.floor) == (31.0, 121.0, -62.0, 947.4e6, False)
    assert json.loads(row.raw)["payload"]["power_dbm"] == -62


def test_concurrent_batches_sharing_new_ids_store_each_once(station):
    # two transactions inserting the same new ids in opposite orders: each id is stored once, and
    # neither deadlocks on the other (PostgreSQL did in about a third of the rounds, rows unsorted)
    a, b = (authenticate_token(station, add_node(station.store, name)[1]) for name in ("east", "west"))
    one = _health_only(doc_example())["observations"][0]
    for _ in range(10):
        obs = fresh_ids({"observations": [dict(one) for _ in range(400)]})["observations"]   # no targets
        batches = [read_batch({"version": 1, "node_id": n.name, "sent_at": "2026-11-28T19:04:00Z",
                               "observations": o}) for n, o in ((a, obs), (b, obs[::-1]))]
        barrier = threading.Barrier(2)
        out = []

        def post(node, batch):
            barrier.wait()
            try:
                out.append(station.ingest.store_batch(node, batch)["stored"])
            except OperationalError as exc:
                out.append(type(exc.orig).__name__)

        threads = [threading.Thread(target=post, args=(n, x)) for n, x in zip((a, b), batches)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(out, key=str) == [0, 400]
    assert _count(station) == 4000


def authenticate_token(station, token: str):
    with station.store.read() as conn:
        return authenticate(conn, f"Bearer {token}")
