"""Pages for people (login, a plain target list) and /metrics. The map and case pages (issue 9)
add their own blueprint beside this one and reuse its templates folder and login."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from webmap.schema import nodes, targets
from webmap.security import attempt_login, current_user, log_out, requires

web = Blueprint("web", __name__, template_folder="templates")


@web.get("/")
def index():
    return redirect(url_for("web.target_list" if current_user() else "web.login"))


@web.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            attempt_login(request.form.get("username", ""), request.form.get("password", ""))
        except HTTPException as exc:
            error = exc.description
        else:
            return redirect(url_for("web.target_list"))
    return render_template("login.html", error=error), 401 if error else 200


@web.post("/logout")
def logout():
    log_out()
    return redirect(url_for("web.login"))


@web.get("/targets")
@requires("liaison")
def target_list():
    with current_app.extensions["foxhunt"].store.read() as conn:
        rows = conn.execute(select(targets).order_by(targets.c.last_seen_at.desc()).limit(500)).all()
    return render_template("targets.html", targets=rows, user=current_user())


@web.get("/metrics")
def metrics():
    st = current_app.extensions["foxhunt"]
    if not st.settings.metrics_public and current_user() is None:
        abort(401)
    with st.store.read() as conn:
        gauges = {"foxhunt_targets": conn.execute(select(func.count()).select_from(targets)).scalar_one(),
                  "foxhunt_nodes": conn.execute(select(func.count()).select_from(nodes)).scalar_one(),
                  "foxhunt_relocation_pending": conn.execute(select(func.count()).where(
                      targets.c.dirty_since.is_not(None))).scalar_one()}
    return Response(st.metrics.render(gauges), mimetype="text/plain; version=0.0.4")
