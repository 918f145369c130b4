"""``foxhunt sensor --config NODE.toml``: run a sensor node until SIGTERM (see sensors.node for the file)."""

from __future__ import annotations

import argparse
import logging
import signal


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sensor", help="run a sensor node: scan, decode, spool and upload observations",
                       description="Run a monitoring node: scan its bands, decode at the edge, keep every "
                                   "observation in a durable spool and post it to the central station.")
    p.add_argument("--config", required=True, metavar="NODE.toml", help="the node configuration")
    p.add_argument("--max-hops", type=int, metavar="N", help="stop after N hops (tests, demos)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sensors.node import Node, load_config

    # The node's minute health line is INFO: show it even without -v.
    logging.getLogger("foxhunt.sensor").setLevel(logging.INFO)
    node = Node(load_config(args.config))

    def stop(signum, _frame):
        logging.getLogger("foxhunt.sensor").info("signal %d: finishing the current hop", signum)
        node.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    node.run(max_hops=args.max_hops)
    return 0
