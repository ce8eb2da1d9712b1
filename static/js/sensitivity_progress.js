// Polls a run's sensitivity computation and updates its progress bar; reloads when it ended.
(function () {
  "use strict";
  var box = document.getElementById("sensitivity-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("sensitivity-progress-bar");
  var status = box.querySelector("[data-sensitivity-status]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.progress;
        bar.textContent = data.progress + "%";
        status.textContent = data.status_label;
        if (data.done) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, 1000);
})();
