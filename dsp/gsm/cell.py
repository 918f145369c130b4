"""One GSM cell's fingerprint from its decoded BCCH/CCCH blocks: the `decode gsm --json` cell record
(../shared/INTERFACES.md; field meanings from 3GPP TS 44.018 §10.5.2)."""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from typing import Sequence

from dsp.errors import DspError
from dsp.gsm.sysinfo import PagingRequest, ImmediateAssignment, parse_block
from dsp.gsm.xcch import XcchResult

#: Display order of SI types in ``si_types``.
SI_ORDER = ("SI1", "SI2", "SI2bis", "SI2ter", "SI2quater", "SI3", "SI4", "SI13")

#: The INTERFACES.md keys, in their order; :meth:`GsmCell.to_json` adds the extra fields after them.
CONTRACT_KEYS = (
    "arfcn", "freq_hz", "bsic", "mcc", "mnc", "lac", "cell_id", "neighbours", "cro_db", "temporary_offset_db",
    "penalty_time_s", "t3212_decihours", "cell_barred", "rxlev_access_min", "si_types", "power_dbfs", "snr_db",
    "freq_offset_hz", "blocks_ok", "blocks_bad",
)


@dataclass(frozen=True)
class Bsic:
    ncc: int
    bcc: int

    @property
    def value(self) -> int:
        return 8 * self.ncc + self.bcc


@dataclass(frozen=True)
class GsmCell:
    """A BCCH carrier and what its cell broadcast. Identity fields are None when not decoded.

    Units: cro_db, temporary_offset_db (None = infinity or not sent), penalty_time_s (None = PT
    code 31 or not sent), crh_db in dB; t3212_decihours (0 = no periodic updating); rxlev_access_min
    and ms_txpwr_max_cch raw codes; bs_pa_mfrms in multiframes; *_s seconds from capture start.
    si_conflicts: SI types seen with differing content (the most frequent content is used).
    """

    arfcn: int
    freq_hz: float
    bsic: Bsic | None
    mcc: str | None
    mnc: str | None
    lac: int | None
    cell_id: int | None
    neighbours: tuple[int, ...]
    cro_db: int | None
    temporary_offset_db: int | None
    penalty_time_s: int | None
    t3212_decihours: int | None
    cell_barred: bool | None
    rxlev_access_min: int | None
    si_types: tuple[str, ...]
    power_dbfs: float
    snr_db: float
    freq_offset_hz: float
    blocks_ok: int
    blocks_bad: int
    crh_db: int | None = None
    ms_txpwr_max_cch: int | None = None
    cbq: int | None = None
    ccch_conf: int | None = None
    bs_ag_blks_res: int | None = None
    bs_pa_mfrms: int | None = None
    gprs: bool | None = None
    cell_channels: tuple[int, ...] | None = None
    si2ter_neighbour_count: int | None = None
    si2quater_count: int | None = None
    paging_count: int = 0
    paging_identities: int = 0
    immediate_assignments: int = 0
    first_seen_s: float | None = None
    last_seen_s: float | None = None
    si_conflicts: tuple[str, ...] = ()

    @property
    def ncc(self) -> int | None:
        return None if self.bsic is None else self.bsic.ncc

    @property
    def bcc(self) -> int | None:
        return None if self.bsic is None else self.bsic.bcc

    def to_json(self) -> dict:
        """The contract's keys in its order, then the extra fields; JSON-ready values."""
        out = {}
        for name in CONTRACT_KEYS + tuple(f for f in self.__dataclass_fields__ if f not in CONTRACT_KEYS):
            v = getattr(self, name)
            if isinstance(v, Bsic):
                v = {"ncc": v.ncc, "bcc": v.bcc}
            elif isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, float):
                v = round(v, 3) if math.isfinite(v) else None
            out[name] = v
        return out


def _most_frequent(contents: collections.Counter):
    return contents.most_common(1)[0][0]


def _check_args(arfcn, bsic, power_dbfs, snr_db, freq_offset_hz, first_seen_s, last_seen_s) -> None:
    if not isinstance(arfcn, int) or not 0 <= arfcn <= 1023:
        raise DspError(f"arfcn: expected an integer 0..1023, got {arfcn!r}")
    if isinstance(bsic, int) and 0 <= bsic <= 63:
        return
    if bsic is not None and (not isinstance(bsic, tuple) or len(bsic) != 2
                             or not all(isinstance(x, int) and 0 <= x <= 7 for x in bsic)):
        raise DspError(f"bsic: expected None, 0..63 or (ncc, bcc) with each 0..7, got {bsic!r}")
    for name, v in (("power_dbfs", power_dbfs), ("snr_db", snr_db), ("freq_offset_hz", freq_offset_hz),
                    ("first_seen_s", first_seen_s), ("last_seen_s", last_seen_s)):
        if not isinstance(v, (int, float)):
            raise DspError(f"{name}: expected a number, got {v!r}")


