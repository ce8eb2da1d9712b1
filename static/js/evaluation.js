// Evaluation pages, progressive enhancement only: everything works without JavaScript.
(function () {
  "use strict";
  // "Print" buttons open the browser's print dialogue (the report has a print stylesheet).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  // A running comparison: poll its status and reload the page when it is done.
  var pending = document.querySelector("[data-comparison-status-url]");
  if (pending) {
    var url = pending.getAttribute("data-comparison-status-url");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && data.done) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1500);
  }
  // Chart tables open by default when printing (details elements).
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll(".ev-figure details").forEach(function (d) { d.open = true; });
  });
})();
