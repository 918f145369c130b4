"""``foxhunt serve``: the central station (webmap) behind waitress, a production WSGI server."""

from __future__ import annotations

import argparse
import logging
import sys

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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import waitress

    from webmap.app import create_app
    from webmap.wire import MAX_BODY_BYTES
    try:
        settings = settings_from_args(args, host=args.host, port=args.port, threads=args.threads)
        app = create_app(settings)
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
