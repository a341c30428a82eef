// Loket dashboards: the few things a page cannot do without script. Everything also
// works without it (forms submit, pages reload by hand).
(function () {
  "use strict";
  // Confirm before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    // Dependent selects: choosing a brand reloads the form with its fields and products.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
    // Tables become cards on phones (app.css): each cell is labelled with its column's
    // heading.
    document.querySelectorAll(".table table, table.stack").forEach(function (t) {
      var head = t.querySelector("tr"), names = [];
      if (!head || !head.querySelector("th")) { return; }
      head.querySelectorAll("th").forEach(function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) { names.push(th.textContent.trim()); }
      });
      t.querySelectorAll("tr").forEach(function (tr) {
        if (tr === head) { return; }
        var col = 0;
        tr.querySelectorAll(":scope > td").forEach(function (td) {
          if (!td.hasAttribute("data-label") && !td.hasAttribute("colspan") && names[col]) { td.setAttribute("data-label", names[col]); }
          col += td.colSpan || 1;
        });
      });
    });
    document.querySelectorAll("[data-hide-js]").forEach(function (el) { el.hidden = true; });
    // Print the page (a receipt): <button data-print>.
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    // Countdown to an ISO time: <span data-countdown="2026-01-01T00:00:00Z">.
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Date.parse(el.getAttribute("data-countdown"));
      function tick() {
        var s = Math.max(0, Math.floor((end - Date.now()) / 1000));
        el.textContent = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
        if (s > 0) { setTimeout(tick, 1000); }
      }
      tick();
    });
    // Poll a status URL until it is no longer pending, then reload:
    // <div data-poll="/app/deposits/1/status">.
    document.querySelectorAll("[data-poll]").forEach(function (el) {
      var url = el.getAttribute("data-poll");
      function poll() {
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (j) { if (j.status && j.status !== "pending") { location.reload(); } else { setTimeout(poll, 2000); } })
          .catch(function () { setTimeout(poll, 5000); });
      }
      setTimeout(poll, 2000);
    });
  });
})();
