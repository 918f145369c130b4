"""The case notification as PDF (reportlab), rendered from the signed JSON document of webmap.notify.

reportlab's Paragraph reads a small XML markup: every string of the document is escaped before it
goes in one, so an RDS text such as ``<img src=x>`` prints as those characters.
"""

from __future__ import annotations

import io
import json
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from webmap.notify import flat_items, snapshot_shapes


def _p(text, style) -> Paragraph:
    return Paragraph(escape("–" if text is None else str(text)), style)


def _table(rows: list[list], styles, widths=None, font: str = "Helvetica") -> Table:
    """A grid of escaped paragraphs; Courier fits a whole 64-digit hash on one line of 125 mm."""
    body = styles["BodyText"].clone("cell", fontName=font, fontSize=8 if font == "Helvetica" else 7, leading=10)
    t = Table([[_p(c, body) for c in r] for r in rows], colWidths=widths, repeatRows=0)
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                           ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    return t


def _snapshot(doc: dict) -> Drawing:
    snap = snapshot_shapes(doc, width=420, height=300)
    h = snap["height"]
    d = Drawing(snap["width"], h)
    d.add(Rect(0, 0, snap["width"], h, fillColor=colors.HexColor("#f6f6f6"), strokeColor=colors.grey))
    red = colors.HexColor("#d7191c")
    for ring in snap["rings"]:
        pts = [v for x, y in ring for v in (x, h - y)]
        if snap["open"]:      # open: it runs off the searched area, so no filled shape to search in
            d.add(Polygon(pts, fillColor=None, strokeColor=red, strokeDashArray=[6, 4]))
        else:
            d.add(Polygon(pts, fillColor=colors.Color(0.84, 0.1, 0.11, alpha=0.15), strokeColor=red))
    for s in snap["sensors"]:
        x, y = s["xy"]
        d.add(Rect(x - 4, h - y - 4, 8, 8, fillColor=colors.white, strokeColor=colors.HexColor("#08306b")))
        d.add(String(x + 6, h - y - 3, s["node"], fontSize=7))
    if snap["estimate"]:
        x, y = snap["estimate"]
        d.add(Circle(x, h - y, 4, fillColor=red, strokeColor=red))
    if snap["found"]:
        x, y = snap["found"]
        d.add(Line(x - 6, h - y - 6, x + 6, h - y + 6, strokeWidth=2))
        d.add(Line(x - 6, h - y + 6, x + 6, h - y - 6, strokeWidth=2))
    if snap["scale_m"]:
        d.add(Line(10, 10, 110, 10, strokeWidth=1.5))
        d.add(String(10, 14, f"{snap['scale_m']} m", fontSize=7))
    return d


