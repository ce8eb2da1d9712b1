// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  // The language switcher submits on change; the button stays for keyboard and no-JS users.
  document.querySelectorAll(".rm-language select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Buttons with data-confirm ask before a destructive action.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
