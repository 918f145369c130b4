"""A station over the synthetic city (webmap.map_seed) for the map, case and export tests, and
logged-in test clients on it."""

from __future__ import annotations

from sqlalchemy import update

from webmap import map_seed
from webmap.app import create_app
from webmap.schema import targets
from webmap.users import add_user

PASSWORD = "correct horse battery"
HOSTILE_PS = "<img src=x onerror=alert(1)>"
HOSTILE_LABEL = "=cmd|' /C calc'!A0 </script><b>x</b>"


def seeded_app(data_dir, *, db: str | None = None, n_readings: int = 1200, locate: bool = True):
    """The app, its city; the FM pirate's stored PS and label carry markup and a spreadsheet formula
    (the wire caps PS at 8 characters, so they are set in the store as a register or an operator could)."""
    app = create_app({"data_dir": str(data_dir), "db": db, "relocate": False, "relocate_debounce_s": 0.0})
    app.config["TESTING"] = True
    st = app.extensions["foxhunt"]
    city = map_seed.build_city(st, n_targets=4, n_readings=n_readings)
    if locate:
        map_seed.locate_all(st)
    with st.store.write() as conn:
        conn.execute(update(targets).where(targets.c.key == "fm:fm-91.3").values(
            identity='{"pi": "13A1", "ps": "%s"}' % HOSTILE_PS, label=HOSTILE_LABEL))
    return app, city


def client_for(app, role: str):
    """A test client logged in as a user of ``role`` (made on first use) and its CSRF token."""
    st = app.extensions["foxhunt"]
    try:
        add_user(st.store, role, PASSWORD, role)
    except ValueError:
        pass                                   # made by an earlier test of the module
    c = app.test_client()
    token = c.get("/api/v1/session").json["csrf_token"]
    r = c.post("/api/v1/session", json={"username": role, "password": PASSWORD}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200, r.json
    return c, r.json["csrf_token"]


def target_id(app, key: str) -> int:
    from sqlalchemy import select
    with app.extensions["foxhunt"].store.read() as conn:
        return conn.execute(select(targets.c.id).where(targets.c.key == key)).scalar_one()
