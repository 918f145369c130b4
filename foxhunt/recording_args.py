"""The RECORDING argument every command that reads IQ shares (see INTERFACES.md, "Recordings")."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sensors.recording import Recording

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9}


def hertz(text: str) -> float:
    """A frequency or rate: ``941e6``, ``941000000``, ``941M``, ``2.4M``, ``2400k``."""
    m = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([kKmMgG]?)(?:[hH][zZ])?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a frequency in Hz (e.g. 941e6, 941M, 2.4M)")
    return float(m.group(1)) * _SUFFIX[m.group(2).lower()]


def add_recording_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", metavar="RECORDING",
                        help="SigMF recording (.sigmf-meta, .sigmf-data or their base) or a raw IQ file")
    raw = parser.add_argument_group("raw files (no SigMF metadata)")
    raw.add_argument("--rate", type=hertz, metavar="HZ", help="sample rate, e.g. 2.4e6")
    raw.add_argument("--freq", type=hertz, metavar="HZ", help="centre frequency, e.g. 941e6")
    fmt = raw.add_argument("--format", dest="fmt", metavar="TYPE",
                           help="sample format: %(datatypes)s (or cf32, ci16)")
    fmt.datatypes = _Datatypes()


class _Datatypes:
    """The sample formats :mod:`sensors.recording` reads, looked up when help is shown: every command
    adds these arguments, and that module loads numpy and sigmf, which ``foxhunt --help`` need not."""

    def __str__(self) -> str:
        from sensors.recording import DATATYPES
        return ", ".join(DATATYPES)


def open_from_args(args: argparse.Namespace) -> Recording:
    from sensors.recording import open_recording
    return open_recording(args.recording, rate=args.rate, freq=args.freq, fmt=args.fmt)


def recording_json(rec: Recording) -> dict:
    """The ``recording`` object every decode/check/scan JSON document opens with (INTERFACES.md)."""
    info = rec.info
    return {"sample_rate": info.sample_rate, "center_freq": info.center_freq,
            "duration_s": round(info.duration_s, 6)}
