"""Licence registers as records: the regulator's licensed-cell and FM-licence CSVs and OpenCellID's
export (INTERFACES.md "Registers"). Pure parsing of text: the caller opens the file.

OpenCellID is crowd-sourced: it has no ARFCN, no BSIC, no transmit power and no operator name,
and it misses cells nobody has measured. A register parsed from it says so (``authority``,
``has_arfcn``, ``has_bsic``) so rules that need what it lacks abstain, and rules that count
"absent from the register" weigh that absence less.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Callable

from dsp.errors import DspError

#: MCCs whose networks use 3-digit MNCs (ITU-T E.212 list, North America and a few others).
#: OpenCellID stores the MNC as an integer, losing leading zeros; we pad to 3 digits for these
#: and to 2 elsewhere. Identity matching compares MNCs as integers, so a wrong pad cannot hide a match.
THREE_DIGIT_MNC_MCCS = frozenset({"302", "310", "311", "312", "313", "314", "315", "316", "334",
                                  "338", "342", "344", "346", "348", "354", "356", "358", "360",
                                  "365", "376", "405", "708", "722", "732"})

AUTHORITY_REGULATOR = "regulator"
AUTHORITY_CROWD = "crowd"


@dataclass(frozen=True)
class LicensedCell:
    """One licensed GSM cell. ``arfcn``/``bsic``/``power_dbm``/``azimuth_deg`` are None when unknown."""

    operator: str
    mcc: str
    mnc: str
    lac: int
    cell_id: int
    arfcn: int | None
    bsic: int | None
    lat: float
    lon: float
    azimuth_deg: float | None = None
    power_dbm: float | None = None
    range_m: float | None = None
    line: int = 0

    @property
    def identity(self) -> tuple[str, int, int, int]:
        return cell_key(self.mcc, self.mnc, self.lac, self.cell_id)

    @property
    def plmn(self) -> tuple[str, int]:
        return self.mcc, int(self.mnc)


def cell_key(mcc: str, mnc: str | int, lac: int, cell_id: int) -> tuple[str, int, int, int]:
    """The identity key cells are matched on: MCC as text, MNC as an integer (see module note)."""
    return str(mcc), int(mnc), int(lac), int(cell_id)


@dataclass(frozen=True)
class CellRegister:
    """The licensed cells and what the source can and cannot tell."""

    source: str
    authority: str
    cells: tuple[LicensedCell, ...]
    has_arfcn: bool
    has_bsic: bool
    has_power: bool
    #: Rows skipped on import and why (e.g. OpenCellID UMTS/LTE rows), for the record.
    notes: tuple[str, ...] = ()
    _by_identity: dict = field(init=False, repr=False, compare=False)
    _by_plmn: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict = {}
        by_plmn: dict = {}
        for c in self.cells:
            by_id.setdefault(c.identity, []).append(c)
            by_plmn.setdefault(c.plmn, []).append(c)
        object.__setattr__(self, "_by_identity", {k: tuple(v) for k, v in by_id.items()})
        object.__setattr__(self, "_by_plmn", {k: tuple(v) for k, v in by_plmn.items()})

    @property
    def crowd_sourced(self) -> bool:
        return self.authority == AUTHORITY_CROWD

    def lookup(self, mcc: str, mnc: str | int, lac: int, cell_id: int) -> tuple[LicensedCell, ...]:
        return self._by_identity.get(cell_key(mcc, mnc, lac, cell_id), ())

    def of_plmn(self, mcc: str, mnc: str | int) -> tuple[LicensedCell, ...]:
        return self._by_plmn.get((str(mcc), int(mnc)), ())


@dataclass(frozen=True)
class FmLicence:
    """One licensed FM transmitter. ``pi``/``ps`` are None when the licensee sends no RDS."""

    freq_hz: float
    pi: str | None
    ps: str | None
    name: str
    lat: float
    lon: float
    erp_w: float
    licence_id: str
    service_radius_m: float
    line: int = 0


@dataclass(frozen=True)
class FmRegister:
    source: str
    licences: tuple[FmLicence, ...]

    def on_channel(self, freq_hz: float, tolerance_hz: float = 25e3) -> tuple[FmLicence, ...]:
        return tuple(lic for lic in self.licences if abs(lic.freq_hz - freq_hz) <= tolerance_hz)


# ---------------------------------------------------------------------------------- field parsing


class _Row:
    """One CSV row with its source and line number, so every error names both."""

    def __init__(self, source: str, line: int, values: dict[str, str]):
        self.source, self.line, self.values = source, line, values

    def fail(self, name: str, expected: str) -> DspError:
        got = self.values.get(name)
        return DspError(f"{self.source}:{self.line}: field {name!r}: expected {expected}, got {got!r}")

    def text(self, name: str) -> str:
        return (self.values.get(name) or "").strip()

    def number(self, name: str, cast: Callable = float, lo: float = -math.inf, hi: float = math.inf,
               optional: bool = False, expected: str | None = None):
        """The field as ``cast`` (int or float) within [lo, hi]; None when empty and ``optional``."""
        raw = self.text(name)
        if not raw and optional:
            return None
        try:
            value = cast(raw)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or not lo <= value <= hi:
            raise self.fail(name, expected or f"a number in {lo:g}..{hi:g}")
        return value

    def digits(self, name: str, lengths: tuple[int, ...]) -> str:
        raw = self.text(name)
        if not (raw.isdigit() and len(raw) in lengths):
            raise self.fail(name, f"{' or '.join(map(str, lengths))} decimal digits")
        return raw

    def position(self) -> tuple[float, float]:
        return self.number("lat", lo=-90, hi=90), self.number("lon", lo=-180, hi=180)


def read_rows(text: str, source: str, required: tuple[str, ...]) -> tuple[list[str], list[_Row]]:
    if not isinstance(text, str):
        raise DspError(f"{source}: register text must be str, got {type(text).__name__}")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] | None = None
    rows: list[_Row] = []
    for values in reader:
        if not values or all(not v.strip() for v in values) or values[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [h.strip().lower() for h in values]
            missing = [c for c in required if c not in header]
            if missing:
                raise DspError(f"{source}:{reader.line_num}: header lacks column(s) {', '.join(missing)}; "
                               f"expected {','.join(required)}")
            continue
        if len(values) > len(header):
            raise DspError(f"{source}:{reader.line_num}: {len(values)} fields, header has {len(header)}")
        rows.append(_Row(source, reader.line_num, dict(zip(header, values))))
    if header is None:
        raise DspError(f"{source}: empty register (no header row)")
    return header, rows


# ------------------------------------------------------------------------------------- GSM cells

CELL_COLUMNS = ("operator", "mcc", "mnc", "lac", "cell_id", "arfcn", "bsic", "lat", "lon")
OPENCELLID_COLUMNS = ("radio", "mcc", "net", "area", "cell", "lon", "lat")


def parse_cell_register(text: str, source: str = "register") -> CellRegister:
    """A licensed-cell register, in our CSV or OpenCellID's (told apart by the header)."""
    first = next((ln for ln in text.lstrip("\ufeff").splitlines()
                  if ln.strip() and not ln.lstrip().startswith("#")), "")
    header = {h.strip().lower() for h in first.split(",")}
    if {"radio", "net", "area", "cell"} <= header:
        return parse_opencellid(text, source)
    return _parse_licensed_cells(text, source)


