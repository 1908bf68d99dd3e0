/* Visionswerk – the step-3 workbench (vision.html). Progressive enhancement only: every
 * action is a plain form without it.
 *
 * - Link by selection: text selected in the saved vision text is put into the ledger's
 *   "Stelle im Visionstext" field (only while the text is unchanged: the passage must be
 *   in the saved text).
 * - Filters and search apply at once (rows hidden, the count of shown rows announced).
 * - "/" focuses the search; "a" takes up the ticked aspects, "z" goes to the reason.
 * - Ticking a group ticks its aspects (the server applies a group decision to all anyway).
 * - Suggested passages over the page's budget (link "#wb-more-hints", which works without
 *   JavaScript too) are fetched once the page has loaded and put into their rows.
 */
(function () {
  "use strict";
  var text = document.getElementById("id_text") || document.querySelector("#vision-form textarea");
  var passage = document.getElementById("wb-passage");
  var rows = document.getElementById("wb-rows");
  var filters = document.getElementById("wb-filters");
  var counts = document.getElementById("wb-counts");

  if (text && passage) {
    var saved = text.value;
    var hint = document.createElement("p");
    hint.className = "wb-picked";
    hint.setAttribute("aria-live", "polite");
    passage.parentNode.insertBefore(hint, passage.nextSibling);
    var pick = function () {
      var chosen = text.value.slice(text.selectionStart, text.selectionEnd).trim();
      if (!chosen) { return; }
      if (text.value !== saved) {
        hint.textContent = passage.dataset.unsaved || "";
        return;
      }
      passage.value = chosen;
      hint.textContent = (passage.dataset.picked || "") + " „" + (chosen.length > 80 ? chosen.slice(0, 80) + "…" : chosen) + "“";
    };
    text.addEventListener("mouseup", pick);
    text.addEventListener("keyup", pick);
    text.addEventListener("select", pick);
    text.addEventListener("touchend", function () { window.setTimeout(pick, 50); });
  }

  if (rows && filters) {
    var q = filters.querySelector("[name=q]");
    var fields = { p: "pair", u: "person", g: "group" };
    var status = filters.querySelector("[name=status]");
    var apply = function () {
      var shown = 0;
      var items = rows.children;
      for (var i = 0; i < items.length; i++) {
        var li = items[i];
        var keep = true;
        for (var k in fields) {
          var f = filters.querySelector("[name=" + fields[k] + "]");
          if (f && f.value && li.getAttribute("data-" + k) !== f.value) { keep = false; }
        }
        if (status && status.value && !li.classList.contains(status.value)) { keep = false; }
        var lbl = li.querySelector("label");
        if (q && q.value && lbl && lbl.textContent.toLowerCase().indexOf(q.value.toLowerCase()) < 0) { keep = false; }
        li.hidden = !keep;
        if (keep) { shown++; }
      }
      var out = document.getElementById("wb-shown");
      if (counts && out) {
        out.textContent = shown === items.length ? "" : " · " + (counts.dataset.shown || "%n").replace("%n", shown);
      }
    };
    filters.addEventListener("input", apply);
    filters.addEventListener("change", apply);
    // a filter may hold a value already: the browser restored it (back button), or it
    // was chosen while the page was still loading
    apply();
  }

  var more = document.getElementById("wb-more-hints");
  if (more && rows && window.fetch) {
    fetch(more.href, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.rows) { return; }
        Object.keys(data.rows).forEach(function (id) {
          var box = document.getElementById("c" + id);
          var li = box && box.parentNode;
          // the server escaped the button's texts (workbench_views._hint)
          if (li && !li.querySelector("button[name=suggest]")) { li.insertAdjacentHTML("beforeend", data.rows[id]); }
        });
        more.parentNode.textContent = more.dataset.done || "";
      })
      .catch(function () { /* the link still works */ });
  }

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (box.name !== "group_ids" || !rows) { return; }
    var members = rows.querySelectorAll("li[data-g='" + box.value + "'] input[name=a]");
    for (var i = 0; i < members.length; i++) { members[i].checked = box.checked; }
  });

  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
    if (typing || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "/" && filters) {
      e.preventDefault();
      filters.querySelector("[name=q]").focus();
    } else if (e.key === "a" && passage) {
      e.preventDefault();
      document.querySelector("#ledger button[value=take_up]").click();
    } else if (e.key === "z") {
      var reason = document.getElementById("wb-reason");
      if (reason) { e.preventDefault(); reason.focus(); }
    }
  });
})();
