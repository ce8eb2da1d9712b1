// Household pages: progressive enhancement only, every page works without JavaScript.
(function () {
  "use strict";
  // The printable summary: a real button instead of "press Ctrl+P".
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // Filters of the household list apply as soon as a select or checkbox changes.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (input) {
      input.addEventListener("change", function () { form.submit(); });
    });
  });
  // Relatives: the free-text place is only needed when no platform municipality is chosen.
  var municipality = document.getElementById("id_municipality");
  var place = document.getElementById("id_place");
  if (municipality && place) {
    var group = place.closest(".kern-form-input");
    var sync = function () { group.hidden = municipality.value !== ""; };
    municipality.addEventListener("change", sync);
    sync();
  }
})();
