"""People: password login, sessions, CSRF, roles, and the append-only audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from tests.webmap.conftest import PASSWORD, doc_example
from webmap.schema import audit_log, targets, users
from webmap.users import add_user, disable_user


@pytest.fixture
def target_id(client, station, auth) -> int:
    client.post("/api/v1/observations", json=doc_example(), headers=auth)
    with station.store.read() as conn:
        return conn.execute(select(targets.c.id).where(targets.c.kind == "gsm")).scalar_one()


def test_reads_need_a_login(client):
    for path in ("/api/v1/targets", "/api/v1/nodes", "/api/v1/observations", "/api/v1/audit"):
        assert client.get(path).status_code == 401
    r = client.get("/targets")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    assert client.get("/api/v1/health").status_code == 200


def test_production_hash_is_scrypt(station, monkeypatch):
    monkeypatch.undo()                                   # the real cost, not the tests' cheap hashing
    add_user(station.store, "ops", PASSWORD, "admin")
    with station.store.read() as conn:
        assert conn.execute(select(users.c.password_hash)).scalar_one().startswith("scrypt:")


def test_passwords_are_hashed_and_checked(app, station):
    add_user(station.store, "ops", PASSWORD, "admin")
    with station.store.read() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert PASSWORD not in stored and stored.startswith("pbkdf2:")
    c = app.test_client()
    csrf = c.get("/api/v1/session").json["csrf_token"]
    assert c.post("/api/v1/session", json={"username": "ops", "password": "wrong password"},
                  headers={"X-CSRF-Token": csrf}).status_code == 401
    assert c.post("/api/v1/session", json={"username": "nobody", "password": PASSWORD},
                  headers={"X-CSRF-Token": csrf}).status_code == 401
    assert c.get("/api/v1/targets").status_code == 401


def test_login_needs_csrf_and_is_throttled(app, station):
    add_user(station.store, "ops", PASSWORD, "admin")
    c = app.test_client()
    assert c.post("/api/v1/session", json={"username": "ops", "password": PASSWORD}).status_code == 403
    csrf = c.get("/api/v1/session").json["csrf_token"]
    codes = [c.post("/api/v1/session", json={"username": "ops", "password": "guess" * 3},
                    headers={"X-CSRF-Token": csrf}).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_html_login_form(app, station):
    add_user(station.store, "ops", PASSWORD, "field")
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = c.post("/login", data={"username": "ops", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and c.get("/targets").status_code == 200
    assert c.post("/logout").status_code == 403                  # no CSRF token
    c.post("/logout", data={"csrf_token": c.get("/api/v1/session").json["csrf_token"]})
    assert c.get("/api/v1/targets").status_code == 401


def test_liaison_reads_but_changes_nothing(login, target_id, station):
    c, csrf = login("liaison")
    assert c.get(f"/api/v1/targets/{target_id}").status_code == 200
    h = {"X-CSRF-Token": csrf}
    assert c.patch(f"/api/v1/targets/{target_id}", json={"status": "closed"}, headers=h).status_code == 403
    assert c.post(f"/api/v1/targets/{target_id}/notes", json={"text": "x"}, headers=h).status_code == 403
    with station.store.read() as conn:
        assert conn.execute(select(targets.c.status).where(targets.c.id == target_id)).scalar_one() == "new"
        assert conn.execute(select(audit_log).where(audit_log.c.target_id == target_id)).first() is None


def test_field_team_adds_notes_coordinator_changes_status(login, target_id):
    field, fcsrf = login("field")
    assert field.post(f"/api/v1/targets/{target_id}/notes", json={"text": "found it: rooftop, 3rd building"},
                      headers={"X-CSRF-Token": fcsrf}).status_code == 201
    assert field.patch(f"/api/v1/targets/{target_id}", json={"status": "located"},
                       headers={"X-CSRF-Token": fcsrf}).status_code == 403
    coord, ccsrf = login("coordinator")
    assert coord.patch(f"/api/v1/targets/{target_id}", json={"status": "located"}).status_code == 403  # no CSRF
    assert coord.patch(f"/api/v1/targets/{target_id}", json={"status": "located"},
                       headers={"X-CSRF-Token": fcsrf}).status_code == 403           # someone else's token
    r = coord.patch(f"/api/v1/targets/{target_id}", json={"status": "located"}, headers={"X-CSRF-Token": ccsrf})
    assert r.status_code == 200 and r.json["status"] == "located"
    assert coord.patch(f"/api/v1/targets/{target_id}", json={"status": "gone"},
                       headers={"X-CSRF-Token": ccsrf}).status_code == 400
    log = coord.get(f"/api/v1/targets/{target_id}").json["audit"]
    assert [(e["actor"], e["action"]) for e in log] == [("user:coordinator-user", "target.change"),
                                                        ("user:field-user", "target.note")]
    assert log[0]["detail"] == {"before": {"status": "new"}, "after": {"status": "located"}}


def test_audit_log_is_append_only_in_the_database(login, target_id, station):
    coord, csrf = login("coordinator")
    coord.patch(f"/api/v1/targets/{target_id}", json={"label": "van"}, headers={"X-CSRF-Token": csrf})
    for stmt in (update(audit_log).values(actor="someone else"), delete(audit_log)):
        with pytest.raises(DBAPIError, match="append-only"):
            with station.store.write() as conn:
                conn.execute(stmt)
    with station.store.read() as conn:
        assert {r.actor for r in conn.execute(select(audit_log))} >= {"user:coordinator-user"}


def test_disabling_a_user_ends_their_session(login, station):
    c, _ = login("admin", "ops")
    assert c.get("/api/v1/nodes").status_code == 200
    disable_user(station.store, "ops")
    assert c.get("/api/v1/nodes").status_code == 401
