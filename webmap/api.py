"""The JSON API under /api/v1 (docs/openapi.yaml): node ingest, and reads and changes for people."""

from __future__ import annotations

import json
import math
import time

import orjson
from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from dsp.errors import DspError
from webmap import audit, registers
from webmap.errors import BatchTooLarge, WebmapError, WireFormatError
from webmap.nodes import authenticate, list_nodes
from webmap.schema import fixes, nodes, observations, targets
from webmap.security import attempt_login, csrf_exempt, csrf_token, current_user, log_out, requires
from webmap.wire import MAX_BODY_BYTES, parse_body, read_batch

api = Blueprint("api", __name__, url_prefix="/api/v1")

#: The case workflow of a target (DESIGN.md): new → approach search → located → notified → closed.
STATUSES = ("new", "approach", "located", "notified", "closed")
MAX_PAGE = 1000


def _station():
    return current_app.extensions["foxhunt"]


def _error(status: int, message: str, **headers):
    resp = jsonify({"error": message})
    resp.status_code = status
    resp.headers.update(headers)
    return resp


@api.get("/health")
def health():
    st = _station()
    try:
        with st.store.read() as conn:
            conn.execute(select(1))
        db = "ok"
    except OperationalError:
        db = "unavailable"
    return jsonify({"status": "ok" if db == "ok" else "degraded", "db": db, "dialect": st.store.dialect,
                    "wire_version": 1}), 200 if db == "ok" else 503


@api.post("/observations")
@csrf_exempt
def post_observations():
    st = _station()
    t0 = time.perf_counter()
    resp = _ingest(st)
    st.metrics.inc("foxhunt_ingest_requests_total", status=resp.status_code)
    st.metrics.observe_latency(time.perf_counter() - t0)
    return resp


def _ingest(st):
    # Who is asking comes first: nothing of the body is read for an unknown sender.
    with st.store.read() as conn:
        node = authenticate(conn, request.headers.get("Authorization"))
    if node is None:
        return _error(401, "missing, unknown, revoked or expired node token", **{"WWW-Authenticate": "Bearer"})
    wait = st.request_limits.take(node.name)
    if wait:
        return _error(429, f"node {node.name}: too many requests", **{"Retry-After": str(math.ceil(wait))})
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _error(413, f"body: {request.content_length} bytes, at most {MAX_BODY_BYTES}")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _error(413, f"body: over {MAX_BODY_BYTES} bytes")
    try:
        batch = read_batch(parse_body(body))
    except BatchTooLarge as exc:
        return _error(413, str(exc))
    except WireFormatError as exc:
        return _error(400, str(exc))
    if batch.node_id != node.name:
        return _error(403, f"node_id: {batch.node_id!r} is not the node this token belongs to")
    wait = st.obs_limits.take(node.name, len(batch.items))
    if wait:
        return _error(429, f"node {node.name}: over {st.settings.node_obs_per_s:g} observations/s",
                      **{"Retry-After": str(math.ceil(wait))})
    try:
        result = st.ingest.store_batch(node, batch)
    except OperationalError:
        current_app.logger.exception("store unavailable during ingest")
        return _error(503, "store busy or unavailable; retry", **{"Retry-After": "2"})
    for status, key in (("stored", "stored"), ("duplicate", "duplicates"), ("rejected", "rejected")):
        if result[key]:
            st.metrics.inc("foxhunt_observations_total", result[key], result=status)
    return Response(orjson.dumps(result), status=201 if result["stored"] else 200, mimetype="application/json")


def _page_args() -> tuple[int, float | None, float | None]:
    try:
        limit = int(request.args.get("limit", 200))
        since = float(request.args["since"]) if "since" in request.args else None
        until = float(request.args["until"]) if "until" in request.args else None
    except ValueError:
        abort(400, "limit, since, until: expected numbers (since/until in Unix seconds)")
    if not 1 <= limit <= MAX_PAGE:
        abort(400, f"limit: expected 1..{MAX_PAGE}")
    return limit, since, until


