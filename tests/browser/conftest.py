"""Real-browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`), one
browser per module, the central station on 127.0.0.1 in a thread over a seeded synthetic city."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import update
from werkzeug.serving import make_server

from browser_data import HOSTILE_PS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
PASSWORD = "correct horse battery"


def why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright; no browser download needed)"
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return "no Chromium: apt-get install chromium (scripts/apt-packages.txt)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                              args=CHROMIUM_ARGS)
        yield b
        b.close()


class Server:
    def __init__(self, app, city):
        self.app, self.city = app, city
        self.station = app.extensions["foxhunt"]
        self._srv = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self._srv.server_port}"
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._srv.shutdown()
        self._thread.join(10)
        self.station.store.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A station over the synthetic city (4 targets located by the real worker); the FM pirate's
    stored PS is set to a markup payload (the wire caps PS at 8 characters; RT carries one too)."""
    from webmap import map_seed
    from webmap.app import create_app
    from webmap.schema import targets
    from webmap.users import add_user
    data = tmp_path_factory.mktemp("station")
    app = create_app({"data_dir": str(data), "relocate": False, "relocate_debounce_s": 0.0})
    app.config["FOXHUNT_MAP_POLL_S"] = 2      # live refresh while the tests look at popups
    st = app.extensions["foxhunt"]
    city = map_seed.build_city(st, n_targets=4, n_readings=2000)
    map_seed.locate_all(st)
    with st.store.write() as conn:
        conn.execute(update(targets).where(targets.c.key == "fm:fm-91.3").values(
            identity='{"pi": "13A1", "ps": "%s"}' % HOSTILE_PS, label="pirate </script><b>91.3</b>"))
    for role in ("coordinator", "field", "liaison"):
        add_user(st.store, role, PASSWORD, role)
    srv = Server(app, city)
    yield srv
    srv.stop()


class Session:
    """A logged-in browser context, recording dialogs, console errors and every URL requested."""

    def __init__(self, browser, server, role):
        self.server = server
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.goto(server.base + "/login")
        self.page.fill("input[name=username]", role)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button:has-text('Log in')")
        self.page.wait_for_url("**/targets")
        self.errors.clear()        # the login page is the server core's (its favicon 404 is not ours)

    def csrf(self) -> str:
        return self.page.request.get(self.server.base + "/api/v1/session").json()["csrf_token"]

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def login(browser, server):
    sessions = []

    def _login(role: str) -> Session:
        s = Session(browser, server, role)
        sessions.append(s)
        return s
    yield _login
    for s in sessions:
        s.close()
