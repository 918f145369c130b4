"""The central station judges a target with its channel's history (webmap.history): the hours it
was on the air and listened to, since when it was watched, and how every node heard it before.
Decodes go in through the ingest API over days of simulated hours; the verdicts are read back
from the store as the worker wrote them."""

from __future__ import annotations

import json
import time
import uuid
from calendar import timegm

import pytest
from sqlalchemy import func, select

from tests.webmap.conftest import _wipe_postgres
from webmap import registers
from webmap.channel_log import covered_channels, raster_channel
from webmap.errors import WebmapError
from webmap.history import local_hours, local_zone
from webmap.history_schema import channel_heard, channel_listened
from webmap.nodes import add_node
from webmap.schema import targets

#: Four licensed stations in one 2.4 MHz FM hop: the pilot calibrators of every scan.
FM = ("freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n"
      "97700000,1111,ONE,One,31.2,121.44,10000,L-1\n"
      "98100000,2222,TWO,Two,31.2,121.44,10000,L-2\n"
      "98700000,13A1,CNR 1,China National Radio,31.2,121.44,10000,L-3\n"
      "99300000,3333,FOUR,Four,31.2,121.44,10000,L-4\n")
LICENSED = {97.7e6: "1111", 98.1e6: "2222", 98.7e6: "13A1", 99.3e6: "3333"}
#: Where each node stands and its sample-clock error, which shifts every pilot it measures (an
#: uncalibrated dongle's ~±70 ppm: more than the 1 Hz that tells two exciters apart).
NODES = {"north": ((31.25, 121.44), +1.5), "south": ((31.15, 121.44), -1.2)}
DAY0 = timegm((2026, 11, 20, 0, 0, 0))


@pytest.fixture
def db_url(request, tmp_path):
    """SQLite, and PostgreSQL too for the tests parametrised with ``BOTH``."""
    if getattr(request, "param", "sqlite") == "sqlite":
        return f"sqlite:///{tmp_path / 'foxhunt.db'}"
    url = request.getfixturevalue("postgres_url")
    _wipe_postgres(url)
    return url


BOTH = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def station_obs(t: float, node: str, freq: float, pi: str | None, *, snr: float = 35.0, stereo: bool = True,
                exciter_hz: float = 0.05) -> dict:
    """One fm_station observation as a node sends it: its pilot as that node measures it."""
    (lat, lon), clock = NODES[node]
    rds = None if pi is None else {"pi": pi, "ps": f"PS {pi}", "rt": None, "pty": 1, "block_error_rate": 0.02}
    return {"id": str(uuid.uuid4()), "kind": "fm_station", "time": _iso(t),
            "position": {"lat": lat, "lon": lon, "alt_m": None, "speed_m_s": 0.0, "heading_deg": None,
                         "fix": "surveyed", "source": "config"},
            "hop": {"center_freq_hz": 98.5e6, "sample_rate_hz": 2.4e6, "gain_db": None, "dwell_s": 1.0, "band": "fm"},
            "payload": {"freq_hz": freq, "power_dbfs": -30.0, "snr_db": snr, "occupied_bw_hz": 180e3,
                        "peak_deviation_hz": 70e3, "stereo": stereo, "rds": rds,
                        "pilot_freq_error_hz": clock + exciter_hz if stereo else None}}


def post_scan(client, tokens, node: str, t: float, extra=(), replace: dict | None = None) -> None:
    """One hop of ``node`` at ``t``: the licensed stations (``replace``: freq → observation heard
    there instead) and ``extra`` observations."""
    obs = [(replace or {}).get(f) or station_obs(t, node, f, pi) for f, pi in LICENSED.items()]
    body = {"version": 1, "node_id": node, "sent_at": _iso(t), "observations": [*obs, *extra]}
    r = client.post("/api/v1/observations", json=body, headers={"Authorization": f"Bearer {tokens[node]}"})
    assert r.status_code in (200, 201) and r.json["rejected"] == 0, r.json


@pytest.fixture
def tokens(station):
    registers.load(station.store, "fm", FM, "fm.csv")
    return {name: add_node(station.store, name)[1] for name in NODES}


def fired(station, key: str) -> set[str]:
    station.relocator.run_once(settle=False)
    with station.store.read() as conn:
        verdict = conn.execute(select(targets.c.verdict).where(targets.c.key == key)).scalar_one()
    return {r["rule"] for r in json.loads(verdict)["reasons"]}


def hours(days: int = 2):
    return [DAY0 + h * 3600 + 600 for h in range(24 * days)]


def test_a_pirate_heard_only_at_night_on_a_channel_listened_all_day(client, station, tokens):
    for t in hours():
        night = (t - DAY0) // 3600 % 24 in (22, 23, 0, 1, 2)
        for node in NODES:
            post_scan(client, tokens, node, t, extra=[station_obs(t, node, 99.1e6, "BEEF")] if night else [])
    pirate = fired(station, "fm:fm-99.1")
    assert "fm.odd_schedule" in pirate
    licensed = fired(station, "fm:fm-98.7")
    assert not {"fm.odd_schedule", "fm.fingerprint_changes"} & licensed, licensed