def _parse_licensed_cells(text: str, source: str) -> CellRegister:
    header, rows = read_rows(text, source, CELL_COLUMNS)
    cells = []
    for r in rows:
        lat, lon = r.position()
        operator = r.text("operator")
        if not operator:
            raise r.fail("operator", "an operator name")
        cells.append(LicensedCell(
            operator=operator, mcc=r.digits("mcc", (3,)), mnc=r.digits("mnc", (2, 3)),
            lac=r.number("lac", int, 0, 65535), cell_id=r.number("cell_id", int, 0, 65535),
            arfcn=r.number("arfcn", int, 0, 1023, optional=True),
            bsic=r.number("bsic", int, 0, 63, optional=True, expected="NCC*8+BCC in 0..63"),
            lat=lat, lon=lon,
            azimuth_deg=r.number("azimuth", lo=0, hi=360, optional=True) if "azimuth" in header else None,
            power_dbm=r.number("power_dbm", lo=-30, hi=90, optional=True) if "power_dbm" in header else None,
            line=r.line))
    return CellRegister(source=source, authority=AUTHORITY_REGULATOR, cells=tuple(cells),
                        has_arfcn=any(c.arfcn is not None for c in cells),
                        has_bsic=any(c.bsic is not None for c in cells),
                        has_power=any(c.power_dbm is not None for c in cells))


