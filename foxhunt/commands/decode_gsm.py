"""``foxhunt decode gsm RECORDING [--json] [--gsmtap HOST:PORT]``: every GSM BCCH carrier in a capture.

The pipeline (:func:`decode_recording`) is the one ``check gsm`` and the sensor node reuse:
recording → :func:`dsp.gsm.receiver.receive` (streamed, two passes) → one cell record per carrier
via :func:`dsp.gsm.cell.fingerprint`. Output is the INTERFACES.md ``decode gsm`` contract.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import socket
import sys
from collections.abc import Callable

from dsp.gsm.receiver import CarrierDecode, receive
from dsp.gsm.xcch import XcchResult
from foxhunt.recording_args import add_recording_args, open_from_args
from sensors.errors import SensorError
from sensors.recording import Recording

GSMTAP_PORT = 4729
BLOCK_SAMPLES = 1 << 20
#: Identity fields of the contract, null when the carrier's SI never decoded.
IDENTITY_FIELDS = ("mcc", "mnc", "lac", "cell_id", "neighbours", "cro_db", "temporary_offset_db",
                   "penalty_time_s", "t3212_decihours", "cell_barred", "rxlev_access_min", "si_types")


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


def decode_recording(rec: Recording,
                     on_block: Callable[[int | None, int, XcchResult], None] | None = None) -> list:
    """Every GSM cell in ``rec``: the ``dsp.gsm.cell`` records when that module is present,
    else the physical-layer :class:`CarrierDecode` records."""
    info = rec.info
    carriers = receive(lambda: rec.blocks(BLOCK_SAMPLES), info.sample_rate, info.center_freq, on_block)
    cell_mod = _optional("dsp.gsm.cell")
    if cell_mod is None:
        return carriers
    return [cell_mod.fingerprint(d.arfcn, d.freq_hz, d.sch.bsic, d.blocks, d.power_dbfs, d.snr_db,
                                 d.freq_offset_hz, d.first_seen_s, d.last_seen_s) for d in carriers]


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def cell_json(cell) -> dict:
    """One cell in the contract's shape, from a ``dsp.gsm.cell`` record or a :class:`CarrierDecode`."""
    if isinstance(cell, CarrierDecode):
        ok = sum(1 for _, r in cell.blocks if r.ok)
        out = {"arfcn": cell.arfcn, "freq_hz": cell.freq_hz,
               "bsic": {"ncc": cell.sch.ncc, "bcc": cell.sch.bcc},
               **{k: None for k in IDENTITY_FIELDS},
               "power_dbfs": cell.power_dbfs, "snr_db": cell.snr_db, "freq_offset_hz": cell.freq_offset_hz,
               "blocks_ok": ok, "blocks_bad": len(cell.blocks) - ok}
    elif hasattr(cell, "to_json"):
        out = cell.to_json()
    else:
        raise TypeError(f"cannot render {type(cell).__name__} as a decode gsm cell")
    return {k: (round(v, 1) if isinstance(v, float) and math.isfinite(v) else
                (None if isinstance(v, float) else v)) for k, v in out.items()}


def run(args: argparse.Namespace) -> int:
    rec = open_from_args(args)
    sender = _GsmtapSender(*args.gsmtap) if args.gsmtap else None
    try:
        cells = decode_recording(rec, sender.send if sender else None)
    finally:
        if sender:
            sender.close()
    records = [cell_json(c) for c in cells]
    if args.json:
        doc = {"recording": {"sample_rate": rec.info.sample_rate, "center_freq": rec.info.center_freq,
                             "duration_s": round(rec.info.duration_s, 6)},
               "cells": records}
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        _table(records)
    return 0


def _table(records: list[dict]) -> None:
    if not records:
        print("no GSM cell found")
        return
    print(f"{'ARFCN':>5} {'MHz':>9} {'BSIC':>4} {'MCC':>3} {'MNC':>3} {'LAC':>6} {'CI':>6} "
          f"{'dBFS':>6} {'SNR':>5} {'offset Hz':>9} {'ok/bad':>7}  SI")
    for r in records:
        bsic = f"{r['bsic']['ncc']}{r['bsic']['bcc']}" if r.get("bsic") else "-"
        print(f"{_s(r['arfcn']):>5} {r['freq_hz'] / 1e6:9.1f} {bsic:>4} {_s(r['mcc']):>3} {_s(r['mnc']):>3} "
              f"{_s(r['lac']):>6} {_s(r['cell_id']):>6} {_s(r['power_dbfs']):>6} {_s(r['snr_db']):>5} "
              f"{_s(r['freq_offset_hz']):>9} {r['blocks_ok']:>3}/{r['blocks_bad']:<3}  "
              f"{','.join(r['si_types'] or [])}")


def _s(v) -> str:
    return "-" if v is None else str(v)


class _GsmtapSender:
    """Each decoded block as one GSMTAP/UDP datagram (built by :mod:`dsp.gsm.gsmtap`)."""

    def __init__(self, host: str, port: int):
        self._gsmtap = _optional("dsp.gsm.gsmtap")
        if self._gsmtap is None:
            raise SensorError("--gsmtap: GSMTAP encoding (dsp.gsm.gsmtap) is not available in this build")
        try:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.connect((host, port))
        except OSError as exc:
            raise SensorError(f"--gsmtap {host}:{port}: {exc.strerror or exc}") from None

    def send(self, arfcn: int | None, fn: int, result: XcchResult) -> None:
        if not result.ok:
            return
        t3 = fn % 51
        sub_type = "BCCH" if t3 == 2 else "CCCH"
        pkt = self._gsmtap.gsmtap_packet(arfcn or 0, fn, 0, sub_type, result.data)
        try:
            self._sock.send(pkt)
        except OSError:
            pass  # a listener that went away must not stop the decode

    def close(self) -> None:
        self._sock.close()
