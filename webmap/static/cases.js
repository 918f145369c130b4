/* Case list and case page: rendered from the case API with textContent; the buttons a role may not
   use are not shown, and the server refuses them anyway. */
"use strict";
(function () {
  var cfg = fh.readJSON("fh-config");
  function $(id) { return document.getElementById(id); }
  function error(e) { $("fh-error").textContent = e.message; }

  function listPage() {
    fh.getJSON(cfg.list_url).then(function (d) {
      var body = $("fh-cases");
      d.cases.forEach(function (c) {
        var tr = fh.el("tr");
        var td = fh.el("td");
        td.appendChild(fh.el("a", {href: "/cases/" + c.id}, "#" + c.id));
        tr.appendChild(td);
        [c.target_key + (c.target_label ? " — " + c.target_label : ""), c.verdict, c.state, c.assignee, fh.when(c.updated_at)]
          .forEach(function (v) { tr.appendChild(fh.el("td", null, v === null ? "–" : v)); });
        body.appendChild(tr);
      });
      document.body.setAttribute("data-fh-ready", "1");
    });
  }

  function act(promise) {
    $("fh-error").textContent = "";
    return promise.then(load).catch(error);
  }

  function render(c) {
    $("fh-case-id").textContent = "#" + c.id;
    var id = c.target.identity || {};
    $("fh-target").textContent = c.target.key + (id.ps ? " PS “" + id.ps + "”" : "") + (c.target.label ? " — " + c.target.label : "");
    $("fh-state").textContent = c.state;
    $("fh-state").setAttribute("data-state", c.state);
    $("fh-reason").textContent = c.dismissed_reason ? "(" + c.dismissed_reason + ")" : "";
    $("fh-assignee").textContent = c.assignee || "nobody";
    $("fh-found").textContent = c.found ? "Found at " + c.found.lat.toFixed(6) + ", " + c.found.lon.toFixed(6) +
      " (" + c.found.method + ", " + c.found.by + ", " + fh.when(c.found.at) + ")" : "";
    if (cfg.can_edit) {
      $("fh-controls").hidden = false;
      var moves = $("fh-moves");
      moves.textContent = "";
      c.next_states.filter(function (s) { return s !== "notified"; }).forEach(function (s) {
        var b = fh.el("button", {type: "button", "data-move": s}, "→ " + s);
        b.addEventListener("click", function () {
          var body = {state: s};
          if (s === "dismissed") body.reason = $("fh-dismiss-reason").value;
          act(fh.send("PATCH", cfg.case_url, body));
        });
        moves.appendChild(b);
      });
      $("fh-notify").hidden = c.next_states.indexOf("notified") < 0;
    }
    if (cfg.can_add) $("fh-add").hidden = false;
    var n = $("fh-notification");
    n.textContent = "";
    if (c.notification) {
      n.appendChild(fh.el("span", null, "issued " + c.notification.issued + ": "));
      ["pdf", "html", "json"].forEach(function (k) {
        n.appendChild(fh.el("a", {href: c.notification[k], "class": "fh-notification-" + k}, k.toUpperCase()));
        n.appendChild(document.createTextNode(" "));
      });
    }
    var at = $("fh-attachments");
    at.textContent = "";
    c.attachments.forEach(function (a) {
      var tr = fh.el("tr"), td = fh.el("td");
      td.appendChild(fh.el("a", {href: cfg.case_url + "/attachments/" + a.id}, a.filename));
      if (a.description) td.appendChild(fh.el("div", null, a.description));
      tr.appendChild(td);
      [a.media_type, a.size, a.sha256, fh.when(a.uploaded_at) + " " + a.uploaded_by]
        .forEach(function (v) { tr.appendChild(fh.el("td", null, v)); });
      at.appendChild(tr);
    });
    var ev = $("fh-events");
    ev.textContent = "";
    c.events.forEach(function (e) {
      var tr = fh.el("tr");
      [fh.when(e.at), e.actor, e.kind, JSON.stringify(e.detail)].forEach(function (v) { tr.appendChild(fh.el("td", null, v)); });
      ev.appendChild(tr);
    });
    document.body.setAttribute("data-fh-ready", "1");
  }

  function load() { return fh.getJSON(cfg.case_url).then(render).catch(error); }

  function casePage() {
    $("fh-assign").addEventListener("click", function () {
      var name = $("fh-assign-name").value.trim();
      act(fh.send("PATCH", cfg.case_url, {assignee: name || null}));
    });
    $("fh-notify").addEventListener("click", function () { act(fh.send("POST", cfg.case_url + "/notification")); });
    $("fh-note").addEventListener("click", function () {
      act(fh.send("POST", cfg.case_url + "/notes", {text: $("fh-note-text").value}).then(function () { $("fh-note-text").value = ""; }));
    });
    $("fh-upload").addEventListener("click", function () {
      var f = $("fh-file").files[0];
      if (!f) { error(new Error("choose a file first")); return; }
      var form = new FormData();
      form.append("file", f);
      form.append("description", $("fh-file-desc").value);
      act(fetch(cfg.case_url + "/attachments", {method: "POST", body: form, credentials: "same-origin",
                                                headers: {"X-CSRF-Token": fh.readJSON("fh-csrf")}})
        .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error); return j; }); }));
    });
    load();
  }

  if (cfg.list_url) listPage(); else casePage();
})();