def _target_json(r, fix_row=None) -> dict:
    out = {"id": r.id, "key": r.key, "kind": r.kind, "channel": r.channel, "freq_hz": r.freq_hz,
           "identity": json.loads(r.identity) if r.identity else None, "label": r.label,
           "status": r.status, "first_seen_at": r.first_seen_at, "last_seen_at": r.last_seen_at,
           "n_observations": r.n_observations,
           "verdict": json.loads(r.verdict) if r.verdict else None, "located_at": r.located_at}
    if fix_row is not None:
        out["fix"] = _fix_json(fix_row)
    return out


def _fix_json(f) -> dict:
    return {"computed_at": f.computed_at, "window_start": f.window_start, "window_end": f.window_end,
            "n_readings": f.n_readings, "lat": f.lat, "lon": f.lon, "radius_95_m": f.radius_95_m,
            "fix": json.loads(f.fix)}


@api.get("/targets")
@requires("liaison")
def list_targets():
    limit, since, _ = _page_args()
    latest = select(fixes.c.target_id, func.max(fixes.c.id).label("fid")).group_by(fixes.c.target_id).subquery()
    q = (select(targets, fixes.c.id.label("fix_id"), fixes.c.computed_at, fixes.c.window_start,
                fixes.c.window_end, fixes.c.n_readings, fixes.c.lat, fixes.c.lon, fixes.c.radius_95_m,
                fixes.c.fix)
         .outerjoin(latest, latest.c.target_id == targets.c.id)
         .outerjoin(fixes, fixes.c.id == latest.c.fid)
         .order_by(targets.c.last_seen_at.desc()).limit(limit))
    for col in ("kind", "status"):
        if col in request.args:
            q = q.where(targets.c[col] == request.args[col])
    if since is not None:
        q = q.where(targets.c.last_seen_at >= since)
    with _station().store.read() as conn:
        rows = conn.execute(q).all()
    return jsonify({"targets": [_target_json(r, r if r.fix_id is not None else None) for r in rows]})


def _load_target(conn, target_id: int):
    row = conn.execute(select(targets).where(targets.c.id == target_id)).first()
    if row is None:
        abort(404, f"target {target_id}: no such target")
    return row


@api.get("/targets/<int:target_id>")
@requires("liaison")
def get_target(target_id: int):
    with _station().store.read() as conn:
        row = _load_target(conn, target_id)
        track = conn.execute(select(fixes).where(fixes.c.target_id == target_id)
                             .order_by(fixes.c.computed_at)).all()
        log = audit.entries(conn, target_id=target_id)
    out = _target_json(row, track[-1] if track else None)
    out["track"] = [_fix_json(f) for f in track]
    out["audit"] = log
    return jsonify(out)


@api.patch("/targets/<int:target_id>")
@requires("coordinator")
def change_target(target_id: int):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body or set(body) - {"status", "label"}:
        abort(400, "body: expected a JSON object with status and/or label")
    if "status" in body and body["status"] not in STATUSES:
        abort(400, f"status: expected one of {', '.join(STATUSES)}")
    if "label" in body and not (body["label"] is None or (isinstance(body["label"], str) and len(body["label"]) <= 200
                                                          and "\x00" not in body["label"])):
        abort(400, "label: expected a string of at most 200 characters (no NUL) or null")
    user = current_user()
    with _station().store.write() as conn:
        row = _load_target(conn, target_id)
        before = {k: getattr(row, k) for k in body}
        conn.execute(update(targets).where(targets.c.id == target_id).values(**body))
        audit.record(conn, f"user:{user.username}", "target.change", {"before": before, "after": body},
                     target_id=target_id)
        row = _load_target(conn, target_id)
    return jsonify(_target_json(row))


