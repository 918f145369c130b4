"""Licence registers in the store, versioned: each load of a changed file is a new version, kept
verbatim, so a verdict can always be traced to the register it was judged against.

The CSV formats are INTERFACES.md's (licensed cells, OpenCellID's export, licensed FM stations);
dsp.verdict parses them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from dsp.verdict import CellRegister, FmRegister, parse_cell_register, parse_fm_register, parse_opencellid
from dsp.verdict.registers import cell_key
from webmap import audit
from webmap.errors import WebmapError
from webmap.schema import registers
from webmap.store import Store, now

KINDS = ("cells", "opencellid", "fm")


@dataclass(frozen=True)
class RegisterVersion:
    kind: str
    version: int
    loaded_at: float
    source: str
    sha256: str
    n_rows: int

    def to_json(self) -> dict:
        return {"kind": self.kind, "version": self.version, "loaded_at": self.loaded_at,
                "source": self.source, "sha256": self.sha256, "n_rows": self.n_rows}


def parse(kind: str, text: str, source: str) -> CellRegister | FmRegister:
    if kind == "cells":
        return parse_cell_register(text, source)
    if kind == "opencellid":
        return parse_opencellid(text, source)
    if kind == "fm":
        return parse_fm_register(text, source)
    raise WebmapError(f"register kind {kind!r}: expected one of {', '.join(KINDS)}")


def _stored_kind(kind: str) -> str:
    return "fm" if kind == "fm" else "cells"


def load(store: Store, kind: str, text: str, source: str, *, actor: str = "cli") -> tuple[RegisterVersion, bool]:
    """Store ``text`` as the next version of the register (parsed first: a bad file changes nothing).
    Returns the current version and whether it is new (the same content again is not a new version)."""
    parsed = parse(kind, text, source)
    n_rows = len(parsed.licences if isinstance(parsed, FmRegister) else parsed.cells)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    stored = _stored_kind(kind)
    with store.write() as conn:
        latest = current(conn, stored)
        if latest is not None and latest.sha256 == digest:
            return latest, False
        version = (latest.version if latest else 0) + 1
        t = now()
        conn.execute(insert(registers).values(kind=stored, format=kind, version=version, loaded_at=t, source=source[:300],
                                              sha256=digest, n_rows=n_rows, content=text))
        audit.record(conn, actor, "register.load", {"kind": stored, "format": kind, "version": version,
                                                     "sha256": digest, "rows": n_rows, "source": source[:300]})
    return RegisterVersion(stored, version, t, source[:300], digest, n_rows), True


def current(conn: Connection, kind: str) -> RegisterVersion | None:
    row = conn.execute(select(registers.c.kind, registers.c.version, registers.c.loaded_at, registers.c.source,
                              registers.c.sha256, registers.c.n_rows)
                       .where(registers.c.kind == kind).order_by(registers.c.version.desc()).limit(1)).first()
    return None if row is None else RegisterVersion(*row)


def versions(conn: Connection) -> list[RegisterVersion]:
    return [RegisterVersion(*r) for r in conn.execute(
        select(registers.c.kind, registers.c.version, registers.c.loaded_at, registers.c.source,
               registers.c.sha256, registers.c.n_rows).order_by(registers.c.kind, registers.c.version))]


class RegisterCache:
    """The current register of each kind, parsed once per version."""

    def __init__(self):
        self._parsed: dict[str, tuple[int, object]] = {}

    def get(self, conn: Connection, kind: str):
        latest = current(conn, kind)
        if latest is None:
            return None
        cached = self._parsed.get(kind)
        if cached is None or cached[0] != latest.version:
            row = conn.execute(select(registers.c.format, registers.c.content).where(
                registers.c.kind == kind, registers.c.version == latest.version)).one()
            cached = (latest.version, parse(row.format, row.content, latest.source))
            self._parsed[kind] = cached
        return cached[1]


def cell_identity(identity: str | None) -> tuple[str, int, int, int] | None:
    """(MCC, MNC, LAC, CI) of a GSM target's stored identity (``targets.identity`` JSON), as the
    licence register keys its cells; None when any of them was not decoded."""
    ident = json.loads(identity) if identity else None
    if not ident or any(ident.get(k) is None for k in ("mcc", "mnc", "lac", "cell_id")):
        return None
    return cell_key(ident["mcc"], ident["mnc"], ident["lac"], ident["cell_id"])
