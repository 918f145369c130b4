"""GSMTAP version 2 packets for decoded GSM Um blocks, as Wireshark's gsmtap dissector reads them
(osmocom gsmtap.h header layout; UDP port 4729). Pure bytes: the caller owns the socket.

    offset 0 version=2 | 1 header length in 32-bit words=4 | 2 type (1 = Um) | 3 timeslot
           4-5 ARFCN (bit 15 PCS, bit 14 uplink) | 6 signal dBm (int8) | 7 SNR dB (int8)
           8-11 frame number | 12 sub-type (channel) | 13 antenna | 14 sub-slot | 15 reserved
"""

from __future__ import annotations

import struct

from dsp.errors import DspError

GSMTAP_PORT = 4729
GSMTAP_VERSION = 2
GSMTAP_TYPE_UM = 1
HEADER_OCTETS = 16

#: Channel sub-types of GSMTAP_TYPE_UM.
BCCH, CCCH, RACH, AGCH, PCH, SDCCH, SDCCH4, SDCCH8 = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08

_ARFCN_PCS = 0x8000
_ARFCN_UPLINK = 0x4000


def _int8(v: float) -> int:
    return max(-128, min(127, int(round(v))))


def gsmtap_packet(arfcn: int, fn: int, timeslot: int, sub_type: int, payload: bytes, signal_dbm: float = 0.0,
                  snr_db: float = 0.0, uplink: bool = False, pcs: bool = False, sub_slot: int = 0) -> bytes:
    """The 16-octet GSMTAP header followed by ``payload`` (one 23-octet L2 block)."""
    if not 0 <= arfcn <= 0x3FFF:
        raise DspError(f"arfcn: expected 0..16383, got {arfcn}")
    if not 0 <= fn < 1 << 32:
        raise DspError(f"fn: expected a 32-bit frame number, got {fn}")
    if not 0 <= timeslot <= 7:
        raise DspError(f"timeslot: expected 0..7, got {timeslot}")
    if not 0 <= sub_type <= 255 or not 0 <= sub_slot <= 255:
        raise DspError(f"sub_type/sub_slot: expected 0..255, got {sub_type}/{sub_slot}")
    if not isinstance(payload, (bytes, bytearray)):
        raise DspError(f"payload: expected bytes, got {type(payload).__name__}")
    arfcn_field = arfcn | (_ARFCN_PCS if pcs else 0) | (_ARFCN_UPLINK if uplink else 0)
    header = struct.pack(">BBBBHbbIBBBB", GSMTAP_VERSION, HEADER_OCTETS // 4, GSMTAP_TYPE_UM, timeslot,
                         arfcn_field, _int8(signal_dbm), _int8(snr_db), fn, sub_type, 0, sub_slot, 0)
    return header + bytes(payload)
