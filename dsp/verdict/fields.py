"""Reading decoder records (``dsp.gsm.cell.GsmCell``, ``dsp.fm.station.FmStation``) by their
INTERFACES.md field names. A field a record lacks reads as None, so a rule abstains on it."""

from __future__ import annotations

import math

from dsp.verdict.registers import cell_key


def field_of(record, name: str):
    """The field, or None when the record lacks it or holds NaN/∞ (a value that was not measured)."""
    value = getattr(record, name, None)
    return None if isinstance(value, float) and not math.isfinite(value) else value


def bsic_of(cell) -> int | None:
    """BSIC as NCC·8 + BCC, whether the record holds ``bsic`` as an int, an (ncc, bcc) record or pair."""
    bsic = field_of(cell, "bsic")
    if bsic is None:
        ncc, bcc = field_of(cell, "ncc"), field_of(cell, "bcc")
        return None if ncc is None or bcc is None else int(ncc) * 8 + int(bcc)
    if isinstance(bsic, int):
        return bsic
    if isinstance(bsic, tuple):
        return int(bsic[0]) * 8 + int(bsic[1])
    return int(bsic.ncc) * 8 + int(bsic.bcc)


def neighbours_of(cell) -> tuple[int, ...] | None:
    """The BA list, or None when SI2 never decoded (an empty list then means "not known", not "empty")."""
    neighbours = field_of(cell, "neighbours")
    si = field_of(cell, "si_types")
    if neighbours is None or (si is not None and "SI2" not in si):
        return None
    return tuple(neighbours)


def paged_count(cell) -> int | None:
    """Paging identities (TMSI/IMSI) paged: idle PCH blocks carry empty paging requests as filler,
    so identities, not messages, are what shows a live location area."""
    n = field_of(cell, "paging_identities")
    return n if n is not None else field_of(cell, "paging_count")


def observed_s(cell, fallback: float | None) -> float | None:
    first, last = field_of(cell, "first_seen_s"), field_of(cell, "last_seen_s")
    return last - first if first is not None and last is not None else fallback


def bsic_text(bsic: int | None) -> str:
    return "unknown" if bsic is None else f"{bsic} (NCC {bsic // 8}, BCC {bsic % 8})"


def identity_of(cell) -> tuple[str, int, int, int] | None:
    """(mcc, mnc as int, lac, cell_id), or None when the cell's SI3/SI4 never decoded."""
    parts = [field_of(cell, n) for n in ("mcc", "mnc", "lac", "cell_id")]
    return None if any(p is None for p in parts) else cell_key(*parts)


def plmn_text(cell) -> str:
    return f"{field_of(cell, 'mcc')}-{field_of(cell, 'mnc')}"


def cell_label(cell) -> str:
    """``cell 460-00 LAC 41234 CI 5501 on ARFCN 62`` (or the ARFCN alone when no identity decoded)."""
    arfcn = field_of(cell, "arfcn")
    if identity_of(cell) is None:
        return f"the carrier on ARFCN {arfcn} (no identity decoded)"
    return f"cell {plmn_text(cell)} LAC {cell.lac} CI {cell.cell_id} on ARFCN {arfcn}"


def same_cell(a, b) -> bool:
    """The same observation (the target among the scan's cells)."""
    return a is b or (identity_of(a) == identity_of(b) and field_of(a, "arfcn") == field_of(b, "arfcn"))


def rds_pi(station) -> str | None:
    rds = field_of(station, "rds")
    return None if rds is None else field_of(rds, "pi")


def rds_ps(station) -> str | None:
    rds = field_of(station, "rds")
    return None if rds is None else field_of(rds, "ps")


def station_label(station) -> str:
    """``station 98.7 MHz (PI 13A1, PS "CNR 1")`` — PS verbatim: renderers escape, never us."""
    freq = field_of(station, "freq_hz")
    pi, ps = rds_pi(station), rds_ps(station)
    rds = [f"PI {pi}"] if pi else []
    if ps and ps.strip():
        rds.append(f'PS "{ps.rstrip()}"')
    return f"station {freq / 1e6:.2f} MHz" + (f" ({', '.join(rds)})" if rds else "")
