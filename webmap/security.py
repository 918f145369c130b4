"""Sessions, roles and CSRF for people (nodes use bearer tokens, see webmap.nodes).

A session cookie (Flask's, signed) carries the user id, the user's session epoch (disabling a user
ends every session) and a CSRF token. Every state-changing request made with a session must echo
the token in ``X-CSRF-Token`` (JSON clients) or a ``csrf_token`` form field.
"""

from __future__ import annotations

import functools
import hmac
import secrets

from flask import abort, current_app, g, redirect, request, session, url_for

from webmap.users import User, check_login, load_user

SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Before each request: unsafe methods on session routes need the session's token."""
    if request.method in SAFE_METHODS or getattr(current_app.view_functions.get(request.endpoint),
                                                 "csrf_exempt", False):
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(403, "CSRF token missing or wrong")


def csrf_exempt(view):
    """For routes that carry no session: the node ingest (bearer token) and login (checked itself)."""
    view.csrf_exempt = True
    return view


def current_user() -> User | None:
    if "user" not in g:
        g.user = None
        uid, epoch = session.get("uid"), session.get("epoch")
        if uid is not None:
            with current_app.extensions["foxhunt"].store.read() as conn:
                g.user = load_user(conn, uid, epoch)
    return g.user


def attempt_login(username: str, password: str) -> User:
    """Check the password (throttled per user name and address) and start a session, or abort 401/429."""
    station = current_app.extensions["foxhunt"]
    wait = station.login_limits.take(f"{username[:64]}|{request.remote_addr}")
    if wait:
        abort(429, f"too many login attempts; wait {wait:.0f} s")
    with station.store.read() as conn:
        user = check_login(conn, username, password)
    if user is None:
        abort(401, "wrong user name or password")
    session.clear()
    session.permanent = True
    session["uid"], session["epoch"] = user.id, user.session_epoch
    session["csrf"] = secrets.token_urlsafe(32)   # a new token: one planted before login is useless
    g.user = user
    return user


def log_out() -> None:
    session.clear()
    g.user = None


def requires(role: str):
    """Login required (401 for the API) and at least ``role`` (403)."""
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            user = current_user()
            if user is None:
                if not request.path.startswith("/api/"):
                    return redirect(url_for("web.login"))
                abort(401, "log in first")
            if not user.can(role):
                abort(403, f"needs the {role} role or above")
            return view(*args, **kwargs)
        return inner
    return wrap
