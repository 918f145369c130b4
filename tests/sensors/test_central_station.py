"""The node's uplink against the real central station (webmap) on loopback: the two meet only
on the wire document, and this checks they agree — stored once, duplicates acknowledged, a
wrong node_id refused."""

from __future__ import annotations

import threading

import pytest

from sensors.spool import Spool
from sensors.uplink import Uplink
from sensors.wire import HopInfo, Observation, Position

webmap_app = pytest.importorskip("webmap.app")
from webmap.nodes import add_node  # noqa: E402  (after the skip: webmap is optional here)
from werkzeug.serving import make_server  # noqa: E402

POS = Position(31.1949, 121.4392, alt_m=60.0, speed_m_s=0.0, fix="surveyed", source="config")
HOP = HopInfo(937.0e6, 2.4e6, 29.7, 1.934, band="gsm900")


@pytest.fixture
def central(tmp_path):
    app = webmap_app.create_app({"db": f"sqlite:///{tmp_path / 'fox.db'}", "data_dir": str(tmp_path),
                                 "relocate": False})
    station = app.extensions["foxhunt"]
    _, token = add_node(station.store, "xh-xujiahui")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()


def _observations(n: int) -> list[Observation]:
    cell = {"arfcn": 12, "freq_hz": 937.4e6, "bsic": {"ncc": 2, "bcc": 1}, "mcc": "460", "mnc": "00",
            "lac": 6243, "cell_id": 10231, "neighbours": [20, 28], "cro_db": None, "temporary_offset_db": 0,
            "penalty_time_s": 20, "t3212_decihours": 20, "cell_barred": False, "rxlev_access_min": 8,
            "si_types": ["SI1", "SI2", "SI3", "SI4"], "power_dbfs": -19.0, "snr_db": 26.5,
            "freq_offset_hz": 120.0, "blocks_ok": 40, "blocks_bad": 0}
    out = []
    for k in range(n):
        t = 1.79e9 + 2 * k
        out.append(Observation("gsm_cell", t, POS, HOP, cell))
        out.append(Observation("power", t, POS, HOP, {"freq_hz": 937.4e6, "power_dbm": -48.7 - k % 3,
                                                      "target": "gsm-937.4", "floor": False,
                                                      "bandwidth_hz": 200e3, "power_dbfs": -19.0}))
    return out


def test_central_station_stores_once_acknowledges_duplicates_refuses_impostors(tmp_path, central):
    url, token = central
    spool = Spool(tmp_path / "spool.db")
    obs = _observations(60)
    spool.put(obs)
    up = Uplink(spool, url, token, "xh-xujiahui", batch_size=50, timeout_s=10)
    statuses = []
    while spool.depth():
        out = up.post_once()
        statuses.append(out.status)
        assert out.status == "ok", out
    assert sum(1 for _ in statuses) == 3            # 120 observations in batches of 50
    # A resend of the same ids (a lost acknowledgement) is acknowledged as duplicates.
    spool.put(obs[:10])
    out = up.post_once()
    assert (out.status, out.acked, out.rejected) == ("ok", 10, 0)
    # A node claiming another's identity is refused and keeps its spool.
    other = Spool(tmp_path / "other.db")
    other.put(_observations(1))
    out = Uplink(other, url, token, "someone-else").post_once()
    assert out.status == "http 403" and other.depth() == 2