def render_pdf(doc: dict) -> bytes:
    styles = getSampleStyleSheet()
    body, h1, h2 = styles["BodyText"], styles["Title"], styles["Heading2"]
    mono = styles["Code"].clone("mono", fontSize=7, leading=9)
    case, target, loc = doc["case"], doc["target"], doc["location"]
    story = [_p(f"Radio monitoring case {case['id']} — notification to public security", h1),
             _p(f"Issued {doc['issued_at']} by {doc['issued_by']}. Case opened {case['opened_at']} by "
                f"{case['opened_by']}; state {case['state']}"
                + (f", assigned to {case['assignee']}" if case.get("assignee") else "") + ".", body),
             _p("Target", h2),
             _table([["key", target["key"]], ["kind / channel", f"{target['kind']} / {target['channel']} "
                                                               f"({target['freq_hz'] / 1e6:.4f} MHz)"],
                     ["label", target.get("label")], ["first / last seen", f"{target['first_seen']} / {target['last_seen']}"],
                     ["observations", target["n_observations"]]]
                    + [[f"identity.{k}", v] for k, v in flat_items(target.get("identity") or {})],
                    styles, [45 * mm, 125 * mm]),
             _p("Decoded parameters", h2),
             _table([[k, v] for k, v in flat_items(doc.get("decoded") or {})] or [["none decoded", ""]],
                    styles, [45 * mm, 125 * mm]),
             _p("Verdict", h2)]
    v = doc.get("verdict")
    if v:
        story.append(_p(f"{v['class']}, score {v['score']}", body))
        story += [_p(f"• {r['text']} [{r['rule']}, weight {r['weight']}]", body) for r in v.get("reasons", [])]
    else:
        story.append(_p("No verdict recorded.", body))
    story.append(_p("Location", h2))
    if loc.get("region_open"):
        story.append(_p(loc["region_open_note"], styles["BodyText"].clone("open", fontName="Helvetica-Bold",
                                                                         borderColor=colors.HexColor("#d7191c"),
                                                                         borderWidth=1, borderPadding=4,
                                                                         spaceBefore=4, spaceAfter=8)))
    rows = []
    if loc.get("found"):
        f = loc["found"]
        rows.append(["found position", f"{f['lat']:.6f}, {f['lon']:.6f} — {f['method']}, by {f['by']} at {f['at']}"])
    if loc.get("estimate"):
        e = loc["estimate"]
        rows += [["estimate", f"{e['lat']:.6f}, {e['lon']:.6f} (computed {loc['estimate_computed_at']})"],
                 ["95 % region", ("OPEN — radius at least {} m, area at least {} m²" if loc.get("region_open")
                                  else "radius {} m, area {} m²").format(e["radius_95_m"], e["area_95_m2"])
                  + f", {len(e['modes'])} mode(s)"],
                 ["method", loc.get("method")]]
    if rows:
        story.append(_table(rows, styles, [45 * mm, 125 * mm]))
    story += [Spacer(1, 3 * mm), _snapshot(doc),
              _p("Red: 95 % region" + (" (dashed: open, it runs off the area searched)" if loc.get("region_open") else "")
                 + " and estimate; squares: sensors that heard the target; cross: found position.", body),
              _p("Timeline of observations", h2),
              _table([["sensor", "first", "last", "readings", "max dBm"]]
                     + [[r["node"], r["first"], r["last"], r["count"], r["max_dbm"]]
                        for r in doc["timeline"]["readings_by_node"]], styles),
              _p(f"{len(doc['timeline']['decodes'])} decodes of the carrier.", body),
              _p("Evidence (SHA-256 of every file)", h2),
              _table([["file", "type", "bytes", "added"]]
                     + [[e["filename"] + (f" — {e['description']}" if e.get("description") else ""), e["media_type"],
                         e["size"], f"{e['uploaded_at']} by {e['uploaded_by']}"]
                        for e in doc["evidence"]], styles, [70 * mm, 30 * mm, 20 * mm, 50 * mm]),
              Spacer(1, 2 * mm),
              _table([["file", "SHA-256"]] + [[e["filename"], e["sha256"]] for e in doc["evidence"]],
                     styles, [45 * mm, 125 * mm], font="Courier"),
              _p("Chain of custody", h2),
              _table([["when", "who", "what", "detail"]]
                     + [[e["at"], e["actor"], e["kind"], json.dumps(e["detail"], ensure_ascii=False, sort_keys=True)]
                        for e in doc["custody"]], styles, [32 * mm, 30 * mm, 16 * mm, 92 * mm])]
    sig = doc.get("signature")
    if sig:
        story += [_p("Signature", h2),
                  _p(f"Ed25519 key {sig['key_id']} ({sig['public_key']})", mono),
                  _p(f"document SHA-256 {sig['document_sha256']}", mono),
                  _p(f"signature {sig['value']}", mono),
                  _p(f"Check: python -m webmap.notify verify case-{case['id']}.json --evidence DIR --key PUBLIC_KEY", mono)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"Case {case['id']} notification", author="foxhunt central station",
                      leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm, bottomMargin=15 * mm).build(story)
    return out.getvalue()
