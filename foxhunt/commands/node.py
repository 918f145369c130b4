"""``foxhunt node add|list|revoke``: sensor nodes and their tokens (a token is printed once)."""

from __future__ import annotations

import argparse
import json
import sys

from foxhunt.commands.serve import add_store_args, with_store


def register(sub) -> None:
    p = sub.add_parser("node", help="register sensor nodes and manage their tokens")
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True
    add = acts.add_parser("add", help="register a node and print its token (shown only this once)")
    add.add_argument("name", help="the node_id the node sends (1-64 of A-Z a-z 0-9 . _ -)")
    add.add_argument("--valid-days", type=float, help="token expires after this many days (default: never)")
    lst = acts.add_parser("list", help="registered nodes")
    rev = acts.add_parser("revoke", help="revoke a node's token at once")
    rev.add_argument("name")
    for q in (add, lst, rev):
        add_store_args(q)
        q.add_argument("--json", action="store_true", help="JSON on stdout")
    p.set_defaults(func=with_store(_run))


def _run(store, args: argparse.Namespace) -> int:
    from webmap.nodes import add_node, list_nodes, revoke_node
    if args.action == "add":
        node, token = add_node(store, args.name, valid_days=args.valid_days)
        if args.json:
            print(json.dumps({**node.to_json(), "token": token}))
        else:
            print(f"node {node.name} registered; its token (shown only now, store it on the node):",
                  file=sys.stderr)
            print(token)
    elif args.action == "revoke":
        revoke_node(store, args.name)
        print(json.dumps({"revoked": args.name}) if args.json else f"node {args.name} revoked")
    else:
        with store.read() as conn:
            found = [n.to_json() for n in list_nodes(conn)]
        if args.json:
            print(json.dumps({"nodes": found}))
        else:
            for n in found:
                state = "revoked" if n["revoked"] else "active"
                print(f"{n['name']:<24} {state:<8} last seen {n['last_seen_at'] or 'never'}")
    return 0
