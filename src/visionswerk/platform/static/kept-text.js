/* Visionswerk – puts text kept across a login back into its form (platform/kept_text.py).
 *
 * The page carries the kept fields as JSON (#kept-text-fields) and the address the form
 * was sent to (data-kept-action). The form with that action gets the values back in its
 * text fields, text areas, selects and its hidden base_version (so a save over a newer
 * version is a conflict, not an overwrite); never passwords or hidden tokens. If a field
 * is missing (or the form), the copy below the message opens instead.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-kept-action]");
  var data = document.getElementById("kept-text-fields");
  if (!box || !data) { return; }
  var fields = JSON.parse(data.textContent || "{}");
  var action = box.getAttribute("data-kept-action");
  var TEXT = /^(text|email|search|url|tel|number|date|datetime-local|time|month|week)$/;

  function formFor(path) {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      if (new URL(forms[i].action, location.href).pathname === path) { return forms[i]; }
    }
    return null;
  }

  function fillable(el) {
    if (!el || el.disabled || el.readOnly) { return false; }
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") { return true; }
    if (el.tagName !== "INPUT") { return false; }
    var type = (el.getAttribute("type") || "text").toLowerCase();
    return TEXT.test(type) || (type === "hidden" && /version$/.test(el.name));
  }

  var form = formFor(action);
  var missed = false;
  var filled = 0;
  Object.keys(fields).forEach(function (name) {
    var el = form ? form.elements.namedItem(name) : null;
    if (!el) { missed = true; return; }
    if (!fillable(el)) { return; }  /* check boxes, lists, hidden tokens: not text */
    el.value = fields[name][0];
    el.dispatchEvent(new Event("input", { bubbles: true }));
    if (el.type !== "hidden") { filled += 1; }
  });
  /* a form of buttons and hidden fields only (e.g. "Schritt starten"): no text to give back */
  if (!filled && !missed) { box.hidden = true; return; }
  var copy = box.querySelector("details");
  if (missed && copy) { copy.open = true; }
})();