def _bsic(bsic) -> Bsic | None:
    if bsic is None:
        return None
    return Bsic(bsic >> 3, bsic & 7) if isinstance(bsic, int) else Bsic(*bsic)


def fingerprint(arfcn: int, freq_hz: float, bsic: tuple[int, int] | int | None, blocks: Sequence[tuple[int, XcchResult]],
                power_dbfs: float, snr_db: float, freq_offset_hz: float, first_seen_s: float,
                last_seen_s: float) -> GsmCell:
    """The cell record of one carrier from its TS0 blocks ``(fn of first burst, decode result)`` in time order.

    ``bsic``: (ncc, bcc), the 6-bit BSIC, or None when no SCH decoded.
    """
    _check_args(arfcn, bsic, power_dbfs, snr_db, freq_offset_hz, first_seen_s, last_seen_s)
    ok = bad = 0
    si: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    parsed: dict[bytes, object] = {}
    paging = identities = assignments = 0
    for _fn, result in blocks:
        if not isinstance(result, XcchResult):
            raise DspError(f"blocks: expected (fn, XcchResult) pairs, got {type(result).__name__}")
        if not result.ok or result.data is None:
            bad += 1
            continue
        ok += 1
        msg = parsed.get(result.data) or parsed.setdefault(result.data, parse_block(result.data))
        if isinstance(msg, PagingRequest):
            paging += 1
            identities += len(msg.identities)
        elif isinstance(msg, ImmediateAssignment):
            assignments += msg.assignments
        elif msg.name in SI_ORDER:
            # SI2quater instances legitimately differ by index; the others should repeat verbatim.
            key = f"SI2quater#{msg.index}" if msg.name == "SI2quater" else msg.name
            si[key][result.data] += 1
    best = {k: parsed[_most_frequent(c)] for k, c in si.items()}
    conflicts = tuple(k for k in SI_ORDER if k in si and len(si[k]) > 1)
    si3, si4 = best.get("SI3"), best.get("SI4")
    quaters = [m for k, m in best.items() if k.startswith("SI2quater")]
    lai = si3.lai if si3 else (si4.lai if si4 else None)
    sel = si3.selection if si3 else (si4.selection if si4 else None)
    params = si3.selection_parameters if si3 else (si4.selection_parameters if si4 else None)
    rach = next((best[k].rach for k in ("SI3", "SI4", "SI1", "SI2") if k in best), None)
    lists = [best[k].neighbours.arfcns for k in ("SI2", "SI2bis", "SI2ter") if k in best]
    gprs_ind = si3.gprs if si3 else (si4.gprs if si4 else None)
    gprs = True if "SI13" in best or gprs_ind else (False if (si3 or si4) else None)
    names = {k.split("#")[0] for k in best}
    return GsmCell(
        arfcn=arfcn, freq_hz=float(freq_hz), bsic=_bsic(bsic),
        mcc=lai.mcc if lai else None, mnc=lai.mnc if lai else None, lac=lai.lac if lai else None,
        cell_id=si3.cell_id if si3 else None,
        neighbours=tuple(sorted(set().union(*lists))) if lists else (),
        cro_db=params.cro_db if params else None,
        temporary_offset_db=params.temporary_offset_db if params else None,
        penalty_time_s=params.penalty_time_s if params else None,
        t3212_decihours=si3.control.t3212 if si3 else None,
        cell_barred=rach.cell_barred if rach else None,
        rxlev_access_min=sel.rxlev_access_min if sel else None,
        si_types=tuple(k for k in SI_ORDER if k in names),
        power_dbfs=float(power_dbfs), snr_db=float(snr_db), freq_offset_hz=float(freq_offset_hz),
        blocks_ok=ok, blocks_bad=bad,
        crh_db=2 * sel.crh if sel else None,
        ms_txpwr_max_cch=sel.ms_txpwr_max_cch if sel else None,
        cbq=params.cbq if params else None,
        ccch_conf=si3.control.ccch_conf if si3 else None,
        bs_ag_blks_res=si3.control.bs_ag_blks_res if si3 else None,
        bs_pa_mfrms=si3.control.bs_pa_mfrms if si3 else None,
        gprs=gprs,
        cell_channels=best["SI1"].cell_channels.arfcns if "SI1" in best else None,
        si2ter_neighbour_count=len(best["SI2ter"].neighbours.arfcns) if "SI2ter" in best else None,
        si2quater_count=quaters[0].count + 1 if quaters else None,
        paging_count=paging, paging_identities=identities, immediate_assignments=assignments,
        first_seen_s=float(first_seen_s), last_seen_s=float(last_seen_s), si_conflicts=conflicts,
    )
