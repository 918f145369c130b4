"""The case notification says when its target's 95 % region is open: the signed JSON carries the flag
and the note, the HTML and the PDF print the note and draw the region as a bare dashed outline; a
closed region reads as before."""

from __future__ import annotations

import base64
import json
import re
import zlib

import pytest
from sqlalchemy import select, update

from map_station import client_for, seeded_app, target_id
from webmap import notify
from webmap.export import OPEN_REGION_TEXT
from webmap.notify_pdf import render_pdf
from webmap.schema import fixes

OPEN_KEY, CLOSED_KEY = "fm:fm-90.2", "fm:fm-91.3"     # as the seeded city locates them


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    """The seeded city with a located case for an open-region target and one for a closed-region target."""
    data = tmp_path_factory.mktemp("notify-open")
    app, _ = seeded_app(data, n_readings=1200)
    coord, ct = client_for(app, "coordinator")
    cases = {}
    for key in (OPEN_KEY, CLOSED_KEY):
        cid = coord.post(f"/api/v1/targets/{target_id(app, key)}/case", headers={"X-CSRF-Token": ct}).json["id"]
        assert coord.patch(f"/api/v1/cases/{cid}", headers={"X-CSRF-Token": ct},
                           json={"state": "located"}).status_code == 200
        cases[key] = cid
    st = app.extensions["foxhunt"]
    yield st, str(data), {key: (cid, target_id(app, key)) for key, cid in cases.items()}
    st.store.dispose()


def _doc(station, key: str) -> dict:
    st, data_dir, cases = station
    with st.store.read() as conn:
        doc = notify.build(conn, cases[key][0], data_dir, "coordinator")
    return notify.sign(doc, notify.station_key(data_dir))


def _pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (reportlab's content streams: ASCII85 over Flate)."""
    out = []
    for head, body in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        body = body.strip()
        if b"ASCII85Decode" in head:
            body = base64.a85decode(body.removesuffix(b"~>"))
        out.append((zlib.decompress(body) if b"FlateDecode" in head else body).decode("latin-1"))
    return "".join(out)


def _latest_fix(station, key: str):
    st, _, cases = station
    with st.store.read() as conn:
        return conn.execute(select(fixes.c.id, fixes.c.fix).where(fixes.c.target_id == cases[key][1])
                            .order_by(fixes.c.id.desc()).limit(1)).one()


def test_the_seeded_regions_are_one_open_one_closed(station):
    for key, bounded in ((OPEN_KEY, False), (CLOSED_KEY, True)):
        assert json.loads(_latest_fix(station, key).fix)["region_bounded"] is bounded, key


def test_the_signed_json_says_the_region_is_open(station):
    doc = _doc(station, OPEN_KEY)
    loc = doc["location"]
    assert loc["region_open"] is True and loc["region_open_note"] == OPEN_REGION_TEXT
    assert loc["estimate"]["region_bounded"] is False and "(open)" in loc["method"]
    assert notify.verify(doc) == []
    hidden = json.loads(json.dumps(doc))
    hidden["location"]["region_open"] = False               # dropping the warning breaks the signature
    assert notify.verify(hidden) == ["signature: does not match the document (altered, or signed by another key)"]
    hidden = json.loads(json.dumps(doc))
    hidden["location"]["region_open_note"] = None
    assert notify.verify(hidden)


def test_a_closed_region_carries_no_note(station):
    loc = _doc(station, CLOSED_KEY)["location"]
    assert loc["region_open"] is False and loc["region_open_note"] is None and "(open)" not in loc["method"]


def test_a_fix_stored_before_the_flag_is_neither(station):
    st, _, _ = station
    row = _latest_fix(station, OPEN_KEY)
    old = {k: v for k, v in json.loads(row.fix).items() if k != "region_bounded"}
    try:
        with st.store.write() as conn:
            conn.execute(update(fixes).where(fixes.c.id == row.id).values(fix=json.dumps(old)))
        doc = _doc(station, OPEN_KEY)
        assert doc["location"]["region_open"] is None and doc["location"]["region_open_note"] is None
        assert "OPEN" not in notify.render_html(doc)
    finally:
        with st.store.write() as conn:
            conn.execute(update(fixes).where(fixes.c.id == row.id).values(fix=row.fix))


def test_html_prints_the_note_and_draws_an_open_region_unfilled(station):
    page = notify.render_html(_doc(station, OPEN_KEY))
    assert "Region open: the readings do not bound the transmitter&#39;s position." in page
    assert "OPEN — radius at least" in page
    polygons = re.findall(r"<polygon [^>]*>", page)
    assert polygons and all('fill="none"' in p and "stroke-dasharray" in p for p in polygons)
    closed = notify.render_html(_doc(station, CLOSED_KEY))
    assert "Region open" not in closed and "OPEN" not in closed
    polygons = re.findall(r"<polygon [^>]*>", closed)
    assert polygons and all('fill-opacity="0.15"' in p and "dasharray" not in p for p in polygons)


def test_pdf_prints_the_note_and_the_radius_as_a_lower_bound(station):
    text = _pdf_text(render_pdf(_doc(station, OPEN_KEY)))
    assert "Region open: the readings do not bound" in text and "radius at least" in text
    assert "[6 4] 0 d" in text                                   # the region's outline is dashed
    closed = _pdf_text(render_pdf(_doc(station, CLOSED_KEY)))
    assert "Region open" not in closed and "radius at least" not in closed and "[6 4] 0 d" not in closed
