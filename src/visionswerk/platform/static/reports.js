// The report panel (templates/reports/_panel.html): "PDF erstellen" is sent in the
// background and the build is followed through its …/status JSON until the download link
// is there, without reloading the page (so nothing typed elsewhere on it is lost). The
// state sits in an aria-live region, so a screen reader hears "Wird erstellt: 50 %" and
// "Fertig". Without this script the form posts normally and the page links to the
// reports list. On that list a row still being built is followed the same way, and the
// list is loaded again once it is finished (no timed refresh, which would interrupt a
// screen reader; without script the list has a link to do it).
(function () {
  "use strict";

  var POLL_MS = 1000;
  var MAX_WAIT_MS = 1000 * 60 * 20; // longer than the worker's time limit

  function node(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { el.setAttribute(name, attrs[name]); });
    if (text) { el.textContent = text; }
    return el;
  }

  function hidden(text) {
    return node("span", { "class": "visually-hidden" }, text);
  }

  function render(entry, data) {
    var state = entry.querySelector("[data-report-state]");
    var form = entry.querySelector("[data-report-form]");
    var title = entry.getAttribute("data-text-title");
    var parts = [];
    if (data.status === "done") {
      var link = node("a", { "class": "button primary", href: data.download, download: "" },
        entry.getAttribute("data-text-download"));
      link.append(" ", hidden("(" + title + ")"));
      var p = node("p");
      p.appendChild(link);
      parts.push(node("p", {}, data.message), p);
      parts.push(node("p", { "class": "meta" }, data.finished));
    } else if (data.status === "failed") {
      parts.push(node("p", {}, data.message));
    } else {
      var id = "report-progress-" + data.id;
      var line = node("p");
      line.appendChild(node("label", { "for": id }, data.message));
      line.appendChild(node("progress", { id: id, max: "100", value: String(data.progress) }, data.progress + " %"));
      parts.push(line);
    }
    state.replaceChildren.apply(state, parts);
    if (form) {
      var finished = data.status === "done" || data.status === "failed";
      form.hidden = !finished;
      if (finished) {
        var button = form.querySelector("button");
        button.className = "";
        button.replaceChildren(entry.getAttribute("data-text-again") + " ", hidden("(" + title + ")"));
      }
    }
  }

  function follow(entry, url, started) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        render(entry, data);
        if ((data.status === "queued" || data.status === "running") && Date.now() - started < MAX_WAIT_MS) {
          window.setTimeout(function () { follow(entry, url, started); }, POLL_MS);
        }
      })
      .catch(function () {
        // offline for a moment or logged out: try again a little later; the page's own
        // link to the reports list still works
        if (Date.now() - started < MAX_WAIT_MS) {
          window.setTimeout(function () { follow(entry, url, started); }, POLL_MS * 5);
        }
      });
  }

  function send(entry, form) {
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        if (response.status !== 202) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        button.disabled = false;
        form.querySelector("input[name=nonce]").value = data.nonce; // the next click: a new report
        render(entry, data);
        if (data.status === "queued" || data.status === "running") {
          follow(entry, data.status_url, Date.now());
        }
      })
      .catch(function () {
        button.disabled = false;
        form.submit(); // let the server answer as without script
      });
  }

  function reloadWhenFinished(row, url, started) {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { status: "queued" }; })
      .catch(function () { return { status: "queued" }; })
      .then(function (data) {
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
        } else if (Date.now() - started < MAX_WAIT_MS) {
          window.setTimeout(function () { reloadWhenFinished(row, url, started); }, POLL_MS * 2);
        }
      });
  }

  document.querySelectorAll("[data-report-row]").forEach(function (row) {
    reloadWhenFinished(row, row.getAttribute("data-status-url"), Date.now());
  });

  document.querySelectorAll("[data-report-entry]").forEach(function (entry) {
    var state = entry.querySelector("[data-status-url]");
    if (state) { follow(entry, state.getAttribute("data-status-url"), Date.now()); }
    var form = entry.querySelector("[data-report-form]");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        send(entry, form);
      });
    }
  });
})();
