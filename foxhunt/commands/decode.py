"""``foxhunt decode gsm|fm RECORDING``: every GSM cell or FM station in a capture.

Each mode lives in its own module (``decode_<mode>.py``) exposing ``register_mode(modes)``,
which adds the mode's parser to ``modes`` and sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib

#: Mode name → module under foxhunt.commands.
MODES: dict[str, str] = {"gsm": "decode_gsm", "fm": "decode_fm"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("decode", help="decode every GSM cell or FM station in a recording",
                       description="Decode every GSM broadcast carrier or FM station in a recording.")
    modes = p.add_subparsers(dest="mode", metavar="MODE")
    modes.required = True
    for module in MODES.values():
        importlib.import_module(f"foxhunt.commands.{module}").register_mode(modes)
