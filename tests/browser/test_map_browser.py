"""The map, the approach view and the case workflow in a real browser (headless Debian Chromium)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib

from browser_data import HOSTILE_PS, SCREENSHOTS

ROGUE_GSM = "gsm:62:36:460-00-4361-20821"
PIRATE_FM = "fm:fm-91.3"


def _target_id(server, key: str) -> int:
    from sqlalchemy import select

    from webmap.schema import targets
    with server.station.store.read() as conn:
        return conn.execute(select(targets.c.id).where(targets.c.key == key)).scalar_one()


def _located(server) -> int:
    from sqlalchemy import func, select

    from webmap.schema import fixes
    with server.station.store.read() as conn:
        return conn.execute(select(func.count(func.distinct(fixes.c.target_id))).where(fixes.c.lat.is_not(None))).scalar_one()


def _pdf_stream(header: bytes, data: bytes) -> bytes:
    """A PDF content stream decoded (reportlab writes ASCII85 over Flate)."""
    data = data.strip()
    if b"ASCII85Decode" in header:
        data = base64.a85decode(data.removesuffix(b"~>"))
    return zlib.decompress(data) if b"FlateDecode" in header else data


def _open_map(s):
    s.page.goto(s.server.base + "/map")
    s.page.wait_for_selector("body[data-fh-drawn]")
    return s.page


def _open_popup(page, target_id: int):
    page.evaluate("id => { window.fhMap.markers()[id].openPopup(); }", target_id)
    page.wait_for_selector(f".fh-popup[data-target='{target_id}']")
    page.wait_for_function("id => !document.querySelector(`.fh-popup[data-target='${id}'] .fh-nodes`)"
                           ".textContent.includes('loading')", arg=target_id)
    return page.locator(f".leaflet-popup-pane .fh-popup[data-target='{target_id}']").last   # a closing one may linger


def test_map_shows_targets_regions_popups_offline(login, server):
    s = login("coordinator")
    page = _open_map(s)
    located = _located(server)
    assert located >= 3, "the worker should locate most of the synthetic targets"
    assert page.get_attribute("body", "data-fh-drawn") == str(located)
    names = json.loads(page.text_content("#fh-config"))["names"]
    counts = page.evaluate("n => Object.fromEntries(Object.entries(n).filter(([k]) => k !== 'map')"
                           ".map(([k, v]) => [k, window[v].getLayers().length]))", names)
    assert counts["targets"] == located and counts["regions"] >= located
    assert counts["sensors"] == 7 and counts["vehicles"] >= 2 and counts["heat"] > 10
    assert counts["sites"] == len(server.city.emitters) - 2           # the licensed ones
    rogue = _target_id(server, ROGUE_GSM)
    popup = _open_popup(page, rogue)
    text = popup.inner_text()
    for needle in ("GSM 460-00-4361-20821 ARFCN 62", "rogue (score", "is in no licensed cell", "neighbour list is empty", "first seen",
                   "95 % region", "CRLB", "heard by: fixed-0"):
        assert needle in text, needle
    assert popup.locator(".fh-approach-link").count() == 1          # one vehicle: van-1
    page.wait_for_timeout(500)                                         # the popup's fade-in
    page.screenshot(path=str(SCREENSHOTS / "map.png"))
    # live: the data were polled again without reloading the page; an open popup fetches its details
    # once per redraw (each poll), not again on every re-layout of its own content
    detail = f"/map/targets/{rogue}.json"
    before = sum(detail in u for u in s.urls)
    page.wait_for_timeout(2500)
    assert sum(detail in u for u in s.urls) - before <= 3, sum(detail in u for u in s.urls) - before
    assert sum("/map/data.json" in u for u in s.urls) >= 2
    assert sum(u.split("?")[0].endswith("/map") for u in s.urls) == 1
    # offline: every request went to this server; the page names no remote URL
    assert s.urls and all(u.startswith(server.base) for u in s.urls), [u for u in s.urls if not u.startswith(server.base)]
    assert not re.findall(r"https?://", s.page.request.get(server.base + "/map").text())
    assert not s.errors and not s.dialogs, (s.errors, s.dialogs)


def test_hostile_rds_is_text_and_runs_nothing(login, server):
    s = login("liaison")
    page = _open_map(s)
    pirate = _target_id(server, PIRATE_FM)
    popup = _open_popup(page, pirate)
    assert HOSTILE_PS in popup.locator("h3").inner_text()
    assert "</script><b>91.3</b>" in popup.locator(".fh-label").inner_text()
    popup.locator("summary").click()
    assert "<img src=x onerror=alert(1)>" in popup.inner_text()       # the RT decoded from the wire
    assert popup.locator("img").count() == 0 and page.locator("b:text('91.3')").count() == 0
    page.evaluate("id => { window.fhMap.markers()[id].openTooltip(); }", pirate)
    page.wait_for_timeout(300)
    assert page.locator(".leaflet-tooltip img").count() == 0
    # the case page and the exports show it as text as well
    assert not s.dialogs and not any("alert" in e for e in s.errors), (s.dialogs, s.errors)
    assert not s.errors, s.errors


def test_case_workflow_notification_pdf_hashes(login, server, tmp_path):
    s = login("coordinator")
    page = _open_map(s)
    rogue = _target_id(server, ROGUE_GSM)
    popup = _open_popup(page, rogue)
    popup.locator("button.fh-open-case").click()
    page.wait_for_url("**/cases/*")
    page.wait_for_selector("body[data-fh-ready]")
    case_url = page.url
    assert page.inner_text("#fh-state") == "new"
    page.click("button[data-move=approach]")
    page.wait_for_selector("#fh-state[data-state=approach]")
    photo = tmp_path / "rooftop.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg, evidence bytes " * 50)
    clip = tmp_path / "rds-clip.wav"
    clip.write_bytes(b"RIFF....WAVEfmt " + bytes(range(256)) * 20)
    for f, desc in ((photo, "antenna on the rooftop"), (clip, "=HYPERLINK(\"x\") audio clip")):
        page.set_input_files("#fh-file", str(f))
        page.fill("#fh-file-desc", desc)
        n = page.locator("#fh-attachments tr").count()
        page.click("#fh-upload")
        page.wait_for_function("n => document.querySelectorAll('#fh-attachments tr').length > n", arg=n)
    page.fill("#fh-note-text", "van at the rooftop <b>entrance</b>")
    page.click("#fh-note")
    page.wait_for_function("() => document.querySelector('#fh-events').textContent.includes('entrance')")
    # the approach view: arrow, distance, hotter/colder, one tap "found it"
    page.goto(f"{server.base}/approach/{rogue}?node=van-1")
    page.wait_for_selector("body[data-fh-ready]")
    page.wait_for_function("() => document.querySelector('#fh-waypoint').textContent !== '–'", timeout=20000)
    assert re.fullmatch(r"\d+(\.\d)? k?m", page.inner_text("#fh-distance"))
    assert page.inner_text("#fh-trend").split()[0] in ("hotter", "colder", "steady")
    page.screenshot(path=str(SCREENSHOTS / "approach.png"))
    page.click("#fh-found")
    page.wait_for_function("() => document.querySelector('#fh-found-result').textContent.startsWith('recorded')")
    page.goto(case_url)
    page.wait_for_selector("#fh-state[data-state=located]")
    page.click("#fh-notify")
    page.wait_for_selector("#fh-state[data-state=notified]")
    page.wait_for_selector("a.fh-notification-pdf")
    # the PDF, the JSON and the evidence agree, and the signature holds
    base = server.base + page.get_attribute("a.fh-notification-pdf", "href").rsplit(".", 1)[0]
    pdf = page.request.get(base + ".pdf").body()
    doc = page.request.get(base + ".json").json()
    assert pdf.startswith(b"%PDF-")
    want = {hashlib.sha256(photo.read_bytes()).hexdigest(), hashlib.sha256(clip.read_bytes()).hexdigest()}
    assert {e["sha256"] for e in doc["evidence"]} == want
    assert all(e["sha256_now"] == e["sha256"] for e in doc["evidence"])
    pdf_text = b"".join(_pdf_stream(h, m) for h, m in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S))
    for h in want:
        assert h.encode() in pdf_text
    for a in doc["evidence"]:
        body = page.request.get(f"{server.base}/api/v1/cases/{doc['case']['id']}/attachments/{a['id']}").body()
        assert hashlib.sha256(body).hexdigest() == a["sha256"]
    notify_event = [e for e in doc["custody"] if e["kind"] == "found"]
    assert notify_event and doc["location"]["found"]["method"].startswith("vehicle GPS")
    from webmap import notify
    assert notify.verify(doc) == []
    tampered = json.loads(json.dumps(doc))
    tampered["location"]["found"]["lat"] += 0.001
    assert notify.verify(tampered)
    assert page.request.get(f"{server.base}/api/v1/cases/{doc['case']['id']}/notification/verify").json()["ok"]
    issued = json.loads(page.inner_text("#fh-events").split("notify")[-1].split("\n")[0].strip() or "{}")
    assert hashlib.sha256(pdf).hexdigest() == issued["files"]["pdf"]
    page.click("button[data-move=closed]")
    page.wait_for_selector("#fh-state[data-state=closed]")
    assert page.locator("#fh-moves button").count() == 0
    assert not s.dialogs and not s.errors, (s.dialogs, s.errors)


def test_liaison_cannot_change_anything(login, server):
    s = login("liaison")
    page = _open_map(s)
    fm = _target_id(server, "fm:fm-90.2")
    popup = _open_popup(page, fm)
    assert popup.locator("button.fh-open-case").count() == 0
    token = s.csrf()
    h = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    base = server.base
    r = page.request.post(f"{base}/api/v1/targets/{fm}/case", headers=h)
    assert r.status == 403
    # a case opened by a coordinator: the liaison sees it, and every change is refused
    from webmap import cases
    with server.station.store.write() as conn:
        case = cases.open_case(conn, fm, "user:coordinator")
    page.goto(f"{base}/cases/{case.id}")
    page.wait_for_selector("body[data-fh-ready]")
    assert page.locator("#fh-controls").is_hidden() and page.locator("#fh-add").is_hidden()
    attempts = [page.request.patch(f"{base}/api/v1/cases/{case.id}", headers=h, data=json.dumps({"state": "approach"})),
                page.request.post(f"{base}/api/v1/cases/{case.id}/notes", headers=h, data=json.dumps({"text": "x"})),
                page.request.post(f"{base}/api/v1/targets/{fm}/case/found", headers=h,
                                  data=json.dumps({"lat": 31.2, "lon": 121.4, "method": "x"})),
                page.request.post(f"{base}/api/v1/cases/{case.id}/attachments", headers={"X-CSRF-Token": token},
                                  multipart={"file": {"name": "a.txt", "mimeType": "text/plain", "buffer": b"x"}}),
                page.request.post(f"{base}/api/v1/cases/{case.id}/notification", headers=h)]
    assert [r.status for r in attempts] == [403] * 5
    page.goto(f"{base}/approach/{fm}?node=van-1")
    page.wait_for_selector("body[data-fh-ready]")
    assert page.locator("#fh-found").is_disabled()
    with server.station.store.read() as conn:
        assert cases.get(conn, case.id).state == "new"
        assert [e["kind"] for e in cases.events(conn, case.id)] == ["open"]


OPEN_TEXT = "open: the sensors' geometry does not bound it — more readings needed (drive around it)"


def _add_open_fix(server, key: str) -> int:
    """A newer fix for ``key`` whose 95 % region reaches the edge of the searched area (as the
    locator reports a far FM tower heard only by the ring of fixed sensors): ~30 km across."""
    from sqlalchemy import insert, select

    from webmap.schema import fixes
    tid = _target_id(server, key)
    with server.station.store.write() as conn:
        last = conn.execute(select(fixes).where(fixes.c.target_id == tid).order_by(fixes.c.id.desc())).first()
        fx = json.loads(last.fix)
        lat, lon = last.lat + 0.12, last.lon + 0.1
        ring = [[lon - 0.16, lat - 0.13], [lon + 0.16, lat - 0.13], [lon + 0.16, lat + 0.13],
                [lon - 0.16, lat + 0.13], [lon - 0.16, lat - 0.13]]
        fx.update(lat=lat, lon=lon, radius_95_m=17500.0, region_bounded=False,
                  region={"type": "Polygon", "coordinates": [ring]})
        return conn.execute(insert(fixes).values(
            target_id=tid, computed_at=last.computed_at + 1, window_start=last.window_start,
            window_end=last.window_end, n_readings=last.n_readings, lat=lat, lon=lon,
            radius_95_m=17500.0, fix=json.dumps(fx))).inserted_primary_key[0]


def test_open_region_is_a_dashed_outline_under_the_closed_ones(login, server):
    from sqlalchemy import delete

    from webmap.schema import fixes
    fix_id = _add_open_fix(server, "fm:fm-90.2")
    try:
        s = login("field")
        page = _open_map(s)
        located = _located(server)
        name = json.loads(page.text_content("#fh-config"))["names"]["regions"]
        # each region is a GeoJSON group (the extra modes are bare circle markers): its path's style, in drawing order
        styles = page.evaluate("n => window[n].getLayers().filter(g => g.getLayers)"
                               ".map(g => g.getLayers()[0].options)"
                               ".map(o => ({fill: o.fill, fillOpacity: o.fillOpacity, dash: o.dashArray || null,"
                               " interactive: o.interactive}))", name)
        assert len(styles) == located
        open_, closed = styles[0], styles[1:]
        assert open_["fill"] is False and open_["dash"] and open_["interactive"] is False, open_
        assert closed and all(c["fill"] is not False and c["fillOpacity"] > 0 and c["dash"] is None for c in closed), closed
        assert f"{located} located, 1 open" in page.inner_text("#fh-status")
        # the first view fits the sensors and the closed regions' targets, not an open estimate ~15 km out
        in_view = "id => window.fhMap.map.getBounds().contains(window.fhMap.markers()[id].getLatLng())"
        assert page.evaluate(in_view, _target_id(server, "fm:fm-90.2")) is False
        assert page.evaluate(in_view, _target_id(server, ROGUE_GSM)) is True
        # a click on a marker opens its popup: every region lies beneath every marker
        rogue_id = _target_id(server, ROGUE_GSM)
        page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")   # the first fit's zoom
        x, y = page.evaluate("id => { const m = window.fhMap; const q = m.map.latLngToContainerPoint("
                             "m.markers()[id].getLatLng()); return [q.x, q.y]; }", rogue_id)
        box = page.locator(".folium-map").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_selector(f".fh-popup[data-target='{rogue_id}']", timeout=5_000)
        text = _open_popup(page, _target_id(server, "fm:fm-90.2")).inner_text()
        assert OPEN_TEXT in text and "17.5 km" not in text, text
        rogue = _open_popup(page, rogue_id)
        assert OPEN_TEXT not in rogue.inner_text() and re.search(r"radius \d+ m, area", rogue.inner_text())
        assert not s.errors and not s.dialogs, (s.errors, s.dialogs)
    finally:
        with server.station.store.write() as conn:
            conn.execute(delete(fixes).where(fixes.c.id == fix_id))
