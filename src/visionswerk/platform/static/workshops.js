/* Visionswerk – keeps unsent text of long workshop forms in this browser.
 *
 * Progressive enhancement only: every page works without it. A form marked
 * data-keep="<key>" has its text fields (and its base_version) copied to localStorage
 * while the person types. When the page is opened again and the stored text differs
 * from what the server shows – a failed request, an expired session, a closed tab – the
 * text is put back into the form, with a visible note and a button to discard it.
 *
 * data-keep-version  what the server has saved (a version number, a time stamp);
 *                    when it changed after this browser sent the form and the saved
 *                    text holds every line of the kept one, the save worked.
 * data-keep-page     "get" when the form shows the saved state, "post" when the server
 *                    re-rendered it after a refused save (then it holds the typed text).
 * data-keep-reset    the form is empty after a successful save (comments).
 * The note's text comes from the page (<template id="keep-note">), so it is translated.
 * Logging out (the form posting to /abmelden) removes every kept text (shared
 * computers in the town hall).
 */
(function () {
  "use strict";

  var PREFIX = "visionswerk:keep:";

  function openStorage() {
    try {
      var s = window.localStorage;
      s.setItem(PREFIX + "probe", "1");
      s.removeItem(PREFIX + "probe");
      return s;
    } catch (e) {
      return null;
    }
  }

  var store = openStorage();
  if (!store) {
    return;
  }

  function read(key) {
    try {
      return JSON.parse(store.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function write(key, entry) {
    try {
      store.setItem(key, JSON.stringify(entry));
    } catch (e) {
      /* storage full or blocked: the server still has the saved state */
    }
  }

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      if (!el.name || el.readOnly || el.disabled) {
        return false;
      }
      if (el.tagName === "TEXTAREA") {
        return true;
      }
      return el.tagName === "INPUT" && (el.type === "text" || el.name === "base_version");
    });
  }

  function valuesOf(fields) {
    var values = {};
    fields.forEach(function (el) {
      values[el.name] = el.value;
    });
    return values;
  }

  /* Roughly what the server does to text before it stores it, so a saved text is
   * recognised as the same even if the server tidied it up. */
  function normalize(value) {
    return (value || "")
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .map(function (line) {
        return line.replace(/^\s*(?:[-*+•·–]|\d+[.)])\s+/, "").replace(/\s+/g, " ").trim();
      })
      .filter(function (line) {
        return line !== "";
      })
      .join("\n")
      .toLowerCase();
  }

  function sameText(a, b, fields) {
    return fields.every(function (el) {
      return el.name === "base_version" || normalize(a[el.name]) === normalize(b[el.name]);
    });
  }

  /* Every line of the kept text is in the saved one: the server saved it and added to
   * it (e.g. a statement taken into the draft together with the typed text). */
  function covers(saved, kept, fields) {
    return fields.every(function (el) {
      if (el.name === "base_version") {
        return true;
      }
      var lines = normalize(saved[el.name]).split("\n");
      return normalize(kept[el.name])
        .split("\n")
        .every(function (line) {
          return line === "" || lines.indexOf(line) !== -1;
        });
    });
  }

  function showNote(form, onDiscard) {
    var template = document.getElementById("keep-note");
    if (!template || !template.content) {
      return;
    }
    var note = template.content.firstElementChild.cloneNode(true);
    var button = note.querySelector("button");
    if (button) {
      button.addEventListener("click", function () {
        onDiscard();
        note.parentNode.removeChild(note);
      });
    }
    form.parentNode.insertBefore(note, form);
  }

  function keep(form) {
    var key = PREFIX + form.getAttribute("data-keep");
    var fields = fieldsOf(form);
    if (!fields.length) {
      return;
    }
    var serverValues = valuesOf(fields);
    var version = form.getAttribute("data-keep-version") || "";
    var fromGet = form.getAttribute("data-keep-page") === "get";
    var resets = form.hasAttribute("data-keep-reset");
    var entry = read(key);

    if (!fromGet) {
      /* a refused save: the form holds the typed text; keep it until it is saved */
      write(key, { values: serverValues, version: version, sent: false });
    } else if (entry && entry.values) {
      var changed = entry.version !== version;
      /* sent, and the saved version moved on: the save went through (a refused save
       * re-renders the form and marks the kept text unsent) */
      var saved = entry.sent && changed && (resets || covers(serverValues, entry.values, fields));
      if (sameText(entry.values, serverValues, fields) || saved) {
        store.removeItem(key);
      } else {
        fields.forEach(function (el) {
          if (Object.prototype.hasOwnProperty.call(entry.values, el.name)) {
            el.value = entry.values[el.name];
          }
        });
        entry.sent = false;
        write(key, entry);
        showNote(form, function () {
          fields.forEach(function (el) {
            el.value = serverValues[el.name];
          });
          store.removeItem(key);
        });
      }
    }

    form.addEventListener("input", function () {
      var current = read(key);
      write(key, {
        values: valuesOf(fields),
        version: current && !fromGet ? current.version : version,
        sent: false,
      });
    });
    form.addEventListener("submit", function () {
      var current = read(key);
      if (current) {
        current.sent = true;
        write(key, current);
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-keep]"), keep);

  /* logging out forgets every kept text of this browser */
  Array.prototype.forEach.call(document.querySelectorAll('form[action$="/abmelden"]'), function (form) {
    form.addEventListener("submit", function () {
      var keys = [];
      for (var i = 0; i < store.length; i += 1) {
        var k = store.key(i);
        if (k && k.indexOf(PREFIX) === 0) {
          keys.push(k);
        }
      }
      keys.forEach(function (k) {
        store.removeItem(k);
      });
    });
  });
})();
