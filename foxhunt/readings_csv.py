"""Strict reader of READINGS.csv for ``foxhunt locate`` (the ``locate`` section of INTERFACES.md).

Columns: timestamp (Unix seconds or ISO 8601, UTC when no offset is given), node_id, lat, lon
(WGS84 degrees), freq_hz, power_dbm; optional target and censored (1/0, true/false, yes/no:
the node was at its floor and heard nothing above ``power_dbm``). Any other column is an error,
so a misspelt header is caught rather than ignored. Errors name the file, line and field.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime, timezone
from pathlib import Path

from locator.errors import LocatorError
from locator.readings import Reading

REQUIRED = ("timestamp", "node_id", "lat", "lon", "freq_hz", "power_dbm")
OPTIONAL = ("target", "censored")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


class ReadingsCsvError(LocatorError):
    """READINGS.csv is not what INTERFACES.md describes."""


def read_readings(path: str | Path) -> list[Reading]:
    """Every reading of the file, in file order; raises ReadingsCsvError on the first bad field."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if header is None or not any(h.strip() for h in header):
            raise ReadingsCsvError(f"{path}: empty file; expected a header row with columns {', '.join(REQUIRED)}")
        names = [h.strip().lower() for h in header]
        _check_header(path, names)
        col = {n: i for i, n in enumerate(names)}
        out = []
        for row in rows:
            line = rows.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(names):
                raise ReadingsCsvError(f"{path}:{line}: {len(row)} fields, expected {len(names)} as in the header")
            out.append(_reading(path, line, row, col))
    if not out:
        raise ReadingsCsvError(f"{path}: no readings after the header")
    return out


def _check_header(path: Path, names: list[str]) -> None:
    missing = [n for n in REQUIRED if n not in names]
    if missing:
        raise ReadingsCsvError(f"{path}:1: missing column {', '.join(missing)} "
                               f"(expected {', '.join(REQUIRED)}[, {', '.join(OPTIONAL)}])")
    unknown = [n for n in names if n not in REQUIRED + OPTIONAL]
    if unknown:
        raise ReadingsCsvError(f"{path}:1: unknown column {unknown[0]!r} "
                               f"(expected {', '.join(REQUIRED)}[, {', '.join(OPTIONAL)}])")
    dup = [n for n in set(names) if names.count(n) > 1]
    if dup:
        raise ReadingsCsvError(f"{path}:1: column {dup[0]!r} appears twice")


def _reading(path: Path, line: int, row: list[str], col: dict[str, int]) -> Reading:
    def field(name: str) -> str:
        return row[col[name]].strip()

    def number(name: str, what: str, lo: float = -math.inf, hi: float = math.inf) -> float:
        text = field(name)
        try:
            v = float(text)
        except ValueError:
            raise ReadingsCsvError(f"{path}:{line}: field {name}: expected {what}, got {text!r}") from None
        if not (math.isfinite(v) and lo <= v <= hi):
            raise ReadingsCsvError(f"{path}:{line}: field {name}: expected {what} in {lo:g}..{hi:g}, got {text!r}")
        return v

    node = field("node_id")
    if not node:
        raise ReadingsCsvError(f"{path}:{line}: field node_id: empty")
    target = field("target") if "target" in col else ""
    censored = field("censored").lower() if "censored" in col else ""
    if censored not in _TRUE | _FALSE:
        raise ReadingsCsvError(f"{path}:{line}: field censored: expected 1/0 or true/false, got {field('censored')!r}")
    return Reading(
        timestamp=_timestamp(path, line, field("timestamp")),
        node_id=node,
        lat=number("lat", "latitude in degrees", -90.0, 90.0),
        lon=number("lon", "longitude in degrees", -180.0, 360.0),
        freq_hz=number("freq_hz", "frequency in Hz", 1.0, 1e12),
        power_dbm=number("power_dbm", "power in dBm", -300.0, 100.0),
        target=target or None,
        censored=censored in _TRUE,
    )


def _timestamp(path: Path, line: int, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        try:
            v = _iso(text)
        except ValueError:
            v = math.nan
    if not math.isfinite(v):
        raise ReadingsCsvError(f"{path}:{line}: field timestamp: expected Unix seconds or ISO 8601 UTC, got {text!r}")
    return v


def _iso(text: str) -> float:
    t = datetime.fromisoformat(text)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()
