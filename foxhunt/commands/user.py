"""``foxhunt user add|list|disable``: people who log in to the central station, and their roles."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from foxhunt.commands.serve import add_store_args, with_store
from webmap.roles import ROLES


def register(sub) -> None:
    p = sub.add_parser("user", help="manage central-station users and roles")
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True
    add = acts.add_parser("add", help="add a user (password prompted, or one line on stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES,
                     help="liaison: read-only; field: adds notes; coordinator: changes targets; admin: all")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    lst = acts.add_parser("list", help="users and roles")
    dis = acts.add_parser("disable", help="disable a user and end their sessions")
    dis.add_argument("name")
    for q in (add, lst, dis):
        add_store_args(q)
    lst.add_argument("--json", action="store_true")
    p.set_defaults(func=with_store(_run))


def _run(store, args: argparse.Namespace) -> int:
    from webmap.users import add_user, disable_user, list_users
    if args.action == "add":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
        user = add_user(store, args.name, password, args.role)
        print(f"user {user.username} added as {user.role}")
    elif args.action == "disable":
        disable_user(store, args.name)
        print(f"user {args.name} disabled")
    else:
        with store.read() as conn:
            found = list_users(conn)
        if args.json:
            print(json.dumps({"users": found}))
        else:
            for u in found:
                print(f"{u['username']:<24} {u['role']:<12} {'disabled' if u['disabled'] else 'active'}")
    return 0
