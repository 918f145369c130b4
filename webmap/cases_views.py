"""Case pages and the case API (issue 9). Coordinators move cases and issue notifications; field teams
add notes, evidence and the found position; the public-security liaison reads everything, changes nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file
from sqlalchemy import select

from webmap import cases as store_cases
from webmap import notify
from webmap.map_views import html_page, script_json
from webmap.notify_pdf import render_pdf
from webmap.schema import targets
from webmap.security import current_user, requires

cases_bp = Blueprint("cases", __name__)


def _station():
    return current_app.extensions["foxhunt"]


def _actor() -> str:
    return f"user:{current_user().username}"


@cases_bp.errorhandler(store_cases.CaseError)
def _refused(exc: store_cases.CaseError):
    resp = jsonify({"error": str(exc)})
    resp.status_code = exc.status
    return resp


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "body: expected a JSON object")
    return body


def _case_json(conn, case: store_cases.Case) -> dict:
    t = conn.execute(select(targets).where(targets.c.id == case.target_id)).one()
    return {**case.to_json(),
            "target": {"id": t.id, "key": t.key, "kind": t.kind, "channel": t.channel, "freq_hz": t.freq_hz,
                       "identity": json.loads(t.identity) if t.identity else None, "label": t.label,
                       "verdict": json.loads(t.verdict) if t.verdict else None},
            "events": store_cases.events(conn, case.id),
            "attachments": [a.to_json() for a in store_cases.list_attachments(conn, case.id)],
            "notification": _latest_notification(case.id)}


def _notification_dir(case_id: int) -> Path:
    return Path(_station().settings.data_dir) / "notifications" / f"case-{case_id}"


def _latest_notification(case_id: int) -> dict | None:
    folder = _notification_dir(case_id)
    if not (folder / "latest").exists():
        return None
    stem = (folder / "latest").read_text().strip()
    return {"issued": stem, **{ext: f"/api/v1/cases/{case_id}/notification.{ext}" for ext in ("json", "html", "pdf")}}


# pages ----------------------------------------------------------------------------------------

@cases_bp.get("/cases")
@requires("liaison")
def case_list():
    return html_page("cases.html", config=script_json({"list_url": "/api/v1/cases"}))


@cases_bp.get("/cases/<int:case_id>")
@requires("liaison")
def case_page(case_id: int):
    user = current_user()
    return html_page("case.html", config=script_json({
        "case_url": f"/api/v1/cases/{case_id}", "can_edit": user.can("coordinator"), "can_add": user.can("field")}))


# API ------------------------------------------------------------------------------------------

@cases_bp.get("/api/v1/cases")
@requires("liaison")
def api_list():
    with _station().store.read() as conn:
        out = []
        for c in store_cases.list_cases(conn):
            t = conn.execute(select(targets.c.key, targets.c.label, targets.c.verdict_class)
                             .where(targets.c.id == c.target_id)).one()
            out.append({**c.to_json(), "target_key": t.key, "target_label": t.label, "verdict": t.verdict_class})
    return jsonify({"cases": out})


@cases_bp.get("/api/v1/cases/<int:case_id>")
@requires("liaison")
def api_get(case_id: int):
    with _station().store.read() as conn:
        return jsonify(_case_json(conn, store_cases.get(conn, case_id)))


@cases_bp.post("/api/v1/targets/<int:target_id>/case")
@requires("coordinator")
def api_open(target_id: int):
    with _station().store.write() as conn:
        case = store_cases.open_case(conn, target_id, _actor())
        return jsonify(_case_json(conn, case)), 201


@cases_bp.post("/api/v1/targets/<int:target_id>/case/found")
@requires("field")
def api_found(target_id: int):
    """One tap in the van: open the target's case if needed and record the found position."""
    body = _body()
    with _station().store.write() as conn:
        case = store_cases.open_case(conn, target_id, _actor())
        case = store_cases.record_found(conn, case.id, body.get("lat"), body.get("lon"), _actor(),
                                        body.get("method", "not stated"))
        return jsonify(case.to_json()), 201


@cases_bp.patch("/api/v1/cases/<int:case_id>")
@requires("coordinator")
def api_change(case_id: int):
    body = _body()
    if not body or set(body) - {"state", "reason", "assignee"} or ("reason" in body and "state" not in body):
        abort(400, "body: expected {\"state\", optional \"reason\"} and/or {\"assignee\"}")
    with _station().store.write() as conn:
        if "assignee" in body:
            store_cases.assign(conn, case_id, body["assignee"], _actor())
        if "state" in body:
            if body["state"] == "notified":
                abort(409, "state: notified is reached by issuing the notification (POST …/notification)")
            store_cases.move(conn, case_id, body["state"], _actor(), reason=body.get("reason"))
        return jsonify(_case_json(conn, store_cases.get(conn, case_id)))


