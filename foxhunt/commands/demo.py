"""``foxhunt demo``: the bundled material end to end.

The full mission (simulated city → nodes → central station → map and cases) arrives with the
demo issue; until then the demo runs every bundled recording through the stages that exist.
"""

from __future__ import annotations

import argparse

import recordings
from foxhunt.commands import info


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the bundled scenario end to end",
                       description="Run the bundled recordings and scenario through the pipeline.")
    p.add_argument("--port", type=int, default=8080, help="port of the map server (default 8080)")
    p.add_argument("--no-serve", action="store_true", help="write the results and exit instead of serving the map")
    p.add_argument("--out", metavar="DIR", help="folder for summary.json, the map and case files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for base in recordings.recordings():
        print(f"== {base.name}")
        info.run(argparse.Namespace(recording=str(base), rate=None, freq=None, fmt=None, json=False))
        print()
    return 0
