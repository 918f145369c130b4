"""``foxhunt demo``: the bundled demo city end to end through the real pipeline (foxhunt.demo)."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

#: City minutes by default: the pseudo base station is flagged, located and approached, and the
#: run's CPU time (~160 s over all processes, README "The demo") fits three minutes on two cores.
DEFAULT_MINUTES = 2.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the bundled demo city end to end and serve its map",
                       description="Simulated fixed stations and a vehicle scan the bundled demo city, decode "
                                   "at the edge and report over HTTP to a central station on SQLite in a "
                                   "temporary folder, which judges, locates and opens cases; the vehicle "
                                   "follows the approach guidance. Ends with a summary against the "
                                   "scenario's truth and the map.")
    p.add_argument("--port", type=int, help="port of the central station on 127.0.0.1 (default 8080; with "
                                            "--no-serve a free port)")
    p.add_argument("--no-serve", action="store_true",
                   help="write summary.json, map.html and the case notifications to --out and exit")
    p.add_argument("--out", metavar="DIR", help="folder for summary.json, map.html and cases/ "
                                                "(default with --no-serve: ./foxhunt-demo)")
    p.add_argument("--keep-data", action="store_true",
                   help="keep the central station's temporary data folder (open it with foxhunt serve --data)")
    p.add_argument("--minutes", type=float, default=DEFAULT_MINUTES,
                   help=f"simulated city time in minutes (default {DEFAULT_MINUTES:g})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from foxhunt.demo import mission
    from foxhunt.demo.client import StationError
    from webmap.errors import WebmapError

    if not 0 < args.minutes <= 60:
        print("foxhunt: error: --minutes: expected 0 < M ≤ 60 (the demo city runs an hour)", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else (Path("foxhunt-demo") if args.no_serve else None)
    port = args.port if args.port is not None else (0 if args.no_serve else 8080)
    try:
        outcome = mission.run(args.minutes, port=port, out_dir=out, serve=not args.no_serve,
                              keep_data=args.keep_data)
    except (StationError, WebmapError) as exc:
        print(f"foxhunt: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"foxhunt: error: port {port} on 127.0.0.1: {exc.strerror}; choose another with --port", file=sys.stderr)
        return 2
    return 0 if outcome.rows else 1
