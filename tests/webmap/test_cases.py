"""The case workflow (states, roles, audit, evidence by SHA-256) and the signed notification."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from map_station import HOSTILE_PS, client_for, seeded_app, target_id
from webmap import audit, notify
from webmap import cases as cs
from webmap.notify_pdf import render_pdf

ROGUE = "gsm:62:36:460-00-4361-20821"


@pytest.fixture
def case_app(tmp_path, db_url):
    """A small city on SQLite and on PostgreSQL; targets not located (the found position locates)."""
    app, _ = seeded_app(tmp_path / "data", db=db_url, n_readings=300, locate=False)
    yield app
    app.extensions["foxhunt"].store.dispose()


def test_workflow_states_roles_and_audit(case_app):
    coord, ct = client_for(case_app, "coordinator")
    field, ft = client_for(case_app, "field")
    liaison, lt = client_for(case_app, "liaison")
    tid = target_id(case_app, ROGUE)
    assert field.post(f"/api/v1/targets/{tid}/case", headers={"X-CSRF-Token": ft}).status_code == 403
    r = coord.post(f"/api/v1/targets/{tid}/case", headers={"X-CSRF-Token": ct})
    assert r.status_code == 201 and r.json["state"] == "new"
    cid = r.json["id"]
    assert coord.post(f"/api/v1/targets/{tid}/case", headers={"X-CSRF-Token": ct}).json["id"] == cid   # one per target
    H = {"X-CSRF-Token": ct}
    # located needs a position; notified only through the notification; no skipping to closed
    assert coord.patch(f"/api/v1/cases/{cid}", json={"state": "located"}, headers=H).status_code == 409
    assert coord.patch(f"/api/v1/cases/{cid}", json={"state": "closed"}, headers=H).status_code == 409
    assert coord.patch(f"/api/v1/cases/{cid}", json={"state": "notified"}, headers=H).status_code == 409
    assert coord.patch(f"/api/v1/cases/{cid}", json={"state": "approach"}, headers=H).json["state"] == "approach"
    assert coord.patch(f"/api/v1/cases/{cid}", json={"assignee": "field"}, headers=H).json["assignee"] == "field"
    assert coord.patch(f"/api/v1/cases/{cid}", json={"assignee": "ghost"}, headers=H).status_code == 400
    # the field team: note, evidence, found it; but no state change
    FH = {"X-CSRF-Token": ft}
    assert field.patch(f"/api/v1/cases/{cid}", json={"state": "dismissed", "reason": "x"}, headers=FH).status_code == 403
    assert field.post(f"/api/v1/cases/{cid}/notes", json={"text": "parked at the gate"}, headers=FH).status_code == 201
    blob = b"\x00evidence\xff" * 1000
    r = field.post(f"/api/v1/cases/{cid}/attachments", headers=FH, content_type="multipart/form-data",
                   data={"file": (io.BytesIO(blob), "../../etc/passwd.wav", "audio/wav"), "description": "clip"})
    assert r.status_code == 201 and r.json["sha256"] == hashlib.sha256(blob).hexdigest()
    assert "/" not in r.json["filename"]
    stored = cs.evidence_dir(case_app.extensions["foxhunt"].settings.data_dir) / r.json["sha256"]
    assert stored.read_bytes() == blob
    got = liaison.get(f"/api/v1/cases/{cid}/attachments/{r.json['id']}")
    assert got.data == blob and got.headers["Content-Disposition"].startswith("attachment")
    assert got.mimetype == "application/octet-stream"
    r = field.post(f"/api/v1/targets/{tid}/case/found", json={"lat": 31.1986, "lon": 121.4463, "method": "tablet GPS"},
                   headers=FH)
    assert r.status_code == 201 and r.json["state"] == "located" and r.json["found"]["by"] == "user:field"
    assert field.post(f"/api/v1/targets/{tid}/case/found", json={"lat": 91, "lon": 0, "method": "x"},
                      headers=FH).status_code == 400
    # the liaison reads and changes nothing
    LH = {"X-CSRF-Token": lt}
    assert liaison.get(f"/api/v1/cases/{cid}").status_code == 200
    for call in (lambda: liaison.patch(f"/api/v1/cases/{cid}", json={"state": "approach"}, headers=LH),
                 lambda: liaison.post(f"/api/v1/cases/{cid}/notes", json={"text": "x"}, headers=LH),
                 lambda: liaison.post(f"/api/v1/cases/{cid}/notification", headers=LH)):
        assert call().status_code == 403
    # notify, close
    r = coord.post(f"/api/v1/cases/{cid}/notification", headers=H)
    assert r.status_code == 201
    assert coord.patch(f"/api/v1/cases/{cid}", json={"state": "closed"}, headers=H).json["state"] == "closed"
    assert coord.patch(f"/api/v1/cases/{cid}", json={"state": "approach"}, headers=H).status_code == 409
    # every change is in the chain of custody and in the audit log, in order
    c = coord.get(f"/api/v1/cases/{cid}").json
    kinds = [e["kind"] for e in c["events"]]
    assert kinds == ["open", "state", "assign", "note", "attach", "found", "notify", "state"]
    with case_app.extensions["foxhunt"].store.read() as conn:
        logged = [e["action"] for e in reversed(audit.entries(conn, target_id=tid)) if e["action"].startswith("case.")]
    assert logged == [f"case.{k}" for k in kinds]


def test_dismiss_needs_a_reason(case_app):
    coord, ct = client_for(case_app, "coordinator")
    tid = target_id(case_app, "fm:fm-91.3")
    cid = coord.post(f"/api/v1/targets/{tid}/case", headers={"X-CSRF-Token": ct}).json["id"]
    H = {"X-CSRF-Token": ct}
    assert coord.patch(f"/api/v1/cases/{cid}", json={"state": "dismissed"}, headers=H).status_code == 400
    r = coord.patch(f"/api/v1/cases/{cid}", json={"state": "dismissed", "reason": "licensed relay, paperwork late"},
                    headers=H)
    assert r.json["state"] == "dismissed" and r.json["dismissed_reason"].startswith("licensed relay")
    assert r.json["next_states"] == []


@pytest.fixture(scope="module")
def notified(tmp_path_factory):
    """A located target's case with two evidence files, notified; the signed document and the app."""
    data = tmp_path_factory.mktemp("notify")
    app, _ = seeded_app(data, n_readings=1200)
    coord, ct = client_for(app, "coordinator")
    H = {"X-CSRF-Token": ct}
    tid = target_id(app, "fm:fm-91.3")
    cid = coord.post(f"/api/v1/targets/{tid}/case", headers=H).json["id"]
    for name, blob in (("photo.jpg", b"jpeg" * 999), ("clip.wav", b"RIFF" * 777)):
        coord.post(f"/api/v1/cases/{cid}/attachments", headers=H, content_type="multipart/form-data",
                   data={"file": (io.BytesIO(blob), name, "application/octet-stream"), "description": HOSTILE_PS})
    coord.post(f"/api/v1/cases/{cid}/notes", headers=H, json={"text": "<script>alert(2)</script>"})
    coord.patch(f"/api/v1/cases/{cid}", headers=H, json={"state": "located"})
    r = coord.post(f"/api/v1/cases/{cid}/notification", headers=H)
    assert r.status_code == 201, r.json
    doc = coord.get(f"/api/v1/cases/{cid}/notification.json").json
    yield app, coord, cid, doc, r.json["files"]
    app.extensions["foxhunt"].store.dispose()