@cases_bp.post("/api/v1/cases/<int:case_id>/notes")
@requires("field")
def api_note(case_id: int):
    with _station().store.write() as conn:
        store_cases.add_note(conn, case_id, _body().get("text"), _actor())
    return jsonify({"ok": True}), 201


@cases_bp.post("/api/v1/cases/<int:case_id>/attachments")
@requires("field")
def api_attach(case_id: int):
    """multipart/form-data: ``file`` and an optional ``description``. Stored by SHA-256."""
    upload = request.files.get("file")
    if upload is None:
        abort(400, "file: expected a multipart upload field named file")
    st = _station()
    with st.store.read() as conn:
        store_cases.get(conn, case_id)
    digest, size = store_cases.store_evidence(st.settings.data_dir, upload.stream)
    with st.store.write() as conn:
        a = store_cases.attach(conn, case_id, filename=upload.filename or "file",
                               media_type=upload.mimetype or "application/octet-stream", sha256=digest,
                               size=size, actor=_actor(), description=request.form.get("description"))
    return jsonify(a.to_json()), 201


@cases_bp.get("/api/v1/cases/<int:case_id>/attachments/<int:attachment_id>")
@requires("liaison")
def api_attachment(case_id: int, attachment_id: int):
    """The evidence file as stored, always as a download (never rendered by the browser)."""
    st = _station()
    with st.store.read() as conn:
        a = store_cases.get_attachment(conn, attachment_id)
    if a.case_id != case_id:
        abort(404, f"attachment {attachment_id}: not in case {case_id}")
    path = store_cases.evidence_dir(st.settings.data_dir) / a.sha256
    resp = send_file(path, mimetype="application/octet-stream", as_attachment=True, download_name=a.filename)
    resp.headers["X-Evidence-SHA256"] = a.sha256
    return resp


@cases_bp.post("/api/v1/cases/<int:case_id>/notification")
@requires("coordinator")
def api_notify(case_id: int):
    """Build, sign and keep the notification (JSON, HTML, PDF); the case becomes notified."""
    st = _station()
    user = current_user()
    with st.store.write() as conn:
        case = store_cases.get(conn, case_id)
        if "notified" not in store_cases.TRANSITIONS[case.state]:
            raise store_cases.CaseError(f"state: only a located case can be notified (this one is {case.state})", 409)
        doc = notify.sign(notify.build(conn, case_id, st.settings.data_dir, user.username),
                          notify.station_key(st.settings.data_dir))
        files = _write_notification(case_id, doc)
        store_cases.record_notification(conn, case_id, _actor(), {k: v["sha256"] for k, v in files.items()})
    return jsonify({"files": files, "signature": doc["signature"]}), 201


def _write_notification(case_id: int, doc: dict) -> dict:
    folder = _notification_dir(case_id)
    folder.mkdir(parents=True, exist_ok=True)
    stem = doc["issued_at"].replace(":", "").replace("-", "")
    blobs = {"json": json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode(),
             "html": notify.render_html(doc).encode(), "pdf": render_pdf(doc)}
    out = {}
    for ext, data in blobs.items():
        path = folder / f"{stem}.{ext}"
        tmp = path.with_suffix(f".{ext}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        out[ext] = {"url": f"/api/v1/cases/{case_id}/notification.{ext}", "sha256": notify.sha256_file(path),
                    "bytes": len(data)}
    (folder / "latest").write_text(stem)
    return out


_MEDIA = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@cases_bp.get("/api/v1/cases/<int:case_id>/notification.<ext>")
@requires("liaison")
def api_notification(case_id: int, ext: str):
    if ext not in _MEDIA:
        abort(404, "notification: json, html or pdf")
    folder = _notification_dir(case_id)
    if not (folder / "latest").exists():
        abort(404, f"case {case_id}: no notification issued")
    path = folder / f"{(folder / 'latest').read_text().strip()}.{ext}"
    resp = Response(path.read_bytes(), mimetype=_MEDIA[ext])
    resp.headers["Content-Disposition"] = f'{"inline" if ext != "json" else "attachment"}; filename="case-{case_id}.{ext}"'
    # the report is static: no script may run in it, its own <style> may
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
    return resp


@cases_bp.get("/api/v1/cases/<int:case_id>/notification/verify")
@requires("liaison")
def api_verify(case_id: int):
    folder = _notification_dir(case_id)
    if not (folder / "latest").exists():
        abort(404, f"case {case_id}: no notification issued")
    doc = json.loads((folder / f"{(folder / 'latest').read_text().strip()}.json").read_text(encoding="utf-8"))
    st = _station()
    problems = notify.verify(doc, trusted_key=notify.public_key_b64(notify.station_key(st.settings.data_dir)),
                             evidence_dir=store_cases.evidence_dir(st.settings.data_dir))
    return jsonify({"ok": not problems, "problems": problems, "key_id": doc["signature"]["key_id"]})
