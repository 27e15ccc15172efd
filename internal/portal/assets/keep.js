// keep.js keeps what was typed on a form marked to keep (the web form,
// /data/form) when the session has ended meanwhile: the portal then sends
// the POST to the sign-in page, and back to the form after sign-in. On
// submit the fields go to this tab's sessionStorage; when the form page is
// reached from the sign-in page they are put back and a notice says so.
// Any other load of the form drops the copy, so old edits never come back
// over data submitted since. Served as a static file: the CSP allows
// scripts from this site only.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.querySelector('form[action="/data/form"]');
  if (!form) { return; }
  // Keyed by the form and its period, not the address: a form re-shown
  // after a refused preview sits at the bare /data/form.
  var period = form.elements.namedItem("period");
  var key = "countyreport.keep:" + form.getAttribute("action") + ":" + (period ? period.value : "");
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "hidden" && el.type !== "file" && el.type !== "submit" && el.type !== "button";
    });
  }

  function fromSignin() {
    if (!document.referrer) { return false; }
    try { return new URL(document.referrer).pathname === "/signin"; } catch (e) { return false; }
  }

  var saved = store.getItem(key);
  store.removeItem(key);
  if (saved && fromSignin()) {
    var values = {};
    try { values = JSON.parse(saved); } catch (e) { values = {}; }
    var restored = 0;
    fields().forEach(function (el) {
      if (Object.prototype.hasOwnProperty.call(values, el.name) && typeof values[el.name] === "string") {
        el.value = values[el.name];
        restored++;
      }
    });
    if (restored > 0 && script && script.dataset.restored) {
      var p = document.createElement("p");
      p.className = "notice";
      p.setAttribute("role", "status");
      p.id = "restored";
      p.textContent = script.dataset.restored;
      form.parentNode.insertBefore(p, form);
    }
  }

  form.addEventListener("submit", function () {
    var values = {};
    fields().forEach(function (el) { values[el.name] = el.value; });
    try { store.setItem(key, JSON.stringify(values)); } catch (e) { /* full: nothing kept */ }
  });
})();
