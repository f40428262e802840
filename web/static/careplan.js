/* careplan: small enhancements only. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    // The infusion form's total dose in mg, worked out as the dose and weight are typed.
    var total = document.querySelector("[data-total-mg]");
    var dose = document.getElementById("f-dose_mg_per_kg");
    var weight = document.getElementById("f-weight_kg");
    if (total && dose && weight) {
      var update = function () {
        var mg = parseFloat(dose.value) * parseFloat(weight.value);
        total.textContent = isFinite(mg) && mg > 0 ? String(Math.round(mg * 10) / 10) : "—";
      };
      dose.addEventListener("input", update);
      weight.addEventListener("input", update);
    }

    // Print buttons: the page's security policy forbids inline handlers (onclick), so they are wired here.
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });

    // A form marked data-once disables its buttons on submit: one click, one request.
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        setTimeout(function () {
          form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        }, 0);
      });
    });

    // Repeating rows (medications, lab values): "Add a row" copies the last row, emptied.
    document.querySelectorAll("[data-repeat]").forEach(function (box) {
      var add = box.querySelector("[data-add-row]");
      if (!add) return;
      add.addEventListener("click", function () {
        var rows = box.querySelectorAll("[data-row]");
        var last = rows[rows.length - 1];
        var copy = last.cloneNode(true);
        var index = rows.length;
        copy.querySelectorAll("input, select, textarea").forEach(function (el) {
          el.name = el.name.replace(/-\d+-/, "-" + index + "-");
          if (el.id) el.id = el.id.replace(/-\d+-/, "-" + index + "-");
          el.value = "";
          el.removeAttribute("aria-invalid");
        });
        copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
        last.parentNode.appendChild(copy);
        var first = copy.querySelector("input, select");
        if (first) first.focus();
      });
    });

    // Questionnaire items: show only the chosen instrument's items.
    var instrument = document.getElementById("f-instrument");
    var sets = document.querySelectorAll(".questionnaire[data-instrument]");
    if (instrument && sets.length) {
      var sync = function () {
        var chosen = instrument.value || "PHQ9";
        sets.forEach(function (set) { set.hidden = set.getAttribute("data-instrument") !== chosen; });
      };
      instrument.addEventListener("change", sync);
      sync();
    }

    // A running total under each questionnaire; it fills the Total field, which stays editable.
    var total = document.getElementById("f-total");
    sets.forEach(function (set) {
      var code = set.getAttribute("data-instrument");
      var out = set.querySelector("[data-total-for]");
      var open = set.querySelector("[data-unanswered-for]");
      var selects = set.querySelectorAll("select");
      if (!out) return;
      var add = function () {
        var sum = 0, missing = 0;
        selects.forEach(function (s) { if (s.value === "") { missing += 1; } else { sum += parseInt(s.value, 10); } });
        out.textContent = String(sum);
        open.textContent = missing ? " (" + missing + " item" + (missing > 1 ? "s" : "") + " unanswered)" : "";
        if (total && !set.hidden && missing < selects.length) total.value = String(sum);
      };
      selects.forEach(function (s) { s.addEventListener("change", add); });
      add();
    });
  });
})();
