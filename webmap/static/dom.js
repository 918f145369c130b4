/* foxhunt page helpers. Every string from the server may come off the air (RDS, operator names):
   it is only ever put in the page through textContent or attribute setters, never parsed as HTML. */
"use strict";
var fh = (function () {
  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "class") e.className = attrs[k];
        else if (k.slice(0, 2) === "on") throw new Error("no handler attributes");
        else e.setAttribute(k, attrs[k]);
      });
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function row(table, label, value) {
    var tr = el("tr");
    tr.appendChild(el("th", null, label));
    tr.appendChild(el("td", null, value === null || value === undefined ? "–" : value));
    table.appendChild(tr);
    return tr;
  }
  function when(t) {
    if (t === null || t === undefined) return "–";
    return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }
  function csrf() { return readJSON("fh-csrf"); }
  function send(method, url, body) {
    return fetch(url, {method: method, credentials: "same-origin",
                       headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
                       body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.json().then(function (j) {
          if (!r.ok) throw new Error(j.error || ("HTTP " + r.status));
          return j;
        });
      });
  }
  function getJSON(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " from " + url);
      return r.json();
    });
  }
  function metres(m) {
    if (m === null || m === undefined) return "–";
    return m >= 2000 ? (m / 1000).toFixed(1) + " km" : Math.round(m) + " m";
  }
  return {readJSON: readJSON, el: el, row: row, when: when, send: send, getJSON: getJSON, metres: metres};
})();
