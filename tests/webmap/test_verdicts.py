"""Verdicts on targets with the node's context and the stored, versioned registers."""

from __future__ import annotations

import pytest

from sqlalchemy import select

from tests.webmap.conftest import doc_example, fresh_ids
from webmap import registers
from webmap.schema import audit_log, targets
from webmap.verdicts import fm_station_of, gsm_cell_of

CELLS = "operator,mcc,mnc,lac,cell_id,arfcn,bsic,lat,lon\nCMCC,460,00,4361,{ci},62,29,31.19,121.44\n"
FM = "freq_hz,pi,ps,name,lat,lon,erp_w,licence_id\n98700000,13A1,CNR 1,China National Radio,31.2,121.44,10000,L-1\n"


@pytest.fixture
def db_url(tmp_path):
    """SQLite only: nothing here depends on the back end (the ingest and store tests run on both)."""
    return f"sqlite:///{tmp_path / 'foxhunt.db'}"


def _verdicts(station) -> dict:
    with station.store.read() as conn:
        return {r.key: (r.verdict_class, r.verdict) for r in conn.execute(select(targets))}


def test_wire_payloads_become_dsp_records():
    gsm, _, fm, *_ = doc_example()["observations"]
    cell = gsm_cell_of(gsm["payload"])
    assert (cell.arfcn, cell.bsic.ncc, cell.bsic.bcc, cell.mnc, cell.neighbours) == (62, 3, 5, "00", (1, 5, 60))
    assert cell.paging_count is None                        # not sent: unknown, not zero
    st = fm_station_of(fm["payload"])
    assert st.rds.pi == "13A1" and st.channel_hz == 98.7e6 and abs(st.freq_offset_hz) < 1e-6


def test_unregistered_identity_is_judged_and_audited(client, station, auth):
    registers.load(station.store, "cells", CELLS.format(ci=20822), "regulator.csv")
    client.post("/api/v1/observations", json=doc_example(), headers=auth)
    station.relocator.run_once(settle=False)
    klass, verdict = _verdicts(station)["gsm:62:35:460-00-4361-20821"]
    assert klass in ("suspicious", "rogue")
    assert "gsm.identity_unregistered" in verdict and "regulator.csv" in verdict
    with station.store.read() as conn:
        log = conn.execute(select(audit_log.c.actor, audit_log.c.action).where(
            audit_log.c.action == "target.verdict")).all()
    assert ("system", "target.verdict") in log


def test_registered_cell_and_licensed_station(client, station, auth):
    registers.load(station.store, "cells", CELLS.format(ci=20821), "regulator.csv")
    registers.load(station.store, "fm", FM, "fm.csv")
    client.post("/api/v1/observations", json=doc_example(), headers=auth)
    station.relocator.run_once(settle=False)
    v = _verdicts(station)
    assert "gsm.identity_unregistered" not in v["gsm:62:35:460-00-4361-20821"][1]
    assert v["fm:fm-98.7"][0] == "licensed"
    assert v["air:air-121.500"] == (None, None)              # no decode to judge


def test_registers_are_versioned_and_verbatim(station):
    v1, new1 = registers.load(station.store, "cells", CELLS.format(ci=1), "a.csv")
    same, new_again = registers.load(station.store, "cells", CELLS.format(ci=1), "a-again.csv")
    v2, new2 = registers.load(station.store, "cells", CELLS.format(ci=2), "b.csv")
    assert (v1.version, new1, same.version, new_again, v2.version, new2) == (1, True, 1, False, 2, True)
    with station.store.read() as conn:
        assert [v.version for v in registers.versions(conn)] == [1, 2]
        assert registers.RegisterCache().get(conn, "cells").cells[0].cell_id == 2


