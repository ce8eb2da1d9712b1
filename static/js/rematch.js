// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  // On a phone the main navigation folds behind a "Menu" button; without JavaScript it stays
  // open (wrapped), so nobody is locked out of it.
  var toggle = document.querySelector(".rm-nav-toggle");
  var nav = document.getElementById("main-navigation");
  if (toggle && nav) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      nav.classList.toggle("rm-nav--open", !open);
    });
  }
  // Tables turn into one card per row on a phone; each cell is labelled with its column.
  document.documentElement.classList.add("rm-js");
  document.querySelectorAll(".rm-table-wrap table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (!cell.hasAttribute("data-label") && heads[i] && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", heads[i]);
        }
      });
    });
  });
  // Buttons with data-confirm ask before removing a draft item (a housing unit, a member).
  // Final actions (answers, publishing, travel date, arrival) ask on a page of their own.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