@BOTH
def test_a_channel_heard_with_another_pi_by_another_node_changed_fingerprint(client, station, tokens):
    for t in hours():
        night = (t - DAY0) // 3600 % 24 in (22, 23, 0, 1, 2)
        post_scan(client, tokens, "north", t)
        # the south node hears a pirate on the licensee's channel at night, louder than the licensee
        pirate = {98.7e6: station_obs(t, "south", 98.7e6, "BEEF", snr=45, stereo=False)} if night else None
        post_scan(client, tokens, "south", t, replace=pirate)
    assert "fm.fingerprint_changes" in fired(station, "fm:fm-98.7")


def test_a_pilot_that_differs_once_each_node_clock_is_removed_is_another_exciter(client, station, tokens):
    """Same PI (copied), both stereo: only the pilot tells. Raw pilots at the two nodes differ by
    2.7 Hz for the licensee (their clocks) and that must not count; the copy's exciter is 3 Hz off."""
    for t in hours(1):
        post_scan(client, tokens, "north", t)
        copy = t >= DAY0 + 20 * 3600
        post_scan(client, tokens, "south", t, replace={98.7e6: station_obs(t, "south", 98.7e6, "13A1", snr=45,
                                                                          exciter_hz=3.0)} if copy else None)
    assert "fm.fingerprint_changes" in fired(station, "fm:fm-98.7")


def test_a_licensed_station_heard_alike_all_day_by_nodes_with_different_clocks(client, station, tokens):
    for t in hours(1):
        for node in NODES:
            post_scan(client, tokens, node, t)
    for f in LICENSED:
        rules = fired(station, f"fm:fm-{f / 1e6:.1f}")
        assert not {"fm.odd_schedule", "fm.fingerprint_changes"} & rules, (f, rules)


