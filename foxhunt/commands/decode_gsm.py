"""``foxhunt decode gsm RECORDING [--json] [--gsmtap HOST:PORT]``: every GSM BCCH carrier in a capture.

The pipeline (:func:`decode_recording`) is the one ``check gsm`` and the sensor node reuse:
recording → :func:`dsp.gsm.receiver.receive` (streamed, two passes) → one cell record per carrier
via :func:`dsp.gsm.cell.fingerprint`. Output is the INTERFACES.md ``decode gsm`` contract.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from dsp.gsm import gsmtap
from foxhunt.recording_args import add_recording_args, open_from_args, recording_json
from sensors.errors import SensorError

if TYPE_CHECKING:
    from dsp.gsm.cell import GsmCell
    from dsp.gsm.receiver import BlockCallback, CarrierDecode
    from dsp.gsm.xcch import XcchResult
    from sensors.recording import Recording

GSMTAP_PORT = gsmtap.GSMTAP_PORT
BLOCK_SAMPLES = 1 << 20


def register_mode(modes: argparse._SubParsersAction) -> None:
    p = modes.add_parser("gsm", help="every GSM broadcast carrier in a recording",
                         description="Find every GSM BCCH carrier in a recording, decode what each "
                                     "cell broadcasts and print one line (or JSON record) per cell.")
    add_recording_args(p)
    p.add_argument("--json", action="store_true", help="the INTERFACES.md JSON instead of a table")
    p.add_argument("--gsmtap", metavar="HOST:PORT", type=_host_port,
                   help=f"send each decoded block as GSMTAP over UDP (port defaults to {GSMTAP_PORT})")
    p.set_defaults(func=run)


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":") if ":" in text else (text, "", str(GSMTAP_PORT))
    try:
        n = int(port)
    except ValueError:
        n = -1
    if not host or not 0 < n < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:{GSMTAP_PORT})")
    return host, n


def decode_recording(rec: Recording, on_block: BlockCallback | None = None,
                     on_skip: Callable[[CarrierDecode], None] | None = None) -> list[GsmCell]:
    """Every GSM cell in ``rec``, one :class:`GsmCell` per carrier, streamed from disk.

    ``on_block(arfcn, fn, result)`` sees every decoded block as it comes; a carrier on no GSM
    ARFCN (a wrong centre frequency, most likely) goes to ``on_skip`` instead of the result.
    """
    from dsp.gsm.receiver import decode_cells

    info = rec.info
    cells, off_band = decode_cells(lambda: rec.blocks(BLOCK_SAMPLES), info.sample_rate, info.center_freq,
                                   on_block)
    if on_skip is not None:
        for d in off_band:
            on_skip(d)
    return cells


def cell_json(cell: GsmCell) -> dict:
    """One cell as the contract's JSON object (the INTERFACES.md keys first, then the extras)."""
    return cell.to_json()


def run(args: argparse.Namespace) -> int:
    rec = open_from_args(args)
    sender = _GsmtapSender(*args.gsmtap) if args.gsmtap else None
    try:
        cells = decode_recording(rec, sender.send if sender else None, _warn_off_band)
    finally:
        if sender:
            sender.close()
    records = [cell_json(c) for c in cells]
    if args.json:
        doc = {"recording": recording_json(rec), "cells": records}
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        _table(records)
    return 0


def _warn_off_band(d: CarrierDecode) -> None:
    print(f"foxhunt: warning: GSM carrier at {d.freq_hz / 1e6:.3f} MHz (BSIC {d.sch.bsic}) is on no "
          f"GSM ARFCN; is the centre frequency right?", file=sys.stderr)


def _table(records: list[dict]) -> None:
    if not records:
        print("no GSM cell found")
        return
    print(f"{'ARFCN':>5} {'MHz':>9} {'BSIC':>4} {'MCC':>3} {'MNC':>3} {'LAC':>6} {'CI':>6} "
          f"{'dBFS':>6} {'SNR':>5} {'offset Hz':>9} {'ok/bad':>7}  SI")
    for r in records:
        bsic = f"{r['bsic']['ncc']}{r['bsic']['bcc']}" if r.get("bsic") else "-"
        print(f"{_s(r['arfcn']):>5} {r['freq_hz'] / 1e6:9.1f} {bsic:>4} {_s(r['mcc']):>3} {_s(r['mnc']):>3} "
              f"{_s(r['lac']):>6} {_s(r['cell_id']):>6} {_f(r['power_dbfs']):>6} {_f(r['snr_db']):>5} "
              f"{_f(r['freq_offset_hz'], 0):>9} {r['blocks_ok']:>3}/{r['blocks_bad']:<3}  "
              f"{','.join(r['si_types'] or [])}")


def _s(v) -> str:
    return "-" if v is None else str(v)


def _f(v, digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


class _GsmtapSender:
    """Each good block as one GSMTAP/UDP datagram (TS 45.002: FN mod 51 = 2..5 is BCCH, else CCCH)."""

    def __init__(self, host: str, port: int):
        try:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.connect((host, port))
        except OSError as exc:
            raise SensorError(f"--gsmtap {host}:{port}: {exc.strerror or exc}") from None

    def send(self, arfcn: int | None, fn: int, result: XcchResult) -> None:
        if not result.ok:
            return
        sub_type = gsmtap.BCCH if 2 <= fn % 51 <= 5 else gsmtap.CCCH
        try:
            self._sock.send(gsmtap.gsmtap_packet(arfcn or 0, fn, 0, sub_type, result.data))
        except OSError:
            pass  # a listener that went away must not stop the decode

    def close(self) -> None:
        self._sock.close()
