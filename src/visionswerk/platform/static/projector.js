/* The projector view: keeps its state current and its timer running.

   Live: an EventSource on data-live-url; each "change" message (and each reconnect, so
   nothing said while it was away is missed) fetches the state fragment again. The
   server ends every stream after a short while and the browser reconnects by itself.
   Without live updates (no data-live-url, no EventSource, or the server answers 204
   because it has no Redis) the page fetches the fragment every data-poll-seconds.
   Only the fragment's HTML is ever inserted: the server rendered it under the policy. */
(function () {
  "use strict";
  var root = document.getElementById("beamer");
  var stand = document.getElementById("beamer-stand");
  if (!root || !stand) return;
  var stateUrl = root.getAttribute("data-state-url");
  var liveUrl = root.getAttribute("data-live-url");
  var pollMs = (parseInt(root.getAttribute("data-poll-seconds"), 10) || 5) * 1000;
  var offset = 0; // server clock minus this clock, in ms
  var polling = null;
  var loading = false;
  var again = false;

  function text(key) { return root.getAttribute("data-text-" + key) || ""; }
  function fill(template, values) {
    return template.replace(/\{(\w)\}/g, function (_, k) { return String(values[k]); });
  }

  function timeLeft(ms) {
    var seconds = Math.floor(ms / 1000);
    if (seconds <= 0) return text("past");
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    if (d) return fill(text(d === 1 ? "day" : "days"), { d: d, h: h });
    if (h) return fill(text("hours"), { h: h, m: m });
    return fill(text("minutes"), { m: m, s: (s < 10 ? "0" : "") + s });
  }

  function readClock() {
    var el = stand.querySelector("[data-now-ms]");
    if (el) offset = parseInt(el.getAttribute("data-now-ms"), 10) - Date.now();
  }

  function tick() {
    var els = stand.querySelectorAll("[data-deadline-ms]");
    for (var i = 0; i < els.length; i++) {
      var left = parseInt(els[i].getAttribute("data-deadline-ms"), 10) - (Date.now() + offset);
      var t = timeLeft(left);
      if (els[i].textContent !== t) els[i].textContent = t;
    }
  }

  function counts() {
    var found = {};
    var els = stand.querySelectorAll("[data-strengths]");
    for (var i = 0; i < els.length; i++) {
      found[els[i].closest("[id]").id] = els[i].getAttribute("data-strengths");
    }
    return found;
  }

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    var before = counts();
    fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (r.redirected || !r.ok) throw new Error(String(r.status)); // logged out: next load logs in
        return r.text();
      })
      .then(function (html) {
        stand.innerHTML = html;
        readClock();
        tick();
        var after = counts();
        Object.keys(after).forEach(function (id) { // a proposal whose strengths changed lights up
          if (before[id] !== undefined && before[id] !== after[id]) {
            var el = document.getElementById(id);
            if (el) { el.classList.remove("room-flash"); void el.offsetWidth; el.classList.add("room-flash"); }
          }
        });
        root.setAttribute("data-updated", String(Date.now()));
      })
      .catch(function () { /* the next message or poll tries again */ })
      .then(function () {
        loading = false;
        if (again) { again = false; refresh(); }
      });
  }

  function poll() {
    if (polling === null) polling = setInterval(refresh, pollMs);
    root.setAttribute("data-mode", "poll");
  }

  function live() {
    var opened = false;
    var source = new EventSource(liveUrl);
    source.addEventListener("open", function () {
      root.setAttribute("data-mode", "live");
      if (opened) refresh(); // a reconnect: catch up on what happened in between
      opened = true;
    });
    source.addEventListener("change", refresh);
    source.addEventListener("error", function () {
      // CLOSED: the server said no (204 without Redis, or an error) — poll instead;
      // CONNECTING: the stream ended or the network dropped, the browser reconnects
      if (source.readyState === EventSource.CLOSED) poll();
    });
  }

  readClock();
  tick();
  setInterval(tick, 1000);
  if (liveUrl && window.EventSource) live(); else poll();
  setInterval(refresh, 60000); // the step, the deadline and counts outside step 3, at the latest
})();
