"""The case notification for public security (issue 9): one signed JSON document — case, target and
every decoded parameter, verdict reasons, timeline, located position with region and method, map
snapshot, evidence with SHA-256, chain of custody — and its printable HTML and PDF renderings.

An open 95 % region (the locator's ``region_bounded`` false: it runs off the area searched) is said in
words in ``location.region_open_note`` and flagged in ``location.region_open``; both are signed with the
rest, and the HTML and PDF print the note above the figures and draw the region as a bare dashed
outline, as the map does.

Signature: Ed25519 (RFC 8032) with the station key over the canonical JSON of the document without
its ``signature`` member (keys sorted, no spaces, UTF-8). :func:`verify` (or
``python -m webmap.notify verify FILE.json [--evidence DIR] [--key B64]``) finds any change.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, func, select

from webmap import cases as case_store
from webmap.errors import WebmapError
from webmap.export import OPEN_REGION_TEXT, region_open
from webmap.map_data import target_detail
from webmap.schema import nodes, observations, targets

FORMAT = "foxhunt-case-notification/1"
KEY_FILE = "station_ed25519.pem"
TIMELINE_MAX = 300


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def station_key(data_dir: str | Path) -> Ed25519PrivateKey:
    """The station's signing key, made on first use (mode 0600) in ``data_dir``."""
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:     # another request made it first
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise WebmapError(f"{path}: not an Ed25519 private key")
    return key


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def canonical(doc: dict) -> bytes:
    """The signed bytes: the document without ``signature``, keys sorted, compact, UTF-8."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _timeline(conn: Connection, target_id: int) -> dict:
    """Per node: first and last reading, how many, strongest; and the decodes of the carrier in time order."""
    per_node = conn.execute(
        select(nodes.c.name, func.min(observations.c.time), func.max(observations.c.time), func.count(),
               func.max(observations.c.power_dbm))
        .join(nodes, nodes.c.id == observations.c.node_id)
        .where(observations.c.target_id == target_id, observations.c.kind == "power")
        .group_by(nodes.c.name).order_by(nodes.c.name)).all()
    decodes = conn.execute(
        select(observations.c.time, nodes.c.name, observations.c.kind, observations.c.lat, observations.c.lon)
        .join(nodes, nodes.c.id == observations.c.node_id)
        .where(observations.c.target_id == target_id, observations.c.kind.in_(("gsm_cell", "fm_station")))
        .order_by(observations.c.time).limit(TIMELINE_MAX)).all()
    return {"readings_by_node": [{"node": n, "first": _iso(a), "last": _iso(b), "count": c, "max_dbm": p}
                                 for n, a, b, c, p in per_node],
            "decodes": [{"time": _iso(t), "node": n, "kind": k, "lat": la, "lon": lo} for t, n, k, la, lo in decodes]}


def _sensor_positions(conn: Connection, target_id: int) -> list[dict]:
    rows = conn.execute(
        select(nodes.c.name, func.avg(observations.c.lat), func.avg(observations.c.lon))
        .join(nodes, nodes.c.id == observations.c.node_id)
        .where(observations.c.target_id == target_id, observations.c.kind == "power",
               observations.c.lat.is_not(None))
        .group_by(nodes.c.name).order_by(nodes.c.name)).all()
    return [{"node": n, "lat": round(la, 6), "lon": round(lo, 6)} for n, la, lo in rows]


def build(conn: Connection, case_id: int, data_dir: str | Path, issued_by: str, *, at: float | None = None) -> dict:
    """The unsigned notification document of a case, as of now."""
    at = at if at is not None else datetime.now(timezone.utc).timestamp()
    case = case_store.get(conn, case_id)
    t = conn.execute(select(targets).where(targets.c.id == case.target_id)).one()
    detail = target_detail(conn, t.id, at, 24 * 365) or {}
    fix_row = case_store.latest_fix(conn, t.id)
    fix = json.loads(fix_row.fix) if fix_row is not None else None
    folder = case_store.evidence_dir(data_dir)
    evidence = []
    for a in case_store.list_attachments(conn, case_id):
        path = folder / a.sha256
        evidence.append({**a.to_json(), "uploaded_at": _iso(a.uploaded_at),
                         "sha256_now": sha256_file(path) if path.exists() else None})
    sensors = _sensor_positions(conn, t.id)
    method = None
    is_open = region_open(fix)
    if fix is not None:
        method = (f"maximum-likelihood fit of a log-distance path-loss model (exponent {fix.get('path_loss_exponent')}, "
                  f"shadowing {fix.get('shadowing_db')} dB) to {fix.get('n_readings')} power readings from "
                  f"{len(sensors)} sensors; 95 % likelihood region{' (open)' if is_open else ''}; "
                  f"Cramér–Rao bound {fix.get('crlb_m')} m")
    return {
        "format": FORMAT,
        "issued_at": _iso(at),
        "issued_by": issued_by,
        "case": {"id": case.id, "state": case.state, "assignee": case.assignee, "opened_at": _iso(case.opened_at),
                 "opened_by": case.opened_by, "dismissed_reason": case.dismissed_reason},
        "target": {"id": t.id, "key": t.key, "kind": t.kind, "channel": t.channel, "freq_hz": t.freq_hz,
                   "identity": json.loads(t.identity) if t.identity else None, "label": t.label,
                   "first_seen": _iso(t.first_seen_at), "last_seen": _iso(t.last_seen_at),
                   "n_observations": t.n_observations},
        "decoded": detail.get("decoded"),
        "verdict": json.loads(t.verdict) if t.verdict else None,
        "timeline": _timeline(conn, t.id),
        "location": {
            "found": None if case.found is None else {**case.found, "at": _iso(case.found["at"])},
            "estimate": None if fix is None else {k: fix.get(k) for k in (
                "lat", "lon", "radius_95_m", "area_95_m2", "crlb_m", "tx_power_dbm", "n_readings", "modes",
                "region_bounded", "moving", "region")},
            "estimate_computed_at": _iso(fix_row.computed_at) if fix_row is not None else None,
            "region_open": is_open,
            "region_open_note": OPEN_REGION_TEXT if is_open else None,
            "method": method,
        },
        "sensors": sensors,
        "evidence": evidence,
        "custody": [{**e, "at": _iso(e["at"])} for e in case_store.events(conn, case_id)],
    }


def sign(doc: dict, key: Ed25519PrivateKey) -> dict:
    body = canonical(doc)
    pub = public_key_b64(key)
    return {**{k: v for k, v in doc.items() if k != "signature"},
            "signature": {"alg": "Ed25519", "public_key": pub,
                          "key_id": hashlib.sha256(base64.b64decode(pub)).hexdigest()[:16],
                          "document_sha256": hashlib.sha256(body).hexdigest(),
                          "value": base64.b64encode(key.sign(body)).decode()}}


def verify(doc: dict, *, trusted_key: str | None = None, evidence_dir: str | Path | None = None) -> list[str]:
    """What is wrong with a signed notification ([] when nothing): a bad or missing signature, a key
    other than ``trusted_key`` (base64), and with ``evidence_dir`` any evidence file whose bytes no
    longer hash to the listed SHA-256."""
    problems: list[str] = []
    sig = doc.get("signature") if isinstance(doc, dict) else None
    if not isinstance(sig, dict) or sig.get("alg") != "Ed25519":
        return ["signature: missing or not Ed25519"]
    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(sig["public_key"], validate=True))
        pub.verify(base64.b64decode(sig["value"], validate=True), canonical(doc))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        problems.append("signature: does not match the document (altered, or signed by another key)")
    if trusted_key is not None and sig.get("public_key") != trusted_key:
        problems.append("signature: made with a key other than the trusted station key")
    if evidence_dir is not None:
        for e in doc.get("evidence", []):
            path = Path(evidence_dir) / e["sha256"]
            if not path.exists():
                problems.append(f"evidence {e['filename']}: file {e['sha256']} missing")
            elif sha256_file(path) != e["sha256"]:
                problems.append(f"evidence {e['filename']}: contents no longer hash to {e['sha256']}")
    return problems


def snapshot_shapes(doc: dict, width: int = 480, height: int = 360, pad: int = 20) -> dict:
    """The map snapshot as plain shapes in pixel coordinates (y down): region rings (``open``: draw
    them as a bare outline), sensors, the estimate and the found point, on an equirectangular
    projection around the estimate."""
    loc = doc["location"]
    est = loc.get("estimate") or {}
    region = est.get("region") or {}
    polys = ([region["coordinates"]] if region.get("type") == "Polygon" else region.get("coordinates", []))
    rings = [[(lon, lat) for lon, lat in ring] for poly in polys for ring in poly]
    pts = [(p["lon"], p["lat"]) for p in doc.get("sensors", [])]
    found = loc.get("found")
    extra = ([(est["lon"], est["lat"])] if est.get("lat") is not None else []) + \
            ([(found["lon"], found["lat"])] if found else [])
    allpts = [p for r in rings for p in r] + pts + extra
    if not allpts:
        return {"width": width, "height": height, "open": False, "rings": [], "sensors": [], "estimate": None,
                "found": None, "scale_m": None}
    lat0 = sum(p[1] for p in allpts) / len(allpts)
    kx = math.cos(math.radians(lat0))
    xs = [p[0] * kx for p in allpts]
    ys = [p[1] for p in allpts]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-4)
    s = min(width - 2 * pad, height - 2 * pad) / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (round(width / 2 + (lon * kx - cx) * s, 1), round(height / 2 - (lat - cy) * s, 1))

    return {"width": width, "height": height, "open": bool(loc.get("region_open")),
            "rings": [[xy(*p) for p in r] for r in rings],
            "sensors": [{"node": p["node"], "xy": xy(p["lon"], p["lat"])} for p in doc.get("sensors", [])],
            "estimate": xy(est["lon"], est["lat"]) if est.get("lat") is not None else None,
            "found": xy(found["lon"], found["lat"]) if found else None,
            "scale_m": round(span / s * 100 * 111_320)}    # metres per 100 px


def flat_items(obj, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, text) pairs of a nested JSON value, for the tables of the printable reports."""
    out: list[tuple[str, str]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += flat_items(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        for i, v in enumerate(obj):
            out += flat_items(v, f"{prefix}[{i}]")
    else:
        out.append((prefix, "–" if obj is None else ", ".join(map(str, obj)) if isinstance(obj, list) else str(obj)))
    return out


def render_html(doc: dict) -> str:
    """The printable HTML report (autoescaped: every string is text)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    return env.get_template("notification.html").render(
        doc=doc, snap=snapshot_shapes(doc), decoded=flat_items(doc.get("decoded") or {}),
        identity=flat_items(doc["target"].get("identity") or {}))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m webmap.notify", description="Check a signed case notification.")
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify", help="check the signature (and the evidence files)")
    v.add_argument("file", help="the notification JSON")
    v.add_argument("--evidence", help="folder of evidence files named by SHA-256 (the station's data_dir/evidence)")
    v.add_argument("--key", help="the trusted station public key (base64)")
    args = p.parse_args(argv)
    try:
        doc = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"notify: error: {args.file}: {exc}", file=sys.stderr)
        return 2
    problems = verify(doc, trusted_key=args.key, evidence_dir=args.evidence)
    for line in problems:
        print(f"TAMPERED: {line}")
    if not problems:
        print(f"OK: signed by key {doc['signature']['key_id']}, document sha256 {doc['signature']['document_sha256']}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
