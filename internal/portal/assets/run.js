// run.js keeps the run page current without reloading it: every 2 s it
// reads /runs/<name>/status (the page's words, already translated, as
// JSON) and updates the page's fields, until the run is done. Served as a
// static file: the CSP allows scripts and fetches from this site only.
(function () {
  "use strict";
  var root = document.getElementById("run");
  if (!root || !root.dataset.status) { return; }
  var url = root.dataset.status;

  function set(id, text) {
    var el = document.getElementById(id);
    if (!el) { return; }
    el.textContent = text || "";
    if (el.tagName === "P") { el.hidden = !text; }
  }
  function show(id, on) {
    var el = document.getElementById(id);
    if (el) { el.hidden = !on; }
  }

  function apply(s) {
    set("run-heading", s.heading);
    var state = document.getElementById("run-state");
    if (state && state.textContent !== s.state) { state.textContent = s.state; }
    set("run-attempts", s.attempts);
    set("run-message", s.message);
    set("run-failure", s.failure);
    show("run-wait", !s.done);
    show("run-done", !!s.pdf);
    show("run-pdf-p", !!s.pdf);
    if (s.pdf) {
      var a = document.getElementById("run-pdf");
      a.href = s.pdf;
      a.textContent = s.pdfLabel;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { throw new Error("status " + r.status); }
        return r.json();
      })
      .then(function (s) {
        apply(s);
        if (!s.done) { setTimeout(poll, 2000); }
      })
      .catch(function () { setTimeout(poll, 10000); }); // signed out or a hiccup: slower
  }
  if (document.getElementById("run-wait") && !document.getElementById("run-wait").hidden) {
    setTimeout(poll, 2000);
  }
})();