def test_hours_of_day_are_the_configured_zones(tmp_path):
    from webmap.app import create_app
    shanghai = local_zone("Asia/Shanghai")
    h14 = (DAY0 + 14 * 3600) // 3600                     # 14:00 UTC is 22:00 in Shanghai
    assert local_hours([h14], shanghai) == (22,) and local_hours([h14], local_zone("UTC")) == (14,)
    # 13:00-14:00 UTC is 18:30-19:30 in Kolkata: placed by its middle, 19:00
    assert local_hours([(DAY0 + 13 * 3600) // 3600], local_zone("Asia/Kolkata")) == (19,)
    with pytest.raises(WebmapError, match="timezone 'Mars/Olympus'"):
        create_app({"data_dir": str(tmp_path), "relocate": False, "timezone": "Mars/Olympus"})


def test_odd_schedule_follows_the_local_night(tmp_path):
    """The same broadcast, 14:00-18:00 UTC: an afternoon show in UTC, a night one in Shanghai."""
    from webmap.app import create_app
    verdicts = {}
    for zone in ("UTC", "Asia/Shanghai"):
        app = create_app({"data_dir": str(tmp_path / zone.replace("/", "-")), "relocate": False,
                          "relocate_debounce_s": 0.0, "timezone": zone})
        st, client = app.extensions["foxhunt"], app.test_client()
        registers.load(st.store, "fm", FM, "fm.csv")
        toks = {name: add_node(st.store, name)[1] for name in NODES}
        for t in hours(1):
            on = 14 <= (t - DAY0) // 3600 % 24 <= 18
            post_scan(client, toks, "north", t, extra=[station_obs(t, "north", 99.1e6, "BEEF")] if on else [])
        verdicts[zone] = fired(st, "fm:fm-99.1")
        st.store.dispose()
    assert "fm.odd_schedule" not in verdicts["UTC"] and "fm.odd_schedule" in verdicts["Asia/Shanghai"]


def test_a_cell_new_on_a_channel_watched_for_two_days_recently_appeared(client, station, tokens):
    """GSM: the ARFCN was covered by the node's hops for two days (other cells heard in the same
    hops), then a cell appears on it: gsm.recently_appeared needs ``watched_since``."""
    (lat, lon), _ = NODES["north"]

    def cell(t, arfcn, ci):
        freq = 935e6 + 0.2e6 * arfcn
        return {"id": str(uuid.uuid4()), "kind": "gsm_cell", "time": _iso(t),
                "position": {"lat": lat, "lon": lon, "alt_m": None, "speed_m_s": 0.0, "heading_deg": None,
                             "fix": "surveyed", "source": "config"},
                "hop": {"center_freq_hz": 947e6, "sample_rate_hz": 2.4e6, "gain_db": 30.0, "dwell_s": 2.0,
                        "band": "gsm900"},
                "payload": {"arfcn": arfcn, "freq_hz": freq, "bsic": {"ncc": 1, "bcc": 2}, "mcc": "460", "mnc": "00",
                            "lac": 4361, "cell_id": ci, "neighbours": [60], "si_types": ["SI3"],
                            "power_dbfs": -30.0, "snr_db": 20.0}}

    def post(t, obs):
        body = {"version": 1, "node_id": "north", "sent_at": _iso(t), "observations": obs}
        assert client.post("/api/v1/observations", json=body,
                           headers={"Authorization": f"Bearer {tokens['north']}"}).json["stored"] == len(obs)

    for t in hours(2):
        post(t, [cell(t, 60, 20000)])
    t = DAY0 + 48 * 3600 + 60
    post(t, [cell(t, 60, 20000), cell(t, 62, 31337)])
    assert "gsm.recently_appeared" in fired(station, "gsm:62:12:460-00-4361-31337")
    assert "gsm.recently_appeared" not in fired(station, "gsm:60:12:460-00-4361-20000")


@BOTH
def test_hops_are_recorded_once_per_channel_and_hour(station, client):
    """Ingest writes each channel-hour once (a later batch of the hour adds nothing), on both back ends."""
    st = station
    toks = {name: add_node(st.store, name)[1] for name in NODES}
    t = DAY0 + 3600 + 5
    post_scan(client, toks, "north", t)
    post_scan(client, toks, "north", t + 60)        # same hour: nothing new
    post_scan(client, toks, "south", t + 120)       # another node: heard rows, no new listened ones
    with st.store.read() as conn:
        listened = conn.execute(select(channel_listened)).all()
        heard = conn.execute(select(channel_heard.c.channel, channel_heard.c.node_id, channel_heard.c.time)).all()
        n_heard = conn.execute(select(func.count()).select_from(channel_heard)).scalar_one()
    assert sorted(r.channel for r in listened) == sorted(covered_channels(98.5e6, 2.4e6))
    assert {r.first_at for r in listened} == {float(t)} and {r.hour for r in listened} == {int(t // 3600)}
    assert n_heard == 2 * len(LICENSED) and {r.time for r in heard} == {float(t), float(t + 120)}


@BOTH
def test_the_upgrade_fills_the_heard_hours_from_the_decodes_already_stored(db_url):
    from sqlalchemy import insert

    from webmap.schema import nodes, observations
    from webmap.store import Store
    store = Store(db_url)
    store.migrate("0002")
    t = DAY0 + 5 * 3600 + 3599.5                          # the last half second of 05:00-06:00
    with store.write() as conn:
        conn.execute(insert(nodes).values(id=1, name="north", token_hash="x" * 64, created_at=t))
        for i, (kind, when, channel) in enumerate((("fm_station", t, "fm-98.7"), ("fm_station", t - 600, "fm-98.7"),
                                                   ("power", t, "fm-98.7"), ("gsm_cell", t + 1, "gsm-947.4"))):
            conn.execute(insert(observations).values(id=str(i), node_id=1, kind=kind, time=when, received_at=when,
                                                     channel=channel, raw="{}"))
    store.migrate()
    with store.read() as conn:
        rows = sorted(tuple(r) for r in conn.execute(select(channel_heard)))
    assert rows == [("fm-98.7", int(t // 3600), 1, t - 600), ("gsm-947.4", int(t // 3600) + 1, 1, t + 1)]
    store.dispose()


def test_a_watch_runs_back_over_short_gaps_only(station):
    """Listened 00-29 h, then 34-47 h (a 4 h gap), then 49-60 h (a 1 h gap): a cell first heard at 60 h
    was watched since 34 h; with the 4 h gap filled, since 0 h."""
    from sqlalchemy import delete, insert

    from webmap.history import watched_since
    listened = [*range(0, 30), *range(34, 48), *range(49, 61)]
    hour0 = int(DAY0 // 3600)
    with station.store.write() as conn:
        conn.execute(delete(channel_listened))
        conn.execute(insert(channel_listened), [{"channel": "gsm-947.4", "hour": hour0 + h,
                                                 "first_at": DAY0 + h * 3600 + 30} for h in listened])
    first_seen = DAY0 + 60 * 3600 + 900
    with station.store.read() as conn:
        assert watched_since(conn, "gsm-947.4", first_seen) == DAY0 + 34 * 3600 + 30
        assert watched_since(conn, "gsm-947.0", first_seen) is None
    with station.store.write() as conn:
        conn.execute(insert(channel_listened), [{"channel": "gsm-947.4", "hour": hour0 + h,
                                                 "first_at": DAY0 + h * 3600} for h in (31, 32)])
    with station.store.read() as conn:
        assert watched_since(conn, "gsm-947.4", first_seen) == DAY0 + 30
        assert watched_since(conn, "gsm-947.4", DAY0 + 20 * 3600) == DAY0 + 30   # nothing after first heard counts


def test_the_recorded_channels_of_a_hop():
    got = covered_channels(98.5e6, 2.4e6)
    assert got[0] == "fm-97.6" and got[-1] == "fm-99.4" and len(got) == 19      # the middle 80 %
    assert covered_channels(947e6, 2.4e6) == [f"gsm-{946.2 + 0.2 * k:.1f}" for k in range(9)]
    assert covered_channels(121e6, 2.4e6) == []                                # air band: not recorded
    assert raster_channel(98.735e6) == "fm-98.7" and raster_channel(947.41e6) == "gsm-947.4"
