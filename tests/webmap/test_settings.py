"""Settings from a TOML file, and the retention of raw readings."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.webmap.conftest import doc_example
from webmap.config import load_settings
from webmap.errors import WebmapError
from webmap.schema import observations


@pytest.fixture
def db_url(tmp_path):
    """SQLite only: nothing here depends on the back end (the ingest and store tests run on both)."""
    return f"sqlite:///{tmp_path / 'foxhunt.db'}"


def test_toml_settings_and_overrides(tmp_path):
    cfg = tmp_path / "serve.toml"
    cfg.write_text('port = 9000\nretention_days = 30\ndb = "sqlite:///x.db"\n')
    s = load_settings(cfg, port=9100, host=None)
    assert (s.port, s.retention_days, s.db_url, s.host) == (9100, 30, "sqlite:///x.db", "127.0.0.1")
    cfg.write_text("prot = 9000\n")
    with pytest.raises(WebmapError, match="unknown setting 'prot'"):
        load_settings(cfg)
    cfg.write_text("port = \n")
    with pytest.raises(WebmapError, match="not TOML"):
        load_settings(cfg)


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def test_environment_is_read_when_settings_are_made(monkeypatch, tmp_path):
    """FOXHUNT_DATA / FOXHUNT_TIMEZONE set after the module was imported (a service wrapper, a test)
    still count; a TOML key still beats them."""
    monkeypatch.setenv("FOXHUNT_DATA", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("FOXHUNT_TIMEZONE", "Asia/Shanghai")
    s = load_settings()
    assert s.data_dir == str(tmp_path / "elsewhere") and s.timezone == "Asia/Shanghai"
    toml = tmp_path / "station.toml"
    toml.write_text('timezone = "Europe/Berlin"\n')
    assert load_settings(toml).timezone == "Europe/Berlin"


def test_retention_deletes_only_old_power_readings(client, station, auth):
    batch = doc_example()
    power = batch["observations"][1]
    now = time.time()
    for o in batch["observations"]:
        o["time"] = _utc(now - 3600)                               # an hour old
    fresh = dict(power, id="00000000-0000-4000-8000-000000000001", time=_utc(now))
    batch["observations"].append(fresh)
    client.post("/api/v1/observations", json=batch, headers=auth)
    reloc = station.relocator
    reloc.retention_days = 300 / 86400                             # keep five minutes
    reloc._last_purge = 0.0
    reloc._purge_if_due()
    with station.store.read() as conn:
        kept = set(conn.execute(select(observations.c.id)).scalars())
    assert fresh["id"] in kept and power["id"] not in kept and batch["observations"][3]["id"] not in kept
    assert len(kept) == 5                                          # the other kinds stay, old or not
