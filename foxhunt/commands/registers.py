"""``foxhunt registers load|list``: licence registers in the central station's store, versioned."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from foxhunt.commands.serve import add_store_args, with_store


def register(sub) -> None:
    p = sub.add_parser("registers", help="load licence registers into the central station (versioned)")
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True
    load = acts.add_parser("load", help="load a register CSV; a changed file becomes the next version")
    load.add_argument("kind", choices=("cells", "opencellid", "fm"),
                      help="cells: licensed cells CSV; opencellid: OpenCellID export; fm: licensed FM stations")
    load.add_argument("file", type=Path)
    lst = acts.add_parser("list", help="every version of every register")
    for q in (load, lst):
        add_store_args(q)
        q.add_argument("--json", action="store_true")
    p.set_defaults(func=with_store(_run))


def _run(store, args: argparse.Namespace) -> int:
    from webmap import registers
    if args.action == "load":
        version, new = registers.load(store, args.kind, args.file.read_text(encoding="utf-8"), str(args.file))
        if args.json:
            print(json.dumps({**version.to_json(), "new": new}))
        else:
            print(f"{version.kind} register version {version.version} ({version.n_rows} rows, sha256 "
                  f"{version.sha256[:12]}…){'' if new else ': unchanged, already the current version'}")
    else:
        with store.read() as conn:
            found = [v.to_json() for v in registers.versions(conn)]
        if args.json:
            print(json.dumps({"registers": found}))
        else:
            for v in found:
                print(f"{v['kind']:<6} v{v['version']:<4} {v['n_rows']:>7} rows  {v['sha256'][:12]}  {v['source']}")
    return 0
