"""Build the 23-octet BCCH/CCCH blocks a cell broadcasts (3GPP TS 44.018 §9.1.22, §9.1.31-9.1.43, §10.5.2).

The inverse of :mod:`dsp.gsm.sysinfo`: a :class:`CellConfig` gives every field, raw as the air
interface carries it (CRO, TO, PT, CRH, T3212, RXLEV_ACCESS_MIN are the coded field values;
bs_pa_mfrms is in multiframes, 2..9). The transmitter and the simulators use these blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Sequence

from dsp.errors import DspError
from dsp.gsm.arfcn_lists import FORMATS, MalformedList, encode_channel_list
from dsp.gsm.csn1 import BitWriter
from dsp.gsm.sysinfo import (
    BLOCK_OCTETS, IEI_MOBILE_IDENTITY, MT_PAGING1, MT_PAGING2, MT_PAGING3, MT_SI1, MT_SI2, MT_SI2BIS,
    MT_SI2QUATER, MT_SI2TER, MT_SI3, MT_SI4, MT_SI13, PD_RR,
)

#: (field, lowest, highest) of the integer fields of CellConfig.
_RANGES = {
    "lac": (0, 0xFFFF), "cell_id": (0, 0xFFFF), "ncc": (0, 7), "bcc": (0, 7), "arfcn": (0, 1023),
    "cro": (0, 63), "temporary_offset": (0, 7), "penalty_time": (0, 31), "cbq": (0, 1), "crh": (0, 7),
    "rxlev_access_min": (0, 63), "ms_txpwr_max_cch": (0, 31), "t3212": (0, 255), "bs_ag_blks_res": (0, 7),
    "ccch_conf": (0, 7), "bs_pa_mfrms": (2, 9), "max_retrans": (0, 3), "tx_integer": (0, 15),
    "access_classes": (0, 0xFFFF), "ncc_permitted": (0, 255), "dtx": (0, 3), "radio_link_timeout": (0, 15),
    "ra_colour": (0, 7), "rac": (0, 255), "ba_ind": (0, 1), "multiband_reporting": (0, 3), "mscr": (0, 1),
    "bcch_change_mark": (0, 7), "si2quater_position": (0, 1), "nch_position": (0, 31),
}


@dataclass(frozen=True)
class CellConfig:
    """Everything a BCCH carrier says about its cell. Optional SI types are sent when configured:
    SI2bis when ``si2bis_neighbours`` is not None, SI2ter likewise, SI2quater when ``si2quater``,
    SI13 when ``gprs``. ``nch_position`` None = no NCH. ``cro`` None means SI3/SI4 carry no optional selection parameters.
    List formats: one of :data:`dsp.gsm.arfcn_lists.FORMATS` or "auto".
    """

    mcc: str
    mnc: str
    lac: int
    cell_id: int
    ncc: int
    bcc: int
    arfcn: int
    cell_arfcns: tuple[int, ...] = ()
    neighbours: tuple[int, ...] = ()
    neighbour_format: str = "auto"
    cell_channel_format: str = "auto"
    si2bis_neighbours: tuple[int, ...] | None = None
    si2ter_neighbours: tuple[int, ...] | None = None
    si2ter_format: str = "auto"
    si2quater: bool = False
    si2quater_position: int = 0
    nch_position: int | None = None
    cro: int | None = None
    temporary_offset: int = 0
    penalty_time: int = 0
    cbq: int = 0
    crh: int = 2
    rxlev_access_min: int = 8
    ms_txpwr_max_cch: int = 5
    acs: bool = False
    neci: bool = True
    t3212: int = 10
    bs_ag_blks_res: int = 1
    ccch_conf: int = 0
    bs_pa_mfrms: int = 2
    att: bool = True
    mscr: int = 1
    cell_barred: bool = False
    max_retrans: int = 3
    tx_integer: int = 9
    reestablish_allowed: bool = False
    access_classes: int = 0
    ncc_permitted: int = 0xFF
    pwrc: bool = False
    dtx: int = 2
    radio_link_timeout: int = 15
    early_classmark_sending: bool = False
    gprs: bool = False
    ra_colour: int = 0
    rac: int = 0
    bcch_change_mark: int = 0
    ba_ind: int = 0
    multiband_reporting: int = 0

    def __post_init__(self):
        for name, (lo, hi) in _RANGES.items():
            v = getattr(self, name)
            if v is not None and (not isinstance(v, int) or not lo <= v <= hi):
                raise DspError(f"CellConfig.{name}: expected an integer {lo}..{hi}, got {v!r}")
        if not (isinstance(self.mcc, str) and len(self.mcc) == 3 and self.mcc.isdigit()):
            raise DspError(f"CellConfig.mcc: expected 3 digits as a string, got {self.mcc!r}")
        if not (isinstance(self.mnc, str) and len(self.mnc) in (2, 3) and self.mnc.isdigit()):
            raise DspError(f"CellConfig.mnc: expected 2 or 3 digits as a string, got {self.mnc!r}")
        for name in ("neighbour_format", "cell_channel_format", "si2ter_format"):
            if getattr(self, name) not in FORMATS + ("auto",):
                raise DspError(f"CellConfig.{name}: expected one of {FORMATS} or 'auto', "
                               f"got {getattr(self, name)!r}")
        for f in fields(self):
            if f.name in ("cell_arfcns", "neighbours", "si2bis_neighbours", "si2ter_neighbours"):
                v = getattr(self, f.name)
                if v is not None:
                    v = tuple(v)
                    if any(not isinstance(a, int) or not 0 <= a <= 1023 for a in v):
                        raise DspError(f"CellConfig.{f.name}: ARFCNs must be integers 0..1023, got {v!r}")
                    object.__setattr__(self, f.name, v)

    @property
    def bsic(self) -> int:
        return 8 * self.ncc + self.bcc


def _header(length: int, mtype: int) -> bytes:
    return bytes([(length << 2) | 1, PD_RR, mtype])


def encode_lai(mcc: str, mnc: str, lac: int) -> bytes:
    """Five octets of TS 24.008 §10.5.1.3."""
    m = [int(c) for c in mcc]
    n = [int(c) for c in mnc]
    mnc3 = n[2] if len(n) == 3 else 15
    return bytes([(m[1] << 4) | m[0], (mnc3 << 4) | m[2], (n[1] << 4) | n[0], lac >> 8, lac & 0xFF])


def _rach(c: CellConfig) -> bytes:
    return bytes([(c.max_retrans << 6) | (c.tx_integer << 2) | (int(c.cell_barred) << 1) | int(not c.reestablish_allowed),
                  c.access_classes >> 8, c.access_classes & 0xFF])


def _cell_selection(c: CellConfig) -> bytes:
    return bytes([(c.crh << 5) | c.ms_txpwr_max_cch, (int(c.acs) << 7) | (int(c.neci) << 6) | c.rxlev_access_min])


def _list(name: str, arfcns, fmt: str, flags: int, ncd2: bool = False) -> bytes:
    try:
        return encode_channel_list(arfcns, fmt, flags, ncd2=ncd2)
    except MalformedList as e:
        raise DspError(f"CellConfig.{name}: {e}") from None


def _selection_and_power(w: BitWriter, c: CellConfig) -> None:
    w.lh(c.cro is not None)
    if c.cro is not None:
        w.bits(c.cbq, 1).bits(c.cro, 6).bits(c.temporary_offset, 3).bits(c.penalty_time, 5)
    w.lh(False)  # no power offset


def _gprs_indicator(w: BitWriter, c: CellConfig) -> None:
    w.lh(c.gprs)
    if c.gprs:
        w.bits(c.ra_colour, 3).bits(0, 1)  # SI13 on BCCH Norm


def si1(c: CellConfig) -> bytes:
    ccd = _list("cell_arfcns", c.cell_arfcns or (c.arfcn,), c.cell_channel_format, 0)
    rest = BitWriter().lh(c.nch_position is not None)
    if c.nch_position is not None:
        rest.bits(c.nch_position, 5)
    rest = rest.lh(False).padded(1)  # band indicator: 1800 (or the 900 band)
    return _header(21, MT_SI1) + ccd + _rach(c) + rest


def si2(c: CellConfig) -> bytes:
    flags = (int(c.si2bis_neighbours is not None) << 1) | c.ba_ind
    ncd = _list("neighbours", c.neighbours, c.neighbour_format, flags)
    return _header(22, MT_SI2) + ncd + bytes([c.ncc_permitted]) + _rach(c)


def si2bis(c: CellConfig) -> bytes:
    ncd = _list("si2bis_neighbours", c.si2bis_neighbours or (), c.neighbour_format, (1 << 1) | c.ba_ind)
    return _header(21, MT_SI2BIS) + ncd + _rach(c) + BitWriter().padded(1)


def si2ter(c: CellConfig) -> bytes:
    flags = (c.multiband_reporting << 1) | c.ba_ind
    ncd2 = _list("si2ter_neighbours", c.si2ter_neighbours or (), c.si2ter_format, flags, ncd2=True)
    return _header(18, MT_SI2TER) + ncd2 + BitWriter().lh(False).padded(4)


def si2quater(c: CellConfig) -> bytes:
    w = BitWriter().bits(c.ba_ind, 1).bits(0, 1).bits(0, 1).bits(0, 4).bits(0, 4)  # one instance: index 0, count 0
    w.bits(0, 10).lh(False)  # no optional descriptions, no Rel-5 additions
    return _header(1, MT_SI2QUATER) + w.padded(BLOCK_OCTETS - 3)


def si3(c: CellConfig) -> bytes:
    ccd = bytes([(c.mscr << 7) | (int(c.att) << 6) | (c.bs_ag_blks_res << 3) | c.ccch_conf, c.bs_pa_mfrms - 2, c.t3212])
    options = bytes([(int(c.pwrc) << 6) | (c.dtx << 4) | c.radio_link_timeout])
    w = BitWriter()
    _selection_and_power(w, c)
    w.lh(c.si2ter_neighbours is not None).lh(c.early_classmark_sending).lh(False)  # 2ter, ECSC, no WHERE
    _gprs_indicator(w, c)
    w.lh(False)  # 3G early classmark sending restriction
    w.lh(c.si2quater)
    if c.si2quater:
        w.bits(c.si2quater_position, 1)  # 0 = BCCH Norm, 1 = BCCH Ext
    body = (bytes([c.cell_id >> 8, c.cell_id & 0xFF]) + encode_lai(c.mcc, c.mnc, c.lac) + ccd + options
            + _cell_selection(c) + _rach(c))
    return _header(18, MT_SI3) + body + w.padded(4)


def si4(c: CellConfig) -> bytes:
    w = BitWriter()
    _selection_and_power(w, c)
    _gprs_indicator(w, c)
    w.lh(False).lh(False)  # no SI4 rest octets_S, no break indicator
    body = encode_lai(c.mcc, c.mnc, c.lac) + _cell_selection(c) + _rach(c)
    return _header(12, MT_SI4) + body + w.padded(BLOCK_OCTETS - 3 - len(body))


def si13(c: CellConfig) -> bytes:
    w = BitWriter().lh(True).bits(c.bcch_change_mark, 3).bits(0, 4).bits(0, 1).bits(0, 1)
    w.bits(c.rac, 8).bits(0, 1).bits(6, 3).bits(0, 2)  # RAC, SPGC, PRIORITY_ACCESS_THR, NC0
    # GPRS cell options: NMO II, T3168, T3192, DRX_TIMER_MAX, access burst, control ack, BS_CV_MAX, no PAN, no ext.
    w.bits(1, 2).bits(0, 3).bits(7, 3).bits(7, 3).bits(0, 1).bits(1, 1).bits(6, 4).bits(0, 1).bits(0, 1)
    # GPRS power control: ALPHA, T_AVG_W, T_AVG_T, PC_MEAS_CHAN, N_AVG_I
    w.bits(0, 4).bits(12, 5).bits(10, 5).bits(0, 1).bits(2, 4).lh(False)
    return _header(0, MT_SI13) + w.padded(BLOCK_OCTETS - 3)


def system_information_blocks(config: CellConfig) -> dict[str, bytes]:
    """Every SI block the cell sends, by name ("SI1", "SI2", "SI3", "SI4", and the optional ones)."""
    if not isinstance(config, CellConfig):
        raise DspError(f"config: expected a CellConfig, got {type(config).__name__}")
    out = {"SI1": si1(config), "SI2": si2(config), "SI3": si3(config), "SI4": si4(config)}
    if config.si2bis_neighbours is not None:
        out["SI2bis"] = si2bis(config)
    if config.si2ter_neighbours is not None:
        out["SI2ter"] = si2ter(config)
    if config.si2quater:
        out["SI2quater"] = si2quater(config)
    if config.gprs:
        out["SI13"] = si13(config)
    return out


def _tmsi_identity(tmsi: int) -> bytes:
    return bytes([5, 0xF4]) + tmsi.to_bytes(4, "big")


def _imsi_identity(imsi: str) -> bytes:
    d = [int(x) for x in imsi]
    odd = len(d) % 2
    tail = d[1:] + ([] if odd else [15])
    body = bytes([(d[0] << 4) | (odd << 3) | 1]) + bytes((tail[i + 1] << 4) | tail[i] for i in range(0, len(tail), 2))
    return bytes([len(body)]) + body


def paging_block(tmsis: Sequence[int] = (), imsis: Sequence[str] = (), page_mode: int = 0) -> bytes:
    """A paging request for the given identities: type 1 for up to two (or none: the idle fill many
    networks send), type 2 for three TMSIs, type 3 for four."""
    tmsis, imsis = list(tmsis), list(imsis)
    if any(not isinstance(t, int) or not 0 <= t < 1 << 32 for t in tmsis):
        raise DspError(f"tmsis: expected 32-bit integers, got {tmsis!r}")
    if any(not (isinstance(i, str) and 6 <= len(i) <= 15 and i.isdigit()) for i in imsis):
        raise DspError(f"imsis: expected strings of 6..15 digits, got {imsis!r}")
    if not 0 <= page_mode <= 3:
        raise DspError(f"page_mode: expected 0..3, got {page_mode}")
    n = len(tmsis) + len(imsis)
    if n <= 2:
        ids = [_imsi_identity(i) for i in imsis] + [_tmsi_identity(t) for t in tmsis]
        body = bytes([PD_RR, MT_PAGING1, page_mode]) + (ids[0] if ids else bytes([1, 0xF0]))
        if len(ids) == 2:
            body += bytes([IEI_MOBILE_IDENTITY]) + ids[1]
    elif imsis:
        raise DspError("imsis: paging requests for three or four identities carry TMSIs only")
    elif n == 3:
        body = (bytes([PD_RR, MT_PAGING2, page_mode]) + b"".join(t.to_bytes(4, "big") for t in tmsis[:2])
                + bytes([IEI_MOBILE_IDENTITY]) + _tmsi_identity(tmsis[2]))
    elif n == 4:
        body = bytes([PD_RR, MT_PAGING3, page_mode]) + b"".join(t.to_bytes(4, "big") for t in tmsis)
    else:
        raise DspError(f"tmsis: at most 4 identities per paging request, got {n}")
    if len(body) > BLOCK_OCTETS - 1:
        raise DspError(f"imsis: {n} identities do not fit one block")
    rest = BitWriter().padded(BLOCK_OCTETS - 1 - len(body))  # P1/P2/P3 rest octets: all L
    return bytes([(len(body) << 2) | 1]) + body + rest
