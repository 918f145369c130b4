"""The case workflow (issue 9): new → approach → located → notified → closed, or dismissed with a
reason; assignee, notes, the found position and evidence files, each change a case event (the
chain of custody) and an audit-log entry in the same transaction.

Evidence files are stored once under ``data_dir/evidence/<sha256>``: the name is the hash, so a
file that no longer matches its name has been altered.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, insert, select, update

from webmap import audit
from webmap.cases_schema import attachments, case_events, cases
from webmap.errors import WebmapError
from webmap.schema import fixes, targets, users
from webmap.store import now

STATES = ("new", "approach", "located", "notified", "closed", "dismissed")
#: Allowed moves; ``dismissed`` needs a reason, ``notified`` is reached by issuing the notification.
TRANSITIONS = {
    "new": ("approach", "located", "dismissed"),
    "approach": ("located", "dismissed"),
    "located": ("approach", "notified", "dismissed"),
    "notified": ("closed",),
    "closed": (),
    "dismissed": (),
}
MAX_NOTE = 4000
MAX_EVIDENCE_BYTES = 200 << 20
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")


class CaseError(WebmapError):
    """A request the workflow refuses; ``status`` is the HTTP code the views answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Case:
    id: int
    target_id: int
    state: str
    assignee: str | None
    dismissed_reason: str | None
    opened_at: float
    opened_by: str
    updated_at: float
    found: dict | None               # {"lat", "lon", "at", "by", "method"} once found

    @classmethod
    def of(cls, row) -> "Case":
        found = None if row.found_lat is None else {"lat": row.found_lat, "lon": row.found_lon,
                                                     "at": row.found_at, "by": row.found_by,
                                                     "method": row.found_method}
        return cls(row.id, row.target_id, row.state, row.assignee, row.dismissed_reason, row.opened_at,
                   row.opened_by, row.updated_at, found)

    def to_json(self) -> dict:
        return {"id": self.id, "target_id": self.target_id, "state": self.state, "assignee": self.assignee,
                "dismissed_reason": self.dismissed_reason, "opened_at": self.opened_at,
                "opened_by": self.opened_by, "updated_at": self.updated_at, "found": self.found,
                "next_states": list(TRANSITIONS[self.state])}


@dataclass(frozen=True)
class Attachment:
    id: int
    case_id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: float
    uploaded_by: str
    description: str | None

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _event(conn: Connection, case: Case | int, actor: str, kind: str, detail: dict) -> None:
    case_id = case if isinstance(case, int) else case.id
    target_id = None if isinstance(case, int) else case.target_id
    if target_id is None:
        target_id = conn.execute(select(cases.c.target_id).where(cases.c.id == case_id)).scalar_one()
    conn.execute(insert(case_events).values(case_id=case_id, at=now(), actor=actor, kind=kind,
                                            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)))
    audit.record(conn, actor, f"case.{kind}", {"case": case_id, **detail}, target_id=target_id)


def get(conn: Connection, case_id: int) -> Case:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise CaseError(f"case {case_id}: no such case", 404)
    return Case.of(row)


def for_target(conn: Connection, target_id: int) -> Case | None:
    row = conn.execute(select(cases).where(cases.c.target_id == target_id)).first()
    return None if row is None else Case.of(row)


def list_cases(conn: Connection) -> list[Case]:
    return [Case.of(r) for r in conn.execute(select(cases).order_by(cases.c.updated_at.desc()))]


def open_case(conn: Connection, target_id: int, actor: str) -> Case:
    """The target's case, opened now if it has none (opening twice returns the same case)."""
    if conn.execute(select(targets.c.id).where(targets.c.id == target_id)).first() is None:
        raise CaseError(f"target {target_id}: no such target", 404)
    existing = for_target(conn, target_id)
    if existing is not None:
        return existing
    t = now()
    cid = conn.execute(insert(cases).values(target_id=target_id, state="new", opened_at=t, opened_by=actor,
                                            updated_at=t)).inserted_primary_key[0]
    _event(conn, cid, actor, "open", {"target": target_id})
    return get(conn, cid)


def move(conn: Connection, case_id: int, state: str, actor: str, *, reason: str | None = None) -> Case:
    """Change the state along :data:`TRANSITIONS`; 409 for a move the workflow does not allow."""
    case = get(conn, case_id)
    if state not in STATES:
        raise CaseError(f"state: expected one of {', '.join(STATES)}")
    if state not in TRANSITIONS[case.state]:
        allowed = ", ".join(TRANSITIONS[case.state]) or "none (the case is over)"
        raise CaseError(f"state: {case.state} → {state} is not allowed; from {case.state}: {allowed}", 409)
    if state == "dismissed" and not (isinstance(reason, str) and reason.strip()):
        raise CaseError("reason: dismissing a case needs a reason")
    if state == "located" and case.found is None and latest_fix(conn, case.target_id) is None:
        raise CaseError("state: located needs a found position or a fix of the target", 409)
    conn.execute(update(cases).where(cases.c.id == case_id).values(
        state=state, updated_at=now(), dismissed_reason=reason if state == "dismissed" else case.dismissed_reason))
    _event(conn, case, actor, "state", {"from": case.state, "to": state, **({"reason": reason} if reason else {})})
    return get(conn, case_id)