def test_register_upload_needs_admin(login, station):
    c, csrf = login("coordinator")
    body, h = CELLS.format(ci=5).encode(), {"X-CSRF-Token": csrf, "Content-Type": "text/csv"}
    assert c.post("/api/v1/registers/cells", data=body, headers=h).status_code == 403
    a, acsrf = login("admin")
    r = a.post("/api/v1/registers/cells?source=upload.csv", data=body, headers={**h, "X-CSRF-Token": acsrf})
    assert r.status_code == 201 and r.json["version"] == 1 and r.json["n_rows"] == 1
    bad = a.post("/api/v1/registers/cells", data=b"no,header\n1,2\n", headers={**h, "X-CSRF-Token": acsrf})
    assert bad.status_code == 400
    assert [x["version"] for x in c.get("/api/v1/registers").json["registers"]] == [1]


def test_a_carrier_only_decode_does_not_flip_the_verdict(client, station, auth):
    registers.load(station.store, "cells", CELLS.format(ci=20822), "regulator.csv")
    full = doc_example()
    client.post("/api/v1/observations", json=full, headers=auth)
    station.relocator.run_once(settle=False)
    before = _verdicts(station)["gsm:62:35:460-00-4361-20821"]
    assert before[0] in ("suspicious", "rogue")
    # a detection hop a minute later: the carrier and its BSIC, no system information
    partial = fresh_ids(full)
    partial["observations"] = [o for o in partial["observations"] if o["kind"] == "gsm_cell"]
    o = partial["observations"][0]
    o["time"] = "2026-11-28T19:05:05.250Z"
    o["payload"] = {k: v if k in ("arfcn", "freq_hz", "bsic", "power_dbfs", "snr_db", "freq_offset_hz") else
                    [] if isinstance(v, list) else None for k, v in o["payload"].items()}
    assert client.post("/api/v1/observations", json=partial, headers=auth).json["stored"] == 1
    station.relocator.run_once(settle=False)
    after = _verdicts(station)["gsm:62:35:460-00-4361-20821"]
    assert after == before
    with station.store.read() as conn:
        changes = conn.execute(select(audit_log.c.id).where(audit_log.c.action == "target.verdict")).all()
    assert len(changes) == 2          # the cell's first verdict and the FM station's: no flip recorded


def test_the_decode_judged_is_the_most_complete_recent_one():
    from webmap.verdicts import completeness
    partial = {"arfcn": 62, "bsic": {"ncc": 3, "bcc": 5}, "mcc": None}
    full = {**partial, "mcc": "460", "mnc": "00", "lac": 1, "cell_id": 2, "si_types": ["SI3", "SI4"]}
    assert completeness("gsm_cell", full) > completeness("gsm_cell", partial)
    loud = {"snr_db": 30.0, "rds": None}
    assert completeness("fm_station", loud) > completeness("fm_station", {"snr_db": 8.0, "rds": None})
    assert completeness("fm_station", {"snr_db": 8.0, "rds": {"pi": "13A1"}}) > completeness("fm_station", loud)


def test_the_rules_see_how_far_a_fix_can_be_trusted(client, station, auth):
    import json

    from sqlalchemy import insert

    from webmap.schema import fixes
    registers.load(station.store, "cells", CELLS.format(ci=20821), "regulator.csv")
    client.post("/api/v1/observations", json=doc_example(), headers=auth)
    station.relocator.run_once(settle=False)
    with station.store.write() as conn:
        t = conn.execute(select(targets).where(targets.c.key == "gsm:62:35:460-00-4361-20821")).one()
        for bounded, lat in ((False, 31.10), (True, 31.25)):      # 10 km and 6.7 km from the licensed site
            conn.execute(insert(fixes).values(target_id=t.id, computed_at=t.last_seen_at, window_start=t.first_seen_at,
                                              window_end=t.last_seen_at, n_readings=40, lat=lat, lon=121.44,
                                              radius_95_m=400.0, fix=json.dumps({"region_bounded": bounded,
                                                                                 "n_sites": 12})))
    with station.store.read() as conn:
        verdict = station.relocator.judge.evaluate(conn, t)
    fired = [r.rule for r in verdict.reasons]
    assert "gsm.site_mismatch" in fired
    evidence = dict(next(r for r in verdict.reasons if r.rule == "gsm.site_mismatch").evidence)
    assert any(abs(v - 6.7) < 0.3 for v in evidence.values() if isinstance(v, float)), evidence   # the closed one