def parse_opencellid(text: str, source: str = "opencellid") -> CellRegister:
    """OpenCellID's CSV (``radio,mcc,net,area,cell,unit,lon,lat,range,...``): GSM rows only."""
    header, rows = read_rows(text, source, OPENCELLID_COLUMNS)
    cells, skipped = [], {}
    for r in rows:
        radio = r.text("radio").upper()
        if radio != "GSM":
            skipped[radio or "(blank)"] = skipped.get(radio or "(blank)", 0) + 1
            continue
        mcc = r.digits("mcc", (3,))
        net = r.number("net", int, 0, 999)
        lat, lon = r.position()
        cells.append(LicensedCell(
            operator=f"{mcc}-{net:0{3 if mcc in THREE_DIGIT_MNC_MCCS else 2}d}", mcc=mcc,
            mnc=f"{net:0{3 if mcc in THREE_DIGIT_MNC_MCCS else 2}d}",
            lac=r.number("area", int, 0, 65535), cell_id=r.number("cell", int, 0, 65535),
            arfcn=None, bsic=None, lat=lat, lon=lon,
            range_m=r.number("range", lo=0, optional=True) if "range" in header else None,
            line=r.line))
    notes = ["OpenCellID is crowd-sourced: cells nobody measured are missing",
             "no ARFCN, BSIC or transmit power: rules needing them abstain",
             "MNC leading zeros restored by MCC (E.212 3-digit list); matched as integers"]
    notes += [f"skipped {n} {radio} row(s): not GSM" for radio, n in sorted(skipped.items())]
    return CellRegister(source=source, authority=AUTHORITY_CROWD, cells=tuple(cells),
                        has_arfcn=False, has_bsic=False, has_power=False, notes=tuple(notes))


# ------------------------------------------------------------------------------------------- FM

FM_COLUMNS = ("freq_hz", "pi", "ps", "name", "lat", "lon", "erp_w", "licence_id")


def default_service_radius_m(erp_w: float) -> float:
    """A rough service radius when the register gives none: 20 km at 1 kW ERP, scaling with ERP^¼
    (≈ 6 km at 10 W, 36 km at 10 kW, 63 km at 100 kW). Approximate; give ``service_radius_m`` when known."""
    return 20e3 * (max(erp_w, 1e-3) / 1e3) ** 0.25


def parse_fm_register(text: str, source: str = "fm register") -> FmRegister:
    """The FM licence register ``freq_hz,pi,ps,name,lat,lon,erp_w,licence_id[,service_radius_m]``."""
    header, rows = read_rows(text, source, FM_COLUMNS)
    licences = []
    for r in rows:
        pi = r.text("pi").upper() or None
        if pi is not None and not (len(pi) == 4 and all(ch in "0123456789ABCDEF" for ch in pi)):
            raise r.fail("pi", "4 hex digits or empty")
        ps_raw = r.values.get("ps") or ""
        if len(ps_raw) > 8:
            raise r.fail("ps", "at most 8 characters or empty")
        erp = r.number("erp_w", lo=0, hi=1e7, expected="ERP in watts, 0..1e7")
        radius = (r.number("service_radius_m", lo=0, hi=1e6, optional=True)
                  if "service_radius_m" in header else None)
        lat, lon = r.position()
        licence_id = r.text("licence_id")
        if not licence_id:
            raise r.fail("licence_id", "a licence identifier")
        licences.append(FmLicence(
            freq_hz=r.number("freq_hz", lo=30e6, hi=300e6, expected="a VHF frequency in Hz (e.g. 98700000)"),
            pi=pi, ps=ps_raw if ps_raw.strip() else None, name=r.text("name"), lat=lat, lon=lon,
            erp_w=erp, licence_id=licence_id,
            service_radius_m=radius if radius is not None else default_service_radius_m(erp),
            line=r.line))
    return FmRegister(source=source, licences=tuple(licences))