def assign(conn: Connection, case_id: int, username: str | None, actor: str) -> Case:
    case = get(conn, case_id)
    if username is not None and conn.execute(select(users.c.id).where(
            users.c.username == username, users.c.disabled_at.is_(None))).first() is None:
        raise CaseError(f"assignee: {username!r} is no active user")
    conn.execute(update(cases).where(cases.c.id == case_id).values(assignee=username, updated_at=now()))
    _event(conn, case, actor, "assign", {"from": case.assignee, "to": username})
    return get(conn, case_id)


def add_note(conn: Connection, case_id: int, text: str, actor: str) -> None:
    case = get(conn, case_id)
    if not isinstance(text, str) or not 1 <= len(text.strip()) <= MAX_NOTE:
        raise CaseError(f"text: expected a note of 1..{MAX_NOTE} characters")
    conn.execute(update(cases).where(cases.c.id == case_id).values(updated_at=now()))
    _event(conn, case, actor, "note", {"text": text})


def record_found(conn: Connection, case_id: int, lat: float, lon: float, actor: str, method: str) -> Case:
    """"Found it": the position where the team stands at the transmitter; the case becomes located."""
    case = get(conn, case_id)
    if case.state in ("notified", "closed", "dismissed"):
        raise CaseError(f"state: a {case.state} case takes no found position", 409)
    for name, v, lim in (("lat", lat, 90), ("lon", lon, 180)):
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not -lim <= v <= lim:
            raise CaseError(f"{name}: expected degrees within ±{lim}")
    if not isinstance(method, str) or not 1 <= len(method) <= 200:
        raise CaseError("method: expected a short description of how the position was taken")
    t = now()
    conn.execute(update(cases).where(cases.c.id == case_id).values(
        found_lat=float(lat), found_lon=float(lon), found_at=t, found_by=actor, found_method=method,
        state="located", updated_at=t))
    _event(conn, case, actor, "found", {"lat": float(lat), "lon": float(lon), "method": method,
                                        "from": case.state})
    return get(conn, case_id)


def evidence_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "evidence"


def store_evidence(data_dir: str | Path, stream, limit: int = MAX_EVIDENCE_BYTES) -> tuple[str, int]:
    """Copy ``stream`` to the evidence folder hashing as it goes; (sha256, size). Content-addressed:
    the same bytes are kept once, and written through a temporary name so a half file never has a hash name."""
    folder = evidence_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    h, size = hashlib.sha256(), 0
    tmp = folder / f".upload-{os.getpid()}-{id(stream)}"
    try:
        with open(tmp, "wb") as out:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise CaseError(f"file: larger than {limit >> 20} MiB", 413)
                h.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        os.replace(tmp, folder / digest)
    finally:
        tmp.unlink(missing_ok=True)
    return digest, size


def attach(conn: Connection, case_id: int, *, filename: str, media_type: str, sha256: str, size: int,
           actor: str, description: str | None = None) -> Attachment:
    case = get(conn, case_id)
    if case.state in ("closed", "dismissed"):
        raise CaseError(f"state: a {case.state} case takes no new evidence", 409)
    name = _SAFE_NAME.sub("_", filename or "file")[:200] or "file"
    media = (media_type or "application/octet-stream")[:100]
    desc = description[:1000] if isinstance(description, str) and description else None
    aid = conn.execute(insert(attachments).values(case_id=case_id, filename=name, media_type=media, size=size,
                                                  sha256=sha256, uploaded_at=now(), uploaded_by=actor,
                                                  description=desc)).inserted_primary_key[0]
    _event(conn, case, actor, "attach", {"attachment": aid, "filename": name, "sha256": sha256, "size": size})
    return get_attachment(conn, aid)


def get_attachment(conn: Connection, attachment_id: int) -> Attachment:
    row = conn.execute(select(attachments).where(attachments.c.id == attachment_id)).first()
    if row is None:
        raise CaseError(f"attachment {attachment_id}: no such attachment", 404)
    return Attachment(*row)


def list_attachments(conn: Connection, case_id: int) -> list[Attachment]:
    return [Attachment(*r) for r in conn.execute(select(attachments).where(attachments.c.case_id == case_id)
                                                 .order_by(attachments.c.id))]


def events(conn: Connection, case_id: int) -> list[dict]:
    """The chain of custody: every event of the case, oldest first."""
    return [{"id": r.id, "at": r.at, "actor": r.actor, "kind": r.kind, "detail": json.loads(r.detail)}
            for r in conn.execute(select(case_events).where(case_events.c.case_id == case_id)
                                  .order_by(case_events.c.id))]


def record_notification(conn: Connection, case_id: int, actor: str, files: dict[str, str]) -> Case:
    """The notification was issued (``files``: {"json"|"pdf"|"html": sha256}); the case becomes notified."""
    case = get(conn, case_id)
    if "notified" not in TRANSITIONS[case.state]:
        raise CaseError(f"state: only a located case can be notified (this one is {case.state})", 409)
    conn.execute(update(cases).where(cases.c.id == case_id).values(state="notified", updated_at=now()))
    _event(conn, case, actor, "notify", {"files": files, "from": case.state})
    return get(conn, case_id)


def latest_fix(conn: Connection, target_id: int):
    """The target's newest fixes row, or None."""
    return conn.execute(select(fixes).where(fixes.c.target_id == target_id)
                        .order_by(fixes.c.id.desc()).limit(1)).first()
