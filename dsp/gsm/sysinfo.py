"""Parse the Layer-3 messages of BCCH/CCCH blocks (3GPP TS 44.018 §9.1.18-9.1.43, §10.5.2; TS 24.008 §10.5.1.3).

A block is 23 octets framed by an L2 pseudo length: octet 0 = (length << 2) | 0b01, octet 1 =
skip indicator | protocol discriminator (6 = RR), octet 2 = message type. The blocks come off the
air from anyone, so :func:`parse_block` never raises on their content: whatever it cannot read
is a :class:`Malformed` naming the field, and unknown messages are :class:`OtherMessage`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsp.errors import DspError
from dsp.gsm.arfcn_lists import ChannelList, MalformedList, decode_channel_list
from dsp.gsm.csn1 import BitReader, BitsExhausted

BLOCK_OCTETS = 23
PD_RR = 6

MT_SI1, MT_SI2, MT_SI2BIS, MT_SI2TER, MT_SI2QUATER = 0x19, 0x1A, 0x02, 0x03, 0x07
MT_SI3, MT_SI4, MT_SI13 = 0x1B, 0x1C, 0x00
MT_PAGING1, MT_PAGING2, MT_PAGING3 = 0x21, 0x22, 0x24
MT_IMM_ASS, MT_IMM_ASS_EXT, MT_IMM_ASS_REJ = 0x3F, 0x39, 0x3A
IEI_MOBILE_IDENTITY = 0x17
IEI_CBCH_CHANNEL, IEI_CBCH_MOBILE_ALLOCATION = 0x64, 0x72

#: 24.008 §10.5.1.4 type of identity.
IDENTITY_KINDS = {0: "none", 1: "IMSI", 2: "IMEI", 3: "IMEISV", 4: "TMSI"}


class _Malformed(Exception):
    """Internal: the field that could not be read."""


@dataclass(frozen=True)
class Lai:
    """Location area identification; MCC/MNC as digit strings (an MNC may have 2 or 3 digits)."""

    mcc: str
    mnc: str
    lac: int


@dataclass(frozen=True)
class RachControl:
    """§10.5.2.29. tx_integer and max_retrans are the raw fields; access_classes bit n = class n barred."""

    max_retrans: int
    tx_integer: int
    cell_barred: bool
    reestablish_allowed: bool
    access_classes: int


@dataclass(frozen=True)
class CellSelection:
    """§10.5.2.4, raw fields: CRH (× 2 dB), MS_TXPWR_MAX_CCH, RXLEV_ACCESS_MIN (0 = below −110 dBm)."""

    crh: int
    ms_txpwr_max_cch: int
    acs: bool
    neci: bool
    rxlev_access_min: int


@dataclass(frozen=True)
class ControlChannel:
    """§10.5.2.11. bs_pa_mfrms in multiframes (field + 2); t3212 in deci-hours (0 = no periodic update)."""

    mscr: int
    att: bool
    bs_ag_blks_res: int
    ccch_conf: int
    cbq3: int
    bs_pa_mfrms: int
    t3212: int


@dataclass(frozen=True)
class CellOptions:
    """§10.5.2.3 (BCCH): raw fields."""

    pwrc: bool
    dtx: int
    radio_link_timeout: int


@dataclass(frozen=True)
class SelectionParameters:
    """§10.5.2.34 optional selection parameters, raw fields: CRO × 2 dB, TO × 10 dB (7 = ∞), PT (31 = special)."""

    cbq: int
    cro: int
    temporary_offset: int
    penalty_time: int

    @property
    def cro_db(self) -> int:
        return 2 * self.cro

    @property
    def temporary_offset_db(self) -> int | None:
        """None for infinity (field 7)."""
        return None if self.temporary_offset == 7 else 10 * self.temporary_offset

    @property
    def penalty_time_s(self) -> int | None:
        """None for field 31, which means: CRO is subtracted from C2 and TO ignored."""
        return None if self.penalty_time == 31 else 20 * (self.penalty_time + 1)


@dataclass(frozen=True)
class GprsIndicator:
    ra_colour: int
    si13_position: int


@dataclass(frozen=True)
class L3Message:
    """Base of every parse result; ``name`` is "SI3", "PAGING1", "MALFORMED", ..."""

    @property
    def name(self) -> str:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


@dataclass(frozen=True)
class Si1(L3Message):
    cell_channels: ChannelList
    rach: RachControl
    nch_position: int | None
    band_1900: bool
    name = "SI1"


@dataclass(frozen=True)
class Si2(L3Message):
    neighbours: ChannelList
    ext_ind: bool
    ba_ind: int
    ncc_permitted: int
    rach: RachControl
    name = "SI2"


@dataclass(frozen=True)
class Si2bis(L3Message):
    neighbours: ChannelList
    ext_ind: bool
    ba_ind: int
    rach: RachControl
    name = "SI2bis"


@dataclass(frozen=True)
class Si2ter(L3Message):
    neighbours: ChannelList
    multiband_reporting: int
    ba_ind: int
    name = "SI2ter"


@dataclass(frozen=True)
class Si2quater(L3Message):
    ba_ind: int
    ba_ind_3g: int
    mp_change_mark: int
    index: int
    count: int
    name = "SI2quater"


@dataclass(frozen=True)
class Si3(L3Message):
    cell_id: int
    lai: Lai
    control: ControlChannel
    options: CellOptions
    selection: CellSelection
    rach: RachControl
    selection_parameters: SelectionParameters | None
    power_offset: int | None
    si2ter_indicator: bool
    early_classmark_sending: bool
    where: int | None
    gprs: GprsIndicator | None
    si2quater_position: int | None
    name = "SI3"


@dataclass(frozen=True)
class Si4(L3Message):
    lai: Lai
    selection: CellSelection
    rach: RachControl
    cbch: bool
    selection_parameters: SelectionParameters | None
    power_offset: int | None
    gprs: GprsIndicator | None
    name = "SI4"


@dataclass(frozen=True)
class Si13(L3Message):
    bcch_change_mark: int | None
    si_change_field: int | None
    rac: int | None
    nmo: int | None
    name = "SI13"


@dataclass(frozen=True)
class PagingRequest(L3Message):
    """Paging request type 1, 2 or 3: identity kinds paged ("IMSI", "TMSI", ...; "none" not counted)."""

    type: int
    page_mode: int
    identities: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"PAGING{self.type}"


@dataclass(frozen=True)
class ImmediateAssignment(L3Message):
    """Immediate assignment (1 assignment), extended (2) or reject (0 assignments)."""

    message_type: int
    assignments: int

    @property
    def name(self) -> str:
        return {MT_IMM_ASS: "IMM_ASS", MT_IMM_ASS_EXT: "IMM_ASS_EXT"}.get(self.message_type, "IMM_ASS_REJ")


@dataclass(frozen=True)
class OtherMessage(L3Message):
    """A well-framed message this parser does not interpret."""

    protocol_discriminator: int
    message_type: int
    name = "OTHER"


@dataclass(frozen=True)
class Malformed(L3Message):
    """Octets that are not a readable message of the type they claim."""

    reason: str
    message_type: int | None
    name = "MALFORMED"


def _need(block: bytes, n: int, what: str) -> None:
    if len(block) < n:
        raise _Malformed(f"{what}: block ends at octet {len(block)}, needs {n}")


def parse_lai(o: bytes) -> Lai:
    """Five octets of §10.5.1.3 (BCD digits, low nibble first; MNC digit 3 = 0xF for 2-digit MNCs)."""
    d = [o[0] & 15, o[0] >> 4, o[1] & 15, o[1] >> 4, o[2] & 15, o[2] >> 4]
    mcc_digits, mnc3, mnc_digits = d[0:3], d[3], d[4:6]
    if any(x > 9 for x in mcc_digits + mnc_digits) or (mnc3 > 9 and mnc3 != 15):
        raise _Malformed(f"LAI: non-decimal digit in {o[:3].hex()}")
    mnc = "".join(map(str, mnc_digits)) + ("" if mnc3 == 15 else str(mnc3))
    return Lai("".join(map(str, mcc_digits)), mnc, (o[3] << 8) | o[4])


def _rach(o: bytes) -> RachControl:
    return RachControl(o[0] >> 6, (o[0] >> 2) & 15, bool(o[0] & 2), not (o[0] & 1), (o[1] << 8) | o[2])


def _cell_selection(o: bytes) -> CellSelection:
    return CellSelection(o[0] >> 5, o[0] & 31, bool(o[1] & 0x80), bool(o[1] & 0x40), o[1] & 63)


def _channel_list(o: bytes, ncd2: bool = False) -> ChannelList:
    try:
        return decode_channel_list(o, ncd2=ncd2)
    except MalformedList as e:
        raise _Malformed(f"channel list: {e}") from None


def _selection_parameters(rd: BitReader) -> tuple[SelectionParameters | None, int | None]:
    sel = SelectionParameters(rd.bits(1), rd.bits(6), rd.bits(3), rd.bits(5)) if rd.lh() else None
    power_offset = rd.bits(2) if rd.lh() else None
    return sel, power_offset


def _gprs_indicator(rd: BitReader) -> GprsIndicator | None:
    return GprsIndicator(rd.bits(3), rd.bits(1)) if rd.lh() else None


class _Rest:
    """Rest-octet fields read so far; CSN.1 lets a sender truncate, so running out means 'absent'."""

    def __init__(self, data: bytes):
        self.rd = BitReader(data)
        self.done = False

    def read(self, fn, default=None):
        if self.done:
            return default
        try:
            return fn(self.rd)
        except BitsExhausted:
            self.done = True
            return default


def _si1(b: bytes) -> Si1:
    rest = _Rest(b[22:23])
    nch = rest.read(lambda rd: rd.bits(5) if rd.lh() else None)
    band = rest.read(lambda rd: rd.lh(), False)
    return Si1(_channel_list(b[3:19]), _rach(b[19:22]), nch, band)


def _si2(b: bytes) -> Si2:
    return Si2(_channel_list(b[3:19]), bool(b[3] & 0x20), (b[3] >> 4) & 1, b[19], _rach(b[20:23]))


def _si2bis(b: bytes) -> Si2bis:
    return Si2bis(_channel_list(b[3:19]), bool(b[3] & 0x20), (b[3] >> 4) & 1, _rach(b[19:22]))


def _si2ter(b: bytes) -> Si2ter:
    return Si2ter(_channel_list(b[3:19], ncd2=True), (b[3] >> 5) & 3, (b[3] >> 4) & 1)


def _si2quater(b: bytes) -> Si2quater:
    rd = BitReader(b[3:])
    try:
        return Si2quater(rd.bits(1), rd.bits(1), rd.bits(1), rd.bits(4), rd.bits(4))
    except BitsExhausted as e:  # pragma: no cover - 20 octets always hold these 11 bits
        raise _Malformed(f"SI2quater rest octets: {e}") from None


def _si3(b: bytes) -> Si3:
    cc = b[10:13]
    control = ControlChannel(cc[0] >> 7, bool(cc[0] & 0x40), (cc[0] >> 3) & 7, cc[0] & 7, (cc[1] >> 5) & 3,
                             (cc[1] & 7) + 2, cc[2])
    options = CellOptions(bool(b[13] & 0x40), (b[13] >> 4) & 3, b[13] & 15)
    rest = _Rest(b[19:23])
    sel, power = rest.read(_selection_parameters, (None, None))
    si2ter = rest.read(lambda rd: rd.lh(), False)
    ecsc = rest.read(lambda rd: rd.lh(), False)
    where = rest.read(lambda rd: rd.bits(3) if rd.lh() else None)
    gprs = rest.read(_gprs_indicator)
    rest.read(lambda rd: rd.lh())  # 3G early classmark sending restriction
    si2q = rest.read(lambda rd: rd.bits(1) if rd.lh() else None)
    return Si3((b[3] << 8) | b[4], parse_lai(b[5:10]), control, options, _cell_selection(b[14:16]),
               _rach(b[16:19]), sel, power, si2ter, ecsc, where, gprs, si2q)


def _si4(b: bytes) -> Si4:
    pos, cbch = 13, False
    if pos < len(b) and b[pos] == IEI_CBCH_CHANNEL:
        cbch, pos = True, pos + 4
        if pos < len(b) and b[pos] == IEI_CBCH_MOBILE_ALLOCATION:
            _need(b, pos + 2, "CBCH mobile allocation length")
            pos += 2 + b[pos + 1]
        _need(b, pos, "CBCH description")
    rest = _Rest(b[pos:23])
    sel, power = rest.read(_selection_parameters, (None, None))
    gprs = rest.read(_gprs_indicator)
    return Si4(parse_lai(b[3:8]), _cell_selection(b[8:10]), _rach(b[10:13]), cbch, sel, power, gprs)


def _si13(b: bytes) -> Si13:
    rest = _Rest(b[3:23])
    if not rest.read(lambda rd: rd.lh(), False):
        return Si13(None, None, None, None)
    change_mark = rest.read(lambda rd: rd.bits(3))
    change_field = rest.read(lambda rd: rd.bits(4))
    # A GPRS mobile allocation or a PBCCH description would need a full CSN.1 walk; stop there.
    if rest.read(lambda rd: rd.bits(1), 1) or rest.read(lambda rd: rd.bits(1), 1):
        return Si13(change_mark, change_field, None, None)
    rac = rest.read(lambda rd: rd.bits(8))
    rest.read(lambda rd: rd.bits(1 + 3 + 2))  # SPGC_CCCH_SUP, PRIORITY_ACCESS_THR, NETWORK_CONTROL_ORDER
    nmo = rest.read(lambda rd: rd.bits(2))
    return Si13(change_mark, change_field, rac, nmo)


def _identity_kind(b: bytes, pos: int, end: int) -> tuple[str, int]:
    """Kind of the LV mobile identity at ``pos`` and the position after it."""
    _need(b, pos + 1, "mobile identity length")
    n = b[pos]
    if n < 1 or pos + 1 + n > end:
        raise _Malformed(f"mobile identity: length {n} at octet {pos} overruns the message")
    return IDENTITY_KINDS.get(b[pos + 1] & 7, "reserved"), pos + 1 + n


def _paging(b: bytes, mtype: int, length: int) -> PagingRequest:
    end = min(len(b), 1 + length)
    _need(b, 4, "page mode")
    page_mode = b[3] & 3
    kinds: list[str] = []
    if mtype == MT_PAGING1:
        kind, pos = _identity_kind(b, 4, end)
        kinds.append(kind)
    elif mtype == MT_PAGING2:
        _need(b, 12, "paging request type 2 TMSIs")
        kinds += ["TMSI", "TMSI"]
        pos = 12
    else:
        _need(b, 20, "paging request type 3 TMSIs")
        return PagingRequest(3, page_mode, ("TMSI",) * 4)
    if pos < end and b[pos] == IEI_MOBILE_IDENTITY:
        kind, pos = _identity_kind(b, pos + 1, end)
        kinds.append(kind)
    return PagingRequest(1 if mtype == MT_PAGING1 else 2, page_mode, tuple(k for k in kinds if k != "none"))


_SI_PARSERS = {
    MT_SI1: _si1, MT_SI2: _si2, MT_SI2BIS: _si2bis, MT_SI2TER: _si2ter, MT_SI2QUATER: _si2quater,
    MT_SI3: _si3, MT_SI4: _si4, MT_SI13: _si13,
}


def parse_block(block: bytes) -> L3Message:
    """The message in one 23-octet BCCH/CCCH block; never raises on the block's content."""
    if not isinstance(block, (bytes, bytearray, memoryview)):
        raise DspError(f"block: expected bytes, got {type(block).__name__}")
    b = bytes(block)
    if len(b) != BLOCK_OCTETS:
        return Malformed(f"block: expected {BLOCK_OCTETS} octets, got {len(b)}", None)
    if b[0] & 3 != 1:
        return Malformed(f"L2 pseudo length: octet 0 = 0x{b[0]:02x} lacks the 01 framing bits", None)
    pd, mtype = b[1] & 15, b[2]
    if pd != PD_RR or b[1] >> 4:
        return OtherMessage(pd, mtype)
    try:
        if mtype in _SI_PARSERS:
            return _SI_PARSERS[mtype](b)
        if mtype in (MT_PAGING1, MT_PAGING2, MT_PAGING3):
            return _paging(b, mtype, b[0] >> 2)
        if mtype in (MT_IMM_ASS, MT_IMM_ASS_EXT, MT_IMM_ASS_REJ):
            return ImmediateAssignment(mtype, {MT_IMM_ASS: 1, MT_IMM_ASS_EXT: 2}.get(mtype, 0))
    except _Malformed as e:
        return Malformed(str(e), mtype)
    return OtherMessage(pd, mtype)