@api.post("/targets/<int:target_id>/notes")
@requires("field")
def add_note(target_id: int):
    body = request.get_json(silent=True)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not 1 <= len(text) <= 4000:
        abort(400, "text: expected a string of 1..4000 characters")
    user = current_user()
    with _station().store.write() as conn:
        _load_target(conn, target_id)
        audit.record(conn, f"user:{user.username}", "target.note", {"text": text}, target_id=target_id)
    return jsonify({"ok": True}), 201


@api.get("/nodes")
@requires("liaison")
def get_nodes():
    with _station().store.read() as conn:
        extra = {r.name: r for r in conn.execute(select(nodes.c.name, nodes.c.last_lat, nodes.c.last_lon,
                                                        nodes.c.last_health))}
        out = []
        for n in list_nodes(conn):
            e = extra[n.name]
            out.append({**n.to_json(), "lat": e.last_lat, "lon": e.last_lon,
                        "health": json.loads(e.last_health) if e.last_health else None})
    return jsonify({"nodes": out})


@api.get("/observations")
@requires("liaison")
def get_observations():
    limit, since, until = _page_args()
    q = (select(observations.c.raw, observations.c.received_at, observations.c.target_id, nodes.c.name)
         .join(nodes, nodes.c.id == observations.c.node_id)
         .order_by(observations.c.time.desc()).limit(limit))
    if "node" in request.args:
        q = q.where(nodes.c.name == request.args["node"])
    if "kind" in request.args:
        q = q.where(observations.c.kind == request.args["kind"])
    if "target" in request.args:
        try:
            q = q.where(observations.c.target_id == int(request.args["target"]))
        except ValueError:
            abort(400, "target: expected a target id (integer)")
    if since is not None:
        q = q.where(observations.c.time >= since)
    if until is not None:
        q = q.where(observations.c.time < until)
    with _station().store.read() as conn:
        rows = conn.execute(q).all()
    return jsonify({"observations": [{"node": r.name, "received_at": r.received_at, "target_id": r.target_id,
                                      "observation": json.loads(r.raw)} for r in rows]})


@api.get("/audit")
@requires("liaison")
def get_audit():
    limit, _, _ = _page_args()
    target = request.args.get("target", type=int)
    with _station().store.read() as conn:
        return jsonify({"audit": audit.entries(conn, target_id=target, limit=limit)})


@api.get("/session")
def get_session():
    """Who is logged in (null when nobody) and the CSRF token a JSON client echoes in X-CSRF-Token."""
    user = current_user()
    return jsonify({"user": user.to_json() if user else None, "csrf_token": csrf_token()})


@api.post("/session")
def log_in_json():
    """JSON login: ``{"username", "password"}`` with the X-CSRF-Token from GET /session."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
            or not isinstance(body.get("password"), str):
        abort(400, "body: expected {\"username\": string, \"password\": string}")
    user = attempt_login(body["username"], body["password"])
    return jsonify({"user": user.to_json(), "csrf_token": csrf_token()})


@api.delete("/session")
def log_out_json():
    log_out()
    return jsonify({"user": None})


@api.get("/registers")
@requires("liaison")
def get_registers():
    with _station().store.read() as conn:
        return jsonify({"registers": [v.to_json() for v in registers.versions(conn)]})


@api.post("/registers/<kind>")
@requires("admin")
def post_register(kind: str):
    """A register's CSV as the body (text/csv, UTF-8); a changed file becomes the next version."""
    if kind not in registers.KINDS:
        abort(404, f"register kind {kind!r}: expected one of {', '.join(registers.KINDS)}")
    try:
        text = request.get_data().decode("utf-8")
        version, new = registers.load(_station().store, kind, text, request.args.get("source", f"upload:{kind}"),
                                      actor=f"user:{current_user().username}")
    except UnicodeDecodeError:
        abort(400, "body: expected UTF-8 CSV")
    except (DspError, WebmapError) as exc:
        abort(400, str(exc))
    return jsonify({**version.to_json(), "new": new}), 201 if new else 200
