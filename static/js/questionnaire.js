// Capacity questionnaire: warn before leaving a page with unsaved answers. Progressive
// enhancement only; the questionnaire works without JavaScript.
(function () {
  "use strict";
  var dirty = false;
  document.querySelectorAll("form[data-rm-dirty]").forEach(function (form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // Move focus to the first field with an error so keyboard and screen reader users find it.
  var firstError = document.querySelector(".kern-form-input--error input, .kern-form-input--error select, .kern-form-input--error textarea");
  if (firstError) { firstError.focus(); }
})();
