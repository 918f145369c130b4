"""Nobody posts without a valid token; bad bodies are refused before storage; hostile text is
stored verbatim, never executed, and escaped on output; a read-only user changes nothing."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select, text, update

from tests.webmap.conftest import doc_example, fresh_ids
from webmap.nodes import add_node, revoke_node
from webmap.schema import nodes, observations, targets

URL = "/api/v1/observations"

HOSTILE = ["'; DROP TABLE observations; --", "\" OR 1=1 --", "<script>alert(1)</script>",
           "Robert'); DELETE FROM nodes;--", "{{7*7}}", "\u202e\u0000nul", "<img src=x onerror=alert(1)>"]


def _stored(station) -> int:
    with station.store.read() as conn:
        return conn.execute(select(func.count()).select_from(observations)).scalar_one()


class _Exploding:
    """A body stream that fails the test if the server reads it."""

    def read(self, *_):
        raise AssertionError("the body was read before the token was checked")


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic eHV4dWk6cGFzcw==",
                                    "Bearer fxn_wrong", "Bearer " + "fxn_" + "A" * 43, "bearer x" * 200])
def test_no_or_wrong_token_is_401_before_the_body_is_read(app, node_token, header):
    headers = {"Content-Type": "application/json", "Content-Length": "100"}
    if header is not None:
        headers["Authorization"] = header
    env = {"wsgi.input": _Exploding()}
    r = app.test_client().post(URL, headers=headers, environ_overrides=env)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    assert "error" in r.json


def test_another_nodes_token_is_403(client, station, node_token):
    _, other = add_node(station.store, "minhang-02")
    r = client.post(URL, json=doc_example(), headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 403 and r.json["error"].startswith("node_id:")
    assert _stored(station) == 0


def test_revoked_token_is_401(client, station, auth):
    assert client.post(URL, json=doc_example(), headers=auth).status_code == 201
    revoke_node(station.store, "xuhui-01")
    r = client.post(URL, json=fresh_ids(doc_example()), headers=auth)
    assert r.status_code == 401
    assert _stored(station) == 6


def test_expired_token_is_401(client, station):
    _, token = add_node(station.store, "xuhui-01", valid_days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(URL, json=doc_example(), headers=headers).status_code == 201
    with station.store.write() as conn:
        conn.execute(update(nodes).values(expires_at=time.time() - 1))
    assert client.post(URL, json=fresh_ids(doc_example()), headers=headers).status_code == 401


def test_tokens_are_stored_hashed(station, node_token):
    with station.store.read() as conn:
        stored = conn.execute(select(nodes.c.token_hash)).scalar_one()
    assert node_token not in stored and len(stored) == 64


@pytest.mark.parametrize("body, status, field", [
    (b"{not json", 400, "body"),
    (b"\xff\xfe\x00", 400, "body"),
    (b"[]", 400, "batch"),
    (b'{"version": 1, "node_id": "xuhui-01", "sent_at": "2026-11-28T19:04:07Z", "observations": "x"}', 400,
     "observations"),
    (b'{"version": "1", "node_id": "xuhui-01", "sent_at": "2026-11-28T19:04:07Z", "observations": []}', 400,
     "version"),
])
def test_malformed_bodies_are_400_naming_the_field(client, station, auth, body, status, field):
    r = client.post(URL, data=body, headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == status and r.json["error"].startswith(field), r.json
    assert _stored(station) == 0


def test_oversize_body_and_batch_are_413(client, station, auth):
    big = doc_example()
    big["observations"][4]["payload"]["message"] = "x" * (1 << 20)
    assert client.post(URL, json=big, headers=auth).status_code == 413
    many = doc_example()
    many["observations"] = [dict(many["observations"][5], id=f"00000000-0000-4000-8000-{i:012x}")
                            for i in range(501)]
    r = client.post(URL, json=many, headers=auth)
    assert r.status_code == 413 and r.json["error"].startswith("observations:")
    many["observations"] = many["observations"][:500]
    assert client.post(URL, json=many, headers=auth).status_code == 201
    assert _stored(station) == 500


def test_wrong_types_are_rejected_per_observation(client, station, auth):
    batch = doc_example()
    batch["observations"][0]["payload"]["lac"] = "4361"
    batch["observations"][1]["payload"]["floor"] = "false"
    batch["observations"][3]["position"]["lat"] = "31.2"
    r = client.post(URL, json=batch, headers=auth)
    errors = [x.get("error", "") for x in r.json["results"]]
    assert errors[0].startswith("observations[0].payload.lac:")
    assert errors[1].startswith("observations[1].payload.floor:")
    assert errors[3].startswith("observations[3].position.lat:")
    assert _stored(station) == 3


def test_rate_limit_per_node(app, station, client, auth):
    station.obs_limits.burst = station.obs_limits.rate = 10.0
    assert client.post(URL, json=doc_example(), headers=auth).status_code == 201
    r = client.post(URL, json=fresh_ids(doc_example()), headers=auth)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    _, other = add_node(station.store, "minhang-02")
    b = fresh_ids(doc_example())
    b["node_id"] = "minhang-02"
    assert client.post(URL, json=b, headers={"Authorization": f"Bearer {other}"}).status_code == 201


def _hostile_batch() -> dict:
    b = doc_example()
    gsm, power, fm, _, health, _ = b["observations"]
    gsm["payload"]["si_types"] = [s[:16] for s in HOSTILE]   # the schema caps these at 16 characters
    gsm["payload"]["vendor_note"] = HOSTILE[2]          # extra keys are allowed in decoder payloads
    fm["payload"]["rds"].update(ps=HOSTILE[2][:8], rt=HOSTILE[0])
    fm["payload"]["rds"]["pty_name"] = HOSTILE[6]
    health["payload"].update(message=HOSTILE[1], source=HOSTILE[3], software=HOSTILE[4])
    return b


def test_hostile_strings_are_stored_verbatim_and_never_executed(client, station, auth, login):
    batch = _hostile_batch()
    r = client.post(URL, json=batch, headers=auth)
    assert r.status_code == 201 and r.json["stored"] == 6
    with station.store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM nodes")).scalar_one() == 1     # nothing dropped
        raw = {r.id: json.loads(r.raw) for r in conn.execute(select(observations.c.id, observations.c.raw))}
    assert raw == {o["id"]: o for o in batch["observations"]}
    user, _ = login("liaison")
    got = user.get("/api/v1/observations?limit=10")
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    back = {o["observation"]["id"]: o["observation"] for o in got.json["observations"]}
    assert back == raw                                   # JSON data, exactly as sent
    health = user.get("/api/v1/nodes").json["nodes"][0]["health"]
    assert health["message"] == HOSTILE[1]


def test_hostile_strings_are_escaped_in_html(client, station, auth, login):
    client.post(URL, json=_hostile_batch(), headers=auth)
    coordinator, csrf = login("coordinator")
    with station.store.read() as conn:
        tid = conn.execute(select(targets.c.id).where(targets.c.kind == "fm")).scalar_one()
    r = coordinator.patch(f"/api/v1/targets/{tid}", json={"label": HOSTILE[6]}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json["label"] == HOSTILE[6]
    page = coordinator.get("/targets").get_data(as_text=True)
    assert "<img src=x" not in page and "<script>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;" in page                        # the RDS PS in the target's identity


def test_query_parameters_are_not_sql(client, auth, login):
    client.post(URL, json=doc_example(), headers=auth)
    user, _ = login("liaison")
    r = user.get("/api/v1/observations", query_string={"node": "x' OR '1'='1", "kind": "power' --"})
    assert r.status_code == 200 and r.json["observations"] == []
    assert user.get("/api/v1/observations?limit=1;DROP").status_code == 400
    assert len(user.get("/api/v1/observations").json["observations"]) == 6


def test_nul_in_a_label_is_refused_not_a_server_error(client, station, auth, login):
    client.post(URL, json=doc_example(), headers=auth)       # PostgreSQL text cannot hold NUL
    coordinator, csrf = login("coordinator")
    with station.store.read() as conn:
        tid = conn.execute(select(targets.c.id).where(targets.c.kind == "fm")).scalar_one()
    r = coordinator.patch(f"/api/v1/targets/{tid}", json={"label": "a\x00b"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and r.json["error"].startswith("label:")
