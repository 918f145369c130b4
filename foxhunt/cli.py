"""The ``foxhunt`` command line: one parser, one sub-command per module in :mod:`foxhunt.commands`.

Errors caused by input (a bad recording, a bad CSV, a bad option) are the packages' own
exception families; they become one line on stderr and exit status 2. Anything else is a
bug: one line too, exit status 70, and the traceback with ``-v``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from foxhunt import __version__
from foxhunt.commands import COMMANDS
from foxhunt.errors import INPUT_ERRORS
from foxhunt.terminal import protect_std_streams

EXIT_INPUT = 2
EXIT_INTERNAL = 70

log = logging.getLogger("foxhunt")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="foxhunt",
        description="Radio monitoring for regulators: decode, judge and locate GSM cells and FM stations.",
    )
    parser.add_argument("--version", action="version", version=f"foxhunt {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more logging (-vv for debug); tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"foxhunt.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    protect_std_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:
        # The reader (e.g. `head`) has gone: not an error. Point stdout at /dev/null so the
        # interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except INPUT_ERRORS as exc:
        if args.verbose:
            log.exception("input error")
        print(f"foxhunt: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("foxhunt: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: say so, keep the detail behind -v
        if args.verbose:
            log.exception("internal error")
        print(f"foxhunt: internal error: {type(exc).__name__}: {exc} (run with -v for the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL
