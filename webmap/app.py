"""The Flask app factory of the central station: :func:`create_app`."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from webmap.config import Settings
from webmap.ingest import Ingest
from webmap.metrics import Metrics
from webmap.ratelimit import TokenBuckets
from webmap.relocate import Relocator
from webmap.security import check_csrf, csrf_token, current_user
from webmap.store import Store, open_store
from webmap.verdicts import Judge


@dataclass
class Station:
    """What the views share: one per app."""

    settings: Settings
    store: Store
    metrics: Metrics
    ingest: Ingest
    relocator: Relocator
    obs_limits: TokenBuckets
    request_limits: TokenBuckets
    login_limits: TokenBuckets


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def create_app(config: Settings | dict | None = None, *, start_worker: bool | None = None) -> Flask:
    """The app over a migrated store. ``config``: Settings, or a dict of Settings fields.

    The re-location worker thread starts when ``settings.relocate`` (or ``start_worker``) says so;
    tests drive it by hand through ``app.extensions["foxhunt"].relocator.run_once()``.
    """
    settings = config if isinstance(config, Settings) else Settings(**(config or {}))
    store = open_store(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    metrics = Metrics()
    relocator = Relocator(store, debounce_s=settings.relocate_debounce_s,
                          min_interval_s=settings.relocate_min_interval_s, window_s=settings.relocate_window_s,
                          duty=settings.relocate_duty,
                          min_readings=settings.relocate_min_readings,
                          max_readings=settings.relocate_max_readings,
                          retention_days=settings.retention_days, metrics=metrics,
                          judge=Judge(store, settings.timezone))
    station = Station(settings, store, metrics, Ingest(store, on_dirty=relocator.notify), relocator,
                      TokenBuckets(settings.node_obs_per_s, settings.node_obs_burst),
                      TokenBuckets(settings.node_requests_per_s, max(1.0, settings.node_requests_per_s)),
                      TokenBuckets(5 / 60, 5))

    app = Flask(__name__)
    app.config.update(SECRET_KEY=_secret_key(settings), SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.session_cookie_secure,
                      SESSION_COOKIE_NAME="foxhunt_session",
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
                      MAX_CONTENT_LENGTH=2 << 20)
    app.extensions["foxhunt"] = station

    from webmap.api import api
    from webmap.web import web
    app.register_blueprint(api)
    app.register_blueprint(web)
    from webmap.map_views import register as register_map_views   # map, cases, exports (issue 9)
    register_map_views(app)
    app.before_request(check_csrf)
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Content-Security-Policy", "default-src 'self'; object-src 'none'; base-uri 'none'")
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            resp = jsonify({"error": exc.description})
            resp.status_code = exc.code or 500
            return resp
        return exc

    if settings.relocate if start_worker is None else start_worker:
        relocator.start()
    return app
