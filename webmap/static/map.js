/* The foxhunt map: fills folium's empty overlay groups from /map/data.json and refreshes them by
   polling (no page reload); the time slider replays the chosen window. Popups and tooltips are DOM
   nodes built with textContent: Leaflet parses strings given to bindPopup/bindTooltip as HTML. */
"use strict";
(function () {
  var cfg = fh.readJSON("fh-config");
  var map = window[cfg.names.map];
  var layers = {};
  Object.keys(cfg.names).forEach(function (k) { if (k !== "map") layers[k] = window[cfg.names[k]]; });
  var COLOURS = {rogue: "#d7191c", suspicious: "#fd8d3c", licensed: "#1a9641"};
  var UNJUDGED = "#6a6a8a";
  // a region still touching the edge of the searched area says where the target is not, not where it is
  var OPEN_TEXT = "open: the sensors' geometry does not bound it — more readings needed (drive around it)";
  var slider = document.getElementById("fh-time");
  var hoursSel = document.getElementById("fh-hours");
  var timeLabel = document.getElementById("fh-time-label");
  var status = document.getElementById("fh-status");
  var markers = {};
  var details = {};                   // popup details by target id, for the current time
  var openTarget = null;
  var fitted = false;
  var heatTarget = null;
  var timer = null;
  var lastVehicles = [];

  function live() { return Number(slider.value) === Number(slider.max); }
  function hours() { return Number(hoursSel.value); }
  function atTime() {
    var back = (Number(slider.max) - Number(slider.value)) / Number(slider.max) * hours() * 3600;
    return Date.now() / 1000 - back;
  }
  function colour(t) { return t.verdict && COLOURS[t.verdict["class"]] || UNJUDGED; }
  function isOpen(fix) { return fix.region_bounded === false; }     // null: a fix stored before the flag existed

  function identityText(t) {
    var id = t.identity || {};
    if (t.kind === "gsm") {
      var cell = [id.mcc, id.mnc, id.lac, id.cell_id].map(function (v) { return v === null || v === undefined ? "?" : v; });
      return "GSM " + cell.join("-") + " ARFCN " + (id.arfcn === null || id.arfcn === undefined ? "?" : id.arfcn);
    }
    var mhz = (t.freq_hz / 1e6).toFixed(t.freq_hz % 1e5 ? 3 : 1) + " MHz";
    if (t.kind === "fm") return "FM " + mhz + (id.pi ? " PI " + id.pi : "") + (id.ps ? " PS “" + id.ps + "”" : "");
    return t.kind.toUpperCase() + " " + mhz;
  }

  function flatten(obj, prefix, out) {
    Object.keys(obj || {}).forEach(function (k) {
      var v = obj[k], name = prefix ? prefix + "." + k : k;
      if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, name, out);
      else out.push([name, Array.isArray(v) ? v.join(", ") : v]);
    });
    return out;
  }

  function popupFor(t) {
    var box = fh.el("div", {"class": "fh-popup", "data-target": t.id});
    box.appendChild(fh.el("h3", {"class": "fh-ident"}, identityText(t)));
    if (t.label) box.appendChild(fh.el("div", {"class": "fh-label"}, t.label));
    var v = t.verdict;
    var verdict = fh.el("div", {"class": "fh-verdict"}, v ? v["class"] + " (score " + v.score + ")" : "not judged yet");
    verdict.style.color = colour(t);
    box.appendChild(verdict);
    if (v && v.reasons && v.reasons.length) {
      var ul = fh.el("ul", {"class": "fh-reasons"});
      v.reasons.forEach(function (r) { ul.appendChild(fh.el("li", null, r.text + " [" + r.rule + ", " + r.weight + "]")); });
      box.appendChild(ul);
    }
    var tab = fh.el("table", {"class": "fh-facts"});
    fh.row(tab, "first seen", fh.when(t.first_seen_at));
    fh.row(tab, "last seen", fh.when(t.last_seen_at));
    fh.row(tab, "observations", t.n_observations);
    if (t.fix) {
      fh.row(tab, "estimate", t.fix.lat.toFixed(5) + ", " + t.fix.lon.toFixed(5));
      if (isOpen(t.fix)) {
        fh.row(tab, "95 % region", OPEN_TEXT).className = "fh-region-open";
      } else {
        fh.row(tab, "95 % region", "radius " + fh.metres(t.fix.radius_95_m) + ", area " +
               (t.fix.area_95_m2 === null ? "–" : (t.fix.area_95_m2 / 1e6).toFixed(3) + " km²") +
               (t.fix.modes.length > 1 ? ", " + t.fix.modes.length + " modes (ambiguous)" : ""));
      }
      fh.row(tab, "CRLB", fh.metres(t.fix.crlb_m));
      fh.row(tab, "EIRP", t.fix.tx_power_dbm === null ? null : t.fix.tx_power_dbm + " dBm");
      fh.row(tab, "fix", t.fix.n_readings + " readings, " + fh.when(t.fix.computed_at));
    } else {
      fh.row(tab, "estimate", "not located yet");
    }
    box.appendChild(tab);
    var nodes = fh.el("div", {"class": "fh-nodes"}, "heard by: loading…");
    box.appendChild(nodes);
    var decoded = fh.el("details", {"class": "fh-decoded"});
    decoded.appendChild(fh.el("summary", null, "all decoded parameters"));
    box.appendChild(decoded);
    var actions = fh.el("div", {"class": "fh-actions"});
    if (t["case"]) {
      actions.appendChild(fh.el("a", {href: "/cases/" + t["case"].id}, "case #" + t["case"].id + " (" + t["case"].state + ")"));
    } else if (cfg.can_open_cases) {
      var open = fh.el("button", {type: "button", "class": "fh-open-case"}, "open case");
      open.addEventListener("click", function () {
        fh.send("POST", "/api/v1/targets/" + t.id + "/case").then(function (c) { window.location = "/cases/" + c.id; })
          .catch(function (e) { open.textContent = e.message; });
      });
      actions.appendChild(open);
    }
    var heatBtn = fh.el("button", {type: "button"}, heatTarget === t.id ? "heat: all targets" : "heat: this target");
    heatBtn.addEventListener("click", function () { heatTarget = heatTarget === t.id ? null : t.id; refresh(); });
    actions.appendChild(heatBtn);
    lastVehicles.forEach(function (name) {
      actions.appendChild(fh.el("a", {href: "/approach/" + t.id + "?node=" + encodeURIComponent(name), "class": "fh-approach-link"},
                                "approach with " + name));
    });
    box.appendChild(actions);
    function fill(d) {
      nodes.textContent = "heard by: " + (d.nodes.length ? d.nodes.map(function (n) {
        return n.name + " (" + n.readings + ", max " + n.max_dbm + " dBm)";
      }).join("; ") : "no node in this window");
      var dt = fh.el("table", {"class": "fh-facts"});
      flatten(d.decoded, "", []).forEach(function (kv) { fh.row(dt, kv[0], kv[1]); });
      var old = decoded.querySelector("table");
      if (old) decoded.replaceChild(dt, old); else decoded.appendChild(dt);
    }
    if (details[t.id]) fill(details[t.id]);        // no flicker when a live update redraws the popup
    fh.getJSON(cfg.detail_url + t.id + ".json?hours=" + hours() + "&at=" + atTime()).then(function (d) {
      details[t.id] = d;
      fill(d);
      if (markers[t.id] && markers[t.id].isPopupOpen()) markers[t.id].getPopup().update();  // re-pan to the grown popup
    }).catch(function (e) { nodes.textContent = "heard by: " + e.message; });
    return box;
  }

  function heatColour(dbm) {
    var x = Math.max(0, Math.min(1, (dbm + 110) / 70));
    return "hsl(" + Math.round(240 - 240 * x) + ",90%,50%)";
  }

  function draw(d) {
    var reopen = openTarget;            // clearing the layers closes the popup, which forgets it
    Object.keys(layers).forEach(function (k) { layers[k].clearLayers(); });
    markers = {};
    var bounds = [];
    lastVehicles = [];
    d.sensors.forEach(function (s) {
      var m = L.circleMarker([s.lat, s.lon], {radius: s.moving ? 7 : 6, color: "#08306b", weight: 2,
                                                fillColor: s.moving ? "#6baed6" : "#ffffff", fillOpacity: 1});
      m.bindTooltip(fh.el("span", null, s.name + (s.moving ? " (vehicle)" : "")));
      m.addTo(layers.sensors);
      bounds.push([s.lat, s.lon]);
      if (s.moving) {
        lastVehicles.push(s.name);
        L.polyline(s.track.map(function (p) { return [p[0], p[1]]; }), {color: "#2171b5", weight: 2, dashArray: "4 4"})
          .addTo(layers.vehicles);
        if (s.heading_deg !== null) {
          var r = 0.0015, a = s.heading_deg * Math.PI / 180;
          L.polyline([[s.lat, s.lon], [s.lat + r * Math.cos(a), s.lon + r * Math.sin(a) / Math.cos(s.lat * Math.PI / 180)]],
                     {color: "#08306b", weight: 4}).addTo(layers.vehicles);
        }
      }
    });
    var fixed = d.targets.filter(function (t) { return t.fix; });
    var open = fixed.filter(function (t) { return isOpen(t.fix); });
    // open regions (tens of km of "somewhere out there") go in first, as bare dashed outlines, so
    // the closed ones, the answers, stay filled on top and their markers clickable through them
    open.concat(fixed.filter(function (t) { return !isOpen(t.fix); })).forEach(function (t) {
      if (!t.fix.region) return;
      var c = colour(t);
      var style = isOpen(t.fix) ? {color: c, weight: 2, opacity: 0.8, dashArray: "8 6", fill: false, interactive: false}
                                : {color: c, weight: 2, fillColor: c, fillOpacity: 0.15};
      L.geoJSON(t.fix.region, {style: style}).addTo(layers.regions);
    });
    var located = 0;
    fixed.forEach(function (t) {
      located += 1;
      var c = colour(t);
      t.fix.modes.slice(1).forEach(function (md) {
        L.circleMarker([md.lat, md.lon], {radius: 5, color: c, weight: 2, fillOpacity: 0}).addTo(layers.regions);
      });
      if (t.track.length > 1) {
        L.polyline(t.track.map(function (p) { return [p[0], p[1]]; }), {color: c, weight: 3}).addTo(layers.tracks);
      }
      var m = L.circleMarker([t.fix.lat, t.fix.lon], {radius: 9, color: "#000", weight: 1, fillColor: c, fillOpacity: 0.95});
      m.bindTooltip(fh.el("span", null, identityText(t) + (isOpen(t.fix) ? " (region open)" : "")));
      // Leaflet calls a content function again on every popup.update(); popupFor's own update (to
      // re-pan the grown popup) would then rebuild it and fetch again, forever: build once per opening
      var box = null;
      m.bindPopup(function () { return box || (box = popupFor(t)); }, {maxWidth: 420, maxHeight: 340});
      m.on("popupopen", function () { openTarget = t.id; });
      m.on("popupclose", function () { box = null; if (openTarget === t.id) openTarget = null; });
      m.addTo(layers.targets);
      markers[t.id] = m;
      if (!isOpen(t.fix)) bounds.push([t.fix.lat, t.fix.lon]);   // a far open estimate would zoom the answers away
    });
    var cell = d.heat.cell_deg / 2;
    d.heat.cells.forEach(function (h) {
      L.rectangle([[h[0] - cell, h[1] - cell], [h[0] + cell, h[1] + cell]],
                  {stroke: false, fillColor: heatColour(h[2]), fillOpacity: 0.35, interactive: false}).addTo(layers.heat);
    });
    d.sites.forEach(function (s) {
      var m = L.circleMarker([s.lat, s.lon], {radius: 4, color: "#000", weight: 1, fillColor: "#ffff99", fillOpacity: 1});
      var tab = fh.el("table", {"class": "fh-facts"});
      Object.keys(s.row).forEach(function (k) { fh.row(tab, k, s.row[k]); });
      m.bindPopup(tab);
      m.addTo(layers.sites);
    });
    if (!fitted && bounds.length) { map.fitBounds(bounds, {padding: [30, 30]}); fitted = true; }
    if (reopen !== null && markers[reopen]) markers[reopen].openPopup();
    status.textContent = d.targets.length + " targets (" + located + " located, " + open.length + " open), " + d.sensors.length +
      " sensors, " + d.heat.cells.length + " heat cells" + (heatTarget !== null ? " of target " + heatTarget : "") +
      " — " + fh.when(d.at);
    if (!document.body.hasAttribute("data-fh-drawn")) {      // first draw: ms since navigation (benchmarks/map_load.py)
      document.body.setAttribute("data-fh-first-draw-ms", performance.now().toFixed(0));
    }
    document.body.setAttribute("data-fh-drawn", String(located));
  }

  function refresh() {
    if (!live()) details = {};
    var url = cfg.data_url + "?hours=" + hours() + (live() ? "" : "&at=" + atTime()) +
              (heatTarget !== null ? "&heat_target=" + heatTarget : "");
    timeLabel.textContent = live() ? "live" : fh.when(atTime());
    return fh.getJSON(url).then(draw).catch(function (e) { status.textContent = "update failed: " + e.message; });
  }

  function schedule() {
    if (timer) clearInterval(timer);
    timer = setInterval(function () { if (live() && !document.hidden) refresh(); }, cfg.poll_s * 1000);
  }

  slider.addEventListener("input", function () { timeLabel.textContent = live() ? "live" : fh.when(atTime()); });
  slider.addEventListener("change", refresh);
  hoursSel.addEventListener("change", refresh);
  window.fhMap = {refresh: refresh, markers: function () { return markers; }, map: map};
  refresh();
  schedule();
})();