def test_notification_has_what_the_police_need(notified):
    app, coord, cid, doc, files = notified
    assert doc["format"] == notify.FORMAT and doc["case"]["id"] == cid
    assert doc["target"]["identity"]["ps"] == HOSTILE_PS
    assert doc["decoded"]["rds"]["pi"] == "13A1" and "peak_deviation_hz" in doc["decoded"]
    assert doc["verdict"]["class"] in ("rogue", "suspicious") and doc["verdict"]["reasons"]
    assert doc["location"]["estimate"]["region"]["type"] in ("Polygon", "MultiPolygon")
    assert "maximum-likelihood" in doc["location"]["method"]
    assert doc["timeline"]["readings_by_node"] and doc["timeline"]["decodes"]
    assert [e["sha256"] for e in doc["evidence"]] == [hashlib.sha256(b"jpeg" * 999).hexdigest(),
                                                      hashlib.sha256(b"RIFF" * 777).hexdigest()]
    assert [e["kind"] for e in doc["custody"]] == ["open", "attach", "attach", "note", "state"]
    for ext in ("json", "html", "pdf"):
        body = coord.get(f"/api/v1/cases/{cid}/notification.{ext}").data
        assert hashlib.sha256(body).hexdigest() == files[ext]["sha256"]


def test_signature_detects_any_change(notified, tmp_path):
    app, coord, cid, doc, _ = notified
    data_dir = app.extensions["foxhunt"].settings.data_dir
    key = notify.public_key_b64(notify.station_key(data_dir))
    evidence = cs.evidence_dir(data_dir)
    assert notify.verify(doc, trusted_key=key, evidence_dir=evidence) == []
    for path, value in ((("target", "identity", "ps"), "ROCK FM"), (("evidence", 0, "sha256"), "0" * 64),
                        (("custody", 1, "actor"), "user:someone-else"), (("issued_at",), "2020-01-01T00:00:00Z")):
        t = json.loads(json.dumps(doc))
        node = t
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        assert notify.verify(t), path
    other = notify.Ed25519PrivateKey.generate()
    resigned = notify.sign(doc, other)
    assert notify.verify(resigned) == []
    assert notify.verify(resigned, trusted_key=key) == ["signature: made with a key other than the trusted station key"]
    # an evidence file altered on disk
    copy = tmp_path / "evidence"
    copy.mkdir()
    for e in doc["evidence"]:
        (copy / e["sha256"]).write_bytes((evidence / e["sha256"]).read_bytes())
    (copy / doc["evidence"][1]["sha256"]).write_bytes(b"RIFF" * 776 + b"RIFX")
    problems = notify.verify(doc, evidence_dir=copy)
    assert len(problems) == 1 and "clip.wav" in problems[0]
    # the command
    f = tmp_path / "case.json"
    f.write_text(json.dumps(doc))
    assert notify.main(["verify", str(f), "--key", key, "--evidence", str(evidence)]) == 0
    doc2 = json.loads(json.dumps(doc))
    doc2["location"]["method"] = "guessed"
    f.write_text(json.dumps(doc2))
    assert notify.main(["verify", str(f)]) == 1


