// Capacity questionnaire: warn before leaving a page with unsaved answers, and keep the answers
// of one form when the person submits another form of the same page (adding a housing unit
// while the section's answers are not saved yet). Progressive enhancement only; the
// questionnaire works without JavaScript.
(function () {
  "use strict";
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-rm-dirty]"));
  // One key per section, also when the page is shown again at the unit form's address (errors).
  var main = document.querySelector("form[data-rm-kept]");
  var KEY = "rm-unsaved:" + (main ? new URL(main.action).pathname : window.location.pathname);
  var dirty = [];
  var leaving = false;

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" &&
        ["hidden", "file", "submit", "button", "password"].indexOf(el.type) === -1;
    });
  }
  function values(form) {
    return fields(form).map(function (el) {
      var checkable = el.type === "checkbox" || el.type === "radio";
      return [el.name, el.value, checkable ? el.checked : null, el.tagName === "SELECT" && el.multiple ?
        Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; }) : null];
    });
  }
  function restore(form, saved) {
    var els = fields(form);
    saved.forEach(function (item) {
      els.forEach(function (el) {
        if (el.name !== item[0]) { return; }
        if (item[2] !== null) {
          if (el.value === item[1]) { el.checked = item[2]; }
        } else if (item[3] !== null) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = item[3].indexOf(o.value) !== -1; });
        } else {
          el.value = item[1];
        }
      });
    });
  }
  function markDirty(form) { if (dirty.indexOf(form) === -1) { dirty.push(form); } }

  forms.forEach(function (form) {
    form.addEventListener("input", function () { markDirty(form); });
    form.addEventListener("change", function () { markDirty(form); });
    form.addEventListener("submit", function () {
      var kept = {};
      forms.forEach(function (other, index) {
        if (other !== form && dirty.indexOf(other) !== -1) { kept[index] = values(other); }
      });
      var saved = false;
      try {
        if (Object.keys(kept).length) {
          window.sessionStorage.setItem(KEY, JSON.stringify(kept));
          saved = true;
        }
      } catch (e) { /* storage off: the warning before leaving is all that is left */ }
      var othersDirty = dirty.some(function (other) { return other !== form; });
      leaving = !othersDirty || saved;
    });
  });

  // Answers kept from the previous page load: back into their form, still to be saved.
  var stored = null;
  try {
    stored = window.sessionStorage.getItem(KEY);
    window.sessionStorage.removeItem(KEY);
  } catch (e) { stored = null; }
  if (stored) {
    var kept = JSON.parse(stored);
    Object.keys(kept).forEach(function (index) {
      var form = forms[Number(index)];
      if (!form) { return; }
      restore(form, kept[index]);
      markDirty(form);
      var details = form.closest("details");
      if (details) { details.open = true; }
      var note = form.getAttribute("data-rm-kept");
      if (note) {
        var p = document.createElement("p");
        p.className = "kern-body rm-kept";
        p.setAttribute("role", "status");
        p.textContent = note;
        form.insertBefore(p, form.firstChild);
      }
    });
  }

  window.addEventListener("beforeunload", function (event) {
    if (!leaving && dirty.length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // Move focus to the first field with an error so keyboard and screen reader users find it.
  var firstError = document.querySelector(".kern-form-input--error input, .kern-form-input--error select, .kern-form-input--error textarea");
  if (firstError) { firstError.focus(); }
})();
