"""``foxhunt serve``: the central station (webmap) behind waitress, a production WSGI server."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from webmap.config import Settings, load_settings
from webmap.errors import WebmapError

log = logging.getLogger(__name__)


def add_store_args(parser: argparse.ArgumentParser) -> None:
    """--db / --data / --config, shared with ``foxhunt node`` and ``foxhunt user``."""
    parser.add_argument("--db", metavar="URL",
                        help="SQLAlchemy URL: sqlite:///path/foxhunt.db (default: DATA/foxhunt.db) or "
                             "postgresql+psycopg://user:pass@host/db")
    parser.add_argument("--data", metavar="DIR", dest="data_dir",
                        help="data folder for the default SQLite store and the session key "
                             "(default: $FOXHUNT_DATA or ./foxhunt-data)")
    parser.add_argument("--config", metavar="FILE", help="TOML settings (keys as in webmap.config.Settings)")


def settings_from_args(args: argparse.Namespace, **extra) -> Settings:
    return load_settings(args.config, db=args.db, data_dir=args.data_dir, **extra)


def fail(exc: WebmapError) -> int:
    """The CLI's one-line error for the central station's own error family (exit 2)."""
    print(f"foxhunt: error: {exc}", file=sys.stderr)
    return 2


def with_store(action):
    """A command's ``func``: ``action(store, args)`` on the migrated store the options name; the
    central station's errors become one line and exit 2."""
    def run(args: argparse.Namespace) -> int:
        from webmap.store import open_store
        try:
            store = open_store(settings_from_args(args).db_url)
            try:
                return action(store, args) or 0
            finally:
                store.dispose()
        except WebmapError as exc:
            return fail(exc)
    return run


def register(sub) -> None:
    p = sub.add_parser("serve", help="run the central station (ingest API, store, targets)",
                       description="Run the central station: node ingest, the store, targets and re-location.")
    add_store_args(p)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8750)")
    p.add_argument("--threads", type=int, help="WSGI worker threads (default 8)")
    split = p.add_mutually_exclusive_group()
    split.add_argument("--no-worker", action="store_true",
                       help="serve HTTP only; run the re-location worker as its own process (--worker-only)")
    split.add_argument("--worker-only", action="store_true",
                       help="run only the re-location worker (targets are marked in the store, so it "
                            "works beside a --no-worker server, on another core)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import waitress

    from webmap.app import create_app
    from webmap.wire import MAX_BODY_BYTES
    try:
        settings = settings_from_args(args, host=args.host, port=args.port, threads=args.threads)
        if args.worker_only:
            return _worker_only(settings)
        app = create_app(settings.with_(relocate=False) if args.no_worker else settings)
    except WebmapError as exc:
        return fail(exc)
    station = app.extensions["foxhunt"]
    print(f"foxhunt: central station on http://{settings.host}:{settings.port}/ "
          f"(store: {station.store.dialect})", file=sys.stderr, flush=True)
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=settings.threads,
                       max_request_body_size=2 * MAX_BODY_BYTES, ident="foxhunt",
                       connection_limit=max(100, 4 * settings.threads), _quiet=True)
    finally:
        station.relocator.stop()
        station.store.dispose()
    return 0


def _worker_only(settings: Settings) -> int:
    """The re-location worker in the foreground: its own process, its own GIL."""
    from webmap.app import create_app
    app = create_app(settings.with_(relocate=False))
    station = app.extensions["foxhunt"]
    print(f"foxhunt: re-location worker on {station.store.dialect} store", file=sys.stderr, flush=True)
    os.nice(10)                      # the HTTP server, answering nodes, goes first when CPU is short
    station.relocator.duty = 1.0     # its own process: no requests of its own to leave time for
    station.relocator.start(subprocess=False)
    try:
        while station.relocator.alive():
            time.sleep(1.0)
    finally:
        station.relocator.stop()
        station.store.dispose()
    return 0