def test_reports_print_hostile_strings_as_text(notified):
    app, coord, cid, doc, _ = notified
    r = coord.get(f"/api/v1/cases/{cid}/notification.html")
    html = r.data.decode()
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "script-src" not in r.headers["Content-Security-Policy"] and "default-src 'none'" in r.headers["Content-Security-Policy"]
    pdf = render_pdf(doc)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 3000


def test_notification_only_for_a_located_case(notified):
    app, coord, cid, _, _ = notified
    H = {"X-CSRF-Token": coord.get("/api/v1/session").json["csrf_token"]}
    r = coord.post(f"/api/v1/cases/{cid}/notification", headers=H)
    assert r.status_code == 409 and "only a located case" in r.json["error"]


def test_map_and_exports_on_both_backends(case_app):
    """The map's queries (grouping by place, the heat grid) and the exports on SQLite and PostgreSQL."""
    liaison, _ = client_for(case_app, "liaison")
    d = liaison.get("/map/data.json").json
    assert len(d["sensors"]) == 7 and len(d["heat"]["cells"]) > 5 and len(d["targets"]) == 4
    assert next(s for s in d["sensors"] if s["name"] == "van-1")["moving"]
    tid = target_id(case_app, ROGUE)
    assert liaison.get(f"/map/targets/{tid}.json").json["nodes"]
    for url in ("/export/targets.geojson", "/export/targets.kml", "/export/targets.csv", "/export/readings.csv"):
        assert liaison.get(url).status_code == 200, url
