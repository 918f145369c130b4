/* Approach search: arrow and distance to the estimate, next waypoint, hotter/colder trace of the
   target's level at this vehicle, and one tap to record where the transmitter was found. */
"use strict";
(function () {
  var cfg = fh.readJSON("fh-config");
  var arrow = document.getElementById("fh-arrow");
  var last = null;

  function text(id, value) { document.getElementById(id).textContent = value; }

  function plot(levels) {
    var cv = document.getElementById("fh-levels"), g = cv.getContext("2d");
    g.clearRect(0, 0, cv.width, cv.height);
    if (levels.length < 2) return;
    var t0 = levels[0][0], t1 = levels[levels.length - 1][0] || t0 + 1;
    var lo = Math.min.apply(null, levels.map(function (l) { return l[1]; })) - 3;
    var hi = Math.max.apply(null, levels.map(function (l) { return l[1]; })) + 3;
    g.strokeStyle = "#ff8a50"; g.lineWidth = 3; g.beginPath();
    levels.forEach(function (l, i) {
      var x = (l[0] - t0) / Math.max(1, t1 - t0) * (cv.width - 10) + 5;
      var y = cv.height - 5 - (l[1] - lo) / (hi - lo) * (cv.height - 10);
      if (i) g.lineTo(x, y); else g.moveTo(x, y);
    });
    g.stroke();
    g.fillStyle = "#aaa"; g.font = "14px sans-serif";
    g.fillText(hi.toFixed(0) + " dBm", 6, 16); g.fillText(lo.toFixed(0) + " dBm", 6, cv.height - 8);
  }

  function show(s) {
    last = s;
    var id = s.target.identity || {};
    text("fh-target", s.target.key + (id.ps ? " PS “" + id.ps + "”" : ""));
    if (s.bearing_deg !== null) {
      arrow.style.transform = "rotate(" + s.bearing_deg + "deg)";
      text("fh-distance", fh.metres(s.distance_m));
      text("fh-bearing", "bearing " + Math.round(s.bearing_deg) + "° from true north");
    } else {
      text("fh-distance", s.vehicle ? "no estimate yet" : "no position from this vehicle");
      text("fh-bearing", "");
    }
    var trend = document.getElementById("fh-trend");
    trend.textContent = s.trend + (s.levels.length ? " (" + s.levels[s.levels.length - 1][1] + " dBm now)" : "");
    trend.className = s.trend;
    plot(s.levels);
    var w = s.next_waypoint;
    text("fh-waypoint", w ? w.lat.toFixed(5) + ", " + w.lon.toFixed(5) + " (" + w.gain_bits + " bits expected)" : "–");
    var e = s.estimate;
    text("fh-estimate", !e ? "–" : e.lat.toFixed(5) + ", " + e.lon.toFixed(5) + (e.open
      ? " (open: the sensors' geometry does not bound it — more readings needed, drive around it)"
      : " ± " + fh.metres(e.radius_95_m) + " (95 %)"));
    document.body.setAttribute("data-fh-ready", "1");
  }

  function refresh() {
    return fh.getJSON(cfg.state_url + "?node=" + encodeURIComponent(cfg.node)).then(show)
      .catch(function (e) { text("fh-status", "update failed: " + e.message); });
  }

  function record(lat, lon, method) {
    return fh.send("POST", cfg.case_url + "/found", {lat: lat, lon: lon, method: method}).then(function (c) {
      text("fh-found-result", "recorded on case #" + c.id + ": " + lat.toFixed(6) + ", " + lon.toFixed(6) + " (" + method + ")");
    }).catch(function (e) { text("fh-found-result", "not recorded: " + e.message); });
  }

  var found = document.getElementById("fh-found");
  if (!cfg.can_record) { found.disabled = true; found.textContent = "read-only: cannot record"; }
  found.addEventListener("click", function () {
    var fallback = function () {
      if (last && last.vehicle) record(last.vehicle.lat, last.vehicle.lon, "vehicle GPS (" + last.vehicle.name + ")");
      else text("fh-found-result", "no position: neither this device nor the vehicle has one");
    };
    if (navigator.geolocation && window.isSecureContext) {
      navigator.geolocation.getCurrentPosition(function (p) {
        record(p.coords.latitude, p.coords.longitude, "device GPS ±" + Math.round(p.coords.accuracy) + " m");
      }, fallback, {enableHighAccuracy: true, timeout: 8000});
    } else {
      fallback();
    }
  });
  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, 3000);
})();
