"""Map load (issue 9): how long headless Chromium takes to show the map of a station holding 200
targets (located by the real re-location worker) and 100 000 power readings, and the bytes sent.

"Interactive" = the first draw is done: every located target is a clickable marker with its
region, the heat layer and the sensors are on the map (map.js sets data-fh-first-draw-ms to
performance.now() then). Then a popup is opened and its detail fetched. Target: < 2 s.
Baseline measured in the same run: the same page over an empty station (Leaflet, folium's setup
and one empty poll only).

    python benchmarks/map_load.py [--quick] [--targets N] [--readings N] [--loads K]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.serving import make_server

from webmap import map_seed
from webmap.app import create_app
from webmap.schema import fixes
from webmap.users import add_user

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
PASSWORD = "benchmark password"


def station(data_dir: Path, n_targets: int, n_readings: int):
    app = create_app({"data_dir": str(data_dir), "relocate": False, "relocate_debounce_s": 0.0,
                      "sqlite_synchronous": "NORMAL"})
    st = app.extensions["foxhunt"]
    info = {"targets": 0, "readings": 0, "located": 0, "seed_s": 0.0, "locate_s": 0.0}
    if n_targets:
        t0 = time.perf_counter()
        city = map_seed.build_city(st, n_targets=n_targets, n_readings=n_readings, hours=3.0)
        info["seed_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        while st.relocator.run_once(settle=False):
            pass
        info["locate_s"] = time.perf_counter() - t0
        with st.store.read() as conn:
            located = conn.execute(select(func.count(func.distinct(fixes.c.target_id)))
                                   .where(fixes.c.lat.is_not(None))).scalar_one()
        info.update(targets=len(city.emitters), readings=city.n_readings, located=located)
    add_user(st.store, "bench", PASSWORD, "liaison")
    return app, info


def serve(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}"


def measure(browser, base: str, loads: int) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", "bench")
    page.fill("input[name=password]", PASSWORD)
    page.click("button")
    page.wait_for_url("**/targets")
    sizes: dict[str, int] = {}
    def count(r):       # bytes on the wire (Content-Length, after gzip); 304s and redirects carry no body
        if r.status == 200 and "content-length" in r.headers:
            sizes[r.url.split("?")[0].replace(base, "")] = int(r.headers["content-length"])
    page.on("response", count)
    first, wall, popup = [], [], []
    for _ in range(loads):
        t0 = time.perf_counter()
        page.goto(base + "/map")
        page.wait_for_selector("body[data-fh-drawn]", timeout=60000)
        wall.append(time.perf_counter() - t0)
        first.append(float(page.get_attribute("body", "data-fh-first-draw-ms")) / 1000)
        ids = page.evaluate("() => Object.keys(window.fhMap.markers())")
        if ids:
            t0 = time.perf_counter()
            page.evaluate("id => { window.fhMap.markers()[id].openPopup(); }", ids[len(ids) // 2])
            page.wait_for_function("() => { const n = document.querySelector('.fh-popup .fh-nodes');"
                                   " return n && !n.textContent.includes('loading'); }")
            popup.append(time.perf_counter() - t0)
    drawn = int(page.get_attribute("body", "data-fh-drawn"))
    ctx.close()
    return {"first_draw_s": statistics.median(first), "wall_s": statistics.median(wall),
            "popup_s": statistics.median(popup) if popup else None, "drawn": drawn, "sizes": sizes}


def json_stats(app, *, repeat: int = 5) -> dict:
    c = app.test_client()
    token = c.get("/api/v1/session").json["csrf_token"]
    c.post("/api/v1/session", json={"username": "bench", "password": PASSWORD}, headers={"X-CSRF-Token": token})
    times, body = [], b""
    for _ in range(repeat):
        t0 = time.perf_counter()
        body = c.get("/map/data.json?hours=3").data      # no Accept-Encoding: the plain JSON
        times.append(time.perf_counter() - t0)
    return {"server_s": statistics.median(times), "bytes": len(body), "gzip_bytes": len(gzip.compress(body, 6))}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="50 targets, 20 000 readings, 2 loads")
    p.add_argument("--targets", type=int, default=200)
    p.add_argument("--readings", type=int, default=100_000)
    p.add_argument("--loads", type=int, default=3)
    a = p.parse_args(argv)
    if a.quick:
        a.targets, a.readings, a.loads = 50, 20_000, 2
    if not Path(CHROMIUM).exists():
        print(f"map_load: error: {CHROMIUM} missing (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        results = {}
        for name, n_t, n_r in (("baseline (empty station)", 0, 0), ("city", a.targets, a.readings)):
            app, info = station(Path(tmp) / name.split()[0], n_t, n_r)
            srv, base = serve(app)
            try:
                results[name] = {**info, **json_stats(app), **measure(browser, base, a.loads)}
            finally:
                srv.shutdown()
                app.extensions["foxhunt"].store.dispose()
        browser.close()
    base, city = results["baseline (empty station)"], results["city"]
    print(f"station: {city['targets']} targets ({city['located']} located: {city['drawn']} drawn), "
          f"{city['readings']} power readings; seeding {city['seed_s']:.1f} s through ingest, "
          f"re-location {city['locate_s']:.1f} s")
    for name, r in results.items():
        print(f"{name}:")
        print(f"  interactive (first draw, since navigation) {r['first_draw_s']:.3f} s   "
              f"wall until drawn {r['wall_s']:.3f} s   popup with detail {r['popup_s'] or 0:.3f} s")
        print(f"  /map/data.json: {r['bytes'] / 1024:.1f} KiB ({r['gzip_bytes'] / 1024:.1f} KiB gzipped), "
              f"server {r['server_s'] * 1000:.0f} ms")
        for url in sorted(r["sizes"]):
            print(f"    {url:<32} {r['sizes'][url] / 1024:8.1f} KiB")
        print(f"  total sent for one load: {sum(r['sizes'].values()) / 1024:.1f} KiB")
    print(f"ratio city / baseline, first draw: {city['first_draw_s'] / base['first_draw_s']:.2f}x")
    print(f"target interactive < 2 s: {'met' if city['first_draw_s'] < 2.0 else 'NOT met'} "
          f"({city['first_draw_s']:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
